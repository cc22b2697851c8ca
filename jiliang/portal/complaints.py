"""Complaints and reports (计量投诉举报): every write, one transaction each, with its ledger entry.

The public files a complaint without an account; the bureau of the region takes and closes it.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import BUREAU_KINDS, Organisation, OrgKind, Region, User
from jiliang.core.uploads import check_upload
from jiliang.portal import conf, permissions
from jiliang.portal.models import Complaint, ComplaintPhoto
from jiliang.rules import complaints as rules


def keyed_hash(purpose: str, value: str) -> str:
    return salted_hmac(f"jiliang.portal.{purpose}", value, algorithm="sha256").hexdigest()


def handling_org_for(region_code: str) -> Organisation:
    """The most local bureau whose division covers the code: county, city, province, national."""
    candidates = [region_code, region_code[:4] + "00", region_code[:2] + "0000"]
    bureaus = {o.region_code: o for o in Organisation.objects.filter(
        kind__in=BUREAU_KINDS, region_code__in=candidates).exclude(kind=OrgKind.NATIONAL)
        .order_by("id")}
    for code in candidates:
        if code in bureaus:
            return bureaus[code]
    national = Organisation.objects.filter(kind=OrgKind.NATIONAL).order_by("id").first()
    if national is None:
        raise ValidationError({"region_code": [_("No bureau handles this region yet.")]})
    return national


def _snapshot(c: Complaint) -> dict:
    return {"tracking_number": c.tracking_number, "state": c.state, "region_code": c.region_code,
            "due_on": c.due_on.isoformat(), "handler": c.handler_id,
            "instrument": c.instrument_id, "campaign": c.campaign_id}


@transaction.atomic
def complaint_submit(*, source: str, category: str, description: str, region_code: str,
                     address: str, occurred_on: datetime.date, subject: str = "",
                     contact_name: str = "", contact_phone: str = "", contact_email: str = "",
                     photos=()) -> tuple[Complaint, str]:
    """File a complaint from the public; returns it and its access code (shown once).

    ``source`` is the sender's network address: it is kept only as a keyed hash, to limit how
    many complaints one address files in an hour."""
    description = (description or "").strip()
    today = timezone.localdate()
    photos = [p for p in photos if p]
    errors = _complaint_errors(category=category, description=description,
                               region_code=region_code, address=address,
                               occurred_on=occurred_on, photos=photos, today=today)
    if errors:
        raise ValidationError(errors)
    kinds = [check_upload(photo, allowed=("jpeg", "png"), max_bytes=conf.max_upload_bytes(),
                          field="photos") for photo in photos]
    source_hash = keyed_hash("source", source or "")
    now = timezone.now()
    _within_hourly_limit(source_hash, now)
    handling = handling_org_for(region_code)
    code = rules.new_access_code()
    complaint = _complaint_create(code=code, today=today, fields={
        "category": category, "description": description, "region_code": region_code,
        "address": address.strip()[:300], "occurred_on": occurred_on,
        "subject": (subject or "").strip()[:200],
        "contact_name": (contact_name or "").strip()[:60],
        "contact_phone": (contact_phone or "").strip()[:30],
        "contact_email": (contact_email or "").strip()[:200],
        "handling_org": handling, "received_at": now, "received_on": today,
        "due_on": rules.due_on(today, conf.complaint_working_days()),
        "source_hash": source_hash})
    for photo, kind in zip(photos, kinds, strict=True):
        _photo_save(complaint, photo, kind)
    # The ledger keeps the facts, not the complainant's contact details.
    audit_record(actor=None, action="portal.complaint.submit", obj=complaint,
                 after={**_snapshot(complaint), "anonymous": complaint.anonymous,
                        "photos": len(photos)})
    return complaint, code


def _complaint_errors(*, category: str, description: str, region_code: str, address: str,
                      occurred_on: datetime.date | None, photos: list,
                      today: datetime.date) -> dict[str, list[str]]:
    """Every field's error at once, by field (the description already stripped)."""
    errors: dict[str, list[str]] = {}
    if category not in rules.categories():
        errors["category"] = [_("Choose what happened.")]
    if not description:
        errors["description"] = [_("Describe what happened.")]
    elif len(description) > 2000:
        errors["description"] = [_("At most %(n)s characters.") % {"n": 2000}]
    if not Region.objects.filter(code=region_code).exists():
        errors["region_code"] = [_("Choose the city or county where it happened.")]
    if not (address or "").strip():
        errors["address"] = [_("Give the address: the market, shop or street.")]
    if occurred_on is None or occurred_on > today:
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    elif occurred_on < today - datetime.timedelta(days=3 * 365):
        errors["occurred_on"] = [_("The date is more than three years ago.")]
    if len(photos) > conf.MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)s photos.") % {"n": conf.MAX_PHOTOS}]
    return errors


def _within_hourly_limit(source_hash: str, now: datetime.datetime) -> None:
    """Refuse a connection's complaint past the hourly limit (``conf.complaints_per_hour``)."""
    recent = Complaint.objects.filter(source_hash=source_hash,
                                      received_at__gte=now - datetime.timedelta(hours=1)).count()
    if recent >= conf.complaints_per_hour():
        raise ValidationError({NON_FIELD_ERRORS: [_("Too many complaints from this connection in the last "
                                        "hour. Please try again later, or call 12315.")]})


def _complaint_create(*, code: str, today: datetime.date, fields: dict) -> Complaint:
    """The complaint under a new tracking number of the day (drawn again on a clash)."""
    for _attempt in range(5):
        number = rules.new_tracking_number(today)
        try:
            with transaction.atomic():
                return Complaint.objects.create(
                    tracking_number=number, code_hash=keyed_hash("code", number + code), **fields)
        except IntegrityError:
            continue
    raise ValidationError(  # pragma: no cover - 32^6 numbers a day
        {NON_FIELD_ERRORS: [_("Please submit again.")]})


def _photo_save(complaint: Complaint, photo, kind: str) -> None:
    """A photo kept with its size and SHA-256, named after the tracking number."""
    digest = hashlib.sha256()
    for chunk in photo.chunks():
        digest.update(chunk)
    photo.seek(0)
    row = ComplaintPhoto(complaint=complaint, content_kind=kind, size=photo.size,
                         sha256=digest.hexdigest())
    row.file.save(f"{complaint.tracking_number}.{'jpg' if kind == 'jpeg' else kind}", photo,
                  save=False)
    row.save()


def complaint_track(*, tracking_number: str, code: str) -> Complaint | None:
    """The complaint whose number and code both match, or None (the same for either wrong)."""
    number = rules.normalise_tracking(tracking_number)
    complaint = Complaint.objects.filter(tracking_number=number).first()
    expected = keyed_hash("code", number + "".join(ch for ch in (code or "") if ch.isdigit()))
    if complaint is None or not constant_time_compare(complaint.code_hash, expected):
        return None
    return complaint


@transaction.atomic
def complaint_take(*, actor: User, complaint: Complaint) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not permissions.handles(actor, complaint):
        raise PermissionDenied(_("Only the handling bureau takes up a complaint."))
    if complaint.state != "received":
        raise ValidationError({"state": [_("This complaint is already being handled.")]})
    before = _snapshot(complaint)
    complaint.state, complaint.handler = "handling", actor
    complaint.save(update_fields=["state", "handler"])
    audit_record(actor=actor, action="portal.complaint.take", obj=complaint, before=before,
                 after=_snapshot(complaint))
    return complaint


@transaction.atomic
def complaint_close(*, actor: User, complaint: Complaint, outcome: str,
                    instrument=None, campaign=None) -> Complaint:
    """Close with the outcome the complainant reads; it may link the instrument or campaign."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not permissions.handles(actor, complaint):
        raise PermissionDenied(_("Only the handling bureau closes a complaint."))
    if complaint.state == "closed":
        raise ValidationError({"state": [_("This complaint is already closed.")]})
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Say what was found and done.")]})
    before = _snapshot(complaint)
    complaint.state, complaint.outcome = "closed", outcome[:4000]
    complaint.closed_on = timezone.localdate()
    complaint.handler = complaint.handler or actor
    complaint.instrument, complaint.campaign = instrument, campaign
    complaint.save()
    audit_record(actor=actor, action="portal.complaint.close", obj=complaint, before=before,
                 after={**_snapshot(complaint), "outcome": complaint.outcome})
    return complaint


@transaction.atomic
def complaint_contact_view(*, actor: User, complaint: Complaint) -> dict:
    """The complainant's contact details, for the handling bureau only; the ledger records who
    read them and when."""
    if not permissions.handles(actor, complaint):
        raise PermissionDenied(_("Only the handling bureau reads the complainant's contact."))
    audit_record(actor=actor, action="portal.complaint.contact_view", obj=complaint,
                 after={"tracking_number": complaint.tracking_number})
    return {"name": complaint.contact_name, "phone": complaint.contact_phone,
            "email": complaint.contact_email}
