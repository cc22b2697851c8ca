"""Signed batches of meter readings from a unit's gateway (HTTP or MQTT)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record
from jiliang.core import ratelimit, signed_batches
from jiliang.core.models import User
from jiliang.core.observability import INGEST_ROWS
from jiliang.core.signed_batches import BatchRefusedError
from jiliang.energy import conf, ingest, partitions, permissions, signing
from jiliang.energy.models import (
    BatchRefusal,
    EnergyUnit,
    Reading,
    ReadingBatch,
)

READING_CHAIN = Reading.chain_name()
# --- readings -------------------------------------------------------------------------------

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


@signed_batches.gc_paused()  # a batch's short-lived rows set off collections that free nothing
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
    sender = _Sender(unit_code=(unit_code or "").strip(), batch_id=(batch_id or "").strip(),
                     channel=channel, client=client)
    unit = sender.unit_check(actor)
    sender.signature_check(body, signature)
    digest = hashlib.sha256(body).hexdigest()
    found = ReadingBatch.objects.filter(unit=unit, batch_id=sender.batch_id).first()
    if found is not None:
        return sender.repeat(found, digest)
    now = timezone.now()
    items = sender.items(body, content_type)
    # Partitions first, in their own short transaction where possible.
    partitions.ensure(ingest.months_hint(items))
    with transaction.atomic(), chain_lock(READING_CHAIN, str(unit.pk)) as writer:
        found = ReadingBatch.objects.filter(unit=unit, batch_id=sender.batch_id).first()
        if found is not None:  # the same batch arrived twice at once
            return sender.repeat(found, digest)
        batch = ReadingBatch.objects.create(
            unit=unit, region_code=unit.region_code, batch_id=sender.batch_id, channel=channel,
            content_type=content_type, body_sha256=digest, signature=signature[:100],
            key_fingerprint=signing.fingerprint(unit.public_key), received_at=now,
            rows=len(items))
        _load(unit, batch, items, now=now, writer=writer)
        audit_record(actor=actor, action="energy.batch.ingest", obj=batch,
                     region_code=unit.region_code,
                     after={"unit": unit.code, "batch_id": sender.batch_id, "channel": channel,
                            "sha256": digest, "accepted": batch.accepted,
                            "duplicates": batch.duplicates, "rejected": batch.rejected})
    INGEST_ROWS.labels(channel).inc(batch.accepted)
    return IngestResult(batch)


@dataclass
class _Sender:
    """Who sent a batch, and the checks that refuse it as a whole (each refusal kept)."""

    unit_code: str
    batch_id: str
    channel: str
    client: str
    unit: EnergyUnit | None = None

    def refuse(self, field_name: str, reason: str, message: str, *,
               status: int = 400) -> BatchRefusedError:
        return batch_refusal_record(unit=self.unit, unit_code=self.unit_code,
                                    batch_id=self.batch_id, channel=self.channel,
                                    client=self.client, field_name=field_name, reason=reason,
                                    message=message, status=status)

    def unit_check(self, actor: User | None) -> EnergyUnit:
        unit = EnergyUnit.objects.filter(code=self.unit_code).first()
        # An unknown unit and another enterprise's unit get the same answer: the code of a unit
        # is not to be found out by trying.
        if unit is None or (actor is not None and not permissions.member_of(
                actor, unit.organisation_id)):
            raise self.refuse("unit", "unknown_unit", _(
                "No energy-using unit “%(code)s” takes batches from you.") % {
                "code": self.unit_code}, status=404)
        self.unit = unit
        return unit

    def signature_check(self, body: bytes, signature: str) -> None:
        if not self.batch_id or len(self.batch_id) > 64:
            raise self.refuse("batch_id", "no_batch_id",
                              _("Give the batch an id of 1 to 64 characters."))
        if not self.unit.public_key:
            raise self.refuse("signature", "no_key",
                              _("The unit has no registered gateway key."), status=403)
        if not signature:
            raise self.refuse("signature", "unsigned", _("The batch is not signed."), status=403)
        if not signing.verify(self.unit.public_key, self.unit_code, self.batch_id, body,
                              signature):
            raise self.refuse("signature", "bad_signature", _(
                "The signature does not match the unit's registered key."), status=403)

    def repeat(self, found: ReadingBatch, digest: str) -> IngestResult:
        if found.body_sha256 != digest:
            raise self.refuse("batch_id", "batch_id_reused",
                              _("This batch id was used for other readings."), status=409)
        return IngestResult(found, repeated=True)

    def items(self, body: bytes, content_type: str) -> ingest.Numbered | list:
        try:
            items = ingest.read_body(body, content_type)
        except ValueError as error:
            raise self.refuse("body", "unreadable", str(error)) from None
        if len(items) > conf.max_batch_rows():
            raise self.refuse("body", "too_large", _(
                "A batch holds at most %(n)s readings.") % {"n": conf.max_batch_rows()},
                status=413)
        return items


def _load(unit: EnergyUnit, batch: ReadingBatch, items: list, *, now, writer) -> None:
    """The readings into the unit's chain, the batch's counts and the unit's last reading."""
    unit.refresh_from_db(fields=["ledger_version"])
    written = ingest.write(unit=unit, batch=batch, meters_by_code=ingest.meter_states(unit),
                           items=items, now=now, future_tolerance_s=conf.FUTURE_TOLERANCE_S,
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
