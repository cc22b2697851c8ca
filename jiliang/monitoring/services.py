"""Every write of the monitoring app: gateways and their keys, signed event batches (with the
tamper rules run at ingest), and the handling of alerts. Each in one transaction with its
ledger entry."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record
from jiliang.core import ratelimit, signed_batches
from jiliang.core.models import Organisation, User
from jiliang.core.signed_batches import BatchRefusedError
from jiliang.monitoring import conf, ingest, permissions
from jiliang.monitoring.models import Alert, Event, EventBatch, EventRefusal, Gateway
from jiliang.rules.tamper import Judge

CONTEXT = b"jiliang-instrument-events/1"
EVENT_CHAIN = Event.chain_name()
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def sign(private_key: str, gateway_code: str, batch_id: str, body: bytes) -> str:
    """A gateway's signature of a batch (tests, the demo and gateways' reference code)."""
    return signed_batches.sign(private_key, CONTEXT, gateway_code, batch_id, body)


@transaction.atomic
def gateway_register(*, actor: User | None, organisation: Organisation, code: str, name: str,
                     public_key: str = "") -> Gateway:
    """A gateway reporting the events of ``organisation``'s instruments."""
    code = (code or "").strip()
    if not CODE.match(code):
        raise ValidationError({"code": [_(
            "A gateway code has 1 to 40 letters, digits, dots, dashes or underscores.")]})
    if Gateway.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("This gateway code is taken.")]})
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise ValidationError({"name": [_("Give the gateway a name of at most 200 characters.")]})
    gateway = Gateway(code=code, name=name, organisation=organisation,
                      region_code=organisation.region_code,
                      province_code=organisation.region_code[:2])
    if not permissions.may_keep_gateway(actor, gateway):
        raise PermissionDenied(_("Only the owner of the instruments or its bureau registers "
                                 "a gateway."))
    gateway.save()
    audit_record(actor=actor, action="monitoring.gateway.register", obj=gateway,
                 after={"code": code, "organisation": organisation.pk})
    if public_key:
        gateway_key_register(actor=actor, gateway=gateway, public_key=public_key)
    return gateway


@transaction.atomic
def gateway_key_register(*, actor: User | None, gateway: Gateway, public_key: str) -> Gateway:
    """Register the Ed25519 public key the gateway signs its batches with."""
    if not permissions.may_keep_gateway(actor, gateway):
        raise PermissionDenied(_("Only the owner of the instruments or its bureau registers "
                                 "the gateway's key."))
    try:
        key = signed_batches.public_key_clean(public_key)
    except signed_batches.BadKeyError:
        raise ValidationError({"public_key": [_(
            "An Ed25519 public key is 32 bytes, given as base64 (44 characters) or hex (64).")]
        }) from None
    before = {"key": signed_batches.fingerprint(gateway.public_key)
              if gateway.public_key else None}
    gateway.public_key = key
    gateway.save(update_fields=["public_key"])
    audit_record(actor=actor, action="monitoring.gateway.key", obj=gateway, before=before,
                 after={"key": signed_batches.fingerprint(key)})
    return gateway


@dataclass
class IngestResult:
    batch: EventBatch
    repeated: bool = False

    def as_dict(self) -> dict:
        b = self.batch
        return {"batch_id": b.batch_id, "repeated": self.repeated, "rows": b.rows,
                "accepted": b.accepted, "rejected": b.rejected, "duplicates": b.duplicates,
                "alerts": b.alerts,
                "sha256": b.body_sha256, "errors": b.errors}


def refusal_record(*, gateway: Gateway | None, gateway_code: str, batch_id: str,
                   field_name: str, reason: str, message: str, status: int = 400,
                   client: str = "") -> BatchRefusedError:
    """Keep a refused batch on file (in its own transaction) and return the error to raise; past
    the per-minute allowance of a client the refusal is answered 429 and not kept."""
    key = f"monitoring-refusal:{client or (gateway_code[:40] if gateway else '?')}"
    if not ratelimit.allow(key, limit=conf.refusals_per_minute()):
        return BatchRefusedError(field_name, _(
            "Too many refused batches from this client in the last minute; wait and send again."),
            reason="rate_limited", status=429)
    with transaction.atomic():
        EventRefusal.objects.create(
            gateway=gateway, gateway_code=gateway_code[:40],
            region_code=gateway.region_code if gateway else "", batch_id=batch_id[:64],
            reason=reason, message=message[:300], received_at=timezone.now())
    return BatchRefusedError(field_name, message, reason=reason, status=status)


@signed_batches.gc_paused()
def batch_ingest(*, gateway_code: str, batch_id: str, body: bytes, signature: str,
                 actor: User | None = None, client: str = "") -> IngestResult:
    """Take a signed batch of instrument events and run the tamper rules on it.

    Refused as a whole (and the refusal kept) when the gateway is unknown or not the caller's,
    the signature is missing or bad, the batch does not follow the gateway's previous one (its
    ``previous`` is not that batch's SHA-256: a batch lost, replayed or inserted), or the batch
    id was used for other content; a repeat of a batch on file changes nothing. Otherwise every
    good event is chained and loaded, every bad one reported, every one already on file (same
    instrument, kind and time) counted as a duplicate and skipped, and each rule broken raises
    an alert in the bureau's queue with its evidence. HTTP and MQTT both come here.
    """
    gateway_code = (gateway_code or "").strip()
    batch_id = (batch_id or "").strip()
    gateway = Gateway.objects.filter(code=gateway_code).first()

    def refuse(field_name, reason, message, status=400):
        return refusal_record(gateway=gateway, gateway_code=gateway_code, batch_id=batch_id,
                              field_name=field_name, reason=reason, message=message,
                              status=status, client=client)

    # An unknown gateway and another owner's get the same answer.
    if gateway is None or (actor is not None and not permissions.member_of(
            actor, gateway.organisation_id)):
        gateway = None
        raise refuse("gateway", "unknown_gateway", _(
            "No gateway “%(code)s” takes batches from you.") % {"code": gateway_code[:40]}, 404)
    problem = _unsigned(gateway, gateway_code, batch_id, body, signature)
    if problem is not None:
        raise refuse(*problem)
    digest = hashlib.sha256(body).hexdigest()

    def repeat(found: EventBatch) -> IngestResult:
        if found.body_sha256 != digest:
            raise refuse("batch_id", "batch_id_reused", _(
                "This batch id was used for other events."), 409)
        return IngestResult(found, repeated=True)

    found = EventBatch.objects.filter(gateway=gateway, batch_id=batch_id).first()
    if found is not None:
        return repeat(found)
    try:
        previous, events = ingest.read_body(body)
    except ValueError as error:
        raise refuse("body", "unreadable", str(error)) from None
    if len(events) > conf.max_batch_rows():
        raise refuse("body", "too_large", _("A batch holds at most %(n)s events.") % {
            "n": conf.max_batch_rows()}, 413)
    now = timezone.now()
    judge = Judge(conf.thresholds())
    broken = None
    try:
        with transaction.atomic(), chain_lock(EVENT_CHAIN, str(gateway.pk)) as writer:
            found = EventBatch.objects.filter(gateway=gateway, batch_id=batch_id).first()
            if found is not None:  # the same batch arrived twice at once
                return repeat(found)
            last = (EventBatch.objects.filter(gateway=gateway).order_by("-id")
                    .values_list("body_sha256", flat=True).first()) or ingest.GENESIS
            if previous != last:
                broken = last  # refused (and the refusal kept) once the lock is let go
            else:
                batch = _load(gateway, batch_id, digest, signature, events, now, writer, judge,
                              actor)
    except IntegrityError:
        # The ingest locks the instruments it writes, so only an instrument changing owners
        # between two batches lets both write one event: the unique constraint refuses the second.
        raise refuse("events", "conflict", _(
            "Another batch stored some of these events at the same moment; send this batch "
            "again."), 409) from None
    if broken is not None:
        raise refuse("previous", "broken_chain", _(
            "The batch does not follow the gateway's last batch on file (its “previous” is "
            "%(given)s, the last batch's SHA-256 is %(last)s): a batch was lost, replayed or "
            "inserted.") % {"given": previous[:64] or "—", "last": broken}, 409)
    return IngestResult(batch)


def _unsigned(gateway: Gateway, gateway_code: str, batch_id: str, body: bytes,
              signature: str) -> tuple[str, str, str, int] | None:
    """Why the batch is refused before its body is read (field, reason, message, HTTP status):
    no batch id, no key on file, no signature or a bad one; None when it may be read."""
    if not batch_id or len(batch_id) > 64:
        return ("batch_id", "no_batch_id", _("Give the batch an id of 1 to 64 characters."), 400)
    if not gateway.public_key:
        return ("signature", "no_key", _("The gateway has no registered key."), 403)
    if not signature:
        return ("signature", "unsigned", _("The batch is not signed."), 403)
    if not signed_batches.verify(gateway.public_key, CONTEXT, gateway_code, batch_id, body,
                                 signature):
        return ("signature", "bad_signature", _(
            "The signature does not match the gateway's registered key."), 403)
    return None


def _load(gateway, batch_id, digest, signature, events, now, writer, judge, actor) -> EventBatch:
    batch = EventBatch.objects.create(
        gateway=gateway, region_code=gateway.region_code, batch_id=batch_id, body_sha256=digest,
        signature=signature[:100], key_fingerprint=signed_batches.fingerprint(gateway.public_key),
        received_at=now, rows=len(events))
    devices = ingest.devices_of(gateway.organisation_id)
    written, kept = ingest.write(gateway=gateway, batch=batch, events=events, devices=devices,
                                 now=now, future_tolerance_s=conf.FUTURE_TOLERANCE_S,
                                 writer=writer, judge=judge)
    ingest.save_states(kept)
    alerts = _raise_alerts(gateway, batch, written.raised, now)
    batch.accepted, batch.rejected, batch.alerts = (written.accepted, len(written.errors),
                                                    len(alerts))
    batch.duplicates = written.duplicates
    batch.errors = [e.as_dict() for e in sorted(written.errors, key=lambda e: e.row)[:200]]
    batch.save(update_fields=["accepted", "rejected", "duplicates", "alerts", "errors"])
    audit_record(actor=actor, action="monitoring.batch.ingest", obj=batch,
                 region_code=gateway.region_code,
                 after={"gateway": gateway.code, "batch_id": batch_id, "sha256": digest,
                        "accepted": batch.accepted, "rejected": batch.rejected,
                        "duplicates": batch.duplicates, "alerts": [a.pk for a in alerts][:50]})
    return batch


def _raise_alerts(gateway: Gateway, batch: EventBatch, raised, now) -> list[Alert]:
    """One alert per rule broken, with its evidence chain: the event and its link in the
    gateway's chain, the batch (its SHA-256, the signing key) and the figures compared."""
    if not raised:
        return []
    from jiliang.registry.models import Instrument

    chain_key = str(gateway.pk)
    links = ingest.links_of(chain_key, [r.seq for r in raised])
    places = dict(Instrument.objects.filter(pk__in={r.instrument_id for r in raised})
                  .values_list("pk", "region_code"))
    alerts = []
    for r in raised:
        prev_hash, row_hash = links.get(r.seq, ("", ""))
        region = places.get(r.instrument_id, gateway.region_code)
        alerts.append(Alert(
            rule=r.rule, instrument_id=r.instrument_id, owner_id=gateway.organisation_id,
            gateway=gateway, batch=batch, region_code=region, province_code=region[:2],
            occurred_at=r.occurred_at, raised_at=now, params=r.params,
            evidence={"event": r.event, "chain": {"chain": EVENT_CHAIN, "key": chain_key,
                                                  "seq": r.seq, "prev_hash": prev_hash,
                                                  "row_hash": row_hash},
                      "batch": {"id": batch.batch_id, "sha256": batch.body_sha256,
                                "key": batch.key_fingerprint,
                                "received_at": batch.received_at.isoformat()},
                      "gateway": gateway.code}))
    Alert.objects.bulk_create(alerts)
    return alerts


@transaction.atomic
def alert_close(*, actor: User | None, alert: Alert, note: str) -> Alert:
    """The bureau closes an alert, saying what it found (a verification on file, a repair...)."""
    if not permissions.may_handle_alert(actor, alert):
        raise PermissionDenied(_("Only the bureau over the instrument's place of use closes "
                                 "its alerts."))
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError({"note": [_("Say what was found when closing the alert.")]})
    if len(note) > 500:
        raise ValidationError({"note": [_("At most %(n)s characters.") % {"n": 500}]})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state == Alert.State.CLOSED:
        raise ValidationError({"note": [_("This alert is already closed.")]})
    alert.state, alert.note = Alert.State.CLOSED, note
    alert.closed_at, alert.closed_by = timezone.now(), actor if actor is not None and \
        actor.is_authenticated else None
    alert.save(update_fields=["state", "note", "closed_at", "closed_by"])
    audit_record(actor=actor, action="monitoring.alert.close", obj=alert,
                 before={"state": "open"}, after={"state": "closed", "note": note})
    return alert
