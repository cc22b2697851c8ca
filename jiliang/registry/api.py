"""Instruments, verification records, due lists and rates under /api/v1/registry/.

Enterprises file their instruments, institutions submit verification records;
the same services validate them as on the web, and every read is scoped.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.catalog.models import Use
from jiliang.core.api import Page
from jiliang.core.params import ApiId
from jiliang.registry import documents, permissions, selectors, services
from jiliang.registry.models import Conclusion, Status, VerificationType
from jiliang.rules import verification as rules

PREFIX = "/registry/"
DueWindow = Literal[rules.DUE_WINDOWS]  # overdue, 30, 60, 90
router = Router(tags=["registry"])


class InstrumentOut(Schema):
    id: int
    public_code: str
    kind_code: str = Field(..., alias="kind.code")
    use: str
    serial_number: str
    owner_id: int
    owner_name: str = Field(..., alias="owner.name")
    manufacturer: str
    model: str
    measuring_range: str
    accuracy_class: str
    nominal_size: str | None
    household: bool
    medium: str
    type_approval_no: str
    region_code: str
    address: str
    status: str
    first_use_on: datetime.date | None
    last_verified_on: datetime.date | None
    last_conclusion: str
    valid_until: datetime.date | None
    next_due_on: datetime.date | None
    due_action: str
    replacement_due_on: datetime.date | None
    public_url: str

    @staticmethod
    def resolve_nominal_size(obj) -> str | None:
        return None if obj.nominal_size is None else str(obj.nominal_size)

    @staticmethod
    def resolve_public_url(obj) -> str:
        return documents.instrument_url(obj)


class InstrumentIn(Schema):
    owner_credit_code: str = Field("", description="required for bureaus; enterprises file their own")
    kind_code: str = Field(..., description="catalogue kind code, e.g. water_meter")
    use: Use
    serial_number: str = Field(..., max_length=64)
    region_code: str = Field(..., description="6-digit GB/T 2260 code of the place of use")
    manufacturer: str = Field("", max_length=200)
    model: str = Field("", max_length=100)
    measuring_range: str = Field("", max_length=100)
    accuracy_class: str = Field("", max_length=20)
    nominal_size: str | None = Field(None, description="DN of a water meter, G of a gas meter")
    household: bool = False
    medium: Literal["", "natural_gas", "other_gas"] = ""
    type_approval_no: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    first_use_on: datetime.date | None = None


class InstrumentFilter(Schema):
    kind: str = ""
    use: str = ""
    status: str = ""
    region: str = Field("", pattern=r"^\d{0,6}$", description="division-code prefix")
    owner: ApiId | None = None
    q: str = Field("", description="serial number or public code")


class StatusIn(Schema):
    status: Status
    on: datetime.date | None = None


class EvidenceIn(Schema):
    """Issue 18: where and how, seals or the mark, software and event counter found and left."""

    method: str = Field("laboratory", pattern=r"^(laboratory|on_site|remote)$")
    remote_data: str = Field("", max_length=200, description="remote: the data it rests on")
    remote_standard: str = Field("", max_length=100,
                                 description="remote: the standard used at the other end")
    mark: str = Field("", max_length=100)
    seal_form: str = Field("", max_length=10)
    audit_trail: str = Field("", max_length=300)
    seals_found: list[str] = Field([], max_length=20)
    seals_left: list[str] = Field([], max_length=20)
    software_version_found: str = Field("", max_length=60)
    software_version_left: str = Field("", max_length=60)
    checksum_found: str = Field("", max_length=128)
    checksum_left: str = Field("", max_length=128)
    counter_found: int | None = Field(None, ge=0, le=10**15)
    counter_left: int | None = Field(None, ge=0, le=10**15)


class EvidenceOut(EvidenceIn):
    pass


class RecordOut(Schema):
    id: int
    public_code: str
    instrument_id: int
    owner_id: int
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    region_code: str
    verified_on: datetime.date
    verification_type: str
    regulation_code: str
    standard_identifier: str
    standard_valid_until: datetime.date
    standard_id: int | None
    standard_on_file: bool
    as_found: str
    adjusted: bool
    conclusion: str
    failed_items: list[str]
    certificate_no: str
    valid_until: datetime.date | None
    management_mode: str
    term_province_set: bool
    verifier_name: str
    checker_name: str
    # Who signed (issue 13); the person ids are null on records kept from before.
    verifier_person_id: int | None
    checker_person_id: int | None
    approver_person_id: int | None
    approver_name: str
    people_on_file: bool
    authorisation_no: str
    place: str
    conditions: str
    original_record_no: str
    supersedes_id: int | None
    correction_reason: str
    chain_key: str
    chain_seq: int
    row_hash: str
    public_url: str
    evidence: EvidenceOut | None = None  # issue 18; null on records without it

    @staticmethod
    def resolve_public_url(obj) -> str:
        return documents.certificate_url(obj)

    @staticmethod
    def resolve_evidence(obj):
        return getattr(obj, "evidence", None)

    @staticmethod
    def resolve_standard_on_file(obj) -> bool:
        return obj.standard_id is not None


class RecordIn(Schema):
    instrument_id: int | None = Field(None, description="the instrument's id, or")
    instrument_code: str = Field("", description="its public code (from the QR label)")
    verified_on: datetime.date
    verification_type: VerificationType
    regulation_code: str
    # Traceability (issue 12): the registered standard (and lots); free text only without it.
    standard_id: int | None = Field(None, description="a registered standard of your institution")
    reference_lot_ids: list[int] = Field([], max_length=50)
    standard_identifier: str = Field("", max_length=100)
    standard_valid_until: datetime.date | None = None
    conclusion: Conclusion
    certificate_no: str = Field(..., max_length=60)
    # Issue 13: three people of the institution (ids from /api/v1/people/people).
    verifier_id: int = Field(..., description="the verifier (检定员), a person of the institution")
    checker_id: int = Field(..., description="the checker (核验员), another person")
    approver_id: int = Field(..., description="the approver (批准人), an authorised signatory")
    place: str = Field("", max_length=200)
    conditions: str = Field("", max_length=200)
    original_record_no: str = Field("", max_length=60)
    as_found: str = ""
    adjusted: bool = False
    failed_items: list[str] = []
    valid_until: datetime.date | None = Field(None, description="only to shorten the period")
    evidence: EvidenceIn | None = None


class CorrectionIn(Schema):
    reason: str = Field(..., max_length=300)
    verified_on: datetime.date | None = None
    verification_type: VerificationType | None = None
    regulation_code: str | None = None
    standard_identifier: str | None = Field(None, max_length=100)
    standard_valid_until: datetime.date | None = None
    standard_id: int | None = None
    conclusion: Conclusion | None = None
    certificate_no: str = Field(..., max_length=60, description="the correction's own number")
    verifier_id: int | None = None
    checker_id: int | None = None
    approver_id: int | None = None
    place: str | None = Field(None, max_length=200)
    conditions: str | None = Field(None, max_length=200)
    original_record_no: str | None = Field(None, max_length=60)
    as_found: str | None = None
    adjusted: bool | None = None
    failed_items: list[str] | None = None
    valid_until: datetime.date | None = None
    evidence: EvidenceIn | None = Field(
        None, description="the correction's own evidence; omitted: the record's is carried forward")


class RecordFilter(Schema):
    conclusion: str = ""
    kind: str = ""
    q: str = Field("", description="certificate number")


class DueFilter(Schema):
    window: DueWindow = rules.OVERDUE
    kind: str = ""
    use: str = ""
    region: str = Field("", pattern=r"^\d{0,6}$")
    owner: ApiId | None = None


class RateRow(Schema):
    key: str
    label: str
    due: int
    due_verified: int
    inspection_rate: float | None
    verified: int
    passed: int
    pass_rate: float | None


class RateFilter(Schema):
    group: Literal["kind", "use", "province", "region"] = "kind"
    year: int = Field(default_factory=lambda: timezone.localdate().year, ge=2000, le=2100)
    kind: str = ""
    use: str = ""
    region: str = Field("", pattern=r"^\d{0,6}$")


class PublicInstrumentOut(Schema):
    kind: str
    serial_number: str
    owner: str
    status: str
    latest_conclusion: str | None
    verified_on: datetime.date | None
    valid_until: datetime.date | None
    overdue: bool
    institution: str | None


class PublicCertificateOut(Schema):
    certificate_no: str
    document: str
    state: str
    kind: str
    owner: str
    conclusion: str
    verified_on: datetime.date
    valid_until: datetime.date | None
    institution: str


# --- instruments ------------------------------------------------------------------------------


@router.get("/instruments", response=list[InstrumentOut])
@paginate(Page)
def instrument_list(request, filters: Query[InstrumentFilter]):
    """Instruments in the caller's scope."""
    return selectors.instrument_list(request.user, kind=filters.kind, use=filters.use,
                                     status=filters.status, region=filters.region,
                                     owner=filters.owner, q=filters.q)


@router.post("/instruments", response={201: InstrumentOut})
def instrument_file(request, payload: InstrumentIn):
    """File (备案) an instrument: an enterprise its own, a bureau any owner's in its region.

    A duplicate (same owner, kind and serial number) is refused with the path of the record
    that exists.
    """
    user = request.user
    if not permissions.may_file(user):
        raise PermissionDenied(_("Instruments are filed by their owner or by a bureau."))
    data = payload.dict()
    inst = services.instrument_file(actor=user, **data)
    return 201, inst


@router.get("/instruments/{id:instrument_id}", response=InstrumentOut)
def instrument_detail(request, instrument_id: int):
    return selectors.instrument_detail(request.user, instrument_id)


@router.post("/instruments/{id:instrument_id}/status", response=InstrumentOut)
def instrument_status(request, instrument_id: int, payload: StatusIn):
    """In use, stopped, scrapped or replaced (owner or bureau)."""
    inst = selectors.instrument_detail(request.user, instrument_id)
    return services.instrument_set_status(actor=request.user, instrument=inst,
                                          status=payload.status, on=payload.on)


# --- verification records ---------------------------------------------------------------------


@router.get("/verifications", response=list[RecordOut])
@paginate(Page)
def verification_list(request, filters: Query[RecordFilter]):
    # Each record's evidence is in the answer: joined, not read one record at a time.
    return selectors.record_list(request.user, conclusion=filters.conclusion, kind=filters.kind,
                                 q=filters.q).select_related("evidence")


@router.post("/verifications", response={201: RecordOut})
def verification_record(request, payload: RecordIn):
    """Submit a verification (institutions' verifiers): a pass issues a certificate with its
    valid-until date, a fail a result notice that cancels the certificate in force."""
    user = request.user
    if not permissions.may_verify(user):
        raise PermissionDenied(_(
            "Verifications are recorded by the verifiers of a legal verification institution."))
    data = payload.dict()
    instrument_id, code = data.pop("instrument_id"), data.pop("instrument_code")
    inst = None
    if code:
        inst = selectors.instrument_for_verification(user, public_code=code)
    elif instrument_id:
        inst = selectors.instrument_list(user).filter(pk=instrument_id).first()
    if inst is None:
        raise ValidationError({"instrument_code": [_(
            "Name the instrument by its public code (or an id of an instrument you verified).")]})
    data = people_args(data)
    record = services.verification_record(actor=user, instrument=inst, **data)
    return 201, record


def people_args(data: dict) -> dict:
    """The API names people by id (verifier_id ...); the service takes verifier=..."""
    for role in ("verifier", "checker", "approver"):
        if f"{role}_id" in data:
            data[role] = data.pop(f"{role}_id")
    return data


@router.get("/verifications/{id:record_id}", response=RecordOut)
def verification_detail(request, record_id: int):
    return selectors.record_detail(request.user, record_id)


@router.post("/verifications/{id:record_id}/corrections", response={201: RecordOut})
def verification_correct(request, record_id: int, payload: CorrectionIn):
    """A correction: a new record that supersedes this one (the issuing institution only)."""
    user = request.user
    if not permissions.may_verify(user):
        raise PermissionDenied(_("Only the institution that issued a record corrects it."))
    record = selectors.record_detail(user, record_id)
    if not permissions.may_correct(user, record.institution_id):
        raise PermissionDenied(_("Only the institution that issued a record corrects it."))
    values = people_args({k: v for k, v in payload.dict().items() if v is not None})
    reason = values.pop("reason")
    new = services.verification_correct(actor=user, record=record, reason=reason, **values)
    return 201, new


# --- due lists and rates ----------------------------------------------------------------------


@router.get("/due", response=list[InstrumentOut])
@paginate(Page)
def due_list(request, filters: Query[DueFilter]):
    """Overdue instruments, or those due within 30, 60 or 90 days, in due-date order."""
    return selectors.due_list(request.user, window=filters.window, kind=filters.kind,
                              use=filters.use, region=filters.region, owner=filters.owner)


@router.get("/rates", response=list[RateRow])
def rates(request, filters: Query[RateFilter]):
    """受检率 (inspection rate) and 检定合格率 (pass rate) for a year, grouped (bureaus)."""
    if not request.user.is_bureau:
        raise PermissionDenied(_("Rates are for bureaus."))
    start, end = datetime.date(filters.year, 1, 1), datetime.date(filters.year, 12, 31)
    return selectors.rates_by(request.user, group=filters.group, start=start, end=end,
                              kind=filters.kind, use=filters.use, region=filters.region)


# --- public look-ups --------------------------------------------------------------------------


@router.get("/public/instruments/{code}", response=PublicInstrumentOut, auth=None)
def public_instrument(request, code: str):
    """What the QR label of an instrument shows (no personal data; look-ups counted per day)."""
    inst = services.public_lookup_counted("instrument", selectors.public_instrument, code)
    latest = selectors.public_latest_record(inst)
    return {
        "kind": inst.kind.name, "serial_number": inst.serial_number, "owner": inst.owner.name,
        "status": inst.status, "latest_conclusion": latest.conclusion if latest else None,
        "verified_on": latest.verified_on if latest else None,
        "valid_until": latest.valid_until if latest and latest.passed else None,
        "overdue": inst.is_overdue, "institution": latest.institution.name if latest else None,
    }


@router.get("/public/certificates/{code}", response=PublicCertificateOut, auth=None)
def public_certificate(request, code: str):
    """A certificate or result notice and what it is worth today."""
    record = services.public_lookup_counted("certificate", selectors.public_certificate, code)
    return {
        "certificate_no": record.certificate_no, "document": record.document_title,
        "state": selectors.certificate_state(record).state, "kind": record.instrument.kind.name,
        "owner": record.instrument.owner.name, "conclusion": record.conclusion,
        "verified_on": record.verified_on, "valid_until": record.valid_until,
        "institution": record.institution.name,
    }
