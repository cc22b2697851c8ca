"""Writing to the audit ledger. Every service of every app calls ``audit_record``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone

from jiliang.audit.chain import canonical_value, chain_append
from jiliang.audit.models import LedgerEntry


def snapshot(instance: models.Model | None, fields: Iterable[str] | None = None) -> dict | None:
    """The stored values of an instance as JSON-safe data, for before/after."""
    if instance is None:
        return None
    names = fields or [
        f.name for f in instance._meta.concrete_fields if not getattr(f, "auto_now", False)
    ]
    return {name: canonical_value(instance, name) for name in names}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    region_code: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> LedgerEntry:
    """Append one ledger entry. Call it inside the service's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        region_code = region_code or getattr(obj, "region_code", "") or ""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = LedgerEntry(
        at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        organisation_id=getattr(actor, "organisation_id", None) if authenticated else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        region_code=region_code,
        before=before,
        after=after,
    )
    with transaction.atomic():
        chain_append([entry])
    return entry
