"""Writing to the audit ledger. Every service of every app calls ``audit_record``."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from jiliang.audit.chain import ChainHead, canonical_value, chain_append, chained_models
from jiliang.audit.models import Checkpoint, LedgerEntry
from jiliang.rules import checkpoints


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


# --- checkpoints --------------------------------------------------------------------------------


def checkpoint_key() -> bytes:
    """The private checkpoint key from ``JILIANG_CHECKPOINT_KEY_FILE`` (base64 of 32 bytes).

    Kept outside the database so that whoever can rewrite the database cannot sign. A missing
    file is created once with a new key (readable by its owner only); back it up, and keep the
    public key published (the checkpoints page shows it)."""
    path = Path(settings.JILIANG_CHECKPOINT_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.b64encode(checkpoints.new_key()).decode() + "\n")
    return base64.b64decode(path.read_text().strip())


def checkpoint_sign(*, day=None):
    """Sign today's (or ``day``'s) checkpoint of every chain head; once a day (a second call
    the same day returns the first)."""
    day = day or timezone.localdate()
    existing = Checkpoint.objects.filter(day=day).first()
    if existing is not None:
        return existing
    key = checkpoint_key()
    with transaction.atomic():
        heads = sorted([h.chain, h.key, h.last_seq, h.last_hash]
                       for h in ChainHead.objects.all())
        checkpoint = Checkpoint.objects.create(
            day=day, heads=heads, public_key=checkpoints.public_key(key),
            signature=checkpoints.sign(key, day.isoformat(), heads), signed_at=timezone.now())
        audit_record(actor=None, action="audit.checkpoint.sign", obj=checkpoint,
                     after={"day": day.isoformat(), "chains": len(heads),
                            "public_key": checkpoint.public_key})
    return checkpoint


def checkpoints_check(published: list[dict]) -> list:
    """Each published checkpoint (``Checkpoint.as_dict``) against the chains as they are now:
    its signature, then every head it signed. Returns ``rules.checkpoints.Mismatch``es (a bad
    signature is one too, on the chain "signature")."""
    models_by_chain = {m.chain_name(): m for m in chained_models()}

    def link_hash(chain: str, key: str, seq: int) -> str | None:
        model = models_by_chain.get(chain)
        if model is None:
            return None
        return model.objects.filter(chain_key=key, chain_seq=seq).values_list(
            "row_hash", flat=True).first()

    found = []
    for item in published:
        day, heads = str(item.get("day", "")), [tuple(h) for h in item.get("heads", [])]
        if not checkpoints.verify(str(item.get("public_key", "")), day, heads,
                                  str(item.get("signature", ""))):
            found.append(checkpoints.Mismatch("signature", "", 0, day,
                                              f"the checkpoint of {day} is not validly signed"))
            continue
        found.extend(checkpoints.compare(day, heads, link_hash))
    return found
