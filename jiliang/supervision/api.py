"""Campaigns, tasks and net-content records; the net-content judgement as a service."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import BeforeValidator

from jiliang.core.api import Page
from jiliang.core.params import ApiId
from jiliang.rules import RuleError
from jiliang.rules import netcontent as rules
from jiliang.supervision import judging, selectors, services
from jiliang.supervision.exports import plain
from jiliang.supervision.models import CampaignKind, CampaignStatus, TareMethod, Verdict

PREFIX = "/supervision/"
router = Router()


def _text(value):
    """Numbers may come as JSON numbers or as decimal strings; both are kept as text."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return value


Number = Annotated[str, BeforeValidator(_text)]


class CampaignOut(Schema):
    id: int
    title: str
    kind: str
    year: int
    level: str
    area_code: str = Field(..., alias="region_code",
                           description="the campaign's area; empty for a national campaign")
    status: str
    products: list[str]
    kind_codes: list[str]
    starts_on: datetime.date
    field_deadline: datetime.date
    report_deadline: datetime.date
    continues_id: int | None
    published_at: datetime.datetime | None


class CampaignFilter(Schema):
    kind: CampaignKind | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    status: CampaignStatus | None = None


class TransitionIn(Schema):
    action: str = Field(..., description="start, report, reopen or close")
    note: str = Field("", max_length=300)


class TaskOut(Schema):
    id: int
    campaign_id: int
    region_code: str
    institution_id: int | None
    target: int
    due_on: datetime.date | None


class NetContentIn(Schema):
    packer_credit_code: str = Field(..., max_length=18)
    packer_name: str = Field("", max_length=200)
    product: str = Field(..., max_length=100)
    brand: str = Field("", max_length=100)
    nominal: Number
    unit: str = Field(..., max_length=8)
    lot_size: int = Field(..., ge=1)
    place: str = Field(..., max_length=200)
    region_code: str = Field("", max_length=6)
    sampled_on: datetime.date
    tare_method: TareMethod = TareMethod.EACH
    values: list[Number] = Field(..., max_length=10000)
    values_unit: str = Field("", max_length=8)
    reinspection_of: str = Field("", max_length=32, description="notice number of the first")


class NetContentOut(Schema):
    id: int
    notice_number: str
    campaign_id: int
    task_id: int
    region_code: str
    packer_credit_code: str
    packer_name: str
    product: str
    brand: str
    nominal: str
    unit: str
    lot_size: int
    place: str
    sampled_on: datetime.date
    tare_method: str
    values: list[str]
    values_unit: str
    rule_set: str
    verdict: str
    figures: dict
    reinspection_of: str | None

    @staticmethod
    def resolve_nominal(obj):
        return plain(obj.nominal)

    @staticmethod
    def resolve_reinspection_of(obj):
        return obj.reinspection_of.notice_number if obj.reinspection_of_id else None


class NetContentFilter(Schema):
    campaign: ApiId | None = None
    packer: str = Field("", max_length=18, description="the packer's credit code")
    verdict: Verdict | None = None


class JudgeIn(Schema):
    rule_set: str = Field("", description="jjf1070-2005, oiml-r87-2004 or eec-76-211; "
                                          "empty: the rule set in force on sampled_on")
    sampled_on: datetime.date | None = None
    nominal: Number
    unit: str
    lot_size: int = Field(..., ge=1)
    values: list[Number] = Field(..., max_length=10000)
    values_unit: str = ""
    t_rounding: str | None = None
    destructive: bool = False


class RateOut(Schema):
    key: str | int | None
    total: int
    passed: int
    failed: int
    rate: float | None


class CompletionOut(Schema):
    region_code: str
    region: str
    tasks: int
    target: int
    done: int
    rate: float | None


class ReportOut(Schema):
    completion: list[CompletionOut]
    overall: dict
    by_product: list[RateOut] = []
    by_region: list[dict] = []


@router.get("/campaigns", response=list[CampaignOut], tags=["supervision"])
@paginate(Page)
def campaign_list(request, filters: Query[CampaignFilter]):
    """Campaigns the caller takes part in (national ones for every bureau)."""
    return selectors.campaign_list(request.user, kind=filters.kind or "",
                                   year=filters.year, status=filters.status or "")


@router.get("/campaigns/{id:campaign_id}", response=CampaignOut, tags=["supervision"])
def campaign_detail(request, campaign_id: int):
    return selectors.campaign_detail(request.user, campaign_id)


@router.post("/campaigns/{id:campaign_id}/transition", response=CampaignOut,
             tags=["supervision"])
def campaign_transition(request, campaign_id: int, payload: TransitionIn):
    """Move the campaign along planned → running → reporting → closed."""
    campaign = selectors.campaign_detail(request.user, campaign_id)
    return services.campaign_transition(actor=request.user, campaign=campaign,
                                        action=payload.action, note=payload.note)


@router.get("/campaigns/{id:campaign_id}/tasks", response=list[TaskOut], tags=["supervision"])
def task_list(request, campaign_id: int):
    campaign = selectors.campaign_detail(request.user, campaign_id)
    return list(selectors.task_list(request.user, campaign=campaign)[:1000])


@router.get("/campaigns/{id:campaign_id}/report", response=ReportOut, tags=["supervision"])
def campaign_report(request, campaign_id: int):
    """Completion against targets by region, and the pass rates, from the caller's records."""
    campaign = selectors.campaign_detail(request.user, campaign_id)
    report = selectors.campaign_report(request.user, campaign)
    overall = {k: (float(v) if v is not None and not isinstance(v, int | str) else v)
               for k, v in report["overall"].items()}
    return {"completion": report["completion"], "overall": overall,
            "by_product": report.get("by_product", []),
            "by_region": [{k: (float(v) if k.endswith("rate") and v is not None else v)
                           for k, v in r.items()} for r in report.get("by_region", [])]}


@router.post("/tasks/{id:task_id}/net-content", response={201: NetContentOut},
             tags=["supervision"])
def netcontent_create(request, task_id: int, payload: NetContentIn):
    """Record a sample of a net-content task; it is judged by the rule set in force on
    ``sampled_on`` and the full figures come back."""
    task = selectors.task_detail(request.user, task_id)
    record = services.netcontent_record(actor=request.user, task=task, **payload.dict())
    return 201, record


@router.get("/net-content", response=list[NetContentOut], tags=["supervision"])
@paginate(Page)
def netcontent_list(request, filters: Query[NetContentFilter]):
    campaign = selectors.campaign_detail(request.user, filters.campaign) \
        if filters.campaign else None
    return selectors.netcontent_list(request.user, campaign=campaign, packer_code=filters.packer,
                                     verdict=filters.verdict or "")


@router.get("/net-content/{id:record_id}", response=NetContentOut, tags=["supervision"])
def netcontent_detail(request, record_id: int):
    return selectors.netcontent_detail(request.user, record_id)


@router.post("/net-content/judge", response=dict, tags=["supervision"])
def netcontent_judge(request, payload: JudgeIn):
    """Judge a lot without recording it (the command-line contract over HTTP)."""
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Sign in or send a valid API token."))
    if payload.rule_set:
        try:
            result = rules.judge(rule_set=payload.rule_set, nominal=payload.nominal,
                                 unit=payload.unit, lot_size=payload.lot_size,
                                 values=payload.values, values_unit=payload.values_unit or None,
                                 t_rounding=payload.t_rounding, destructive=payload.destructive)
        except RuleError as error:
            raise judging.refusal(error) from None
        return result.as_dict()
    if payload.sampled_on is None:
        raise ValidationError({"sampled_on": [_("Give the rule set or the sampling date.")]})
    return judging.judge(sampled_on=payload.sampled_on, nominal=payload.nominal,
                         unit=payload.unit, lot_size=payload.lot_size, values=payload.values,
                         values_unit=payload.values_unit)
