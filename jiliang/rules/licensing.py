"""Licence types and application workflows, declared as data (no Django).

data/licence_types.json declares each type: who may apply, the deciding level, the
materials (with the file types accepted), the particulars of its form, the time limits,
the validity by regime, the renewal rule, the number format and what is published.
data/licensing_workflows.json declares the states and transitions of each workflow and
the actions on granted licences. Adding a type is adding an entry to the data.
"""

from __future__ import annotations

import datetime
import json
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jiliang.rules import RuleError
from jiliang.rules.deadlines import add_months
from jiliang.rules.identifiers import region_level

DATA = Path(__file__).resolve().parent / "data"
LEVELS = ("national", "provincial", "city", "county")
ROLES = ("applicant", "clerk", "head", "reviewer", "system")
FIELD_TYPES = ("text", "textarea", "choice", "kinds", "region", "letter")
FILE_TYPES = ("pdf", "png", "jpeg")
KIND_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
NATIONAL_AUTHORITY = "000000"  # the deciding authority code of national-level items


def text(value: Mapping[str, str] | str | None, language: str = "zh") -> str:
    """A bilingual {"zh": ..., "en": ...} label in the language asked for."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    key = "zh" if language.lower().startswith("zh") else "en"
    return value.get(key) or value.get("en") or value.get("zh") or ""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change
    by: str
    requires: tuple[str, ...]
    once: bool
    label: Mapping[str, str]
    article: str
    optional: tuple[str, ...] = ()

    @property
    def accepts(self) -> frozenset[str]:
        """Every field the transition takes: the required ones and the optional ones."""
        return frozenset(self.requires) | frozenset(self.optional)


@dataclass(frozen=True)
class Workflow:
    name: str
    states: Mapping[str, Mapping[str, Any]]
    transitions: Mapping[str, Transition]

    def transition(self, action: str, state: str) -> Transition:
        """The transition ``action`` from ``state``, or RuleError naming what is allowed."""
        found = self.transitions.get(action)
        if found is None:
            raise RuleError("workflow.action", "there is no action {action}", action=action)
        if state not in found.sources:
            raise RuleError("workflow.state", "{action} is not possible in the state {state}",
                            action=action, state=state)
        return found

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state in t.sources]

    def clock(self, state: str) -> str | None:
        return self.states[state].get("clock")

    def clock_states(self, *kinds: str) -> tuple[str, ...]:
        """The states in which one of the clocks ``kinds`` runs ("acceptance", "decision",
        "stopped")."""
        return tuple(s for s, spec in self.states.items() if spec.get("clock") in kinds)

    @property
    def open_states(self) -> tuple[str, ...]:
        """States of a pending application: submitted and not yet decided."""
        return tuple(s for s, spec in self.states.items()
                     if not spec.get("terminal") and s != "draft")


@dataclass(frozen=True)
class LicenceType:
    code: str
    spec: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.spec[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    @property
    def is_filing(self) -> bool:
        return self.spec["kind"] == "filing"

    @property
    def open_now(self) -> bool:
        return bool(self.spec.get("open_now"))

    @property
    def particulars(self) -> list[Mapping[str, Any]]:
        return list(self.spec.get("particulars", []))

    @property
    def materials(self) -> list[Mapping[str, Any]]:
        return list(self.spec.get("materials", []))

    def material(self, code: str) -> Mapping[str, Any] | None:
        return next((m for m in self.materials if m["code"] == code), None)

    def limits(self) -> Mapping[str, Any]:
        return self.spec.get("time_limits") or {}

    def may_apply(self, org_kind: str, enterprise_roles: list[str] | tuple[str, ...] = ()) -> bool:
        applicants = self.spec["applicants"]
        if org_kind not in applicants["org_kinds"]:
            return False
        roles = applicants.get("enterprise_roles")
        return not roles or org_kind != "enterprise" or bool(set(roles) & set(enterprise_roles))

    def particulars_for(self, org_kind: str = "") -> list[Mapping[str, Any]]:
        """The particulars an applicant of ``org_kind`` gives (a particular may name the kinds of
        applicant it is for); every particular when the kind is not said."""
        return [p for p in self.particulars
                if not org_kind or org_kind in p.get("applicants", (org_kind,))]

    def decide_level(self, particulars: Mapping[str, Any], applicant_kind: str = "") -> str:
        """The level of the deciding authority (national, provincial, city, county). A bureau
        applying for its own social public standard is assessed by the authority one level
        above it (``bureau_applicant`` in the data, 计量法实施细则 第七条)."""
        rule = self.spec["decide_level"]
        if isinstance(rule, str):
            return rule
        above = (rule.get("bureau_applicant") or {}).get(applicant_kind)
        if above is not None:
            return above
        value = particulars.get(rule["by"])
        mapping = rule.get("map")
        level = mapping.get(value) if mapping else value
        if level not in LEVELS:
            raise RuleError("licence.level", "the deciding level depends on {field}",
                            field=rule["by"])
        return level

    def validity_years(self, regime: str = "now") -> int | None:
        return (self.spec.get("validity") or {}).get(regime)

    def renewal_deadline(self, valid_until: datetime.date) -> datetime.date | None:
        """The last day to apply for renewal; None when the type has no renewal."""
        renewal = self.spec.get("renewal")
        if not renewal or valid_until is None:
            return None
        by = renewal["apply_by"]
        if "months" in by:
            return add_months(valid_until, -by["months"])
        return valid_until - datetime.timedelta(days=by["days"])

    def renewal_window(
        self, valid_until: datetime.date | None, *, opens_days: int
    ) -> tuple[datetime.date, datetime.date] | None:
        """(first day, last day) of the renewal window; ``opens_days`` before its last day."""
        if valid_until is None:
            return None
        last = self.renewal_deadline(valid_until)
        if last is None:
            return None
        return last - datetime.timedelta(days=opens_days), last

    def scope_fields(self) -> dict[str, str]:
        """{"kinds": name, "region": name} of the particulars that define an authorised scope."""
        return {p["scope"]: p["name"] for p in self.particulars if p.get("scope")}

    def published_particulars(self) -> list[Mapping[str, Any]]:
        return [p for p in self.particulars if p.get("published")]

    def particular_rows(self, values: Mapping[str, Any], language: str, *,
                        published_only: bool = False, sep: str = ", ") -> list[tuple[str, Any]]:
        """(label, value) of each particular to show: a choice as its label, a list joined."""
        rows = []
        for p in self.published_particulars() if published_only else self.particulars:
            value = values.get(p["name"])
            if p["type"] == "choice":
                value = next((text(c[1], language) for c in p["choices"] if c[0] == value),
                             value)
            elif isinstance(value, list):
                value = sep.join(value)
            rows.append((text(p["label"], language), value))
        return rows


# --- the data, loaded and checked once -----------------------------------------------------


@cache
def _types_data() -> dict[str, Any]:
    return json.loads((DATA / "licence_types.json").read_text(encoding="utf-8"))


@cache
def _workflow_data() -> dict[str, Any]:
    return json.loads((DATA / "licensing_workflows.json").read_text(encoding="utf-8"))


def refresh() -> None:
    """Read the data files again: the types and workflows are cached once read."""
    for cached in (_types_data, _workflow_data, licence_types, workflows):
        cached.cache_clear()


@cache
def licence_types() -> dict[str, LicenceType]:
    types = {spec["code"]: LicenceType(spec["code"], spec) for spec in _types_data()["types"]}
    problems = check(types, workflows())
    if problems:
        raise RuleError("licence.data", "licence_types.json: {problems}",
                        problems="; ".join(problems))
    return types


def licence_type(code: str) -> LicenceType:
    try:
        return licence_types()[code]
    except KeyError:
        raise RuleError("licence.type", "there is no licence type {type_code}", type_code=code) from None


@cache
def workflows() -> dict[str, Workflow]:
    out = {}
    for name, spec in _workflow_data()["workflows"].items():
        transitions = {
            action: Transition(
                action=action, sources=tuple(t["from"]), target=t["to"], by=t["by"],
                requires=tuple(t.get("requires", ())), once=bool(t.get("once")),
                label=t["label"], article=t.get("article", ""),
                optional=tuple(t.get("optional", ())),
            )
            for action, t in spec["transitions"].items()
        }
        out[name] = Workflow(name, spec["states"], transitions)
    return out


def licence_actions() -> dict[str, Mapping[str, Any]]:
    return _workflow_data()["licence_actions"]


def event_labels() -> dict[str, Mapping[str, str]]:
    return _workflow_data()["events"]


def fallback_kind_codes() -> list[str]:
    return list(_types_data()["kind_codes_fallback"]["codes"])


def statute() -> Mapping[str, Any]:
    return _types_data()["administrative_licensing_law"]


def _check_flow(flow: Workflow) -> Iterator[str]:
    for t in flow.transitions.values():
        for state in (*t.sources, *([t.target] if t.target else [])):
            if state not in flow.states:
                yield f"{flow.name}.{t.action}: unknown state {state}"
        if t.by not in ROLES:
            yield f"{flow.name}.{t.action}: unknown role {t.by}"


def _check_applicants(code: str, lt: LicenceType, flows: Mapping[str, Workflow]) -> Iterator[str]:
    spec = lt.spec
    if spec.get("workflow") not in flows:
        yield f"{code}: unknown workflow {spec.get('workflow')}"
    for kind in spec["applicants"]["org_kinds"]:
        if not kind:
            yield f"{code}: empty applicant kind"


def _check_particulars(code: str, lt: LicenceType) -> Iterator[str]:
    for p in lt.particulars:
        if p["type"] not in FIELD_TYPES:
            yield f"{code}.{p['name']}: unknown field type {p['type']}"
        if p["type"] == "choice" and not p.get("choices"):
            yield f"{code}.{p['name']}: a choice without choices"


def _check_level(code: str, lt: LicenceType) -> Iterator[str]:
    """The deciding level: one of the levels, or a level for every value of the field it
    depends on."""
    rule = lt.spec["decide_level"]
    if isinstance(rule, str):
        if rule not in LEVELS:
            yield f"{code}: unknown deciding level {rule}"
        return
    field = next((p for p in lt.particulars if p["name"] == rule["by"]), None)
    if field is None:
        yield f"{code}: the deciding level depends on a missing field"
        return
    values = [c[0] for c in field.get("choices", [])]
    mapping = rule.get("map") or {v: v for v in values}
    for value in values:
        if mapping.get(value) not in LEVELS:
            yield f"{code}: no deciding level for {rule['by']}={value}"
    for kind, level in (rule.get("bureau_applicant") or {}).items():
        if kind not in lt.spec["applicants"]["org_kinds"] or level not in LEVELS:
            yield f"{code}: bad deciding level for a {kind} applicant"


def _check_paperwork(code: str, lt: LicenceType) -> Iterator[str]:
    """Materials, the number format, the sources and the renewal rule."""
    spec = lt.spec
    for m in lt.materials:
        if not set(m["types"]) <= set(FILE_TYPES):
            yield f"{code}.{m['code']}: unknown file type"
    for _lit, name, _spec, _conv in string.Formatter().parse(spec["number"]["format"]):
        if name and name not in ("authority", "year", "yy", "letter", "seq"):
            yield f"{code}: unknown number field {name}"
    if not spec.get("sources"):
        yield f"{code}: no sources"
    if spec.get("renewal") and not set(spec["renewal"]["apply_by"]) & {"days", "months"}:
        yield f"{code}: a renewal rule needs days or months"


def check(types: Mapping[str, LicenceType], flows: Mapping[str, Workflow]) -> list[str]:
    """Everything wrong with the declared data (an empty list when it is sound)."""
    problems = [p for flow in flows.values() for p in _check_flow(flow)]
    for code, lt in types.items():
        problems += _check_applicants(code, lt, flows)
        problems += _check_particulars(code, lt)
        problems += _check_level(code, lt)
        problems += _check_paperwork(code, lt)
    return problems


# --- particulars ------------------------------------------------------------------------------


class ParticularsError(RuleError):
    """Particulars that do not pass; ``errors`` maps each field to its RuleError."""

    def __init__(self, errors: dict[str, RuleError]) -> None:
        self.errors = errors
        super().__init__("particulars", "; ".join(f"{k}: {v}" for k, v in errors.items()))


def _clean_kinds(p: Mapping[str, Any], raw: Any) -> tuple[list[str], RuleError | None]:
    if isinstance(raw, str):
        raw = [c for c in re.split(r"[\s,，;；]+", raw) if c]
    values = [str(c).strip() for c in (raw or []) if str(c).strip()]
    if not values:
        return [], RuleError("particulars.required", "required") if p.get("required") else None
    bad = [c for c in values if not KIND_CODE.match(c)]
    error = RuleError("particulars.kind_code", "{code} is not a kind code", code=bad[0]) \
        if bad else None
    return sorted(set(values)), error


def _clean_text(p: Mapping[str, Any], raw: Any) -> tuple[str, RuleError | None]:
    """A choice, a region code, a category letter or a text, stripped."""
    kind = p["type"]
    value = "" if raw is None else str(raw).strip()
    if not value:
        return "", RuleError("particulars.required", "required") if p.get("required") else None
    if kind == "choice":
        if value not in [c[0] for c in p["choices"]]:
            return value, RuleError("particulars.choice", "choose from the list")
    elif kind == "region":
        try:
            region_level(value)
        except RuleError as error:
            return value, error
    elif kind == "letter":
        value = value.upper()
        if not re.fullmatch(r"[A-Z]", value):
            return value, RuleError("particulars.letter", "one capital letter A–Z")
    elif len(value) > (2000 if kind == "textarea" else 200):
        return value, RuleError("particulars.length", "too long")
    return value, None


def clean_particulars(lt: LicenceType, data: Mapping[str, Any],
                      org_kind: str = "") -> dict[str, Any]:
    """The particulars of a type's form (those an applicant of ``org_kind`` gives), cleaned;
    ParticularsError names every bad field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, RuleError] = {}
    for p in lt.particulars_for(org_kind):
        clean = _clean_kinds if p["type"] == "kinds" else _clean_text
        cleaned[p["name"]], error = clean(p, data.get(p["name"]))
        if error is not None:
            errors[p["name"]] = error
    if errors:
        raise ParticularsError(errors)
    return cleaned


# --- numbers ----------------------------------------------------------------------------------


def authority_code(level: str, region_code: str) -> str:
    """The division code of the deciding authority of ``level`` for an applicant in ``region_code``."""
    if level == "national":
        return NATIONAL_AUTHORITY
    if level == "provincial":
        return region_code[:2] + "0000"
    if level == "city":
        return region_code[:4] + "00"
    if level == "county":
        if region_code[4:] == "00":
            raise RuleError("licence.county", "the applicant's division {code} is not a county",
                            code=region_code)
        return region_code
    raise RuleError("licence.level", "unknown level {level}", level=level)


def number_series(lt: LicenceType, *, authority: str, issued: datetime.date,
                  letter: str = "") -> str:
    """The key of the numbering series a certificate of ``lt`` takes its number from."""
    values = {"authority": authority, "year": str(issued.year), "yy": f"{issued.year % 100:02d}",
              "letter": letter}
    parts = [values[name] for name in lt["number"]["series"]]
    return ":".join([lt.code, *parts])


def format_number(lt: LicenceType, seq: int, *, authority: str, issued: datetime.date,
                  letter: str = "") -> str:
    number = lt["number"]["format"].format(
        authority=authority, year=issued.year, yy=f"{issued.year % 100:02d}", letter=letter,
        seq=seq,
    )
    pattern = lt["number"].get("pattern")
    if pattern and not re.fullmatch(pattern, number):
        raise RuleError("licence.number", "{number} does not match {pattern}",
                        number=number, pattern=pattern)
    return number


CPA = re.compile(r"^CPA (\d{2})-([A-Z])(\d{3,})$")


def cpa_check(number: str) -> tuple[int, str, int]:
    """(YY, category letter, serial) of a type-approval number 'CPA YY-Xnnn' (nnn from 101)."""
    match = CPA.fullmatch((number or "").strip().upper())
    if not match:
        raise RuleError("cpa.format", "a type approval number reads CPA YY-Xnnn, e.g. CPA 99-F166")
    yy, letter, serial = int(match[1]), match[2], int(match[3])
    if serial < 101:
        raise RuleError("cpa.serial", "the serial of a CPA number starts at 101")
    return yy, letter, serial
