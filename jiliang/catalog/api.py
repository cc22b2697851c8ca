"""The catalogue as public reference data."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
from ninja import Router, Schema

from jiliang.catalog import selectors

PREFIX = "/catalog/"
router = Router()


class RegulationOut(Schema):
    code: str
    title_zh: str
    title_en: str
    in_force: str
    is_current: bool
    confidence: str


class RuleOut(Schema):
    code: str
    regulations: list[str]
    when: dict
    mode: str
    period_months: int | None
    life_years: int | None
    confidence: str
    confirmed: bool
    note: str


class KindOut(Schema):
    code: str
    name_zh: str
    name_en: str
    uses: list[str]
    size_param: str
    is_utility_meter: bool
    mode_1991: str
    mode_2020: str
    regulations: list[RegulationOut]


class KindDetailOut(KindOut):
    rules: list[RuleOut]


@router.get("/kinds", response=list[KindOut], auth=None, tags=["catalog"])
def kind_list(request):
    """The kinds of instrument under compulsory verification (catalogue codes other apps use)."""
    return [_kind(k) for k in selectors.kind_list()]


@router.get("/kinds/{code}", response=KindDetailOut, auth=None, tags=["catalog"])
def kind_detail(request, code: str):
    """A kind with its regulations and the period rules (a rule not confirmed is set per province)."""
    kind = selectors.kind_detail(code)
    out = _kind(kind)
    out["rules"] = [{
        "code": r.code, "regulations": r.regulations, "when": r.when, "mode": r.mode,
        "period_months": r.period_months, "life_years": r.life_years, "confidence": r.confidence,
        "confirmed": r.confirmed, "note": r.note,
    } for r in kind.rules.all()]
    return out


def _kind(kind) -> dict:
    return {
        "code": kind.code, "name_zh": kind.name_zh, "name_en": kind.name_en, "uses": kind.uses,
        "size_param": kind.size_param, "is_utility_meter": kind.is_utility_meter,
        "mode_1991": kind.mode_1991, "mode_2020": kind.mode_2020,
        "regulations": list(kind.regulations.all()),
    }
