"""Reading the catalogue (public reference data) and the values provinces set."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from jiliang.catalog.models import (
    CatalogueVersion,
    InstrumentKind,
    PeriodRule,
    ProvincePeriod,
    Regulation,
)
from jiliang.core.validation import rule_message
from jiliang.rules import editions
from jiliang.rules import verification as rules

# The edition check's error codes, in the user's language.
EDITION_MESSAGES = {
    "edition.not_yet": _("%(edition)s takes effect on %(effective)s, after the verification date: "
                         "verify under the edition in force that day."),
    "edition.withdrawn": _("%(edition)s no longer applies from %(withdrawn)s (replaced by "
                           "%(replaced_by)s): a verification on that date or later is made under "
                           "the edition in force."),
}


def edition_messages(edition: editions.Edition | None, on: datetime.date) -> list[str]:
    """Why a verification on ``on`` may not name this edition, in the user's language."""
    return [rule_message(e, EDITION_MESSAGES) for e in editions.edition_errors(edition, on)]


def edition_problems(kind_code: str, code: str, on: datetime.date) -> list[str]:
    """The edition-in-force check for one verification (form and API); empty when it may stand."""
    reg = Regulation.objects.filter(kind__code=kind_code, code=code).first()
    return edition_messages(reg.as_edition() if reg is not None else None, on)


def kind_list() -> QuerySet:
    return InstrumentKind.objects.prefetch_related("regulations").order_by("code")


def kind_detail(code: str) -> InstrumentKind:
    kind = InstrumentKind.objects.filter(code=code).prefetch_related(
        "regulations", "entries__version",
        Prefetch("rules", queryset=PeriodRule.objects.order_by("position")),
    ).first()
    if kind is None:
        raise Http404
    return kind


def version_list() -> QuerySet:
    return CatalogueVersion.objects.order_by("code")


def version_detail(code: str) -> CatalogueVersion:
    version = CatalogueVersion.objects.filter(code=code).first()
    if version is None:
        raise Http404
    return version


def version_in_force(day: datetime.date) -> CatalogueVersion | None:
    for version in CatalogueVersion.objects.exclude(in_force_from=None).order_by("-in_force_from"):
        if version.in_force_on(day):
            return version
    return None


def regulations_of(kind: InstrumentKind | None) -> list[str]:
    """The codes of a kind's regulations (of every kind when None), in order."""
    qs = Regulation.objects.all() if kind is None else Regulation.objects.filter(kind=kind)
    return sorted(set(qs.values_list("code", flat=True)))


def kind_needs_medium(kind: InstrumentKind) -> bool:
    return rules.needs_medium(r.as_rule() for r in kind.rules.all())


def unconfirmed_rules() -> list[PeriodRule]:
    """The rules whose value the reference does not confirm: each province sets its own."""
    return [r for r in PeriodRule.objects.select_related("kind").order_by("kind__code", "position")
            if not r.confirmed]


def province_values(province_code: str) -> dict[int, ProvincePeriod]:
    return {p.rule_id: p for p in ProvincePeriod.objects.filter(province_code=province_code)
            .select_related("set_by")}


@dataclass(frozen=True)
class Resolved:
    rule: rules.PeriodRule | None
    term: rules.Term | None
    regulation: str


class TermResolver:
    """Resolves the term (mode and period or life) of instruments, with every rule in memory.

    One resolver serves a whole import: rules and province values are read
    once, and answers are cached by their inputs.
    """

    def __init__(self) -> None:
        self.rules = tuple(r.as_rule() for r in PeriodRule.objects.select_related("kind")
                           .order_by("kind__code", "position"))
        self.by_kind: dict[str, tuple[rules.PeriodRule, ...]] = {}
        for rule in self.rules:
            self.by_kind.setdefault(rule.kind, ())
            self.by_kind[rule.kind] += (rule,)
        self.province: dict[tuple[str, str], int] = {
            (p.province_code, p.rule.code): p.value
            for p in ProvincePeriod.objects.select_related("rule")
        }
        self.current: dict[str, str] = {}
        self.regulations: dict[str, set[str]] = {}
        self.editions: dict[tuple[str, str], editions.Edition] = {}
        for reg in Regulation.objects.select_related("kind").order_by("-is_current", "code"):
            self.regulations.setdefault(reg.kind.code, set()).add(reg.code)
            self.editions[(reg.kind.code, reg.code)] = reg.as_edition()
            if reg.is_current:
                self.current.setdefault(reg.kind.code, reg.code)
        self._cache: dict[tuple, Resolved] = {}

    def edition_problems(self, kind_code: str, code: str, on: datetime.date) -> list[str]:
        """The edition-in-force check on the bulk path (every edition read once)."""
        return edition_messages(self.editions.get((kind_code, code)), on)

    def needs_medium(self, kind_code: str) -> bool:
        return rules.needs_medium(self.by_kind.get(kind_code, ()))

    def resolve(self, kind_code: str, regulation: str, facts: rules.Facts, province: str) -> Resolved:
        regulation = regulation or self.current.get(kind_code, "")
        key = (kind_code, regulation, facts.size, facts.household, facts.accuracy_class,
               facts.medium, facts.adjusted, province)
        found = self._cache.get(key)
        if found is None:
            rule = rules.select_rule(self.by_kind.get(kind_code, ()), regulation, facts)
            term = None
            if rule is not None:
                term = rules.term_of(rule, self.province.get((province, rule.id)))
            found = self._cache[key] = Resolved(rule, term, regulation)
        return found
