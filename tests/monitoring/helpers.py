"""Gateways, instruments and signed event batches for the monitoring tests, through the services."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json

from django.utils import timezone

from jiliang.core import signed_batches
from jiliang.monitoring import services
from jiliang.monitoring.models import EventBatch
from tests.registry.helpers import file

PRIVATE, PUBLIC = signed_batches.keypair_from_seed(b"jiliang-monitoring-tests")
OTHER_PRIVATE, _OTHER = signed_batches.keypair_from_seed(b"somebody-else")
_codes = itertools.count(1)


def gateway(owner, *, code: str | None = None):
    return services.gateway_register(actor=None, organisation=owner,
                                     code=code or f"GW-{next(_codes)}", name="油站采集器",
                                     public_key=PUBLIC)


def dispenser(owner_user, **kwargs):
    return file(owner_user, kind="fuel_dispenser", **kwargs)


def ago(days: float = 0, hours: float = 0) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days, hours=hours)


def event(instrument, kind: str, when: datetime.datetime, value=None, sales=None,
          detail: str = "") -> dict:
    item = {"instrument": instrument.public_code, "kind": kind,
            "time": when.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat()}
    if value is not None:
        item["value"] = str(value)
    if sales is not None:
        item["sales"] = str(sales)
    if detail:
        item["detail"] = detail
    return item


def last_sha(gw) -> str:
    return (EventBatch.objects.filter(gateway=gw).order_by("-id")
            .values_list("body_sha256", flat=True).first()) or "0" * 64


def body(gw, events, *, previous: str | None = None) -> bytes:
    return json.dumps({"previous": last_sha(gw) if previous is None else previous,
                       "events": events}).encode()


def send(gw, events, *, batch_id: str | None = None, key: str = PRIVATE, previous=None,
         raw: bytes | None = None, actor=None):
    data = raw if raw is not None else body(gw, events, previous=previous)
    batch_id = batch_id or f"b-{next(_codes)}"
    return services.batch_ingest(gateway_code=gw.code, batch_id=batch_id, body=data,
                                 signature=services.sign(key, gw.code, batch_id, data),
                                 actor=actor)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
