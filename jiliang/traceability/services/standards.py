"""Measurement standards: registration, their devices, certificates and calibrations, their
status (a suspension or an out-of-tolerance calibration opens an impact case), the bookings of
touring standards to sites, and the certificate a licensing grant issues."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.models import InstrumentKind
from jiliang.core.models import Organisation, User
from jiliang.core.services import region_get
from jiliang.rules import traceability as rules
from jiliang.traceability import binding
from jiliang.traceability import permissions as may
from jiliang.traceability.models import (
    Booking,
    Calibration,
    Category,
    Certificate,
    Device,
    ImpactCase,
    Standard,
    StandardStatus,
)
from jiliang.traceability.services.common import clean_decimal, clean_text, deny
from jiliang.traceability.services.impact import impact_open

STANDARD_FIELDS = ("code", "name", "category", "owner", "measurand", "kinds", "range_low",
                   "range_high", "range_unit", "uncertainty", "location", "mobile", "upstream",
                   "status")


@transaction.atomic
def standard_register(
    *,
    actor: User | None,
    code: str,
    name: str,
    category: str,
    owner: Organisation,
    measurand: str,
    uncertainty: str,
    kinds: Sequence[str] = (),
    range_low=None,
    range_high=None,
    range_unit: str = "",
    location: str = "",
    mobile: bool = False,
    upstream: Standard | None = None,
) -> Standard:
    """Put a standard on file (a national primary standard is a node of its own)."""
    if category not in Category.values:
        raise ValidationError({"category": [_("Choose a category.")]})
    if not may.may_file(actor, owner, category):
        deny(_("You may file standards only for your own organisation or in your region."))
    code = clean_text(code, "code", limit=60)
    if Standard.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A standard with code %(code)s is on file already.") % {
            "code": code}]})
    kinds = sorted({str(k).strip() for k in kinds or () if str(k).strip()})
    unknown = sorted(set(kinds) - set(InstrumentKind.objects.filter(code__in=kinds)
                                      .values_list("code", flat=True)))
    if unknown:
        raise ValidationError({"kinds": [_("Not kinds of the catalogue: %(codes)s.") % {
            "codes": ", ".join(unknown)[:200]}]})
    low, high = clean_decimal(range_low, "range_low"), clean_decimal(range_high, "range_high")
    if high is not None and low is not None and low > high:
        raise ValidationError({"range_high": [_("The upper end of the range is below its lower "
                                                "end.")]})
    unit = clean_text(range_unit, "range_unit", limit=20, required=high is not None)
    if unit and rules.unit_of(unit) is None:
        raise ValidationError({"range_unit": [_(
            "Unknown unit: write it as on the certificate, e.g. kg, g, L, MPa, km/h.")]})
    if upstream is not None and category == Category.NATIONAL:
        raise ValidationError({"upstream": [_("A national primary standard is the top of its "
                                              "chain; it has no upstream standard.")]})
    standard = Standard.objects.create(
        code=code, name=clean_text(name, "name", limit=200), category=category, owner=owner,
        region_code=owner.region_code, province_code=owner.region_code[:2],
        measurand=clean_text(measurand, "measurand", limit=100), kinds=kinds, range_low=low,
        range_high=high, range_unit=unit,
        uncertainty=clean_text(uncertainty, "uncertainty", limit=200),
        location=clean_text(location, "location", limit=200, required=False), mobile=bool(mobile),
        upstream=upstream)
    audit_record(actor=actor, action="traceability.standard.register", obj=standard,
                 after=snapshot(standard, STANDARD_FIELDS))
    return standard


@transaction.atomic
def device_add(*, actor: User | None, standard: Standard, name: str, serial_number: str,
               role: str = Device.Role.MAIN, maker: str = "", model: str = "") -> Device:
    if not may.may_keep(actor, standard):
        deny(_("Only the standard's owner or its bureau keeps its devices."))
    if role not in Device.Role.values:
        raise ValidationError({"role": [_("Choose main standard device or ancillary equipment.")]})
    device = Device(standard=standard, role=role, name=clean_text(name, "name", limit=200),
                    serial_number=clean_text(serial_number, "serial_number", limit=64),
                    maker=clean_text(maker, "maker", limit=200, required=False),
                    model=clean_text(model, "model", limit=100, required=False))
    if Device.objects.filter(standard=standard, name=device.name,
                             serial_number=device.serial_number).exists():
        raise ValidationError({"serial_number": [_("This device is on file already.")]})
    device.save()
    audit_record(actor=actor, action="traceability.device.add", obj=device,
                 region_code=standard.region_code, after=snapshot(device))
    return device


@transaction.atomic
def certificate_issue(*, actor: User | None, standard: Standard, number: str, issuer: str,
                      issued_on: datetime.date, valid_until: datetime.date,
                      reexamined_on: datetime.date | None = None,
                      licence_id: int | None = None) -> Certificate:
    """An assessment certificate (or its renewal after re-examination): the bureaus issue it."""
    if not may.may_assess(actor, standard):
        deny(_("Assessment certificates are issued by the bureau over the standard."))
    if standard.is_national:
        raise ValidationError({"standard": [_("A national primary standard is not assessed "
                                              "here.")]})
    number = clean_text(number, "number", limit=60)
    if issued_on is None:
        raise ValidationError({"issued_on": [_("Give the date of issue.")]})
    if valid_until is None or valid_until <= issued_on:
        raise ValidationError({"valid_until": [_("The end of validity must be after the date "
                                                 "of issue.")]})
    if Certificate.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("Certificate %(no)s is on file already.") % {
            "no": number}]})
    cert = Certificate.objects.create(
        standard=standard, number=number, issuer=clean_text(issuer, "issuer", limit=200),
        issued_on=issued_on, valid_until=valid_until, reexamined_on=reexamined_on,
        licence_id=licence_id)
    audit_record(actor=actor, action="traceability.certificate.issue", obj=cert,
                 region_code=standard.region_code, after=snapshot(cert))
    return cert


@transaction.atomic
def calibration_record(*, actor: User | None, standard: Standard, certificate_no: str,
                       calibrated_on: datetime.date, due_on: datetime.date, result: str,
                       higher_standard: Standard | None = None,
                       performed_by: Organisation | None = None, performed_by_name: str = "",
                       uncertainty: str = "") -> Calibration:
    """The standard's own verification or calibration by the level above. With a higher
    standard it sets the upstream link of the chain; out of tolerance, it opens an impact case."""
    if not may.may_keep(actor, standard):
        deny(_("Only the standard's owner or its bureau records its calibrations."))
    if result not in Calibration.Result.values:
        raise ValidationError({"result": [_("Choose in tolerance or out of tolerance.")]})
    if calibrated_on is None or calibrated_on > timezone.localdate():
        raise ValidationError({"calibrated_on": [_("The date cannot be in the future.")]})
    if due_on is None or due_on <= calibrated_on:
        raise ValidationError({"due_on": [_("The due date must be after the calibration "
                                            "date.")]})
    if higher_standard is not None:
        if higher_standard.pk == standard.pk:
            raise ValidationError({"higher_standard": [_("A standard does not calibrate "
                                                         "itself.")]})
        path, _reached = rules.chain(higher_standard.pk, _nodes_above(higher_standard))
        if standard.pk in path:
            raise ValidationError({"higher_standard": [_(
                "This higher standard is itself traced to this standard: the chain would loop.")]})
    if performed_by is None and higher_standard is not None:
        performed_by = higher_standard.owner
    by_name = clean_text(performed_by_name, "performed_by_name", limit=200, required=False) or (
        performed_by.name if performed_by else "")
    if not by_name:
        raise ValidationError({"performed_by_name": [_("Name who calibrated the standard.")]})
    cal = Calibration.objects.create(
        standard=standard, performed_by=performed_by, performed_by_name=by_name,
        higher_standard=higher_standard,
        certificate_no=clean_text(certificate_no, "certificate_no", limit=60),
        calibrated_on=calibrated_on, due_on=due_on, result=result,
        uncertainty=clean_text(uncertainty, "uncertainty", limit=200, required=False),
        recorded_by=actor if actor is not None and actor.is_authenticated else None)
    if higher_standard is not None and standard.upstream_id != higher_standard.pk:
        before = standard.upstream_id
        Standard.objects.filter(pk=standard.pk).update(upstream=higher_standard)
        standard.upstream = higher_standard
        audit_record(actor=actor, action="traceability.standard.upstream", obj=standard,
                     before={"upstream": before}, after={"upstream": higher_standard.pk})
    audit_record(actor=actor, action="traceability.calibration.record", obj=cal,
                 region_code=standard.region_code, after=snapshot(cal))
    if result == Calibration.Result.OUT_OF_TOLERANCE:
        impact_open(actor=actor, standard=standard, reason=ImpactCase.Reason.OUT_OF_TOLERANCE,
                    calibration=cal, until=calibrated_on)
    return cal


def _nodes_above(standard: Standard) -> dict[int, rules.Node]:
    return binding.chain_nodes([standard])


@transaction.atomic
def standard_set_status(*, actor: User | None, standard: Standard, status: str,
                        on: datetime.date | None = None, reason: str = "") -> Standard:
    """Suspend, reinstate or retire a standard; a suspension opens an impact case."""
    if not may.may_assess(actor, standard) and not (
            status != StandardStatus.ACTIVE and may.may_keep(actor, standard)):
        deny(_("Only the bureau over the standard reinstates it."))
    if status not in StandardStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    on = on or timezone.localdate()
    before = snapshot(standard, ("status", "status_changed_on"))
    standard.status, standard.status_changed_on = status, on
    Standard.objects.filter(pk=standard.pk).update(status=status, status_changed_on=on)
    audit_record(actor=actor, action="traceability.standard.status", obj=standard, before=before,
                 after={"status": status, "status_changed_on": on.isoformat(),
                        "reason": clean_text(reason, "reason", limit=300, required=False)})
    if status == StandardStatus.SUSPENDED:
        impact_open(actor=actor, standard=standard, reason=ImpactCase.Reason.SUSPENDED, until=on)
    return standard

# --- touring standards ------------------------------------------------------------------------


@transaction.atomic
def booking_add(*, actor: User | None, standard: Standard, site: str, region_code: str,
                starts_on: datetime.date, ends_on: datetime.date, purpose: str,
                site_owner: Organisation | None = None) -> Booking:
    if not may.may_keep(actor, standard):
        deny(_("Only the standard's owner or its bureau books it."))
    if not standard.mobile:
        raise ValidationError({"standard": [_("Only a touring standard is booked to sites.")]})

    region_get(region_code, field="region_code")
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The booking ends on or after its first day.")]})
    clash = Booking.objects.filter(standard=standard, starts_on__lte=ends_on,
                                   ends_on__gte=starts_on).first()
    if clash is not None:
        raise ValidationError({"starts_on": [_("The standard is booked to %(site)s from %(a)s "
                                               "to %(b)s.") % {
            "site": clash.site, "a": clash.starts_on.isoformat(), "b": clash.ends_on.isoformat()}]})
    booking = Booking.objects.create(standard=standard, site=clean_text(site, "site", limit=200),
                                     region_code=region_code, starts_on=starts_on,
                                     ends_on=ends_on, purpose=clean_text(purpose, "purpose", limit=200),
                                     site_owner=site_owner)
    audit_record(actor=actor, action="traceability.booking.add", obj=booking,
                 after=snapshot(booking))
    return booking

# --- licensing: a standards-assessment grant creates or renews the certificate ----------------


@transaction.atomic
def certificate_from_licence(*, actor: User | None, licence, on: datetime.date,
                             renewal: bool = False) -> Certificate | None:
    """Called by the licensing app when it grants or renews a measurement-standard assessment
    (计量标准考核): the holder's standard named in the licence (by its name) gets the certificate;
    a renewal issues a new one from the renewal's decision to the licence's new end."""
    particulars = licence.particulars or {}
    standard = Standard.objects.filter(owner_id=licence.holder_id,
                                       name=particulars.get("standard_name", "")).first()
    if standard is None or licence.valid_until is None:
        return None
    taken = Certificate.objects.filter(number=licence.number).exists()
    number = f"{licence.number}/{on.year}" if renewal and taken else licence.number
    if Certificate.objects.filter(number=number[:60]).exists():
        return None
    cert = Certificate.objects.create(
        standard=standard, number=number[:60], issuer=licence.authority_code,
        issued_on=on if renewal else licence.issued_on, valid_until=licence.valid_until,
        reexamined_on=on if renewal else None, licence_id=licence.pk)
    audit_record(actor=actor, action="traceability.certificate.from_licence", obj=cert,
                 region_code=standard.region_code, after=snapshot(cert))
    return cert
