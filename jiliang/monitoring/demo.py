"""Demo: the Shenzhen filling station's gateway reports its fuel dispensers' event counters and
totalisers; one dispenser's counter jumped with no verification since, and an alert is raised.
The gateway's key comes from the seed ``demo-<gateway code>`` (``energy_keygen --seed``)."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from django.utils import timezone

from jiliang.core import signed_batches
from jiliang.core.models import Organisation
from jiliang.monitoring import services
from jiliang.monitoring.models import EventBatch, Gateway
from jiliang.registry.models import Instrument

CODE = "GW-SZ-FUEL-01"
STATION = "91440304MA5DEM002"  # registry demo: 深圳市福田区中石化加油站有限公司


def load(stdout) -> None:
    if Gateway.objects.filter(code=CODE).exists():
        stdout.write("monitoring: demo gateway already on file")
        return
    station = Organisation.objects.filter(credit_code__startswith=STATION).first()
    if station is None:
        stdout.write("monitoring: the registry's demo filling station is not on file; skipped")
        return
    dispensers = list(Instrument.objects.filter(owner=station, kind__code="fuel_dispenser",
                                                status="in_use").order_by("id")[:4])
    if not dispensers:
        stdout.write("monitoring: no fuel dispenser on file; skipped")
        return
    private, public = signed_batches.keypair_from_seed(f"demo-{CODE}".encode())
    gateway = services.gateway_register(actor=None, organisation=station, code=CODE,
                                        name="福田加油站计量数据采集器", public_key=public)
    tz = datetime.timezone(datetime.timedelta(hours=8))
    now = timezone.now().astimezone(tz).replace(minute=0, second=0, microsecond=0)
    previous = "0" * 64
    for day in (3, 2, 1):
        at = now - datetime.timedelta(days=day)
        events = []
        for i, inst in enumerate(dispensers):
            counter = 120 + i
            if inst is dispensers[0] and day == 1:
                counter += 3  # the counter jumped: three parameter changes, no verification
                events.append({"instrument": inst.public_code, "kind": "pulser_change",
                               "time": (at - datetime.timedelta(hours=1)).isoformat(),
                               "detail": "脉冲当量 0.0100 → 0.0098 L"})
            total = Decimal(250000 + 1500 * (3 - day) + 200 * i)
            events += [
                {"instrument": inst.public_code, "kind": "event_counter", "time": at.isoformat(),
                 "value": str(counter)},
                {"instrument": inst.public_code, "kind": "totaliser", "time": at.isoformat(),
                 "value": f"{total:.3f}", "sales": f"{total - 1000:.3f}"},
            ]
        body = json.dumps({"previous": previous, "events": events}, ensure_ascii=False).encode()
        batch_id = f"demo-{day}"
        services.batch_ingest(gateway_code=CODE, batch_id=batch_id, body=body,
                              signature=services.sign(private, CODE, batch_id, body))
        previous = hashlib.sha256(body).hexdigest()
    alerts = sum(EventBatch.objects.filter(gateway=gateway).values_list("alerts", flat=True))
    opened = _open_case(dispensers[0])
    stdout.write(f"monitoring: gateway {CODE}, {len(dispensers)} fuel dispensers, "
                 f"{alerts} tamper alert(s){', a case opened from the counter jump' if opened else ''}")


def _open_case(dispenser) -> bool:
    """The Guangdong bureau opens a case from the counter jump (the enforcement app, if any)."""
    from django.apps import apps

    if not apps.is_installed("jiliang.enforcement"):
        return False
    from jiliang.enforcement.services import open_case
    from jiliang.monitoring.models import Alert

    alert = Alert.objects.filter(instrument=dispenser, rule="counter_jump").first()
    bureau = Organisation.objects.filter(kind="provincial_bureau", region_code="440000").first()
    if alert is None or bureau is None:
        return False
    open_case(None, finding=alert, bureau=bureau)
    return True
