"""Verification regulation (JJG) editions in force by date.

A verification is made under the edition of its regulation in force on the
verification date (《计量法》 第十条: 计量检定必须按照国家计量检定规程进行). An edition
applies from its effective date (实施日期) until the day its successor takes
effect; where the successor's announcement gives a transition period
(过渡期), the superseded edition may still be used until the period ends.

The dates come from data/regulation_editions.json with a confidence grade.
A date the reference grades low (or does not give) never refuses a record:
only confirmed dates do.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError
from jiliang.rules.months import add_months

DATA = Path(__file__).resolve().parent / "data"
CONFIRMED_GRADES = frozenset({"high", "medium"})


@dataclass(frozen=True)
class Edition:
    """What the in-force check looks at about one edition."""

    code: str
    effective_on: datetime.date | None = None
    withdrawn_on: datetime.date | None = None  # the first day it no longer applies
    transition_until: datetime.date | None = None  # last day it may still be used after that
    replaced_by: str = ""
    confirmed: bool = True  # its dates are graded high or medium, or a national admin confirmed them


@dataclass(frozen=True)
class Source:
    """One edition as the data file gives it."""

    code: str
    kinds: tuple[str, ...]
    effective_on: datetime.date | None
    replaces: tuple[str, ...]
    transition_months: int | None
    confidence: str

    @property
    def confirmed(self) -> bool:
        return self.confidence in CONFIRMED_GRADES


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


@cache
def load_editions(path: Path = DATA / "regulation_editions.json") -> tuple[Source, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Source(
        code=e["code"], kinds=tuple(e["kinds"]), effective_on=_date(e.get("effective")),
        replaces=tuple(e.get("replaces", ())), transition_months=e.get("transition_months"),
        confidence=e.get("dates_confidence", "low"),
    ) for e in raw["editions"])


def withdrawals(sources: Iterable[Source]) -> dict[str, tuple[datetime.date | None, str,
                                                                 datetime.date | None]]:
    """code → (withdrawn on, replaced by, transition until), from the chain of successors.

    An edition stops applying on the effective date of the edition that
    replaces it. When that date is not known (or not confirmed), it stops no
    later than its successor does: JJG 443-2006 was replaced by JJG 443-2015
    (date not found), which JJG 443-2023 replaced on 2024-05-01, so JJG
    443-2006 no longer applies from 2024-05-01 either. Editions nothing
    replaces, or whose successors have no confirmed date, are not withdrawn.
    """
    sources = list(sources)
    successors: dict[str, list[Source]] = {}
    for source in sources:
        for old in source.replaces:
            successors.setdefault(old, []).append(source)

    memo: dict[str, tuple[datetime.date | None, str, datetime.date | None]] = {}

    def bound(code: str, seen: frozenset[str]) -> tuple[datetime.date | None, str,
                                                        datetime.date | None]:
        if code in memo:
            return memo[code]
        best: tuple[datetime.date | None, str, datetime.date | None] = (None, "", None)
        for new in successors.get(code, ()):
            if new.code in seen:
                continue
            if new.effective_on is not None and new.confirmed:
                until = (add_months(new.effective_on, new.transition_months)
                         - datetime.timedelta(days=1)) if new.transition_months else None
                candidate = (new.effective_on, new.code, until)
            else:
                later, _by, until = bound(new.code, seen | {code})
                candidate = (later, new.code, until)
            if candidate[0] is not None and (best[0] is None or candidate[0] < best[0]):
                best = candidate
            elif best[0] is None and not best[1]:
                best = (None, new.code, None)
        memo[code] = best
        return best

    return {s.code: bound(s.code, frozenset()) for s in sources}


def edition_errors(edition: Edition | None, on: datetime.date) -> list[RuleError]:
    """Every reason a verification on ``on`` may not name ``edition``; empty when it may.

    An unconfirmed edition, or one whose dates are not known, never refuses.
    """
    if edition is None or not edition.confirmed:
        return []
    errors = []
    if edition.effective_on is not None and on < edition.effective_on:
        errors.append(RuleError(
            "edition.not_yet", "{edition} takes effect on {effective}, after the verification date",
            edition=edition.code, effective=edition.effective_on.isoformat()))
    in_transition = edition.transition_until is not None and on <= edition.transition_until
    if edition.withdrawn_on is not None and on >= edition.withdrawn_on and not in_transition:
        errors.append(RuleError(
            "edition.withdrawn", "{edition} no longer applies from {withdrawn}: use {replaced_by}",
            edition=edition.code, withdrawn=edition.withdrawn_on.isoformat(),
            replaced_by=edition.replaced_by or "—"))
    return errors


def in_force(editions: Iterable[Edition], on: datetime.date) -> list[Edition]:
    """The editions that a verification on ``on`` may name (confirmed dates, or none known)."""
    return [e for e in editions if not edition_errors(e, on)]
