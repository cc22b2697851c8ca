"""Signed batches of meter readings from a unit's gateway (HTTP or MQTT)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record
from jiliang.core import ratelimit
from jiliang.core.models import User
from jiliang.core.observability import INGEST_ROWS
from jiliang.energy import conf, ingest, partitions, permissions, signing
from jiliang.energy.models import (
    BatchRefusal,
    EnergyUnit,
    Reading,
    ReadingBatch,
)

READING_CHAIN = Reading.chain_name()
# --- readings -------------------------------------------------------------------------------

class BatchRefusedError(ValidationError):
    """A batch refused as a whole; ``reason`` is stable, ``status`` the HTTP status to answer."""

    def __init__(self, field_name: str, message: str, *, reason: str, status: int = 400):
        super().__init__({field_name: [message]})
        self.reason = reason
        self.status = status


@dataclass
class IngestResult:
    batch: ReadingBatch
    repeated: bool = False

    def as_dict(self) -> dict:
        b = self.batch
        return {"batch_id": b.batch_id, "repeated": self.repeated, "rows": b.rows,
                "accepted": b.accepted, "duplicates": b.duplicates, "rejected": b.rejected,
                "errors": b.errors}


def batch_refusal_record(*, unit: EnergyUnit | None, unit_code: str, batch_id: str,
                         channel: str, field_name: str, reason: str, message: str,
                         status: int = 400, client: str = "") -> BatchRefusedError:
    """Keep a refused batch on file (in its own transaction) and return the error to raise.

    At most ``conf.refusals_per_minute()`` a minute per client (its user, or for MQTT the unit
    code of its topic) are kept: past that the client is answered 429 and nothing is written,
    so probing unit codes or replaying bad batches costs the database nothing."""
    # Without a client's identity (MQTT), refusals are counted per unit, and those for units
    # that do not exist all together: a new made-up code is no new allowance.
    key = f"energy-refusal:{channel}:{client or (unit_code[:64] if unit else '?')}"
    if not ratelimit.allow(key, limit=conf.refusals_per_minute()):
        return BatchRefusedError(field_name, _(
            "Too many refused batches from this client in the last minute; wait and send again."),
            reason="rate_limited", status=429)
    with transaction.atomic():
        BatchRefusal.objects.create(
            unit=unit, unit_code=unit_code[:64], region_code=unit.region_code if unit else "",
            batch_id=batch_id[:64], channel=channel, reason=reason, message=message[:300],
            received_at=timezone.now())
    return BatchRefusedError(field_name, message, reason=reason, status=status)


def batch_ingest(
    *,
    unit_code: str,
    batch_id: str,
    body: bytes,
    content_type: str,
    signature: str,
    channel: str,
    actor: User | None = None,
    client: str = "",
) -> IngestResult:
    """Take a signed batch of readings from a unit's gateway.

    Refused as a whole (and the refusal kept) when the unit is unknown, the signature is
    missing or bad, or the batch id was used for other content; a repeat of a batch on file
    changes nothing. Otherwise every good row is loaded and every bad one reported.
    """
    unit_code = (unit_code or "").strip()
    batch_id = (batch_id or "").strip()
    unit = EnergyUnit.objects.filter(code=unit_code).first()
    # An unknown unit and another enterprise's unit get the same answer: the code of a unit
    # is not to be found out by trying.
    if unit is None or (actor is not None and not permissions.member_of(
            actor, unit.organisation_id)):
        raise batch_refusal_record(
            unit=None, unit_code=unit_code, batch_id=batch_id, channel=channel, client=client,
            field_name="unit", reason="unknown_unit", status=404,
            message=_("No energy-using unit “%(code)s” takes batches from you.") % {
                "code": unit_code})
    if not batch_id or len(batch_id) > 64:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="batch_id", reason="no_batch_id",
                      message=_("Give the batch an id of 1 to 64 characters."))
    if not unit.public_key:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="no_key", status=403,
                      message=_("The unit has no registered gateway key."))
    if not signature:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="unsigned", status=403,
                      message=_("The batch is not signed."))
    if not signing.verify(unit.public_key, unit_code, batch_id, body, signature):
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="bad_signature", status=403,
                      message=_("The signature does not match the unit's registered key."))
    digest = hashlib.sha256(body).hexdigest()

    def repeat(found: ReadingBatch) -> IngestResult:
        if found.body_sha256 != digest:
            raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                          field_name="batch_id", reason="batch_id_reused", status=409,
                          message=_("This batch id was used for other readings."))
        return IngestResult(found, repeated=True)

    found = ReadingBatch.objects.filter(unit=unit, batch_id=batch_id).first()
    if found is not None:
        return repeat(found)
    now = timezone.now()
    try:
        items = ingest.read_body(body, content_type)
    except ValueError as error:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id,
                                   channel=channel, client=client, field_name="body",
                                   reason="unreadable",
                                   message=str(error)) from None
    total = len(items)
    if total > conf.max_batch_rows():
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id,
                                   channel=channel, client=client, field_name="body",
                                   reason="too_large",
                                   status=413, message=_("A batch holds at most %(n)s readings.")
                                   % {"n": conf.max_batch_rows()})
    # Partitions first, in their own short transaction where possible.
    partitions.ensure(ingest.months_hint(items))
    with transaction.atomic(), chain_lock(READING_CHAIN, str(unit.pk)) as writer:
        found = ReadingBatch.objects.filter(unit=unit, batch_id=batch_id).first()
        if found is not None:  # the same batch arrived twice at once
            return repeat(found)
        batch = ReadingBatch.objects.create(
            unit=unit, region_code=unit.region_code, batch_id=batch_id, channel=channel,
            content_type=content_type, body_sha256=digest, signature=signature[:100],
            key_fingerprint=signing.fingerprint(unit.public_key), received_at=now, rows=total)
        unit.refresh_from_db(fields=["ledger_version"])
        meters = ingest.meter_states(unit)
        written = ingest.write(unit=unit, batch=batch, meters_by_code=meters, items=items,
                               now=now, future_tolerance_s=conf.FUTURE_TOLERANCE_S,
                               writer=writer)
        batch.accepted, batch.duplicates = written.accepted, written.duplicates
        batch.rejected = len(written.errors)
        batch.errors = [e.as_dict() for e in sorted(written.errors, key=lambda e: e.row)[:200]]
        batch.first_read_at, batch.last_read_at = written.first_at, written.last_at
        batch.save(update_fields=["accepted", "duplicates", "rejected", "errors",
                                  "first_read_at", "last_read_at"])
        if written.last_at and (unit.last_reading_at is None
                                or written.last_at > unit.last_reading_at):
            EnergyUnit.objects.filter(pk=unit.pk).update(last_reading_at=written.last_at)
        audit_record(actor=actor, action="energy.batch.ingest", obj=batch,
                     region_code=unit.region_code,
                     after={"unit": unit.code, "batch_id": batch_id, "channel": channel,
                            "sha256": digest, "accepted": batch.accepted,
                            "duplicates": batch.duplicates, "rejected": batch.rejected})
    INGEST_ROWS.labels(channel).inc(batch.accepted)
    return IngestResult(batch)


