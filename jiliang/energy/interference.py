"""Interference patterns in a unit's meter data (issue 18), from the daily figures kept at ingest.

The reads behind the unit page's *Signs of interference*, kept apart from its data-quality
checks (``selectors.unit_quality``): the patterns are judged by ``jiliang.rules.interference``
on complete days only. Settings (no standard gives a value; the page says so):
``JILIANG_ENERGY_FLAT_DAYS`` (3: complete days without consumption that make a flat line); the
balance tolerance is the unit's own or ``JILIANG_ENERGY_BALANCE_TOLERANCE`` (without one the
balance is not judged).
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jiliang.energy import conf
from jiliang.energy.models import DailyEnergy, EnergyUnit, Meter, MeterCalibration
from jiliang.rules import interference as rules

NAMES = {
    rules.FLAT_LINE: _("flat line over days"),
    rules.UNFILED_SWAP: _("reading below the previous one, no meter change filed"),
    rules.SUB_METER_BALANCE: _("daily total off its sub-meters"),
    rules.LAPSED: _("readings while the verification had lapsed"),
}


def flat_days() -> int:
    value = getattr(settings, "JILIANG_ENERGY_FLAT_DAYS", None) or os.environ.get(
        "JILIANG_ENERGY_FLAT_DAYS")
    return int(value) if value else 3


@dataclass(frozen=True)
class Sign:
    pattern: rules.Pattern
    meter: Meter

    @property
    def name(self) -> str:
        return str(NAMES[self.pattern.code])


def unit_interference(unit: EnergyUnit, start: datetime.date, end: datetime.date) -> dict:
    """The signs of interference over [start, end], with the thresholds they were judged by."""
    per_day = 24 * 60 // unit.reading_interval_min
    meters = {m.pk: m for m in unit.meters.exclude(status=Meter.Status.STOPPED)}
    days: dict[int, list[rules.Day]] = defaultdict(list)
    for row in (DailyEnergy.objects.filter(unit=unit, day__gte=start, day__lte=end,
                                           meter_id__in=list(meters))
                .values_list("meter_id", "day", "readings", "consumption", "decreases",
                             "lapsed")):
        days[row[0]].append(rules.Day(*row[1:]))
    filed: dict[int, set[datetime.date]] = defaultdict(set)
    for meter_id, on in MeterCalibration.objects.filter(
            meter_id__in=list(meters), verified_on__gte=start - datetime.timedelta(days=1),
            verified_on__lte=end).values_list("meter_id", "verified_on"):
        filed[meter_id].add(on)
    minimum = flat_days()
    found = [*rules.flat_lines(days, per_day=per_day, min_days=minimum),
             *rules.unfiled_swaps(days, filed=filed), *rules.lapsed_readings(days)]
    tolerances = {}
    for main in meters.values():
        subs = [m for m in meters.values() if m.parent_id == main.pk]
        if not subs:
            continue
        tolerance = unit.balance_tolerance_percent
        if tolerance is None:
            tolerance = conf.balance_tolerance(main.carrier)
        tolerances[main.pk] = tolerance
        if tolerance is None:
            continue
        found += rules.sub_meter_balances(
            main.pk, {d.day: d for d in days.get(main.pk, ())},
            {m.pk: {d.day: d for d in days.get(m.pk, ())} for m in subs},
            per_day=per_day, tolerance_percent=tolerance)
    signs = sorted((Sign(p, meters[p.meter_id]) for p in found),
                   key=lambda s: (s.pattern.start, s.meter.management_no, s.pattern.code))
    return {"signs": signs, "flat_days": minimum,
            "unjudged_balances": [meters[pk] for pk, t in tolerances.items() if t is None]}
