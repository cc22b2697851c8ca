"""Enforcement cases over the API (scoped like the pages), and the published decisions
(public)."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jiliang.core.api import Page
from jiliang.core.models import Organisation
from jiliang.core.params import ApiId
from jiliang.enforcement import findings, selectors, services
from jiliang.enforcement.models import PartyKind
from jiliang.rules import RuleError
from jiliang.rules import enforcement as rules

PREFIX = "/enforcement/"
router = Router()


class CaseOut(Schema):
    id: int
    number: str
    bureau_id: int
    region_code: str
    state: str
    version: int
    party_kind: str
    party_id: int | None
    party_name: str
    party_credit_code: str
    finding_kind: str
    finding_id: int | None
    finding_summary: str
    discovered_on: datetime.date
    instrument_id: int | None
    campaign_id: int | None
    energy_unit_id: int | None
    bases: list[str]
    articles: str
    opened_on: datetime.date
    opening_due_on: datetime.date
    opened_late: bool
    decision_due_on: datetime.date
    provisional_years: str
    extension_days: int
    proposed_fine: Decimal | None
    notified_on: datetime.date | None
    statement_due_on: datetime.date | None
    hearing_offered: bool
    hearing_requested: bool
    decision_number: str
    fine: Decimal | None
    decided_on: datetime.date | None
    execution_kind: str
    executed_on: datetime.date | None
    closed_on: datetime.date | None
    published_at: datetime.datetime | None


class CaseFilter(Schema):
    state: str = Field("", max_length=16)
    kind: str = Field("", max_length=32)
    party: ApiId | None = None
    q: str = Field("", max_length=100)


class CaseIn(Schema):
    kind: str = Field("manual", max_length=32, description="a finding kind of the data")
    finding_id: ApiId | None = Field(None, description="the row of the finding, if any")
    party_kind: str = Field("", max_length=16, description="organisation or person")
    party_credit_code: str = Field("", max_length=18)
    party_name: str = Field("", max_length=200)
    party_id_number: str = Field("", max_length=30)
    party_address: str = Field("", max_length=300)
    discovered_on: datetime.date | None = None
    summary: str = Field("", max_length=500)
    bases: list[str] | None = Field(None, max_length=20)
    articles: str = Field("", max_length=300)
    facts: str = Field("", max_length=4000)


class ActIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    payload: dict[str, Any] = Field(default_factory=dict)


class DecisionOut(Schema):
    """A published decision as the public reads it (``selectors.public_record``)."""

    id: int
    number: str
    bureau: str
    party: str
    party_is_person: bool
    credit_code: str
    finding_kind: str
    bases: list[str]
    articles: str
    facts: str
    decision: str
    fine: Decimal | None
    decided_on: datetime.date | None
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_id(case) -> int:
        return case.pk

    @staticmethod
    def resolve_number(case) -> str:
        return case.decision_number

    @staticmethod
    def resolve_bureau(case) -> str:
        return case.bureau.name

    @staticmethod
    def resolve_party(case) -> str:
        return selectors.public_record(case)["party"]

    @staticmethod
    def resolve_party_is_person(case) -> bool:
        return case.is_person

    @staticmethod
    def resolve_credit_code(case) -> str:
        return selectors.public_record(case)["credit_code"]

    @staticmethod
    def resolve_articles(case) -> str:
        return selectors.public_record(case)["articles"]

    @staticmethod
    def resolve_facts(case) -> str:
        return selectors.public_record(case)["facts"]

    @staticmethod
    def resolve_decision(case) -> str:
        return selectors.public_record(case)["decision"]


@router.get("/cases", response=list[CaseOut], tags=["enforcement"])
@paginate(Page)
def case_list(request, filters: Query[CaseFilter]):
    """The cases of the caller's bureau and the bureaus below it."""
    qs = selectors.case_list(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(finding_kind=filters.kind)
    if filters.party:
        qs = qs.filter(party_id=filters.party)
    if filters.q:
        qs = qs.filter(number__icontains=filters.q.strip())
    return qs


@router.get("/cases/{id:case_id}", response=CaseOut, tags=["enforcement"])
def case_detail(request, case_id: int):
    return selectors.case_get(request.user, case_id)


@router.post("/cases", response={201: CaseOut}, tags=["enforcement"])
def case_open(request, payload: CaseIn):
    """Open a case by hand, or on the finding ``kind`` / ``finding_id`` (its facts taken
    from the row)."""
    finding = None
    if payload.finding_id is not None:
        try:
            model = findings.kind_of(payload.kind).model_class()
        except RuleError:
            raise ValidationError({"kind": [_("This kind of finding is not known.")]}) from None
        finding = model.objects.filter(pk=payload.finding_id).first() if model else None
        if finding is None:
            raise Http404
    party = None
    if payload.party_credit_code and payload.party_kind != PartyKind.PERSON:
        party = Organisation.objects.filter(
            credit_code=payload.party_credit_code.strip().upper()).first()
    case = services.open_case(
        request.user, finding=finding, kind=payload.kind, party=party,
        party_kind=payload.party_kind, party_name=payload.party_name,
        party_id_number=payload.party_id_number, party_address=payload.party_address,
        discovered_on=payload.discovered_on, summary=payload.summary, bases=payload.bases,
        articles=payload.articles, facts=payload.facts)
    return 201, case


@router.post("/cases/{id:case_id}/actions/{action}", response=CaseOut, tags=["enforcement"])
def case_act(request, case_id: int, action: str, payload: ActIn):
    """Take a step of the workflow (``rules/data/enforcement.json``) with the ``version`` last
    seen; ``payload`` holds the step's fields."""
    case = selectors.case_get(request.user, case_id)
    if action not in rules.workflow().transitions:
        raise Http404
    return services.case_act(actor=request.user, case=case, action=action,
                             version=payload.version, payload=payload.payload)


@router.get("/public/decisions", response=list[DecisionOut], auth=None, tags=["enforcement"])
@paginate(Page)
def public_decisions(request):
    """Published penalty decisions, newest first; a natural person's data taken out."""
    return selectors.published_cases()


@router.get("/public/decisions/{id:case_id}", response=DecisionOut, auth=None,
            tags=["enforcement"])
def public_decision(request, case_id: int):
    return selectors.published_get(case_id)
