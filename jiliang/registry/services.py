"""Every write to the registry: filing, status changes, verifications, corrections, batches.

One transaction each, validated, audited; verification records are chained
(append-only), and every change that moves a count behind the rates updates
``RateCell`` in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.audit.chain import chain_append
from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog import type_approval
from jiliang.catalog.models import InstrumentKind, Use
from jiliang.catalog.selectors import (
    TermResolver,
    catalogue_version_code,
    edition_problems,
    kind_needs_medium,
)
from jiliang.core.models import Organisation, OrgKind, Region, Role, User
from jiliang.core.services import region_get
from jiliang.core.validation import rule_message
from jiliang.people.signing import signoff_or_raise
from jiliang.registry import copytext
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    MeterBatch,
    Status,
    VerificationRecord,
    VerificationType,
)
from jiliang.rules import RuleError
from jiliang.rules import verification as rules

INSTRUMENT_FIELDS = (
    "public_code", "owner", "kind", "use", "serial_number", "manufacturer", "model",
    "measuring_range", "accuracy_class", "nominal_size", "household", "medium",
    "type_approval_no", "region_code", "address", "status", "status_changed_on", "first_use_on",
)
RECORD_FIELDS = (
    "public_code", "instrument", "institution", "verified_on", "verification_type",
    "regulation_code", "standard_identifier", "standard_valid_until", "conclusion",
    "failed_items", "certificate_no", "valid_until", "management_mode", "supersedes",
)
SIGNOFF_FIELDS = ("verifier_person", "checker_person", "approver_person", "authorisation_no")
EDITABLE = ("use", "manufacturer", "model", "measuring_range", "accuracy_class", "nominal_size",
            "household", "medium", "type_approval_no", "region_code", "address", "first_use_on")
MEDIUMS = ("natural_gas", "other_gas")

# The rules' error codes, in the user's language.
RULE_MESSAGES = {
    "valid_until.before": gettext_lazy("The valid-until date must be after the verification date."),
    "valid_until.too_late": gettext_lazy(
        "The valid-until date may not be later than the period allows (%(limit)s); an institution "
        "may only shorten it."),
    "valid_until.none": gettext_lazy(
        "This kind of instrument is verified once only; its certificate has no valid-until date."),
    "period.unknown": gettext_lazy(
        "The catalogue does not confirm the period of this regulation and your province has not "
        "set one: enter the valid-until date written on the certificate."),
    "life.unknown": gettext_lazy(
        "The catalogue does not confirm the service life of this meter and your province has not "
        "set one: enter the replacement date written on the certificate."),
}


class DuplicateInstrumentError(ValidationError):
    """The owner already filed an instrument of this kind with this serial number."""

    def __init__(self, existing: Instrument) -> None:
        self.existing = existing
        url = reverse("registry:instrument-detail", args=[existing.pk])
        super().__init__({"serial_number": [_(
            "This owner has already filed a %(kind)s with serial number %(serial)s: see %(url)s") % {
            "kind": existing.kind.name, "serial": existing.serial_number, "url": url}]})


# --- helpers ----------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def parse_size(value) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().upper().removeprefix("DN").removeprefix("G").strip()
    try:
        size = Decimal(text)
    except InvalidOperation:
        raise ValidationError({"nominal_size": [_("Enter the nominal size as a number (e.g. 20 for "
                                                  "DN20, 2.5 for G2.5).")]}) from None
    if size <= 0 or size >= Decimal("10000000"):
        raise ValidationError({"nominal_size": [_("The nominal size must be a positive number.")]})
    return size.quantize(Decimal("0.1"))


def facts_of(instrument: Instrument, *, adjusted: bool = False) -> rules.Facts:
    return rules.Facts(size=instrument.nominal_size, household=instrument.household,
                       accuracy_class=instrument.accuracy_class or "", medium=instrument.medium or "",
                       adjusted=adjusted)


def is_legal_institution(org: Organisation | None) -> bool:
    return org is not None and org.kind == OrgKind.VERIFICATION_INSTITUTION


def _check_location(region_code: str, field: str = "region_code") -> str:
    region = region_get(region_code, field=field)
    if region.level == Region.Level.PROVINCE:
        raise ValidationError({field: [_(
            "Give the city or county division where the instrument is used, not the province.")]})
    return region.code


def check_kind_and_use(kind_code: str, use: str) -> InstrumentKind:
    kind = InstrumentKind.objects.filter(code=kind_code).first()
    if kind is None:
        raise ValidationError({"kind": [_("Choose a kind of instrument from the catalogue.")]})
    if use not in Use.values:
        raise ValidationError({"use": [_("Choose the use: trade settlement, safety protection, "
                                         "medical care or environmental monitoring.")]})
    if kind.uses and use not in kind.uses:
        raise ValidationError({"use": [_(
            "A %(kind)s is under compulsory verification only when used for %(uses)s.") % {
            "kind": kind.name, "uses": ", ".join(kind.use_labels())}]})
    return kind


def _check_size(kind: InstrumentKind, size: Decimal | None, medium: str) -> None:
    if kind.size_param and size is None:
        raise ValidationError({"nominal_size": [_(
            "Give the nominal size (%(param)s) of a %(kind)s: its management mode and period "
            "depend on it.") % {"param": kind.size_param, "kind": kind.name}]})
    if medium not in MEDIUMS and kind_needs_medium(kind):
        raise ValidationError({"medium": [_(
            "Say whether the gas meter measures natural gas or another gas: its service life "
            "depends on it.")]})
    if medium and medium not in MEDIUMS:
        raise ValidationError({"medium": [_("Choose natural gas or another gas.")]})


def _may_file_for(actor, owner: Organisation, region_code: str) -> None:
    if actor is None:
        return
    if actor.role == Role.ENTERPRISE_USER:
        if owner.pk != actor.organisation_id:
            raise PermissionDenied(_("An enterprise files only its own instruments."))
        return
    if actor.is_bureau:
        if not actor.scope.covers_region(region_code):
            raise PermissionDenied(_("You may file instruments only within your own region."))
        return
    raise PermissionDenied(_("Instruments are filed by their owner or by a bureau."))


def _may_change(actor, instrument: Instrument) -> None:
    if actor is None:
        return
    if actor.role == Role.ENTERPRISE_USER and instrument.owner_id == actor.organisation_id:
        return
    if actor.is_bureau and actor.scope.covers_region(instrument.region_code):
        return
    raise PermissionDenied(_("Only the owner or the bureau of its region changes this instrument."))


# --- rates ------------------------------------------------------------------------------------


def _tally(instrument: Instrument) -> rules.Tally:
    records = VerificationRecord.objects.filter(instrument=instrument, corrections__isnull=True)
    recs = [rules.Rec(r.verified_on, r.conclusion == Conclusion.PASS, r.periodic_due_on)
            for r in records.only("verified_on", "conclusion", "periodic_due_on")]
    left = instrument.status_changed_on if instrument.status != Status.IN_USE else None
    return rules.contributions(recs, left_use_on=left)


def _cell_key(instrument: Instrument) -> tuple[str, int, str]:
    return instrument.region_code, instrument.kind_id, instrument.use


RATE_UPSERT = """
INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                               verified, passed, due, due_verified)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (region_code, kind_id, use, month) DO UPDATE SET
    verified = registry_ratecell.verified + excluded.verified,
    passed = registry_ratecell.passed + excluded.passed,
    due = registry_ratecell.due + excluded.due,
    due_verified = registry_ratecell.due_verified + excluded.due_verified
"""


RATE_FOLD = """
INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                               verified, passed, due, due_verified)
SELECT region_code, province_code, kind_id, use, month,
       SUM(verified), SUM(passed), SUM(due), SUM(due_verified)
FROM registry_ratedelta WHERE id <= %s
GROUP BY region_code, province_code, kind_id, use, month
ON CONFLICT (region_code, kind_id, use, month) DO UPDATE SET
    verified = registry_ratecell.verified + excluded.verified,
    passed = registry_ratecell.passed + excluded.passed,
    due = registry_ratecell.due + excluded.due,
    due_verified = registry_ratecell.due_verified + excluded.due_verified
"""


def rates_fold() -> int:
    """Fold the deltas bulk imports left into the rate cells, set-based; returns how many."""
    from jiliang.registry.models import RateDelta

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # One fold at a time, and no delta added while this one runs.
                cursor.execute("LOCK TABLE registry_ratedelta IN SHARE ROW EXCLUSIVE MODE")
        last = RateDelta.objects.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(RATE_FOLD, [last])
            cursor.execute("DELETE FROM registry_ratedelta WHERE id <= %s", [last])
            return cursor.rowcount


def rates_add_deltas(cells: dict[tuple[str, int, str, datetime.date], list[int]]) -> None:
    """Record a bulk import's counts as deltas: a plain COPY (PostgreSQL) or an upsert (SQLite)."""
    rows = [(region, region[:2], kind_id, use, month, *values)
            for (region, kind_id, use, month), values in cells.items() if any(values)]
    if not rows:
        return
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(RATE_UPSERT, rows)
        return
    with connection.cursor() as cursor:
        copytext.copy_rows(
            cursor.cursor, "COPY registry_ratedelta (region_code, province_code, kind_id, use, "
            "month, verified, passed, due, due_verified) FROM STDIN", rows, line=_RATE_LINE)


_RATE_LINE = copytext.row_formatter("ssisdiiii")


def rates_apply(deltas: dict[tuple[str, int, str, datetime.date], dict[str, int]]) -> None:
    """Add counts to the rate cells (the same statement on SQLite and PostgreSQL)."""
    rows = []
    for (region, kind_id, use, month), measures in sorted(deltas.items()):
        values = [measures.get(m, 0) for m in ("verified", "passed", "due", "due_verified")]
        if any(values):
            rows.append((region, region[:2], kind_id, use, month, *values))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(RATE_UPSERT, rows)


def add_tally(deltas: dict, key: tuple[str, int, str], tally: rules.Tally, sign: int = 1) -> None:
    for (month, measure), n in tally.counts.items():
        cell = deltas.setdefault((*key, month), {})
        cell[measure] = cell.get(measure, 0) + sign * n


class _RateChange:
    """Takes an instrument's contribution before a change and applies the difference after it."""

    def __init__(self, instrument: Instrument) -> None:
        self.key = _cell_key(instrument)
        self.before = _tally(instrument)

    def commit(self, instrument: Instrument) -> None:
        deltas: dict = {}
        add_tally(deltas, self.key, self.before, -1)
        add_tally(deltas, _cell_key(instrument), _tally(instrument))
        rates_apply(deltas)


# --- instrument state -------------------------------------------------------------------------


def refresh_state(instrument: Instrument) -> Instrument:
    """Set the fields the lists read from the instrument's effective verifications."""
    latest = first = None
    if instrument.pk is not None:
        effective = VerificationRecord.objects.filter(instrument=instrument,
                                                      corrections__isnull=True)
        latest = effective.order_by("-verified_on", "-id").first()
        first = effective.order_by("verified_on", "id").values_list("verified_on",
                                                                    flat=True).first()
    instrument.first_verified_on = first
    if latest is None:
        instrument.last_verified_on = None
        instrument.last_conclusion = ""
        instrument.last_institution_id = None
        instrument.last_certificate_no = ""
        instrument.valid_until = None
        instrument.next_due_on = instrument.first_use_on or timezone.localtime(
            instrument.filed_at or timezone.now()).date()
        instrument.due_action = rules.DUE_FIRST
        instrument.replacement_due_on = None
        return instrument
    due, action, replace_by = rules.due_after(
        mode=latest.management_mode, passed=latest.passed, verified_on=latest.verified_on,
        valid_until=latest.valid_until)
    instrument.last_verified_on = latest.verified_on
    instrument.last_conclusion = latest.conclusion
    instrument.last_institution_id = latest.institution_id
    instrument.last_certificate_no = latest.certificate_no
    instrument.valid_until = latest.valid_until
    instrument.next_due_on = due
    instrument.due_action = action
    instrument.replacement_due_on = replace_by
    instrument.term_rule = latest.term_rule
    instrument.term_province_set = latest.term_province_set
    return instrument


STATE_FIELDS = ["first_verified_on", "last_verified_on", "last_conclusion", "last_institution",
                "last_certificate_no", "valid_until", "next_due_on", "due_action",
                "replacement_due_on", "term_rule", "term_province_set"]


# --- filing -----------------------------------------------------------------------------------


def _owner(owner: Organisation | None, owner_credit_code: str, actor) -> Organisation:
    if owner is None and owner_credit_code:
        owner = Organisation.objects.filter(credit_code=owner_credit_code.strip().upper()).first()
        if owner is None:
            raise ValidationError({"owner": [_(
                "No organisation with this credit code is on file; register it first.")]})
    if owner is None and actor is not None and actor.role == Role.ENTERPRISE_USER:
        owner = actor.organisation
    if owner is None:
        raise ValidationError({"owner": [_("Name the owner by its unified social credit code.")]})
    if owner.is_bureau:
        raise ValidationError({"owner": [_("A bureau does not own instruments in this registry; "
                                           "name the enterprise or institution that uses it.")]})
    return owner


@transaction.atomic
def instrument_file(
    *,
    actor: User | None,
    kind_code: str,
    use: str,
    serial_number: str,
    region_code: str,
    owner: Organisation | None = None,
    owner_credit_code: str = "",
    manufacturer: str = "",
    model: str = "",
    measuring_range: str = "",
    accuracy_class: str = "",
    nominal_size=None,
    household: bool = False,
    medium: str = "",
    type_approval_no: str = "",
    address: str = "",
    first_use_on: datetime.date | None = None,
    status: str = Status.IN_USE,
    batch: MeterBatch | None = None,
) -> Instrument:
    """File (备案) an instrument under compulsory verification."""
    owner = _owner(owner, owner_credit_code, actor)
    kind = check_kind_and_use(kind_code, use)
    serial = (serial_number or "").strip()
    if not serial:
        raise ValidationError({"serial_number": [_("Give the serial number on the instrument.")]})
    if len(serial) > 64:
        raise ValidationError({"serial_number": [_("At most %(n)s characters.") % {"n": 64}]})
    region = _check_location(region_code)
    _may_file_for(actor, owner, region)
    size = parse_size(nominal_size)
    _check_size(kind, size, medium or "")
    if first_use_on is not None and first_use_on > today():
        raise ValidationError({"first_use_on": [_("The date of first use cannot be in the future.")]})
    type_approval_no = type_approval.clean_number(type_approval_no)  # catalogue (#14): CPA number
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    existing = Instrument.objects.filter(owner=owner, kind=kind, serial_number=serial).first()
    if existing is not None:
        raise DuplicateInstrumentError(existing)
    now = timezone.now()
    instrument = Instrument(
        owner=owner, kind=kind, use=use, serial_number=serial, manufacturer=manufacturer.strip(),
        model=model.strip(), measuring_range=measuring_range.strip(),
        accuracy_class=accuracy_class.strip(), nominal_size=size, household=bool(household),
        medium=medium or "", type_approval_no=type_approval_no, region_code=region,
        province_code=region[:2], address=address.strip(), status=status,
        status_changed_on=today() if status != Status.IN_USE else None,
        first_use_on=first_use_on, batch=batch, filed_at=now,
        catalogue_version=catalogue_version_code(timezone.localtime(now).date()),
    )
    refresh_state(instrument)
    try:
        with transaction.atomic():
            instrument.save()
    except IntegrityError:
        existing = Instrument.objects.filter(owner=owner, kind=kind, serial_number=serial).first()
        if existing is not None:
            raise DuplicateInstrumentError(existing) from None
        raise
    audit_record(actor=actor, action="registry.instrument.file", obj=instrument,
                 after=snapshot(instrument, INSTRUMENT_FIELDS))
    return instrument


@transaction.atomic
def instrument_update(*, actor: User | None, instrument: Instrument, **changes) -> Instrument:
    """Change an instrument's particulars (not its owner, kind or serial number)."""
    inst = Instrument.objects.select_for_update().get(pk=instrument.pk)
    _may_change(actor, inst)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    before = snapshot(inst, INSTRUMENT_FIELDS)
    rates = _RateChange(inst)
    if "region_code" in changes:
        region = _check_location(changes.pop("region_code"))
        if actor is not None and actor.is_bureau and not actor.scope.covers_region(region):
            raise PermissionDenied(_("You may move instruments only within your own region."))
        inst.region_code, inst.province_code = region, region[:2]
    if "use" in changes:
        use = changes.pop("use") or ""
        check_kind_and_use(inst.kind.code, use)
        inst.use = use
    for field, value in changes.items():
        if field == "nominal_size":
            value = parse_size(value)
        elif field == "type_approval_no":  # catalogue (#14): a CPA number
            value = type_approval.clean_number(value)
        elif field == "household":
            value = bool(value)
        elif field == "first_use_on":
            if value is not None and value > today():
                raise ValidationError({"first_use_on": [_(
                    "The date of first use cannot be in the future.")]})
        elif isinstance(value, str):
            value = value.strip()
        setattr(inst, field, value)
    _check_size(inst.kind, inst.nominal_size, inst.medium)
    refresh_state(inst)
    inst.save()
    rates.commit(inst)
    audit_record(actor=actor, action="registry.instrument.update", obj=inst, before=before,
                 after=snapshot(inst, INSTRUMENT_FIELDS))
    return inst


@transaction.atomic
def instrument_set_status(*, actor: User | None, instrument: Instrument, status: str,
                          on: datetime.date | None = None) -> Instrument:
    """In use, stopped, scrapped or replaced; scrapped and replaced are final."""
    inst = Instrument.objects.select_for_update().get(pk=instrument.pk)
    _may_change(actor, inst)
    if status not in Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    if inst.status in (Status.SCRAPPED, Status.REPLACED) and status != inst.status:
        raise ValidationError({"status": [_(
            "A scrapped or replaced instrument does not come back into use; file its replacement.")]})
    on = on or today()
    if on > today():
        raise ValidationError({"on": [_("The date cannot be in the future.")]})
    if status == inst.status:
        return inst
    before = snapshot(inst, INSTRUMENT_FIELDS)
    rates = _RateChange(inst)
    inst.status = status
    inst.status_changed_on = on
    inst.save(update_fields=["status", "status_changed_on"])
    rates.commit(inst)
    audit_record(actor=actor, action="registry.instrument.status", obj=inst, before=before,
                 after=snapshot(inst, INSTRUMENT_FIELDS))
    return inst


# --- verifications ----------------------------------------------------------------------------


def check_standard(verified_on: datetime.date, standard_valid_until: datetime.date | None) -> None:
    if standard_valid_until is None:
        raise ValidationError({"standard_valid_until": [_(
            "Give the validity date of the standard used.")]})
    if standard_valid_until < verified_on:
        raise ValidationError({"standard_valid_until": [_(
            "The standard used was valid only until %(until)s, before the verification date: a "
            "verification made with an expired standard is refused.") % {
            "until": standard_valid_until.isoformat()}]})


def standard_binding(*, institution: Organisation, instrument: Instrument, on: datetime.date,
                     standard_id: int | None, lot_ids: Sequence[int] = ()):
    """Traceability (issue 12): with the app installed, a record stands on a registered standard
    of the institution that was valid that day (``jiliang.rules.traceability.record_errors``);
    a ValidationError names every reason it cannot. None without the app (free text)."""
    if not apps.is_installed("jiliang.traceability"):
        return None
    from jiliang.traceability.binding import bind_record

    return bind_record(institution_id=institution.pk, kind_code=instrument.kind.code,
                       instrument_range=instrument.measuring_range, on=on,
                       standard_id=standard_id, lot_ids=lot_ids)


def term_for(instrument: Instrument, regulation_code: str, *, adjusted: bool = False,
             resolver: TermResolver | None = None):
    resolver = resolver or TermResolver()
    regs = resolver.regulations.get(instrument.kind.code, set())
    if regulation_code not in regs:
        raise ValidationError({"regulation_code": [_(
            "%(code)s is not a regulation of this kind of instrument in the catalogue.") % {
            "code": regulation_code or "—"}]})
    found = resolver.resolve(instrument.kind.code, regulation_code,
                             facts_of(instrument, adjusted=adjusted), instrument.province_code)
    if found.rule is None:
        raise ValidationError({"regulation_code": [_(
            "No period rule of the catalogue covers this instrument under %(code)s.") % {
            "code": regulation_code}]})
    return found


def _outcome(term: rules.Term, **kwargs) -> rules.Outcome:
    try:
        return rules.outcome(term=term, **kwargs)
    except RuleError as error:
        raise ValidationError({"valid_until": [rule_message(error, RULE_MESSAGES)]}) from None


def _require_verifier(actor) -> Organisation:
    org = getattr(actor, "organisation", None)
    if actor is None or actor.role not in (Role.VERIFIER, Role.INSTITUTION_MANAGER) \
            or not is_legal_institution(org):
        raise PermissionDenied(_(
            "Verifications are recorded by the verifiers of a legal verification institution."))
    return org


def _clean_extra(**values: str) -> dict[str, str]:
    """The place, the conditions and the original-record number (each bounded)."""
    limits = {"place": 200, "conditions": 200, "original_record_no": 60}
    out = {}
    for key, value in values.items():
        text = " ".join((value or "").split())
        if len(text) > limits[key]:
            raise ValidationError({key: [_("At most %(n)s characters.") % {"n": limits[key]}]})
        out[key] = text
    return out


def _clean_items(conclusion: str, failed_items: Iterable[str]) -> list[str]:
    if conclusion not in Conclusion.values:
        raise ValidationError({"conclusion": [_("Choose pass or fail.")]})
    items = [str(i).strip() for i in failed_items or () if str(i).strip()]
    if conclusion == Conclusion.FAIL and not items:
        raise ValidationError({"failed_items": [_(
            "A result notice lists the items that failed.")]})
    if conclusion == Conclusion.PASS and items:
        raise ValidationError({"failed_items": [_("A pass lists no failed items.")]})
    return items


@transaction.atomic
def verification_record(
    *,
    actor: User,
    instrument: Instrument,
    verified_on: datetime.date,
    verification_type: str,
    regulation_code: str,
    conclusion: str,
    certificate_no: str,
    verifier=None,
    checker=None,
    approver=None,
    place: str = "",
    conditions: str = "",
    original_record_no: str = "",
    standard_identifier: str = "",
    standard_valid_until: datetime.date | None = None,
    as_found: str = "",
    adjusted: bool = False,
    failed_items: Sequence[str] = (),
    valid_until: datetime.date | None = None,
    supersedes: VerificationRecord | None = None,
    correction_reason: str = "",
    standard_id: int | None = None,
    reference_lot_ids: Sequence[int] = (),
) -> VerificationRecord:
    """Record a verification; a pass issues a 检定证书, a fail a 检定结果通知书.

    A fail cancels the certificate in force (the public pages and the PDF say
    so); a correction is a new record that supersedes an earlier one.
    """
    institution = _require_verifier(actor)
    inst = Instrument.objects.select_for_update().select_related("kind").get(pk=instrument.pk)
    if inst.status in (Status.SCRAPPED, Status.REPLACED):
        raise ValidationError({"instrument": [_(
            "This instrument is %(status)s; it is not verified any more.") % {
            "status": inst.get_status_display()}]})
    if verified_on is None or verified_on > today():
        raise ValidationError({"verified_on": [_("The verification date cannot be in the future.")]})
    if verification_type not in VerificationType.values:
        raise ValidationError({"verification_type": [_("Choose the type of verification.")]})
    # Traceability (issue 12): the registered standard (and lots), judged for that day.
    bound = standard_binding(institution=institution, instrument=inst, on=verified_on,
                             standard_id=standard_id, lot_ids=reference_lot_ids)
    if bound is not None:
        standard_identifier, standard_valid_until = bound.identifier, bound.valid_until
    standard = (standard_identifier or "").strip()
    if not standard:
        raise ValidationError({"standard_identifier": [_("Identify the standard used.")]})
    check_standard(verified_on, standard_valid_until)
    items = _clean_items(conclusion, failed_items)
    number = (certificate_no or "").strip()
    if not number:
        raise ValidationError({"certificate_no": [_(
            "Give the number of the certificate or result notice.")]})
    if len(number) > 60:
        raise ValidationError({"certificate_no": [_("At most %(n)s characters.") % {"n": 60}]})
    if VerificationRecord.objects.filter(institution=institution, certificate_no=number,
                                         batch__isnull=True).exists():
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]})
    effective = VerificationRecord.objects.filter(instrument=inst, corrections__isnull=True)
    if supersedes is not None:
        if supersedes.instrument_id != inst.pk or not effective.filter(pk=supersedes.pk).exists():
            raise ValidationError({"supersedes": [_(
                "Only a record of this instrument that has not been corrected yet can be corrected.")]})
        if supersedes.institution_id != institution.pk:
            raise PermissionDenied(_("Only the institution that issued a record corrects it."))
        if not (correction_reason or "").strip():
            raise ValidationError({"correction_reason": [_("Say why the record is corrected.")]})
        effective = effective.exclude(pk=supersedes.pk)
    latest = effective.order_by("-verified_on", "-id").first()
    if latest is not None and verified_on < latest.verified_on:
        raise ValidationError({"verified_on": [_(
            "A verification of %(date)s is on file; a later one cannot be dated before it. To "
            "change a record, correct it.") % {"date": latest.verified_on.isoformat()}]})
    if verification_type == VerificationType.FIRST and effective.exists():
        raise ValidationError({"verification_type": [_(
            "This instrument has been verified before; this is not its first verification.")]})
    regulation = (regulation_code or "").strip()
    found = term_for(inst, regulation, adjusted=adjusted)
    # Catalogue (#14): only the edition in force on the verification date.
    if problems := edition_problems(inst.kind.code, regulation, verified_on):
        raise ValidationError({"regulation_code": problems})
    # Who signs and under which authorisation (issue 13): one check for form, API and import.
    signed = signoff_or_raise(institution_id=institution.pk, kind_code=inst.kind.code,
                              regulation_code=regulation, region_code=inst.region_code,
                              on=verified_on, verifier=verifier, checker=checker,
                              approver=approver)
    extra = _clean_extra(place=place, conditions=conditions,
                         original_record_no=original_record_no)
    first_on = effective.order_by("verified_on").values_list("verified_on", flat=True).first()
    result = _outcome(found.term, verified_on=verified_on, passed=conclusion == Conclusion.PASS,
                      first_verified_on=first_on or verified_on,
                      shortened_to=valid_until if conclusion == Conclusion.PASS else None)
    if conclusion == Conclusion.FAIL and valid_until is not None:
        raise ValidationError({"valid_until": [_("A result notice has no valid-until date.")]})
    rates = _RateChange(inst)
    record = VerificationRecord(
        instrument=inst, owner_id=inst.owner_id, institution=institution,
        region_code=inst.region_code, province_code=inst.province_code, verified_on=verified_on,
        verification_type=verification_type, regulation_code=regulation,
        standard_identifier=standard[:100], standard_valid_until=standard_valid_until,
        as_found=(as_found or "").strip(), adjusted=bool(adjusted), conclusion=conclusion,
        failed_items=items, certificate_no=number, valid_until=result.valid_until,
        management_mode=found.term.mode, periodic_due_on=result.periodic_due_on,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        verifier_name=signed.verifier_name, checker_name=signed.checker_name,
        verifier_person_id=signed.verifier_id, checker_person_id=signed.checker_id,
        approver_person_id=signed.approver_id, approver_name=signed.approver_name,
        authorisation_no=signed.authorisation_no, **extra, supersedes=supersedes,
        correction_reason=(correction_reason or "").strip()[:300], recorded_at=timezone.now(),
        recorded_by=actor, standard=bound.standard if bound else None,
    )
    try:
        with transaction.atomic():
            chain_append([record])
    except IntegrityError:
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]}) from None
    if bound is not None:  # traceability (issue 12)
        record.reference_lots.set(bound.lots)
        bound.resolve(instrument_id=inst.pk, record=record)
    refresh_state(inst)
    inst.save(update_fields=STATE_FIELDS)
    rates.commit(inst)
    audit_record(actor=actor, action="registry.verification.correct" if supersedes else
                 "registry.verification.record", obj=record,
                 after=snapshot(record, RECORD_FIELDS + SIGNOFF_FIELDS))
    return record


def verification_correct(*, actor: User, record: VerificationRecord, reason: str,
                         **values) -> VerificationRecord:
    """A new record that supersedes ``record``; the old one stays in the chain, marked superseded."""
    base = {
        "verified_on": record.verified_on, "verification_type": record.verification_type,
        "regulation_code": record.regulation_code,
        "standard_identifier": record.standard_identifier,
        "standard_valid_until": record.standard_valid_until, "conclusion": record.conclusion,
        "verifier": record.verifier_person_id, "checker": record.checker_person_id,
        "approver": record.approver_person_id, "place": record.place,
        "conditions": record.conditions, "original_record_no": record.original_record_no,
        "as_found": record.as_found, "adjusted": record.adjusted,
        "failed_items": record.failed_items, "standard_id": record.standard_id,
        "reference_lot_ids": list(record.reference_lots.values_list("pk", flat=True)),
    }
    base.update(values)
    return verification_record(actor=actor, instrument=record.instrument, supersedes=record,
                               correction_reason=reason, **base)


# --- batches of utility meters ----------------------------------------------------------------


@transaction.atomic
def batch_record(
    *,
    actor: User,
    owner_credit_code: str,
    kind_code: str,
    supplier: str,
    model: str,
    serials: Sequence[str],
    quantity: int,
    verified_on: datetime.date,
    conclusion: str,
    certificate_no: str,
    regulation_code: str,
    standard_identifier: str,
    standard_valid_until: datetime.date | None,
    region_code: str,
    verifier=None,
    checker=None,
    approver=None,
    use: str = Use.TRADE,
    household: bool = True,
    nominal_size=None,
    medium: str = "",
    accuracy_class: str = "",
    failed_items: Sequence[str] = (),
) -> MeterBatch:
    """First verification of a batch of utility meters; each meter is filed with its replacement date."""
    institution = _require_verifier(actor)
    owner = _owner(None, owner_credit_code, None)
    kind = check_kind_and_use(kind_code, use)
    if not kind.is_utility_meter:
        raise ValidationError({"kind": [_(
            "Batches are for utility meters: electricity, water, gas and heat meters.")]})
    region = _check_location(region_code)
    size = parse_size(nominal_size)
    _check_size(kind, size, medium or "")
    if not (supplier or "").strip():
        raise ValidationError({"supplier": [_("Name the supplier of the batch.")]})
    if not (model or "").strip():
        raise ValidationError({"model": [_("Give the model of the meters.")]})
    clean = [s.strip() for s in serials if s and s.strip()]
    if not clean:
        raise ValidationError({"serials": [_("List the serial numbers of the meters, one a line.")]})
    if len(set(clean)) != len(clean):
        dup = next(s for s in clean if clean.count(s) > 1)
        raise ValidationError({"serials": [_("Serial number %(serial)s is listed twice.") % {
            "serial": dup}]})
    if any(len(s) > 64 for s in clean):
        raise ValidationError({"serials": [_("A serial number has at most 64 characters.")]})
    if quantity != len(clean):
        raise ValidationError({"quantity": [_(
            "The quantity (%(q)s) differs from the number of serial numbers listed (%(n)s).") % {
            "q": quantity, "n": len(clean)}]})
    if verified_on is None or verified_on > today():
        raise ValidationError({"verified_on": [_("The verification date cannot be in the future.")]})
    check_standard(verified_on, standard_valid_until)
    items = _clean_items(conclusion, failed_items)
    number = (certificate_no or "").strip()
    if not number:
        raise ValidationError({"certificate_no": [_("Give the number of the batch certificate.")]})
    if MeterBatch.objects.filter(institution=institution, certificate_no=number).exists() or \
            VerificationRecord.objects.filter(institution=institution, certificate_no=number,
                                              batch__isnull=True).exists():
        raise ValidationError({"certificate_no": [_(
            "Your institution has already issued number %(no)s; certificate numbers are unique "
            "per institution.") % {"no": number}]})
    taken = list(Instrument.objects.filter(owner=owner, kind=kind, serial_number__in=clean)
                 .values_list("serial_number", flat=True)[:5])
    if taken:
        raise ValidationError({"serials": [_("Already on file for this owner: %(serials)s.") % {
            "serials": ", ".join(taken)}]})
    probe = Instrument(kind=kind, nominal_size=size, household=bool(household),
                       accuracy_class=accuracy_class.strip(), medium=medium or "",
                       province_code=region[:2])
    found = term_for(probe, (regulation_code or "").strip())
    if problems := edition_problems(kind.code, found.regulation, verified_on):  # catalogue (#14)
        raise ValidationError({"regulation_code": problems})
    signed = signoff_or_raise(institution_id=institution.pk, kind_code=kind.code,
                              regulation_code=found.regulation, region_code=region,
                              on=verified_on, verifier=verifier, checker=checker,
                              approver=approver)
    passed = conclusion == Conclusion.PASS
    result = _outcome(found.term, verified_on=verified_on, passed=passed,
                      first_verified_on=verified_on)
    batch = MeterBatch.objects.create(
        owner=owner, institution=institution, kind=kind, supplier=supplier.strip()[:200],
        model=model.strip()[:100], quantity=quantity, verified_on=verified_on,
        conclusion=conclusion, certificate_no=number, regulation_code=found.regulation,
        region_code=region, province_code=region[:2], created_by=actor,
    )
    now = timezone.now()
    due, action, replace_by = rules.due_after(mode=found.term.mode, passed=passed,
                                              verified_on=verified_on,
                                              valid_until=result.valid_until)
    meters = [Instrument(
        owner=owner, kind=kind, use=use, serial_number=serial, manufacturer=supplier.strip()[:200],
        model=model.strip()[:100], accuracy_class=accuracy_class.strip(), nominal_size=size,
        household=bool(household), medium=medium or "", region_code=region,
        province_code=region[:2], status=Status.IN_USE if passed else Status.STOPPED,
        status_changed_on=None if passed else verified_on, batch=batch, filed_at=now,
        first_verified_on=verified_on, last_verified_on=verified_on, last_conclusion=conclusion,
        last_institution=institution, last_certificate_no=number, valid_until=result.valid_until,
        next_due_on=due, due_action=action, replacement_due_on=replace_by,
        term_rule=found.rule.id, term_province_set=found.term.province_set,
        catalogue_version=catalogue_version_code(timezone.localtime(now).date()),
    ) for serial in clean]
    Instrument.objects.bulk_create(meters, batch_size=1000)
    if not all(m.pk for m in meters):
        ids = dict(Instrument.objects.filter(batch=batch).values_list("serial_number", "pk"))
        for m in meters:
            m.pk = m.id = ids[m.serial_number]
    records = [VerificationRecord(
        instrument=m, owner=owner, institution=institution, region_code=region,
        province_code=region[:2], batch=batch, verified_on=verified_on,
        verification_type=VerificationType.FIRST, regulation_code=found.regulation,
        standard_identifier=standard_identifier.strip()[:100],
        standard_valid_until=standard_valid_until, conclusion=conclusion, failed_items=items,
        certificate_no=number, valid_until=result.valid_until, management_mode=found.term.mode,
        periodic_due_on=result.periodic_due_on, term_rule=found.rule.id,
        term_province_set=found.term.province_set, verifier_name=signed.verifier_name,
        checker_name=signed.checker_name, verifier_person_id=signed.verifier_id,
        checker_person_id=signed.checker_id, approver_person_id=signed.approver_id,
        approver_name=signed.approver_name, authorisation_no=signed.authorisation_no,
        recorded_at=now, recorded_by=actor,
    ) for m in meters]
    chain_append(records)
    deltas: dict = {}
    tally = rules.contributions([rules.Rec(verified_on, passed, result.periodic_due_on)])
    add_tally(deltas, (region, kind.pk, use), rules.Tally(
        {key: n * len(meters) for key, n in tally.counts.items()}))
    rates_apply(deltas)
    audit_record(actor=actor, action="registry.batch.record", obj=batch,
                 after={"certificate_no": number, "quantity": quantity, "kind": kind.code,
                        "owner": owner.pk, "conclusion": conclusion,
                        "verified_on": verified_on.isoformat()})
    return batch


# --- reminders --------------------------------------------------------------------------------


@transaction.atomic
def reminder_mark_read(*, actor: User, reminder) -> None:
    if reminder.organisation_id != actor.organisation_id:
        raise PermissionDenied(_("This reminder is addressed to another organisation."))
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at"])


@transaction.atomic
def reminder_mark_read_many(*, actor: User, reminders) -> int:
    """Mark reminders of the actor's organisation read at once; one ledger entry for the lot."""
    chosen = reminders.filter(organisation_id=actor.organisation_id, read_at__isnull=True)
    ids = list(chosen.values_list("pk", flat=True)[:10_000])
    if not ids:
        return 0
    count = reminders.model.objects.filter(pk__in=ids).update(read_at=timezone.now())
    audit_record(actor=actor, action="registry.reminder.read", object_type="registry.reminder",
                 object_id="", region_code=getattr(actor.organisation, "region_code", ""),
                 after={"read": ids[:100], "count": count})
    return count


def _bureaus_by_region() -> dict[str, int]:
    from jiliang.core.models import BUREAU_KINDS

    return {code: pk for pk, code in Organisation.objects.filter(
        kind__in=[k for k in BUREAU_KINDS if k != OrgKind.NATIONAL], is_active=True)
        .order_by("-pk").values_list("pk", "region_code")}


def bureau_for(region_code: str, bureaus: dict[str, int]) -> int | None:
    """The most local bureau on file for a division: county, then city, then province."""
    for code in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
        if code in bureaus:
            return bureaus[code]
    return None


def reminders_create(*, on: datetime.date, soon_days: int = 30, slack_days: int = 7) -> int:
    """Reminders to owners of instruments falling due within ``soon_days`` and to the bureau of
    instruments that fell overdue in the last ``slack_days`` (so a missed day is caught up).

    Idempotent: one reminder per organisation, instrument, kind and due date.
    """
    from jiliang.registry.models import Reminder

    bureaus = _bureaus_by_region()
    windows = (
        (Reminder.Kind.DUE_SOON, on + datetime.timedelta(days=soon_days - slack_days),
         on + datetime.timedelta(days=soon_days)),
        (Reminder.Kind.OVERDUE, on - datetime.timedelta(days=slack_days),
         on - datetime.timedelta(days=1)),
    )
    made_today = Reminder.objects.filter(created_on=on)
    before = made_today.count()
    for kind, start, end in windows:
        qs = (Instrument.objects.filter(status=Status.IN_USE, next_due_on__gte=start,
                                        next_due_on__lte=end)
              .values_list("pk", "owner_id", "region_code", "next_due_on", "due_action")
              .order_by("next_due_on", "id"))
        batch = []
        for pk, owner_id, region, due, action in qs.iterator(chunk_size=5000):
            to = owner_id if kind == Reminder.Kind.DUE_SOON else bureau_for(region, bureaus)
            if to is None:
                continue
            batch.append(Reminder(organisation_id=to, instrument_id=pk, kind=kind,
                                  due_action=action or "", due_on=due, region_code=region,
                                  created_on=on))
            if len(batch) >= 2000:
                Reminder.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        if batch:
            Reminder.objects.bulk_create(batch, ignore_conflicts=True)
    return made_today.count() - before


@transaction.atomic
def import_job_create(*, actor: User, file_name: str, file_kind: str, data: bytes):
    """Queue an uploaded file for the background import (the upload is checked by content)."""
    from jiliang.registry.models import ImportJob

    if not (actor.is_bureau or actor.role in (Role.ENTERPRISE_USER, Role.VERIFIER,
                                              Role.INSTITUTION_MANAGER)):
        raise PermissionDenied(_("Your role does not import into the registry."))
    org = actor.organisation
    job = ImportJob.objects.create(created_by=actor, organisation=org,
                                   region_code=org.region_code if org else "",
                                   file_name=(file_name or "")[:200], file_kind=file_kind,
                                   data=data)
    audit_record(actor=actor, action="registry.import.queue", obj=job,
                 region_code=job.region_code, after={"file": job.file_name, "bytes": len(data)})
    return job


@transaction.atomic
def label_sheet_queue(*, actor: User, owner: Organisation, kind_code: str = "", total: int):
    """Queue a sheet of QR labels for the background: the page shows its progress."""
    from jiliang.registry.models import LabelSheet

    if not (actor.is_bureau or actor.organisation_id == owner.pk):
        raise PermissionDenied(_("Labels are printed by their owner or by a bureau."))
    job = LabelSheet.objects.create(created_by=actor, owner=owner, kind_code=kind_code[:60],
                                    total=total)
    audit_record(actor=actor, action="registry.labels.queue", obj=job,
                 region_code=owner.region_code, after={"owner": owner.pk, "kind": kind_code,
                                                       "labels": total})
    return job


INTERRUPTED = "interrupted"  # the first word of an interrupted job's message


def import_jobs_fail_interrupted(*, is_dead) -> int:
    """Mark failed, "interrupted", every running import whose worker ``is_dead(worker,
    heartbeat_at)`` says is gone (called at a worker's start: ``jiliang.core.jobs``). The rows
    it merged stay merged; a retry imports the file again and lands only what is missing."""
    from jiliang.registry.models import ImportJob

    failed = 0
    running = ImportJob.objects.filter(state=ImportJob.State.RUNNING).only(
        "pk", "worker", "heartbeat_at", "processed", "region_code")
    for job in running:
        if not is_dead(job.worker, job.heartbeat_at):
            continue
        message = _("%(word)s: the worker stopped while the import ran, after %(rows)s rows; "
                    "the rows merged so far stay on file. Retry the import to finish it.") % {
            "word": _("interrupted"), "rows": job.processed}
        with transaction.atomic():
            changed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
                state=ImportJob.State.FAILED, finished_at=timezone.now(), message=message)
            if changed:
                audit_record(actor=None, action="registry.import.interrupted", obj=job,
                             region_code=job.region_code,
                             before={"state": "running", "worker": job.worker},
                             after={"state": "failed", "processed": job.processed})
                failed += 1
    return failed


@transaction.atomic
def import_job_retry(*, actor: User, job):
    """A failed import run again as a new job over the same file (the failed one stays as it
    was). The import is idempotent: what the first run merged counts as already on file."""
    from jiliang.registry.models import ImportJob

    if job.created_by_id != actor.pk:
        raise PermissionDenied(_("Only whoever started an import retries it."))
    if job.state != ImportJob.State.FAILED:
        raise ValidationError({"state": [_("Only a failed import is retried.")]})
    retry = ImportJob.objects.create(
        created_by=actor, organisation=job.organisation, region_code=job.region_code,
        file_name=job.file_name, file_kind=job.file_kind,
        data=ImportJob.objects.values_list("data", flat=True).get(pk=job.pk), retry_of=job)
    audit_record(actor=actor, action="registry.import.retry", obj=retry,
                 region_code=retry.region_code, after={"retry_of": job.pk,
                                                       "file": retry.file_name})
    return retry


# --- public look-ups ----------------------------------------------------------------------------


def public_lookup_count(*, page: str, code: str = "", found: bool) -> None:
    """Count one public look-up: today's row for the object found (its public code) or, when
    nothing was found, for the page. One upsert adds to a count: anonymous requests never add
    a row each, and typing random codes adds none. (Not in the ledger: a view is not a change
    of record.)"""
    from jiliang.registry.models import PublicLookup

    quote = connection.ops.quote_name
    table, count = quote(PublicLookup._meta.db_table), quote("count")
    # The commit need not wait for the WAL to reach the disk (PostgreSQL, this transaction only):
    # it is a count of visits, and the flush was most of a public page's time (bench/README.md).
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {table} ({quote('day')}, {quote('page')}, {quote('code')}, "
            f"{quote('found')}, {count}) VALUES (%s, %s, %s, %s, 1) "
            f"ON CONFLICT ({quote('day')}, {quote('page')}, {quote('code')}, {quote('found')}) "
            f"DO UPDATE SET {count} = {table}.{count} + 1",
            [timezone.localdate(), page[:20], (code if found else "")[:60], found])


def public_lookup_counted(page: str, lookup, code: str):
    """``lookup(code)`` (a public selector that raises Http404), counted."""
    from django.http import Http404

    try:
        found = lookup(code)
    except Http404:
        public_lookup_count(page=page, found=False)
        raise
    public_lookup_count(page=page, code=found.public_code, found=True)
    return found


def public_check_count(result) -> None:
    """Count a public check (``selectors.public_check``) by the one object it found, if one."""
    objects = [o for o in (result.instrument, result.record, *result.records,
                           *result.instruments) if o is not None]
    found = bool(result.how)
    public_lookup_count(page="check", found=found,
                        code=objects[0].public_code if found and len(objects) == 1 else "")
