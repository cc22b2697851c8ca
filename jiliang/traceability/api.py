"""Standards, reference materials, comparisons and impact cases under /api/v1/traceability/.

The same services and selectors as the pages: every write validated and audited, every read
scoped to the caller.
"""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.core.models import Organisation
from jiliang.traceability import selectors, services
from jiliang.traceability.models import Calibration, Category, Device, Standard, StandardStatus

PREFIX = "/traceability/"
router = Router(tags=["traceability"])


class StandardOut(Schema):
    id: int
    code: str
    name: str
    category: str
    owner_id: int
    owner_name: str = Field(..., alias="owner.name")
    region_code: str
    measurand: str
    kinds: list[str]
    range_low: Decimal | None
    range_high: Decimal | None
    range_unit: str
    uncertainty: str
    location: str
    mobile: bool
    upstream_id: int | None
    status: str


class ChainNode(Schema):
    id: int
    code: str
    name: str
    category: str


class StandardDetailOut(StandardOut):
    chain: list[ChainNode]
    reaches_national: bool
    certificates: list[dict] = Field(..., alias="certificates_out")
    calibrations: list[dict] = Field(..., alias="calibrations_out")
    devices: list[dict] = Field(..., alias="devices_out")


class StandardIn(Schema):
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    category: Literal[tuple(Category.values)]  # type: ignore[valid-type]
    owner_id: int
    measurand: str = Field(..., max_length=100)
    uncertainty: str = Field(..., max_length=200)
    kinds: list[str] = Field([], max_length=50)
    range_low: Decimal | None = Field(None, max_digits=20, decimal_places=6)
    range_high: Decimal | None = Field(None, max_digits=20, decimal_places=6)
    range_unit: str = Field("", max_length=20)
    location: str = Field("", max_length=200)
    mobile: bool = False
    upstream_id: int | None = None


class StandardFilter(Schema):
    q: str = Field("", max_length=100)
    category: str = Field("", max_length=24)
    kind: str = Field("", max_length=60)


class CertificateIn(Schema):
    number: str = Field(..., max_length=60)
    issuer: str = Field(..., max_length=200)
    issued_on: datetime.date
    valid_until: datetime.date
    reexamined_on: datetime.date | None = None


class CalibrationIn(Schema):
    certificate_no: str = Field(..., max_length=60)
    calibrated_on: datetime.date
    due_on: datetime.date
    result: Literal[tuple(Calibration.Result.values)]  # type: ignore[valid-type]
    higher_standard_id: int | None = None
    performed_by_name: str = Field("", max_length=200)
    uncertainty: str = Field("", max_length=200)


class DeviceIn(Schema):
    role: Literal[tuple(Device.Role.values)] = "main"  # type: ignore[valid-type]
    name: str = Field(..., max_length=200)
    serial_number: str = Field(..., max_length=64)
    maker: str = Field("", max_length=200)
    model: str = Field("", max_length=100)


class StatusIn(Schema):
    status: Literal[tuple(StandardStatus.values)]  # type: ignore[valid-type]
    on: datetime.date | None = None
    reason: str = Field("", max_length=300)


class IssuedOut(Schema):
    id: int
    certificate_no: str
    verified_on: datetime.date
    instrument_id: int
    owner_id: int
    institution_id: int
    conclusion: str


class SinceFilter(Schema):
    since: datetime.date | None = Field(None, description="default: a year ago")


class MaterialOut(Schema):
    id: int
    number: str
    name: str
    matrix: str
    producer: str
    values: list[dict]
    certificate_valid_until: datetime.date | None
    shelf_life_months: int | None
    storage: str


class ValueIn(Schema):
    property: str = Field(..., max_length=100)
    value: str = Field(..., max_length=40)
    unit: str = Field("", max_length=20)
    U: str = Field(..., max_length=40)
    k: str = Field("2", max_length=10)


class MaterialIn(Schema):
    number: str = Field(..., max_length=30)
    name: str = Field(..., max_length=200)
    producer: str = Field(..., max_length=200)
    values: list[ValueIn] = Field(..., min_length=1, max_length=50)
    matrix: str = Field("", max_length=100)
    certificate_valid_until: datetime.date | None = None
    shelf_life_months: int | None = Field(None, ge=1, le=600)
    storage: str = Field("", max_length=200)


class LotOut(Schema):
    id: int
    material_id: int
    material_number: str = Field(..., alias="material.number")
    holder_id: int
    lot_no: str
    expires_on: datetime.date
    quantity: str


class LotIn(Schema):
    material_id: int
    holder_id: int
    lot_no: str = Field(..., max_length=60)
    expires_on: datetime.date
    quantity: str = Field("", max_length=60)


class ParticipantOut(Schema):
    id: int
    lab_code: str
    institution_id: int
    standard_id: int | None
    value: str
    expanded_u: str
    in_reference: bool
    score: str
    verdict: str
    follow_up: str


class ComparisonOut(Schema):
    id: int
    code: str
    title: str
    organiser_id: int
    pilot_id: int
    measurand: str
    method: str
    protocol: str
    artefact: str
    starts_on: datetime.date
    ends_on: datetime.date
    reference_value: str
    reference_u: str
    sigma_pt: str
    state: str
    report: str
    published_on: datetime.date | None
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(obj):
        return list(obj.participants.all())


class ComparisonIn(Schema):
    code: str = Field(..., max_length=40)
    title: str = Field(..., max_length=200)
    organiser_id: int
    pilot_id: int
    measurand: str = Field(..., max_length=100)
    method: Literal["En", "z"]
    protocol: str = Field(..., max_length=20000)
    artefact: str = Field(..., max_length=200)
    starts_on: datetime.date
    ends_on: datetime.date
    unit: str = Field("", max_length=20)


class ParticipantIn(Schema):
    institution_id: int
    lab_code: str = Field(..., max_length=20)
    standard_id: int | None = None


class ResultIn(Schema):
    value: str = Field(..., max_length=40)
    expanded_u: str = Field("", max_length=40)
    in_reference: bool = False


class ScoreIn(Schema):
    reference_value: str = Field(..., max_length=40)
    reference_u: str = Field("", max_length=40)
    sigma_pt: str = Field("", max_length=40)


class ReportIn(Schema):
    report: str = Field(..., max_length=50000)


class FollowUpIn(Schema):
    action: str = Field(..., max_length=2000)
    suspend_standard: bool = False
    close: bool = False


class ImpactOut(Schema):
    id: int
    standard_id: int
    reason: str
    since: datetime.date
    until: datetime.date
    tasks_opened_at: datetime.datetime | None


class ImpactItemOut(Schema):
    record_id: int
    certificate_no: str = Field(..., alias="record.certificate_no")
    verified_on: datetime.date
    instrument_id: int
    owner_id: int
    owner_name: str = Field(..., alias="owner.name")
    institution_id: int
    standard_id: int
    task_open: bool
    resolved_by_id: int | None


class PublicStandardOut(Schema):
    certificate_no: str
    name: str
    owner: str
    status: str
    in_force: bool
    valid_until: datetime.date
    measurand: str
    range: str
    uncertainty: str
    kinds: list[str]


def _org(pk: int, field: str) -> Organisation:
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("No organisation with this id.")]})
    return found


def _standard_ref(user, pk: int | None, field: str):
    """A standard the caller may name: in its scope, or a national primary standard."""
    if pk is None:
        return None
    found = Standard.objects.filter(pk=pk, category=Category.NATIONAL).first() or \
        selectors.standard_list(user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("No standard with this id that you may use.")]})
    return found


def _detail(std):
    """The standard with its chain, certificates, calibrations and devices (for the schema)."""
    chain, reached = selectors.chain_of(std)
    std.chain = [{"id": s.pk, "code": s.code, "name": s.name, "category": s.category}
                 for s in chain]
    std.reaches_national = reached
    std.certificates_out = [
        {"number": c.number, "issuer": c.issuer, "issued_on": c.issued_on,
         "valid_until": c.valid_until, "reexamined_on": c.reexamined_on}
        for c in std.certificates.all()]
    std.calibrations_out = [
        {"certificate_no": c.certificate_no, "calibrated_on": c.calibrated_on, "due_on": c.due_on,
         "result": c.result, "by": c.performed_by_name, "higher_standard_id": c.higher_standard_id,
         "uncertainty": c.uncertainty} for c in std.calibrations.all()]
    std.devices_out = [{"role": d.role, "name": d.name, "maker": d.maker, "model": d.model,
                        "serial_number": d.serial_number} for d in std.devices.all()]
    return std


# --- standards --------------------------------------------------------------------------------


@router.get("/standards", response=list[StandardOut])
@paginate(Page)
def standard_list(request, filters: Query[StandardFilter]):
    return selectors.standard_list(request.user, q=filters.q, category=filters.category,
                                   kind=filters.kind)


@router.post("/standards", response={201: StandardDetailOut})
def standard_register(request, payload: StandardIn):
    data = payload.dict()
    owner = _org(data.pop("owner_id"), "owner_id")
    upstream = _standard_ref(request.user, data.pop("upstream_id"), "upstream_id")
    std = services.standard_register(actor=request.user, owner=owner, upstream=upstream, **data)
    return 201, _detail(std)


@router.get("/standards/{id:standard_id}", response=StandardDetailOut)
def standard_detail(request, standard_id: int):
    return _detail(selectors.standard_detail(request.user, standard_id))


@router.post("/standards/{id:standard_id}/certificates", response={201: StandardDetailOut})
def certificate_issue(request, standard_id: int, payload: CertificateIn):
    std = selectors.standard_detail(request.user, standard_id)
    services.certificate_issue(actor=request.user, standard=std, **payload.dict())
    return 201, _detail(std)


@router.post("/standards/{id:standard_id}/calibrations", response={201: StandardDetailOut})
def calibration_record(request, standard_id: int, payload: CalibrationIn):
    std = selectors.standard_detail(request.user, standard_id)
    data = payload.dict()
    higher = _standard_ref(request.user, data.pop("higher_standard_id"), "higher_standard_id")
    services.calibration_record(actor=request.user, standard=std, higher_standard=higher, **data)
    return 201, _detail(selectors.standard_detail(request.user, standard_id))


@router.post("/standards/{id:standard_id}/devices", response={201: StandardDetailOut})
def device_add(request, standard_id: int, payload: DeviceIn):
    std = selectors.standard_detail(request.user, standard_id)
    services.device_add(actor=request.user, standard=std, **payload.dict())
    return 201, _detail(std)


@router.post("/standards/{id:standard_id}/status", response=StandardDetailOut)
def standard_status(request, standard_id: int, payload: StatusIn):
    std = selectors.standard_detail(request.user, standard_id)
    services.standard_set_status(actor=request.user, standard=std, **payload.dict())
    return _detail(std)


@router.get("/standards/{id:standard_id}/issued", response=list[IssuedOut])
@paginate(Page)
def standard_issued(request, standard_id: int, filters: Query[SinceFilter]):
    """The certificates issued with the standard since a date (the impact query)."""
    std = selectors.standard_detail(request.user, standard_id)
    since = filters.since or timezone.localdate() - datetime.timedelta(days=365)
    return selectors.certificates_with(std.pk, since, limit=100_000)


# --- reference materials ----------------------------------------------------------------------


@router.get("/materials", response=list[MaterialOut])
@paginate(Page)
def material_list(request, q: str = Query("", max_length=100)):
    return selectors.material_list(request.user, q)


@router.post("/materials", response={201: MaterialOut})
def material_register(request, payload: MaterialIn):
    data = payload.dict()
    return 201, services.material_register(actor=request.user, **data)


@router.get("/lots", response=list[LotOut])
@paginate(Page)
def lot_list(request):
    return selectors.lot_list(request.user).order_by("id")


@router.post("/lots", response={201: LotOut})
def lot_add(request, payload: LotIn):
    data = payload.dict()
    material = selectors.material_list(request.user).filter(pk=data.pop("material_id")).first()
    if material is None:
        raise ValidationError({"material_id": [_("No reference material with this id.")]})
    holder = _org(data.pop("holder_id"), "holder_id")
    return 201, services.lot_add(actor=request.user, material=material, holder=holder, **data)


# --- comparisons ------------------------------------------------------------------------------


@router.get("/comparisons", response=list[ComparisonOut])
@paginate(Page)
def comparison_list(request):
    return selectors.comparison_list(request.user).prefetch_related("participants")


@router.post("/comparisons", response={201: ComparisonOut})
def comparison_create(request, payload: ComparisonIn):
    data = payload.dict()
    organiser, pilot = _org(data.pop("organiser_id"), "organiser_id"), _org(
        data.pop("pilot_id"), "pilot_id")
    return 201, services.comparison_create(actor=request.user, organiser=organiser, pilot=pilot,
                                           **data)


@router.get("/comparisons/{id:comparison_id}", response=ComparisonOut)
def comparison_detail(request, comparison_id: int):
    return selectors.comparison_detail(request.user, comparison_id)


@router.post("/comparisons/{id:comparison_id}/participants", response={201: ParticipantOut})
def participant_add(request, comparison_id: int, payload: ParticipantIn):
    c = selectors.comparison_detail(request.user, comparison_id)
    data = payload.dict()
    institution = _org(data.pop("institution_id"), "institution_id")
    sid = data.pop("standard_id")
    standard = Standard.objects.filter(pk=sid).first() if sid else None
    if sid and standard is None:
        raise ValidationError({"standard_id": [_("No standard with this id.")]})
    return 201, services.participant_add(actor=request.user, comparison=c,
                                         institution=institution, standard=standard, **data)


@router.post("/participants/{id:participant_id}/result", response=ParticipantOut)
def result_submit(request, participant_id: int, payload: ResultIn):
    part = selectors.participant_detail(request.user, participant_id)
    return services.result_submit(actor=request.user, participant=part, **payload.dict())


@router.post("/participants/{id:participant_id}/follow-up", response=ParticipantOut)
def follow_up(request, participant_id: int, payload: FollowUpIn):
    part = selectors.participant_detail(request.user, participant_id)
    return services.follow_up(actor=request.user, participant=part, **payload.dict())


@router.post("/comparisons/{id:comparison_id}/score", response=ComparisonOut)
def comparison_score(request, comparison_id: int, payload: ScoreIn):
    c = selectors.comparison_detail(request.user, comparison_id)
    return services.comparison_score(actor=request.user, comparison=c, **payload.dict())


@router.post("/comparisons/{id:comparison_id}/report", response=ComparisonOut)
def comparison_report(request, comparison_id: int, payload: ReportIn):
    c = selectors.comparison_detail(request.user, comparison_id)
    return services.comparison_report(actor=request.user, comparison=c, **payload.dict())


@router.post("/comparisons/{id:comparison_id}/publish", response=ComparisonOut)
def comparison_publish(request, comparison_id: int):
    c = selectors.comparison_detail(request.user, comparison_id)
    return services.comparison_publish(actor=request.user, comparison=c)


# --- impact -----------------------------------------------------------------------------------


@router.get("/impact", response=list[ImpactOut])
@paginate(Page)
def impact_list(request):
    return selectors.impact_list(request.user)


@router.get("/impact/{id:case_id}/items", response=list[ImpactItemOut])
@paginate(Page)
def impact_items(request, case_id: int):
    case = selectors.impact_detail(request.user, case_id)
    return selectors.impact_items(request.user, case)


@router.post("/impact/{id:case_id}/tasks", response=ImpactOut)
def impact_tasks(request, case_id: int):
    """Open the re-verification tasks; each affected owner gets a notice (the bureau)."""
    case = selectors.impact_detail(request.user, case_id)
    services.impact_open_tasks(actor=request.user, case=case)
    return case


# --- public -----------------------------------------------------------------------------------


@router.get("/public/standards", response=PublicStandardOut, auth=None)
def public_standard(request, number: str = Query(..., max_length=60)):
    """A social public standard by its assessment certificate number (each look-up logged)."""
    found = selectors.public_standard(number)
    if found is None:
        raise Http404
    std, cert = found
    today = timezone.localdate()
    return {"certificate_no": cert.number, "name": std.name, "owner": std.owner.name,
            "status": std.status, "in_force": cert.issued_on <= today <= cert.valid_until
            and std.status == StandardStatus.ACTIVE, "valid_until": cert.valid_until,
            "measurand": std.measurand, "range": std.range_text, "uncertainty": std.uncertainty,
            "kinds": std.kinds}
