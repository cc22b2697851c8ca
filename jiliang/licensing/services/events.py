"""The transition log, the notices to applicants and holders, and the disclosures."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jiliang.audit.chain import chain_append
from jiliang.licensing.models import (
    Application,
    ApplicationEvent,
    Licence,
    LicenceEvent,
    Notice,
)

# --- the events, notices and disclosures ------------------------------------------------------


def log_event(app: Application, *, actor, action: str, from_state: str, to_state: str,
         on: datetime.date, note: str = "", data: dict | None = None) -> ApplicationEvent:
    authenticated = actor is not None and actor.is_authenticated
    event = ApplicationEvent(
        application=app, at=timezone.now(), on=on,
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        action=action, from_state=from_state, to_state=to_state, note=note,
        data=data or {}, region_code=app.region_code,
    )
    chain_append([event])
    return event


def notify(org_id: int, region_code: str, notice_kind: str, /, *,
            application: Application | None = None, licence: Licence | None = None,
            **params) -> Notice:
    return Notice.objects.create(organisation_id=org_id, region_code=region_code, kind=notice_kind,
                                 application=application, licence=licence, params=params)


def licence_summary(licence: Licence) -> dict[str, Any]:
    """What is published about a licence (Art. 40): the type's published particulars only."""
    lt = licence.licence_type
    return {
        "number": licence.number,
        "type_code": licence.type_code,
        "holder": licence.holder.name,
        "credit_code": licence.holder.credit_code or "",
        "region_code": licence.region_code,
        "authority_code": licence.authority_code,
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "particulars": {p["name"]: licence.particulars.get(p["name"])
                        for p in lt.published_particulars()},
    }


def publish(licence: Licence, kind: str, *, actor, on: datetime.date, reasons: str = "",
             article: str = "") -> LicenceEvent:
    authenticated = actor is not None and actor.is_authenticated
    event = LicenceEvent(
        licence=licence, kind=kind, on=on, at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        type_code=licence.type_code, region_code=licence.region_code,
        province_code=licence.province_code, reasons=reasons, article=article,
        summary=licence_summary(licence),
    )
    chain_append([event])
    return event


