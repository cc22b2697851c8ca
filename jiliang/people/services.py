"""Every write to the people app: one transaction each, validated, audited."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, User
from jiliang.core.services import region_get
from jiliang.core.validation import name_clean
from jiliang.people import permissions
from jiliang.people.models import (
    Conversion,
    CpdHours,
    ExamResult,
    Person,
    Qualification,
    QualificationKind,
    QualificationStatus,
    Review,
    Signatory,
    Station,
    StationKind,
)
from jiliang.rules import signoff
from jiliang.rules.deadlines import validity_end

PERSON_FIELDS = ("organisation", "name", "user", "id_card_masked", "region_code", "active")
QUALIFICATION_FIELDS = ("person", "kind", "number", "grade", "speciality", "items", "issuer",
                        "valid_from", "valid_until", "status", "ended_on", "licence",
                        "converted_from")
ID_CARD = re.compile(r"^\d{17}[\dX]$")
MAX_ITEMS = 200


def id_card_hash(number: str) -> str:
    """A keyed hash: the same number finds the same person; the number cannot be read back."""
    return hmac.new(settings.SECRET_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def id_card_mask(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _deny_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("An institution keeps the records of its own people; a bureau "
                                 "those of the institutions in its region."))


def parse_items(value: Iterable[str] | str) -> list[str]:
    """Items from a list or a text (one a line, or separated by 、，,;；)."""
    if isinstance(value, str):
        value = re.split(r"[\n、，,;；]+", value)
    items = []
    for item in value or ():
        text = " ".join(str(item).split())[:60]
        if text and text not in items:
            items.append(text)
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": [_("At most %(n)s items.") % {"n": MAX_ITEMS}]})
    return items


@transaction.atomic
def person_create(*, actor: User | None, organisation: Organisation, name: str,
                  id_card: str = "", user: User | None = None) -> Person:
    _deny_unless(permissions.may_keep_people(actor, organisation))
    name = " ".join(name_clean(name, field="name").split())
    if not name:
        raise ValidationError({"name": [_("Give the person's name.")]})
    if len(name) > 60:
        raise ValidationError({"name": [_("At most %(n)s characters.") % {"n": 60}]})
    card = (id_card or "").strip().upper()
    digest = masked = ""
    if card:
        if not ID_CARD.match(card):
            raise ValidationError({"id_card": [_(
                "An ID-card number has 18 characters: 17 digits and a digit or X.")]})
        digest, masked = id_card_hash(card), id_card_mask(card)
        if Person.objects.filter(organisation=organisation, id_card_hash=digest).exists():
            raise ValidationError({"id_card": [_(
                "A person with this ID-card number is already on file in this organisation.")]})
    if user is not None and user.organisation_id != organisation.pk:
        raise ValidationError({"user": [_("The user account belongs to another organisation.")]})
    person = Person.objects.create(
        organisation=organisation, name=name, user=user, id_card_hash=digest,
        id_card_masked=masked, region_code=organisation.region_code,
        province_code=organisation.region_code[:2])
    audit_record(actor=actor, action="people.person.create", obj=person,
                 after=snapshot(person, PERSON_FIELDS))
    return person


def _check_dates(valid_from: datetime.date | None, valid_until: datetime.date | None) -> None:
    if valid_from is None:
        raise ValidationError({"valid_from": [_("Give the date it is valid from.")]})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The validity ends before it starts.")]})


@transaction.atomic
def qualification_add(
    *, actor: User | None, person: Person, kind: str, number: str,
    items: Iterable[str] | str = (), valid_from: datetime.date | None,
    valid_until: datetime.date | None = None, issuer: str = "", grade: str = "",
    speciality: str = "", status: str = QualificationStatus.VALID, licence=None,
    converted_from: Qualification | None = None,
) -> Qualification:
    _deny_unless(permissions.may_keep_people(actor, person.organisation))
    if kind not in QualificationKind.values:
        raise ValidationError({"kind": [_("Choose the kind of qualification.")]})
    number = " ".join((number or "").split())
    if not number or len(number) > 60:
        raise ValidationError({"number": [_("Give the number (at most 60 characters).")]})
    if status not in QualificationStatus.values:
        raise ValidationError({"status": [_("Choose one of the options.")]})
    _check_dates(valid_from, valid_until)
    if kind == QualificationKind.REGISTRATION and grade not in ("1", "2"):
        raise ValidationError({"grade": [_("A registration is of level 1 or level 2.")]})
    items = parse_items(items)
    if kind != QualificationKind.ASSESSOR and not items:
        raise ValidationError({"items": [_(
            "List the items it covers: instrument kinds or regulation codes.")]})
    if Qualification.objects.filter(kind=kind, number=number).exclude(person=person).exists():
        raise ValidationError({"number": [_("This number is on file for another person.")]})
    q = Qualification.objects.create(
        person=person, kind=kind, number=number, grade=grade if kind == "registration" else "",
        speciality=(speciality or "").strip()[:100], items=items, issuer=(issuer or "")[:200],
        valid_from=valid_from, valid_until=valid_until, status=status, licence=licence,
        converted_from=converted_from, region_code=person.region_code,
        province_code=person.province_code)
    audit_record(actor=actor, action="people.qualification.add", obj=q,
                 after=snapshot(q, QUALIFICATION_FIELDS))
    return q


@transaction.atomic
def qualification_end(*, actor: User | None, qualification: Qualification, status: str,
                      on: datetime.date) -> Qualification:
    """Lapse, suspend, revoke or convert a qualification from ``on``; kept on file."""
    q = Qualification.objects.select_for_update().select_related("person__organisation").get(
        pk=qualification.pk)
    _deny_unless(permissions.may_keep_people(actor, q.person.organisation))
    if status not in (QualificationStatus.LAPSED, QualificationStatus.SUSPENDED,
                      QualificationStatus.REVOKED, QualificationStatus.CONVERTED):
        raise ValidationError({"status": [_("Choose one of the options.")]})
    before = snapshot(q, QUALIFICATION_FIELDS)
    q.status, q.ended_on = status, on
    q.save(update_fields=["status", "ended_on"])
    audit_record(actor=actor, action="people.qualification.end", obj=q, before=before,
                 after=snapshot(q, QUALIFICATION_FIELDS))
    return q


@transaction.atomic
def qualification_renew(*, actor: User | None, qualification: Qualification,
                        valid_until: datetime.date) -> Qualification:
    """A renewal (延续注册, 复核换证): the same qualification, valid to a later date."""
    q = Qualification.objects.select_for_update().select_related("person__organisation").get(
        pk=qualification.pk)
    _deny_unless(permissions.may_keep_people(actor, q.person.organisation))
    if q.status != QualificationStatus.VALID:
        raise ValidationError({"status": [_("Only a valid qualification is renewed.")]})
    if q.valid_until is not None and valid_until <= q.valid_until:
        raise ValidationError({"valid_until": [_("A renewal ends later than the validity "
                                                 "in force.")]})
    before = snapshot(q, QUALIFICATION_FIELDS)
    q.valid_until = valid_until
    q.save(update_fields=["valid_until"])
    audit_record(actor=actor, action="people.qualification.renew", obj=q, before=before,
                 after=snapshot(q, QUALIFICATION_FIELDS))
    return q


@transaction.atomic
def signatory_add(*, actor: User | None, person: Person, valid_from: datetime.date | None,
                  valid_until: datetime.date | None = None, note: str = "") -> Signatory:
    """Put a person on the institution's list of authorised signatories (授权签字人)."""
    _deny_unless(permissions.may_keep_people(actor, person.organisation))
    _check_dates(valid_from, valid_until)
    term = Signatory.objects.create(person=person, valid_from=valid_from,
                                    valid_until=valid_until, note=(note or "")[:200])
    audit_record(actor=actor, action="people.signatory.add", obj=term,
                 region_code=person.region_code,
                 after={"person": person.pk, "valid_from": valid_from.isoformat(),
                        "valid_until": valid_until.isoformat() if valid_until else None})
    return term


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"hours": [_("Enter the hours as a number.")]}) from None
    if not hours.is_finite() or hours < 0 or hours > 2000:
        raise ValidationError({"hours": [_("Hours are between 0 and 2000.")]})
    return hours.quantize(Decimal("0.1"))


@transaction.atomic
def cpd_record(*, actor: User | None, person: Person, year: int, hours, note: str = "") -> CpdHours:
    """The continuing-education hours of a year (replaces what was on file for that year)."""
    _deny_unless(permissions.may_keep_people(actor, person.organisation))
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year:
        raise ValidationError({"year": [_("Give a year between 2000 and this year.")]})
    hours = parse_hours(hours)
    row, _created = CpdHours.objects.update_or_create(
        person=person, year=year, defaults={"hours": hours, "note": (note or "")[:200]})
    audit_record(actor=actor, action="people.cpd.record", obj=row, region_code=person.region_code,
                 after={"person": person.pk, "year": year, "hours": str(hours)})
    return row


@transaction.atomic
def exam_record(*, actor: User | None, person: Person, subject: str, sat_on: datetime.date,
                passed: bool, score=None) -> ExamResult:
    _deny_unless(permissions.may_keep_people(actor, person.organisation))
    subject = " ".join((subject or "").split())
    if not subject or len(subject) > 100:
        raise ValidationError({"subject": [_("Give the subject (at most 100 characters).")]})
    if sat_on is None or sat_on > timezone.localdate():
        raise ValidationError({"sat_on": [_("The date cannot be in the future.")]})
    row = ExamResult.objects.create(person=person, subject=subject, sat_on=sat_on,
                                    passed=bool(passed), score=score)
    audit_record(actor=actor, action="people.exam.record", obj=row, region_code=person.region_code,
                 after={"person": person.pk, "subject": subject, "passed": bool(passed)})
    return row


# --- conversion (三.8) ------------------------------------------------------------------------


@transaction.atomic
def conversion_request(*, actor: User | None, certificate: Qualification,
                       on: datetime.date) -> Conversion:
    person = certificate.person
    _deny_unless(permissions.may_keep_people(actor, person.organisation))
    if certificate.kind != QualificationKind.VERIFIER_CERTIFICATE:
        raise ValidationError({"certificate": [_("Only a verifier certificate is converted.")]})
    if Conversion.objects.filter(certificate=certificate,
                                 state=Conversion.State.REQUESTED).exists():
        raise ValidationError({"certificate": [_("A conversion of this certificate is under way.")]})
    rule = signoff.data()["conversion"]
    row = Conversion.objects.create(person=person, certificate=certificate, requested_on=on,
                                    rule=rule["id"])
    audit_record(actor=actor, action="people.conversion.request", obj=row,
                 region_code=person.region_code,
                 after={"certificate": certificate.pk, "rule": rule["id"]})
    return row


@transaction.atomic
def conversion_decide(*, actor: User | None, conversion: Conversion, on: datetime.date,
                      number: str = "", grade: str = "2", speciality: str = "") -> Conversion:
    """Convert under the rule (jiliang/rules/data/people.json#conversion): the certificate must
    be in force that day and the person must have passed the examination; its items become
    the registration's items, and the certificate is closed as converted. Otherwise refused,
    with the reasons kept."""
    row = Conversion.objects.select_for_update().get(pk=conversion.pk)
    person = row.person
    if not permissions.bureau_over(actor, person.region_code):
        raise PermissionDenied(_("A conversion is decided by the bureau over the institution."))
    if row.state != Conversion.State.REQUESTED:
        raise ValidationError({"state": [_("This conversion is decided already.")]})
    rule = signoff.data()["conversion"]
    cert = row.certificate
    reasons = []
    if rule["requires"]["certificate_in_force"] and not fact_of(cert).in_force_on(on):
        reasons.append(_("the verifier certificate is not in force on %(date)s") % {
            "date": on.isoformat()})
    if rule["requires"]["passed_exam"] and not person.exams.filter(passed=True,
                                                                   sat_on__lte=on).exists():
        reasons.append(_("no passed registered-metrologist examination is on file"))
    if reasons:
        row.state, row.decided_on, row.reasons = Conversion.State.REFUSED, on, "; ".join(reasons)
        row.save(update_fields=["state", "decided_on", "reasons"])
    else:
        items = signoff.conversion_items(fact_of(cert), on=on)
        years = int(rule["registration_years"])
        registration = qualification_add(
            actor=None, person=person, kind=QualificationKind.REGISTRATION,
            number=number or f"{cert.number}-Z", items=sorted(items), valid_from=on,
            valid_until=validity_end(on, years), issuer=cert.issuer, grade=grade, speciality=speciality, converted_from=cert)
        qualification_end(actor=None, qualification=cert, status=QualificationStatus.CONVERTED,
                          on=on)
        row.state, row.decided_on, row.registration = Conversion.State.CONVERTED, on, registration
        row.save(update_fields=["state", "decided_on", "registration"])
    audit_record(actor=actor, action="people.conversion.decide", obj=row,
                 region_code=person.region_code,
                 after={"state": row.state, "reasons": row.reasons,
                        "registration": row.registration_id})
    return row


def fact_of(q: Qualification) -> signoff.Qualification:
    return signoff.Qualification(kind=q.kind, items=frozenset(q.items or ()),
                                 valid_from=q.valid_from, valid_until=q.valid_until,
                                 status=q.status, ended_on=q.ended_on)


# --- the licensing app's grants ---------------------------------------------------------------


def on_licence_changed(sender, *, licence, on: datetime.date, **kwargs) -> None:
    """A registered-metrologist licence granted, renewed or ended: its registration follows.

    The holder is the employing institution; the particulars name the person, the level and
    the registered items.
    """
    if licence.type_code != "registered_metrologist":
        return
    p = licence.particulars or {}
    name = " ".join(str(p.get("person_name", "")).split())[:60]
    if not name:
        return
    reg = Qualification.objects.filter(licence=licence).first()
    if reg is None:
        person = Person.objects.filter(organisation_id=licence.holder_id, name=name).first()
        if person is None:
            person = person_create(actor=None, organisation=licence.holder, name=name)
        items = parse_items(p.get("items", "")) or [name]
        qualification_add(
            actor=None, person=person, kind=QualificationKind.REGISTRATION, number=licence.number,
            items=items, valid_from=licence.issued_on, valid_until=licence.valid_until,
            issuer=licence.authority_code, grade=str(p.get("level", "2")) if str(
                p.get("level", "2")) in ("1", "2") else "2", licence=licence)
        return
    before = snapshot(reg, QUALIFICATION_FIELDS)
    reg.valid_until = licence.valid_until
    if licence.ended_on is not None:
        reg.status = QualificationStatus.REVOKED
        reg.ended_on = licence.ended_on
    reg.save(update_fields=["valid_until", "status", "ended_on"])
    audit_record(actor=None, action="people.qualification.licence", obj=reg, before=before,
                 after=snapshot(reg, QUALIFICATION_FIELDS))


# --- stations (四.2, 四.6) and reviews / examinations --------------------------------------


@transaction.atomic
def station_register(*, actor: User | None, kind: str, name: str, region_code: str, scope: str,
                     legal_basis: str, approved_by: str, approved_on: datetime.date | None,
                     valid_until: datetime.date | None = None,
                     organisation: Organisation | None = None, public: bool = True) -> Station:
    """Put a specialised or a fair metrology station on the register (the bureau over it)."""
    if kind not in StationKind.values:
        raise ValidationError({"kind": [_("Choose one of the options.")]})
    region = region_get(region_code, field="region_code")
    if not permissions.may_examine(actor, region.code):
        raise PermissionDenied(_("The register of stations is kept by the bureau over them."))
    values = {"name": (name or "").strip(), "scope": (scope or "").strip(),
              "legal_basis": (legal_basis or "").strip(), "approved_by": (approved_by or "").strip()}
    limits = {"name": 200, "scope": 4000, "legal_basis": 300, "approved_by": 200}
    for key, value in values.items():
        if not value:
            raise ValidationError({key: [_("This field is required.")]})
        if len(value) > limits[key]:
            raise ValidationError({key: [_("At most %(n)s characters.") % {"n": limits[key]}]})
    _check_dates(approved_on, valid_until)
    station = Station.objects.create(kind=kind, organisation=organisation, region_code=region.code,
                                     province_code=region.code[:2], approved_on=approved_on,
                                     valid_until=valid_until, public=bool(public), **values)
    audit_record(actor=actor, action="people.station.register", obj=station,
                 after={"kind": kind, **values, "region_code": region.code})
    return station


@transaction.atomic
def review_record(*, actor: User | None, held_on: datetime.date | None, findings: str = "",
                  rectification_due: datetime.date | None = None, conclusion: str = "",
                  station: Station | None = None, licence=None) -> Review:
    """A review (复查) of a station, or a JJF 1069 examination (考核) of an authorised
    institution recorded against its authorisation; findings and the rectification due."""
    if (station is None) == (licence is None):
        raise ValidationError({"subject": [_("Name a station or an authorisation.")]})
    if licence is not None and licence.type_code != "metrology_authorization":
        raise ValidationError({"licence": [_("Examinations are recorded against a metrology "
                                             "authorisation.")]})
    region = station.region_code if station is not None else licence.region_code
    if not permissions.may_examine(actor, region):
        raise PermissionDenied(_("The register of stations is kept by the bureau over them."))
    if held_on is None or held_on > timezone.localdate():
        raise ValidationError({"held_on": [_("The date cannot be in the future.")]})
    if rectification_due is not None and rectification_due < held_on:
        raise ValidationError({"rectification_due": [_("The rectification is due after the "
                                                       "review.")]})
    row = Review.objects.create(
        kind=Review.Kind.REVIEW if station is not None else Review.Kind.EXAMINATION,
        station=station, licence=licence, region_code=region, province_code=region[:2],
        held_on=held_on, findings=(findings or "")[:4000], rectification_due=rectification_due,
        conclusion=(conclusion or "")[:200])
    audit_record(actor=actor, action=f"people.{row.kind}.record", obj=row, region_code=region,
                 after={"held_on": held_on.isoformat(), "findings": row.findings,
                        "station": row.station_id, "licence": row.licence_id})
    return row


@transaction.atomic
def review_rectified(*, actor: User | None, review: Review, on: datetime.date,
                     rectification: str) -> Review:
    row = Review.objects.select_for_update().get(pk=review.pk)
    if not permissions.may_examine(actor, row.region_code):
        raise PermissionDenied(_("The register of stations is kept by the bureau over them."))
    text = (rectification or "").strip()
    if not text:
        raise ValidationError({"rectification": [_("Say what was rectified.")]})
    if on < row.held_on or on > timezone.localdate():
        raise ValidationError({"rectified_on": [_("The date lies between the review and today.")]})
    row.rectified_on, row.rectification = on, text[:4000]
    row.save(update_fields=["rectified_on", "rectification"])
    audit_record(actor=actor, action=f"people.{row.kind}.rectified", obj=row,
                 region_code=row.region_code,
                 after={"rectified_on": on.isoformat(), "rectification": row.rectification})
    return row
