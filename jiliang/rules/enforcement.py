"""Administrative enforcement cases as data, and their pure rules (no Django).

data/enforcement.json declares the legal bases a case may cite (with their sources; an
article not on file is null), the kinds of finding a case opens from, the time limits and
the hearing threshold (null: the deployment's setting), and the workflow, which runs on the
engine of the licensing workflows (``rules.licensing.Workflow``).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jiliang.rules import RuleError
from jiliang.rules.deadlines import Calendar, count_working_days
from jiliang.rules.licensing import Transition, Workflow, text

DATA = Path(__file__).resolve().parent / "data" / "enforcement.json"
ROLES = ("clerk", "head", "system")


@cache
def _data() -> Mapping[str, Any]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    problems = check(data)
    if problems:
        raise RuleError("enforcement.data", "enforcement.json: {problems}",
                        problems="; ".join(problems))
    return data


def check(data: Mapping[str, Any]) -> list[str]:
    """Everything wrong with the declared data (an empty list when it is sound)."""
    problems = []
    bases = data.get("legal_bases", {})
    for code, kind in data.get("finding_kinds", {}).items():
        problems += [f"finding kind {code}: unknown basis {b}" for b in kind.get("bases", ())
                     if b not in bases]
    for code, basis in bases.items():
        if not basis.get("source"):
            problems.append(f"basis {code}: no source")
        for article in basis.get("articles") or ():
            if not article.get("article"):
                problems.append(f"basis {code}: an article without its number")
    states = data["workflow"]["states"]
    for action, t in data["workflow"]["transitions"].items():
        if t["by"] not in ROLES:
            problems.append(f"transition {action}: unknown role {t['by']}")
        for state in [*t["from"], *([t["to"]] if t["to"] else [])]:
            if state not in states:
                problems.append(f"transition {action}: unknown state {state}")
    return problems


@cache
def workflow() -> Workflow:
    spec = _data()["workflow"]
    transitions = {
        action: Transition(action=action, sources=tuple(t["from"]), target=t["to"], by=t["by"],
                           requires=tuple(t.get("requires", ())), once=bool(t.get("once")),
                           label=t["label"], article=t.get("article", ""),
                           optional=tuple(t.get("optional", ())))
        for action, t in spec["transitions"].items()
    }
    return Workflow("enforcement", spec["states"], transitions)


def legal_bases() -> dict[str, Mapping[str, Any]]:
    return dict(_data()["legal_bases"])


def finding_kinds() -> dict[str, Mapping[str, Any]]:
    return dict(_data()["finding_kinds"])


def finding_kind(code: str) -> Mapping[str, Any]:
    try:
        return _data()["finding_kinds"][code]
    except KeyError:
        raise RuleError("enforcement.kind", "there is no finding kind {kind}", kind=code) from None


def in_force(code: str, on: datetime.date) -> bool:
    """Whether the basis ``code`` was in force on ``on`` (no dates on file: always)."""
    dates = legal_bases()[code].get("in_force") or {}
    start, end = dates.get("from"), dates.get("to")
    if start and on < datetime.date.fromisoformat(start):
        return False
    return not (end and on > datetime.date.fromisoformat(end))


def bases_for(kind: str, on: datetime.date) -> list[str]:
    """The bases a finding of ``kind`` discovered on ``on`` suggests: those in force that day
    (a lot sampled in 2022 falls under Order 75, one sampled in 2024 under Order 70)."""
    return [code for code in finding_kind(kind).get("bases", ()) if in_force(code, on)]


def time_limit(name: str) -> int | None:
    """A time limit in working days from the data; None: the deployment sets it."""
    return _data()["time_limits"][name]["working_days"]


def hearing_threshold(party_kind: str) -> Decimal | None:
    value = _data()["hearing_threshold"].get(party_kind)
    return None if value is None else Decimal(str(value))


def hearing_offered(amount: Decimal, threshold: Decimal) -> bool:
    """A hearing is offered when the proposed fine reaches the threshold (the amount itself
    included)."""
    return amount >= threshold


@dataclass(frozen=True)
class Limits:
    opening_due: datetime.date
    opened_late: bool
    decision_due: datetime.date
    provisional_years: tuple[int, ...]


def limits(*, discovered_on: datetime.date, opened_on: datetime.date, opening_days: int,
           decision_days: int, extension_days: int = 0, cal: Calendar | None = None) -> Limits:
    """The case's statutory dates in working days on the holiday calendar: opening within
    ``opening_days`` of discovery, decision within ``decision_days`` (+ the head's extension)
    of opening; the day of the event is not counted."""
    if opened_on < discovered_on:
        raise RuleError("enforcement.dates", "a case cannot be opened before its finding "
                        "was discovered")
    opening = count_working_days(discovered_on, opening_days, cal=cal)
    decision = count_working_days(opened_on, decision_days + extension_days, cal=cal)
    years = tuple(sorted(set(opening.provisional_years) | set(decision.provisional_years)))
    return Limits(opening.date, opened_on > opening.date, decision.date, years)


ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                       r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_name(name: str) -> str:
    """A natural person's name as published: the first character kept, the rest masked
    (张三 → 张*, 欧阳娜娜 → 欧***)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def scrub(value: str, names: Sequence[str] = ()) -> str:
    """Text made fit to publish: resident ID numbers and mobile numbers removed, each of
    ``names`` (a natural person's) masked."""
    value = ID_NUMBER.sub("[*]", value or "")
    value = PHONE.sub("[*]", value)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        value = value.replace(name, mask_name(name))
    return value


__all__ = ["Limits", "bases_for", "check", "finding_kind", "finding_kinds", "hearing_offered",
           "hearing_threshold", "in_force", "legal_bases", "limits", "mask_name", "scrub",
           "text", "time_limit", "workflow"]
