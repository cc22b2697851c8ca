"""Reading the catalogue (public reference data) and the values provinces set."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from jiliang.catalog.models import (
    CatalogueEntry,
    CatalogueVersion,
    InstrumentKind,
    PeriodRule,
    ProvincePeriod,
    Regulation,
    TypeEvaluationInstitution,
    TypeEvaluationReview,
)
from jiliang.core.hooks import optional
from jiliang.core.memo import per_request
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


def kind_names(codes) -> dict[str, str]:
    """The catalogue's name of each kind code given (codes it does not hold are left out)."""
    codes = set(codes)
    if not codes:
        return {}
    return {k.code: k.name for k in InstrumentKind.objects.filter(code__in=codes)}


def kind_choices() -> list[tuple[str, str]]:
    """(code, name) of every kind in the catalogue, by code: the choices of a form."""
    return [(k.code, k.name) for k in InstrumentKind.objects.order_by("code")]


def kinds_named(values) -> dict[str, str]:
    """{code: Chinese name} of the kinds among ``values``, each given by its code or its
    Chinese name."""
    return dict(InstrumentKind.objects.filter(Q(code__in=values) | Q(name_zh__in=values))
                .values_list("code", "name_zh"))


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


# --- catalogue versions: what is compulsory when, and what a change does ------------------------


def catalogue_version_code(day: datetime.date) -> str:
    """The code of the catalogue version in force on ``day`` ("" when none is dated)."""
    version = version_in_force(day)
    return version.code if version is not None else ""


COMPULSORY_VERIFICATION = "强制检定"


def entry_of(kind: InstrumentKind, version: CatalogueVersion, entries=None) -> CatalogueEntry | None:
    """The kind's entry in a version: linked to the kind, or named by its catalogue item."""
    entries = entries if entries is not None else list(version.entries.all())
    for entry in entries:
        if entry.kind_id == kind.pk:
            return entry
    item = (kind.catalogue_items or {}).get(version.code)
    for entry in entries:
        if item is not None and (entry.item_no == item or entry.name_zh == item):
            return entry
    return None


def compulsory(kind: InstrumentKind, version: CatalogueVersion, entries=None) -> bool | None:
    """Whether a version puts the kind under compulsory verification: None when not known.

    Listed with a supervision that includes 强制检定 (or none recorded yet) → True; a confirmed
    entry that is not listed, or whose supervision leaves out 强制检定 (type approval only),
    → False. Anything unconfirmed, or a kind the version's known entries do not name, is None:
    an unknown never takes an instrument off a list.
    """
    entry = entry_of(kind, version, entries)
    if entry is None or not entry.confirmed:
        return None
    if entry.listed is False or (entry.status or "").startswith("removed"):
        return False
    if entry.supervision and COMPULSORY_VERIFICATION not in entry.supervision:
        return False
    return True if entry.listed or version.code == "1987" else None


@dataclass(frozen=True)
class Change:
    kind: InstrumentKind
    entered: bool  # True: entered compulsory verification; False: left it


def version_changes(version: CatalogueVersion) -> list[Change]:
    """The kinds that enter or leave compulsory verification when ``version`` takes effect."""
    if version.in_force_from is None:
        return []
    before = version_in_force(version.in_force_from - datetime.timedelta(days=1))
    now_entries = list(version.entries.all())
    old_entries = list(before.entries.all()) if before is not None else []
    out = []
    for kind in InstrumentKind.objects.order_by("code"):
        new = compulsory(kind, version, now_entries)
        old = compulsory(kind, before, old_entries) if before is not None else None
        if new is True and old is not True:
            out.append(Change(kind, True))
        elif new is False and old is not False:
            out.append(Change(kind, False))
    return out


def left_kind_ids(day: datetime.date) -> list[int]:
    """The kinds the catalogue in force on ``day`` no longer puts under compulsory verification
    (read once per request: the desk's two due counts both exclude them)."""
    return list(per_request(("left_kind_ids", day), lambda: _left_kind_ids(day)))


def _left_kind_ids(day: datetime.date) -> list[int]:
    version = version_in_force(day)
    if version is None:
        return []
    entries = list(version.entries.all())
    return [k.pk for k in InstrumentKind.objects.all() if compulsory(k, version, entries) is False]


def version_impact(user, version: CatalogueVersion) -> list[dict]:
    """Per region (county) and kind, the instruments in use the change concerns, in the user's
    scope: [{"region_code", "kind", "entered", "count"}]."""
    registry = optional("registry", "models")
    changes = {c.kind.pk: c for c in version_changes(version)}
    if not changes or registry is None:
        return []
    qs = user.scope.filter(registry.Instrument.objects.filter(
        kind_id__in=list(changes), status=registry.Status.IN_USE))
    rows = (qs.values("region_code", "kind_id").annotate(count=Count("id"))
            .order_by("region_code", "kind_id"))
    return [{"region_code": r["region_code"], "kind": changes[r["kind_id"]].kind,
             "entered": changes[r["kind_id"]].entered, "count": r["count"]} for r in rows]


def type_evaluation_institutions(kind_code: str, on: datetime.date) -> list:
    """The institutions authorised on ``on`` to carry out type evaluations of the kind (四.1),
    whose latest re-evaluation before that day did not revoke the authorisation."""
    out = []
    for inst in TypeEvaluationInstitution.objects.select_related("organisation"):
        if not inst.covers(kind_code, on):
            continue
        last = inst.reviews.filter(reviewed_on__lte=on).order_by("-reviewed_on").first()
        if last is not None and last.result == TypeEvaluationReview.Result.REVOKED:
            continue
        out.append(inst)
    return out
