"""Every write to the traceability register: one transaction each, validated, audited."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.models import InstrumentKind
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.rules import RuleError
from jiliang.rules import comparison as cmp_rules
from jiliang.rules import traceability as rules
from jiliang.traceability import permissions as may
from jiliang.traceability.models import (
    Booking,
    Calibration,
    Category,
    Certificate,
    Comparison,
    Device,
    ImpactCase,
    ImpactItem,
    ImpactNotice,
    MaterialLot,
    Participant,
    ReferenceMaterial,
    Standard,
    StandardStatus,
)

STANDARD_FIELDS = ("code", "name", "category", "owner", "measurand", "kinds", "range_low",
                   "range_high", "range_unit", "uncertainty", "location", "mobile", "upstream",
                   "status")
GBW = re.compile(r"^GBW(\(E\))?\s?\d{5,6}[a-z]?$")


def _text(value, field: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: [_("Enter a number.")]}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise ValidationError({field: [_("Enter a number.")]})
    return number


def _deny(message: str):
    raise PermissionDenied(message)


# --- standards --------------------------------------------------------------------------------


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
        _deny(_("You may file standards only for your own organisation or in your region."))
    code = _text(code, "code", limit=60)
    if Standard.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A standard with code %(code)s is on file already.") % {
            "code": code}]})
    kinds = sorted({str(k).strip() for k in kinds or () if str(k).strip()})
    unknown = sorted(set(kinds) - set(InstrumentKind.objects.filter(code__in=kinds)
                                      .values_list("code", flat=True)))
    if unknown:
        raise ValidationError({"kinds": [_("Not kinds of the catalogue: %(codes)s.") % {
            "codes": ", ".join(unknown)[:200]}]})
    low, high = _decimal(range_low, "range_low"), _decimal(range_high, "range_high")
    if high is not None and low is not None and low > high:
        raise ValidationError({"range_high": [_("The upper end of the range is below its lower "
                                                "end.")]})
    unit = _text(range_unit, "range_unit", limit=20, required=high is not None)
    if unit and rules.unit_of(unit) is None:
        raise ValidationError({"range_unit": [_(
            "Unknown unit: write it as on the certificate, e.g. kg, g, L, MPa, km/h.")]})
    if upstream is not None and category == Category.NATIONAL:
        raise ValidationError({"upstream": [_("A national primary standard is the top of its "
                                              "chain; it has no upstream standard.")]})
    standard = Standard.objects.create(
        code=code, name=_text(name, "name", limit=200), category=category, owner=owner,
        region_code=owner.region_code, province_code=owner.region_code[:2],
        measurand=_text(measurand, "measurand", limit=100), kinds=kinds, range_low=low,
        range_high=high, range_unit=unit,
        uncertainty=_text(uncertainty, "uncertainty", limit=200),
        location=_text(location, "location", limit=200, required=False), mobile=bool(mobile),
        upstream=upstream)
    audit_record(actor=actor, action="traceability.standard.register", obj=standard,
                 after=snapshot(standard, STANDARD_FIELDS))
    return standard


@transaction.atomic
def device_add(*, actor: User | None, standard: Standard, name: str, serial_number: str,
               role: str = Device.Role.MAIN, maker: str = "", model: str = "") -> Device:
    if not may.may_keep(actor, standard):
        _deny(_("Only the standard's owner or its bureau keeps its devices."))
    if role not in Device.Role.values:
        raise ValidationError({"role": [_("Choose main standard device or ancillary equipment.")]})
    device = Device(standard=standard, role=role, name=_text(name, "name", limit=200),
                    serial_number=_text(serial_number, "serial_number", limit=64),
                    maker=_text(maker, "maker", limit=200, required=False),
                    model=_text(model, "model", limit=100, required=False))
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
        _deny(_("Assessment certificates are issued by the bureau over the standard."))
    if standard.is_national:
        raise ValidationError({"standard": [_("A national primary standard is not assessed "
                                              "here.")]})
    number = _text(number, "number", limit=60)
    if issued_on is None:
        raise ValidationError({"issued_on": [_("Give the date of issue.")]})
    if valid_until is None or valid_until <= issued_on:
        raise ValidationError({"valid_until": [_("The end of validity must be after the date "
                                                 "of issue.")]})
    if Certificate.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("Certificate %(no)s is on file already.") % {
            "no": number}]})
    cert = Certificate.objects.create(
        standard=standard, number=number, issuer=_text(issuer, "issuer", limit=200),
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
        _deny(_("Only the standard's owner or its bureau records its calibrations."))
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
    by_name = _text(performed_by_name, "performed_by_name", limit=200, required=False) or (
        performed_by.name if performed_by else "")
    if not by_name:
        raise ValidationError({"performed_by_name": [_("Name who calibrated the standard.")]})
    cal = Calibration.objects.create(
        standard=standard, performed_by=performed_by, performed_by_name=by_name,
        higher_standard=higher_standard,
        certificate_no=_text(certificate_no, "certificate_no", limit=60),
        calibrated_on=calibrated_on, due_on=due_on, result=result,
        uncertainty=_text(uncertainty, "uncertainty", limit=200, required=False),
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
    from jiliang.traceability.binding import chain_nodes

    return chain_nodes([standard])


@transaction.atomic
def standard_set_status(*, actor: User | None, standard: Standard, status: str,
                        on: datetime.date | None = None, reason: str = "") -> Standard:
    """Suspend, reinstate or retire a standard; a suspension opens an impact case."""
    if not may.may_assess(actor, standard) and not (
            status != StandardStatus.ACTIVE and may.may_keep(actor, standard)):
        _deny(_("Only the bureau over the standard reinstates it."))
    if status not in StandardStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    on = on or timezone.localdate()
    before = snapshot(standard, ("status", "status_changed_on"))
    standard.status, standard.status_changed_on = status, on
    Standard.objects.filter(pk=standard.pk).update(status=status, status_changed_on=on)
    audit_record(actor=actor, action="traceability.standard.status", obj=standard, before=before,
                 after={"status": status, "status_changed_on": on.isoformat(),
                        "reason": _text(reason, "reason", limit=300, required=False)})
    if status == StandardStatus.SUSPENDED:
        impact_open(actor=actor, standard=standard, reason=ImpactCase.Reason.SUSPENDED, until=on)
    return standard


# --- impact analysis --------------------------------------------------------------------------


def last_good_calibration(standard: Standard, before: datetime.date) -> datetime.date | None:
    """The date of the last in-tolerance calibration before ``before`` (the start of doubt)."""
    return (Calibration.objects.filter(standard=standard, calibrated_on__lt=before,
                                       result=Calibration.Result.IN_TOLERANCE)
            .order_by("-calibrated_on").values_list("calibrated_on", flat=True).first())


def affected(standard: Standard, since: datetime.date, until: datetime.date):
    """(standard id, doubted from) for the standard and every standard calibrated downstream of
    it while in doubt: a child is in doubt from its first calibration with a doubted parent on or
    after the day the parent's doubt began (the whole subtree, breadth first)."""
    doubted = {standard.pk: since}
    frontier = [standard.pk]
    while frontier:
        rows = (Calibration.objects.filter(higher_standard_id__in=frontier)
                .values_list("standard_id", "higher_standard_id", "calibrated_on"))
        following = []
        for child, parent, day in rows:
            if day < doubted[parent] or day > until:
                continue
            if child not in doubted or day < doubted[child]:
                if child not in doubted:
                    following.append(child)
                doubted[child] = day
        frontier = following
    return doubted


@transaction.atomic
def impact_open(*, actor: User | None, standard: Standard, reason: str,
                until: datetime.date, calibration: Calibration | None = None) -> ImpactCase:
    """List every certificate issued with the standard since its last good calibration, and with
    the standards downstream of it, as an impact case."""
    from jiliang.registry.models import VerificationRecord

    since = last_good_calibration(standard, until) or datetime.date(1900, 1, 1)
    case = ImpactCase.objects.create(standard=standard, calibration=calibration, reason=reason,
                                     since=since, until=until, region_code=standard.region_code,
                                     province_code=standard.province_code)
    items = []
    for sid, start in affected(standard, since, until).items():
        records = (VerificationRecord.objects
                   .filter(standard_id=sid, verified_on__gte=start, verified_on__lte=until,
                           corrections__isnull=True)
                   .values_list("pk", "instrument_id", "owner_id", "institution_id",
                                "verified_on"))
        items += [ImpactItem(case=case, record_id=pk, instrument_id=inst, owner_id=owner,
                             institution_id=institution, standard_id=sid, verified_on=day)
                  for pk, inst, owner, institution, day in records.iterator(chunk_size=2000)]
    ImpactItem.objects.bulk_create(items, batch_size=2000)
    audit_record(actor=actor, action="traceability.impact.open", obj=case,
                 after={"standard": standard.pk, "reason": reason, "since": since.isoformat(),
                        "until": until.isoformat(), "certificates": len(items)})
    return case


@transaction.atomic
def impact_open_tasks(*, actor: User | None, case: ImpactCase) -> int:
    """The bureau opens the re-verification task list; each affected owner gets a notice."""
    if not may.bureau_over(actor, case.region_code):
        _deny(_("The bureau over the standard opens the re-verification tasks."))
    if case.tasks_opened_at is not None:
        raise ValidationError({"case": [_("The re-verification tasks are open already.")]})
    case.tasks_opened_at = timezone.now()
    ImpactCase.objects.filter(pk=case.pk).update(tasks_opened_at=case.tasks_opened_at)
    ImpactItem.objects.filter(case=case, resolved_by__isnull=True).update(task_open=True)
    counts: dict[int, int] = {}
    for owner in case.items.values_list("owner_id", flat=True):
        counts[owner] = counts.get(owner, 0) + 1
    regions = dict(Organisation.objects.filter(pk__in=counts).values_list("pk", "region_code"))
    ImpactNotice.objects.bulk_create([
        ImpactNotice(case=case, organisation_id=owner, certificates=n, region_code=regions[owner])
        for owner, n in sorted(counts.items())])
    audit_record(actor=actor, action="traceability.impact.tasks", obj=case,
                 after={"owners": len(counts), "certificates": sum(counts.values())})
    return len(counts)


def impact_resolve(*, instrument_id: int, record) -> int:
    """A pass with a sound standard closes the instrument's open impact items (called by the
    registry's service inside its transaction)."""
    if record.conclusion != "pass" or record.standard_id is None:
        return 0
    return ImpactItem.objects.filter(instrument_id=instrument_id, resolved_by__isnull=True,
                                     verified_on__lte=record.verified_on).exclude(
        record_id=record.pk).update(resolved_by=record, task_open=False)


@transaction.atomic
def notice_mark_read(*, actor: User, notice: ImpactNotice) -> None:
    if notice.organisation_id != actor.organisation_id:
        _deny(_("This notice is addressed to another organisation."))
    ImpactNotice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- reference materials ----------------------------------------------------------------------


def _clean_values(values) -> list[dict]:
    if not isinstance(values, list) or not values or len(values) > 50:
        raise ValidationError({"values": [_("List the certified values (1 to 50).")]})
    out = []
    for i, row in enumerate(values):
        if not isinstance(row, dict):
            raise ValidationError({"values": [_("Row %(n)s is not a certified value.") % {
                "n": i + 1}]})
        try:
            value = cmp_rules.number(row.get("value"), "value")
            u = cmp_rules.uncertainty(row.get("U"), "U")
            k = cmp_rules.number(row.get("k", "2"), "k")
        except RuleError:
            raise ValidationError({"values": [_(
                "Row %(n)s: the value, its expanded uncertainty U (not negative) and k must be "
                "numbers.") % {"n": i + 1}]}) from None
        if k <= 0:
            raise ValidationError({"values": [_("Row %(n)s: k must be positive.") % {"n": i + 1}]})
        out.append({"property": _text(row.get("property"), "values", limit=100),
                    "value": f"{value:f}", "unit": _text(row.get("unit"), "values", limit=20,
                                                          required=False),
                    "U": f"{u:f}", "k": f"{k:f}"})
    return out


@transaction.atomic
def material_register(*, actor: User | None, number: str, name: str, producer: str,
                      values, matrix: str = "", certificate_valid_until=None,
                      shelf_life_months: int | None = None, storage: str = "",
                      kinds: Sequence[str] = ()) -> ReferenceMaterial:
    """A catalogue entry (GBW / GBW(E)); the national administration and the bureaus keep it."""
    if actor is not None and not (actor.is_authenticated and actor.is_bureau):
        _deny(_("Reference materials are put on file by the bureaus."))
    number = _text(number, "number", limit=30).upper().replace("（", "(").replace("）", ")")
    if not GBW.match(number):
        raise ValidationError({"number": [_(
            "A certified reference material number reads GBW 12345 or GBW(E) 123456.")]})
    if ReferenceMaterial.objects.filter(number=number).exists():
        raise ValidationError({"number": [_("%(no)s is on file already.") % {"no": number}]})
    if shelf_life_months is not None and not 0 < int(shelf_life_months) <= 600:
        raise ValidationError({"shelf_life_months": [_("Between 1 and 600 months.")]})
    material = ReferenceMaterial.objects.create(
        number=number, name=_text(name, "name", limit=200),
        producer=_text(producer, "producer", limit=200), values=_clean_values(values),
        matrix=_text(matrix, "matrix", limit=100, required=False),
        certificate_valid_until=certificate_valid_until, shelf_life_months=shelf_life_months,
        storage=_text(storage, "storage", limit=200, required=False),
        kinds=sorted({str(k) for k in kinds or ()}))
    audit_record(actor=actor, action="traceability.material.register", obj=material,
                 after=snapshot(material))
    return material


@transaction.atomic
def lot_add(*, actor: User | None, material: ReferenceMaterial, holder: Organisation, lot_no: str,
            expires_on: datetime.date, quantity: str = "") -> MaterialLot:
    """A lot held by an institution (its own staff, or the bureau over it)."""
    if not (may.bureau_over(actor, holder.region_code) or may.member_of(actor, holder.pk)):
        _deny(_("An institution records its own lots."))
    if holder.kind not in (OrgKind.VERIFICATION_INSTITUTION, OrgKind.TECHNICAL_INSTITUTION,
                           OrgKind.ENTERPRISE):
        raise ValidationError({"holder": [_("Lots are held by institutions and enterprises.")]})
    lot_no = _text(lot_no, "lot_no", limit=60)
    if expires_on is None:
        raise ValidationError({"expires_on": [_("Give the expiry date.")]})
    if MaterialLot.objects.filter(material=material, holder=holder, lot_no=lot_no).exists():
        raise ValidationError({"lot_no": [_("This lot is on file already.")]})
    lot = MaterialLot.objects.create(material=material, holder=holder, lot_no=lot_no,
                                     expires_on=expires_on,
                                     quantity=_text(quantity, "quantity", limit=60,
                                                    required=False),
                                     region_code=holder.region_code,
                                     province_code=holder.region_code[:2])
    audit_record(actor=actor, action="traceability.lot.add", obj=lot, after=snapshot(lot))
    return lot


# --- touring standards ------------------------------------------------------------------------


@transaction.atomic
def booking_add(*, actor: User | None, standard: Standard, site: str, region_code: str,
                starts_on: datetime.date, ends_on: datetime.date, purpose: str,
                site_owner: Organisation | None = None) -> Booking:
    if not may.may_keep(actor, standard):
        _deny(_("Only the standard's owner or its bureau books it."))
    if not standard.mobile:
        raise ValidationError({"standard": [_("Only a touring standard is booked to sites.")]})
    from jiliang.core.services import region_get

    region_get(region_code, field="region_code")
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The booking ends on or after its first day.")]})
    clash = Booking.objects.filter(standard=standard, starts_on__lte=ends_on,
                                   ends_on__gte=starts_on).first()
    if clash is not None:
        raise ValidationError({"starts_on": [_("The standard is booked to %(site)s from %(a)s "
                                               "to %(b)s.") % {
            "site": clash.site, "a": clash.starts_on.isoformat(), "b": clash.ends_on.isoformat()}]})
    booking = Booking.objects.create(standard=standard, site=_text(site, "site", limit=200),
                                     region_code=region_code, starts_on=starts_on,
                                     ends_on=ends_on, purpose=_text(purpose, "purpose", limit=200),
                                     site_owner=site_owner)
    audit_record(actor=actor, action="traceability.booking.add", obj=booking,
                 after=snapshot(booking))
    return booking


# --- comparisons ------------------------------------------------------------------------------


def _state(comparison: Comparison, *allowed: str) -> None:
    if comparison.state not in allowed:
        raise ValidationError({"state": [_("Not possible while the comparison is %(state)s.") % {
            "state": comparison.get_state_display()}]})


@transaction.atomic
def comparison_create(*, actor: User | None, code: str, title: str, organiser: Organisation,
                      pilot: Organisation, measurand: str, method: str, protocol: str,
                      artefact: str, starts_on: datetime.date, ends_on: datetime.date,
                      unit: str = "") -> Comparison:
    if not (may.bureau_over(actor, organiser.region_code) or may.member_of(actor, organiser.pk)):
        _deny(_("A comparison is organised by a bureau or by an institution for itself."))
    if method not in cmp_rules.METHODS:
        raise ValidationError({"method": [_("Choose En or z.")]})
    if ends_on is None or starts_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The comparison ends on or after its first day.")]})
    code = _text(code, "code", limit=40)
    if Comparison.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A comparison with code %(code)s is on file "
                                          "already.") % {"code": code}]})
    comparison = Comparison.objects.create(
        code=code, title=_text(title, "title", limit=200), organiser=organiser, pilot=pilot,
        measurand=_text(measurand, "measurand", limit=100), method=method,
        protocol=_text(protocol, "protocol", limit=20000),
        artefact=_text(artefact, "artefact", limit=200), starts_on=starts_on, ends_on=ends_on,
        unit=_text(unit, "unit", limit=20, required=False), region_code=organiser.region_code,
        province_code=organiser.region_code[:2])
    audit_record(actor=actor, action="traceability.comparison.create", obj=comparison,
                 after=snapshot(comparison, ("code", "title", "method", "organiser", "pilot")))
    return comparison


@transaction.atomic
def participant_add(*, actor: User | None, comparison: Comparison, institution: Organisation,
                    lab_code: str, standard: Standard | None = None) -> Participant:
    if not may.may_run(actor, comparison):
        _deny(_("Only the organiser enrols participants."))
    _state(comparison, Comparison.State.PLANNED, Comparison.State.RESULTS)
    if standard is not None and standard.owner_id != institution.pk:
        raise ValidationError({"standard": [_("The standard is not the participant's.")]})
    lab_code = _text(lab_code, "lab_code", limit=20)
    if comparison.participants.filter(lab_code=lab_code).exists() or \
            comparison.participants.filter(institution=institution).exists():
        raise ValidationError({"lab_code": [_("This participant is enrolled already.")]})
    part = Participant.objects.create(comparison=comparison, institution=institution,
                                      lab_code=lab_code, standard=standard)
    audit_record(actor=actor, action="traceability.comparison.enrol", obj=part,
                 region_code=comparison.region_code, after=snapshot(part))
    return part


@transaction.atomic
def result_submit(*, actor: User | None, participant: Participant, value: str,
                  expanded_u: str = "", in_reference: bool = False) -> Participant:
    """A participant's result (the participant itself, or the organiser)."""
    comparison = participant.comparison
    if not (may.may_run(actor, comparison) or may.member_of(actor, participant.institution_id)):
        _deny(_("Only the participant or the organiser submits its result."))
    if comparison.state == Comparison.State.PLANNED:
        comparison.state = Comparison.State.RESULTS
        Comparison.objects.filter(pk=comparison.pk).update(state=comparison.state)
    _state(comparison, Comparison.State.RESULTS)
    try:
        x = cmp_rules.number(value, "value")
        u = cmp_rules.uncertainty(expanded_u, "expanded_u") if expanded_u not in (None, "") \
            else None
    except RuleError as error:
        field = "expanded_u" if "expanded_u" in str(error) else "value"
        raise ValidationError({field: [_("Enter a number (an uncertainty is not negative).")]}) \
            from None
    if comparison.method == cmp_rules.EN and u is None:
        raise ValidationError({"expanded_u": [_("An En comparison needs the expanded "
                                                "uncertainty.")]})
    participant.value, participant.expanded_u = f"{x:f}", f"{u:f}" if u is not None else ""
    participant.in_reference = bool(in_reference)
    participant.score = participant.verdict = ""
    participant.save(update_fields=["value", "expanded_u", "in_reference", "score", "verdict"])
    audit_record(actor=actor, action="traceability.comparison.result", obj=participant,
                 region_code=comparison.region_code,
                 after=snapshot(participant, ("value", "expanded_u", "in_reference")))
    return participant


@transaction.atomic
def comparison_score(*, actor: User | None, comparison: Comparison, reference_value: str,
                     reference_u: str = "", sigma_pt: str = "") -> Comparison:
    """Set the reference value and score every result by the protocol's method."""
    if not may.may_run(actor, comparison):
        _deny(_("Only the organiser scores the comparison."))
    _state(comparison, Comparison.State.RESULTS, Comparison.State.SCORED)
    parts = list(comparison.participants.order_by("lab_code"))
    if not parts or any(not p.value for p in parts):
        raise ValidationError({"state": [_("Every participant's result is needed first.")]})
    reference = {"value": reference_value}
    if comparison.method == cmp_rules.EN:
        reference["U"] = reference_u
    else:
        reference["sigma_pt"] = sigma_pt
    rows = [{"lab": p.lab_code, "value": p.value, "U": p.expanded_u or "0",
             "in_reference": p.in_reference} for p in parts]
    try:
        scores = cmp_rules.score(comparison.method, reference, rows)
    except RuleError as error:
        raise ValidationError({"reference_value": [comparison_message(error)]}) from None
    for part, s in zip(parts, scores, strict=True):
        part.score, part.verdict = s.printed, s.verdict
        part.save(update_fields=["score", "verdict"])
    comparison.reference_value = f"{cmp_rules.number(reference_value, 'value'):f}"
    comparison.reference_u = reference_u or ""
    comparison.sigma_pt = sigma_pt or ""
    comparison.state = Comparison.State.SCORED
    comparison.save(update_fields=["reference_value", "reference_u", "sigma_pt", "state"])
    audit_record(actor=actor, action="traceability.comparison.score", obj=comparison,
                 after={"reference_value": comparison.reference_value,
                        "scores": {p.lab_code: [p.score, p.verdict] for p in parts}})
    return comparison


def comparison_message(error: RuleError) -> str:
    texts = {
        "value.not_number": _("%(field)s is not a number."),
        "uncertainty.negative": _("%(field)s is a negative uncertainty."),
        "uncertainty.zero": _("The combined uncertainty of %(field)s is zero."),
        "sigma_pt.zero": _("The standard deviation for proficiency assessment is zero."),
        "in_reference.u_lab": _("%(field)s: a result that went into the reference value needs "
                                "an uncertainty larger than the reference value's."),
    }
    template = texts.get(error.code)
    if template is None:
        return str(error)
    return template % {"field": error.params.get("field", "")} if "%(field)s" in template \
        else template


@transaction.atomic
def comparison_report(*, actor: User | None, comparison: Comparison, report: str) -> Comparison:
    if not may.may_run(actor, comparison):
        _deny(_("Only the organiser writes the report."))
    _state(comparison, Comparison.State.SCORED, Comparison.State.REPORTED)
    comparison.report = _text(report, "report", limit=50000)
    comparison.state = Comparison.State.REPORTED
    comparison.save(update_fields=["report", "state"])
    audit_record(actor=actor, action="traceability.comparison.report", obj=comparison,
                 after={"report": len(comparison.report)})
    return comparison


@transaction.atomic
def comparison_publish(*, actor: User | None, comparison: Comparison) -> Comparison:
    """Publication after approval by a bureau head over the organiser."""
    if not may.may_approve(actor, comparison):
        _deny(_("The report is approved by the head of the bureau over the organiser."))
    _state(comparison, Comparison.State.REPORTED)
    comparison.state = Comparison.State.PUBLISHED
    comparison.approved_by = actor if actor is not None and actor.is_authenticated else None
    comparison.published_on = timezone.localdate()
    comparison.save(update_fields=["state", "approved_by", "published_on"])
    audit_record(actor=actor, action="traceability.comparison.publish", obj=comparison,
                 after={"published_on": comparison.published_on.isoformat()})
    return comparison


@transaction.atomic
def follow_up(*, actor: User | None, participant: Participant, action: str,
              suspend_standard: bool = False, close: bool = False) -> Participant:
    """The follow-up of an unsatisfactory (or questionable) result; it may suspend the
    participant's standard, which opens an impact case."""
    comparison = participant.comparison
    if not may.may_run(actor, comparison):
        _deny(_("The organiser (or its bureau) follows up results."))
    if participant.verdict not in (cmp_rules.UNSATISFACTORY, cmp_rules.QUESTIONABLE):
        raise ValidationError({"action": [_("Only an unsatisfactory or questionable result is "
                                            "followed up.")]})
    participant.follow_up = _text(action, "action", limit=2000)
    participant.follow_up_closed = bool(close)
    participant.save(update_fields=["follow_up", "follow_up_closed"])
    audit_record(actor=actor, action="traceability.comparison.follow_up", obj=participant,
                 region_code=comparison.region_code,
                 after={"follow_up": participant.follow_up, "closed": participant.follow_up_closed,
                        "suspend": bool(suspend_standard)})
    if suspend_standard:
        if participant.standard is None:
            raise ValidationError({"suspend_standard": [_("No standard of the participant is "
                                                          "named in this comparison.")]})
        if not may.may_assess(actor, participant.standard):
            _deny(_("Only the bureau over the standard suspends it."))
        standard_set_status(actor=actor, standard=participant.standard,
                            status=StandardStatus.SUSPENDED,
                            reason=_("Comparison %(code)s: unsatisfactory result") % {
                                "code": comparison.code})
    return participant


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
