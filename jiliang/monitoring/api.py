"""Instrument event batches from gateways, and the tamper alerts they raise."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.core.signed_batches import BatchRefusedError
from jiliang.core.validation import errors_as_list
from jiliang.monitoring import selectors, services

PREFIX = "/monitoring/"
router = Router(tags=["monitoring"])


class BatchOut(Schema):
    batch_id: str
    repeated: bool
    rows: int
    accepted: int
    rejected: int
    duplicates: int
    alerts: int
    sha256: str
    errors: list[dict]


class ErrorOut(Schema):
    detail: str
    errors: list[dict]


class AlertOut(Schema):
    id: int
    rule: str
    instrument_id: int
    owner_id: int
    region_code: str
    occurred_at: datetime.datetime
    raised_at: datetime.datetime
    state: str
    params: dict
    evidence: dict
    note: str


class AlertFilter(Schema):
    state: str = Field("open", pattern=r"^(open|closed|all)$")
    rule: str = Field("", max_length=20)


@router.post("/gateways/{gateway_code}/batches", response={
    200: BatchOut, 201: BatchOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
    413: ErrorOut, 429: ErrorOut}, openapi_extra={
        "parameters": [
            {"in": "header", "name": "X-Batch-Id", "required": True, "schema": {"type": "string"}},
            {"in": "header", "name": "X-Signature", "required": True,
             "schema": {"type": "string"},
             "description": "base64 Ed25519 signature of 'jiliang-instrument-events/1\\n"
                            "<gateway code>\\n<batch id>\\n<sha256 of the body, hex>'"}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "example": {
            "previous": "0" * 64,
            "events": [{"instrument": "ABCDEFGH23456789", "time": "2026-01-01T08:15:00+08:00",
                        "kind": "event_counter", "value": "17"}]}}}}}})
def batch_ingest(request, gateway_code: str):
    """A signed batch of instrument events from a gateway; the tamper rules run on it.

    201 when taken (bad rows listed in ``errors``, good ones kept; events already on file
    counted in ``duplicates`` and skipped; ``alerts`` raised), 200 when
    the same batch was already taken, 409 when its ``previous`` does not name the gateway's
    last batch (a broken chain) or its id was used for other content, 403 unsigned or badly
    signed, 404 a gateway that is unknown or not the caller's.
    """
    try:
        data = request.body
    except RequestDataTooBig:
        return 413, {"detail": _("The batch is too large for one request."), "errors": [
            {"field": "body", "message": _("The batch is too large for one request.")}]}
    try:
        result = services.batch_ingest(
            gateway_code=gateway_code, batch_id=request.headers.get("X-Batch-Id", ""),
            body=data, signature=request.headers.get("X-Signature", ""), actor=request.user,
            client=f"user:{request.user.pk}")
    except BatchRefusedError as refused:
        errors = errors_as_list(refused)
        return refused.status, {"detail": "; ".join(e["message"] for e in errors),
                                "errors": errors}
    return (200 if result.repeated else 201), result.as_dict()


@router.get("/alerts", response=list[AlertOut])
@paginate(Page)
def alert_list(request, filters: Query[AlertFilter]):
    """Tamper alerts in the caller's scope (the bureau's queue; an owner's own)."""
    return selectors.alert_list(request.user, state=filters.state, rule=filters.rule)


@router.get("/alerts/{id:alert_id}", response=AlertOut)
def alert_detail(request, alert_id: int):
    return selectors.alert_detail(request.user, alert_id)
