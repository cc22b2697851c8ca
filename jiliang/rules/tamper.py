"""Tamper rules over instrument event data, run at ingest (work plan 四.4).

The events and the rules are data (``data/tamper_rules.json``); the thresholds have no source
in a standard and come from settings. ``Judge.event`` takes one event of one instrument with
what is known of the instrument (its ``State`` and its verifications) and returns the rules it
breaks; it moves the state along, so a batch is judged event by event in time order.

Basis: OIML D 31:2019 and WELMEC 7.2 make the event counter and the audit trail the evidence
of a change of a legally relevant parameter; a change is legitimate when a verification goes
with it.
"""

from __future__ import annotations

import bisect
import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "tamper_rules.json"

PARAMETER_CHANGE = "parameter_change"
COUNTER_JUMP = "counter_jump"
TOTALISER_SALES = "totaliser_sales"
MAGNETIC_FIELD = "magnetic_field"
COUNTERS = frozenset({"event_counter", "calibration_counter"})
HUNDRED = Decimal(100)


@cache
def data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def event_codes() -> tuple[str, ...]:
    return tuple(e["code"] for e in data()["events"])


@cache
def rule_codes() -> tuple[str, ...]:
    return tuple(r["code"] for r in data()["rules"])


@cache
def device_class_of(kind_code: str) -> str | None:
    for item in data()["device_classes"]:
        if kind_code in item["kinds"]:
            return item["code"]
    return None


@cache
def events_of_class(device_class: str) -> frozenset[str]:
    for item in data()["device_classes"]:
        if item["code"] == device_class:
            return frozenset(item["events"]).intersection(event_codes())  # only known events
    return frozenset()


@cache
def _rules_by_event() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for rule in data()["rules"]:
        for event in rule["events"]:
            out.setdefault(event, []).append(rule["code"])
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Thresholds:
    verification_days: int
    counter_step: int
    totaliser_percent: Decimal


@dataclass
class State:
    """What is known of one instrument before the event: its last counter and totaliser."""

    counter: int | None = None
    counter_at: datetime.datetime | None = None
    totaliser: Decimal | None = None
    sales: Decimal | None = None
    totaliser_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Verification:
    """A verification on file: its date, and the event counter it left (None if not recorded)."""

    on: datetime.date
    counter_left: int | None = None


@dataclass(frozen=True)
class Hit:
    rule: str
    params: dict = field(default_factory=dict)


class Judge:
    """The rules of one batch, with its thresholds."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.t = thresholds
        self.rules_by_event = _rules_by_event()

    def event(self, state: State, verifications: list[Verification], kind: str,
              at: datetime.datetime, on: datetime.date, value: Decimal | None,
              sales: Decimal | None) -> list[Hit]:
        """The rules this event breaks; ``verifications`` sorted by date; ``on`` the event's local
        date. ``state`` is moved to after the event. (The ingest calls it by position, a million
        times a run.)"""
        rules = self.rules_by_event.get(kind)
        if not rules:
            return []
        hits = []
        if PARAMETER_CHANGE in rules and not self.verified_near(verifications, on):
            hits.append(Hit(PARAMETER_CHANGE, {"days": self.t.verification_days}))
        if MAGNETIC_FIELD in rules:
            hits.append(Hit(MAGNETIC_FIELD))
        if COUNTER_JUMP in rules and value is not None:
            hit = self.counter(state, verifications, at=at, on=on, value=int(value))
            if hit is not None:
                hits.append(hit)
        if TOTALISER_SALES in rules and value is not None:
            hit = self.totaliser(state, at=at, value=value, sales=sales)
            if hit is not None:
                hits.append(hit)
        return hits

    def verified_near(self, verifications: list[Verification], on: datetime.date) -> bool:
        """A verification within the threshold's days of ``on``, either side (at it is within)."""
        days = datetime.timedelta(days=self.t.verification_days)
        dates = [v.on for v in verifications]
        i = bisect.bisect_left(dates, on - days)
        return i < len(dates) and dates[i] <= on + days

    def counter(self, state: State, verifications: list[Verification], *,
                at: datetime.datetime, on: datetime.date, value: int) -> Hit | None:
        before, since = state.counter, state.counter_at
        # A verification after the last reading (or the first reading after one) starts afresh
        # from the counter it left: the change it made is accounted for.
        later = [v for v in verifications
                 if v.on <= on and (since is None or v.on >= since.date())] if verifications else ()
        if later:
            left = later[-1].counter_left
            before, since = (left, None) if left is not None else (None, None)
        state.counter, state.counter_at = value, at
        if before is None:
            return None
        step = value - before
        if step < 0 or step > self.t.counter_step:
            return Hit(COUNTER_JUMP, {"before": before, "after": value, "step": step,
                                      "allowed": self.t.counter_step})
        return None

    def totaliser(self, state: State, *, at: datetime.datetime, value: Decimal,
                  sales: Decimal | None) -> Hit | None:
        before, sold_before = state.totaliser, state.sales
        state.totaliser, state.sales, state.totaliser_at = value, sales, at
        if before is None or sold_before is None or sales is None:
            return None
        dispensed, sold = value - before, sales - sold_before
        if sold <= 0:
            if dispensed == 0:
                return None
            return Hit(TOTALISER_SALES, {"dispensed": str(dispensed), "sold": str(sold),
                                         "percent": None,
                                         "allowed": str(self.t.totaliser_percent)})
        percent = abs(dispensed - sold) * HUNDRED / sold
        if percent > self.t.totaliser_percent:
            return Hit(TOTALISER_SALES, {"dispensed": str(dispensed), "sold": str(sold),
                                         "percent": str(percent.quantize(Decimal("0.01"))),
                                         "allowed": str(self.t.totaliser_percent)})
        return None
