"""Energy units, their ledgers and figures; and the gateways' signed batches of readings."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from decimal import Decimal

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.core.validation import errors_as_list
from jiliang.energy import selectors, services

PREFIX = "/energy/"
router = Router()


class UnitOut(Schema):
    id: int
    code: str
    name: str
    region_code: str
    industry: str
    annual_tce: Decimal
    annual_year: int | None
    tce_edition: str
    tce_basis: str
    tier: str
    designated: bool
    last_reading_at: datetime.datetime | None


class UnitFilter(Schema):
    q: str = ""
    tier: str = ""
    region: str = Field("", pattern=r"^\d{0,6}$", description="division-code prefix")


class MeterOut(Schema):
    id: int
    management_no: str
    name: str
    model_spec: str
    instrument_type: str
    accuracy_class: str
    serial_no: str
    owner_id: int
    install_location: str
    level: str
    energy: str
    carrier: str
    boundary: bool
    direction: str
    sub_unit: str
    register_unit: str
    multiplier: Decimal
    status: str
    verification_kind: str
    last_verified_on: datetime.date | None
    valid_until: datetime.date | None


class ReadingOut(Schema):
    read_at: datetime.datetime
    value: Decimal
    chain_seq: int
    row_hash: str


class ReadingFilter(Schema):
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None


class EnergyRow(Schema):
    carrier: str
    name: str
    unit: str
    quantity_in: Decimal = Field(..., alias="in")
    quantity_out: Decimal = Field(..., alias="out")
    tce: Decimal
    converted: bool


class EnergyOut(Schema):
    unit_code: str
    start: datetime.date
    end: datetime.date
    edition: str
    electricity_basis: str
    equal_value_kgce_per_kwh: Decimal | None
    total_tce: Decimal
    rows: list[EnergyRow]
    problems: list[str]


class MonthFilter(Schema):
    month: str = Field("", pattern=r"^(\d{4}-\d{2})?$", description="YYYY-MM; default this month")


class BatchOut(Schema):
    batch_id: str
    repeated: bool
    rows: int
    accepted: int
    duplicates: int
    rejected: int
    errors: list[dict]


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class MonthlyIn(Schema):
    month: datetime.date = Field(..., description="any day of the month")
    carrier: str
    quantity: Decimal = Field(..., ge=0)
    quantity_unit: str = Field("", max_length=12)


class MonthlyOut(Schema):
    month: datetime.date
    carrier: str
    quantity: Decimal
    quantity_unit: str


@router.get("/units", response=list[UnitOut], tags=["energy"])
@paginate(Page)
def unit_list(request, filters: Query[UnitFilter]):
    """Energy-using units in the caller's scope."""
    return selectors.unit_list(request.user, q=filters.q, tier=filters.tier,
                               region=filters.region)


@router.get("/units/{id:unit_id}", response=UnitOut, tags=["energy"])
def unit_detail(request, unit_id: int):
    return selectors.unit_detail(request.user, unit_id)


@router.get("/units/{id:unit_id}/meters", response=list[MeterOut], tags=["energy"])
@paginate(Page)
def meter_list(request, unit_id: int):
    """The unit's energy-meter ledger (GB 17167-2006 5.3.1)."""
    unit = selectors.unit_detail(request.user, unit_id)
    return selectors.meter_list(request.user, unit)


@router.get("/units/{id:unit_id}/energy", response=EnergyOut, tags=["energy"])
def unit_energy(request, unit_id: int, filters: Query[MonthFilter]):
    """The month's energy at the unit boundary by carrier, in tce, with the basis used."""
    unit = selectors.unit_detail(request.user, unit_id)
    try:
        month = (datetime.date.fromisoformat(filters.month + "-01") if filters.month
                 else timezone.localdate().replace(day=1))
    except ValueError:
        raise ValidationError({"month": [_("Give the month as YYYY-MM.")]}) from None
    start, end = selectors.month_bounds(month)
    figures = selectors.unit_energy(unit, start, end)
    basis = figures["basis"]
    return {"unit_code": unit.code, "start": start, "end": end, "edition": basis.edition,
            "electricity_basis": basis.electricity, "equal_value_kgce_per_kwh": basis.equal_value,
            "total_tce": figures["total_tce"], "rows": figures["rows"],
            "problems": basis.problems}


@router.get("/meters/{id:meter_id}/readings", response=list[ReadingOut], tags=["energy"])
@paginate(Page)
def meter_readings(request, meter_id: int, filters: Query[ReadingFilter]):
    """A meter's readings, newest first, with their place in the unit's chain."""
    meter = selectors.meter_detail(request.user, meter_id)
    return selectors.meter_readings(request.user, meter, start=filters.start, end=filters.end)


@router.post("/units/{unit_code}/batches", response={
    200: BatchOut, 201: BatchOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
    413: ErrorOut, 429: ErrorOut},
             tags=["energy"], openapi_extra={
                 "parameters": [
                     {"in": "header", "name": "X-Batch-Id", "required": True,
                      "schema": {"type": "string"}},
                     {"in": "header", "name": "X-Signature", "required": True,
                      "schema": {"type": "string"},
                      "description": "base64 Ed25519 signature of 'jiliang-energy-batch/1\\n"
                                     "<unit code>\\n<batch id>\\n<sha256 of the body, hex>'"}],
                 "requestBody": {"content": {
                     "application/json": {"schema": {"type": "object", "example": {
                         "readings": [{"meter": "E-001", "time": "2026-01-01T08:15:00+08:00",
                                       "value": "12345.678", "unit": "kWh"}]}}},
                     "text/csv": {"schema": {"type": "string",
                                             "example": "meter,time,value,unit\n"}}}}})
def batch_ingest(request, unit_code: str):
    """A signed batch of readings from the unit's gateway (JSON or CSV).

    201 when taken (bad rows are listed in ``errors`` and the good ones kept), 200 when the
    same batch was already taken (nothing changes), 4xx when refused as a whole.
    """
    try:
        data = request.body
    except RequestDataTooBig:
        return 413, {"detail": _("The batch is too large for one request."), "errors": [
            {"field": "body", "message": _("The batch is too large for one request.")}]}
    kind = "csv" if "csv" in (request.content_type or "") else "json"
    try:
        result = services.batch_ingest(
            unit_code=unit_code, batch_id=request.headers.get("X-Batch-Id", ""), body=data,
            content_type=kind, signature=request.headers.get("X-Signature", ""),
            channel="http", actor=request.user, client=f"user:{request.user.pk}")
    except services.BatchRefusedError as refused:
        errors = errors_as_list(refused)
        return refused.status, {"detail": "; ".join(e["message"] for e in errors),
                                "errors": errors}
    return (200 if result.repeated else 201), result.as_dict()


@router.post("/units/{id:unit_id}/monthly-reports", response={201: MonthlyOut},
             tags=["energy"])
def monthly_report(request, unit_id: int, payload: MonthlyIn):
    """The unit's monthly statistics of one carrier, checked against the daily sums."""
    unit = selectors.unit_detail(request.user, unit_id)
    report = services.monthly_report_submit(actor=request.user, unit=unit, **payload.dict())
    return 201, report
