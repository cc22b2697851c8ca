"""Data quality of a unit's readings: completeness, gaps, alignment, registers, balances."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Prefetch,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jiliang.core.models import User
from jiliang.energy import conf
from jiliang.energy.models import (
    DailyEnergy,
    EnergyUnit,
    Meter,
    MonthlyReport,
    Reading,
)
from jiliang.energy.selectors.records import meter_detail
from jiliang.energy.selectors.region import month_bounds
from jiliang.energy.validation import message
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

# --- data quality ----------------------------------------------------------------------------

@dataclass
class MeterQuality:
    meter: Meter
    expected: int
    received: int
    complete: bool
    decreases: int
    misaligned: int
    lapsed: int
    days_incomplete: int


def unit_quality(unit: EnergyUnit, start: datetime.date, end: datetime.date) -> dict:
    """Each check over [start, end] from the daily figures: completeness (≥ 90 % a day),
    register decreases, misaligned timestamps, readings of lapsed meters; the monthly
    reports against the daily sums (≤ 5 %); main meters against their sub-meters."""
    days = (end - start).days + 1
    per_day = 24 * 60 // unit.reading_interval_min
    figures = (DailyEnergy.objects.filter(unit=unit, day__gte=start, day__lte=end)
               .values("meter_id", "day", "readings", "decreases", "misaligned", "lapsed",
                       "consumption"))
    by_meter: dict[int, list[dict]] = defaultdict(list)
    for f in figures:
        by_meter[f["meter_id"]].append(f)
    meters = list(unit.meters.exclude(status=Meter.Status.STOPPED).prefetch_related(
        Prefetch("parent", queryset=Meter.objects.filter(unit_id=unit.pk))))
    out = []
    for meter in meters:
        rows = by_meter.get(meter.pk, [])
        received = sum(r["readings"] for r in rows)
        by_day = {r["day"]: r["readings"] for r in rows}
        incomplete = sum(1 for i in range(days) if not rules.completeness_ok(
            by_day.get(start + datetime.timedelta(days=i), 0), per_day))
        out.append(MeterQuality(
            meter=meter, expected=per_day * days, received=received,
            complete=rules.completeness_ok(received, per_day * days),
            decreases=sum(r["decreases"] for r in rows),
            misaligned=sum(r["misaligned"] for r in rows),
            lapsed=sum(r["lapsed"] for r in rows), days_incomplete=incomplete))
    consumption: dict[int, Decimal] = defaultdict(Decimal)
    for f in figures:
        consumption[f["meter_id"]] += f["consumption"]
    balances = []
    for main in meters:
        subs = [m for m in meters if m.parent_id == main.pk]
        if not subs:
            continue
        tolerance = unit.balance_tolerance_percent
        if tolerance is None:
            tolerance = conf.balance_tolerance(main.carrier)
        entry = {"meter": main, "main": consumption[main.pk],
                 "subs": sum((consumption[m.pk] for m in subs), Decimal(0)),
                 "count": len(subs), "tolerance": tolerance}
        try:
            result = rules.balance(consumption[main.pk], [consumption[m.pk] for m in subs],
                                   tolerance_percent=tolerance)
        except RuleError as error:
            entry.update(ok=None, deviation=None, problem=message(error))
        else:
            entry.update(ok=result.ok, deviation=result.deviation_percent, problem="")
        balances.append(entry)
    return {"meters": out, "balances": balances, "monthly": monthly_checks(unit, start, end),
            "per_day": per_day, "days": days}


def monthly_checks(unit: EnergyUnit, start: datetime.date, end: datetime.date) -> list[dict]:
    """The unit's monthly reports against the sums of its daily boundary figures (≤ 5 %)."""
    reports = list(MonthlyReport.objects.filter(unit=unit, month__gte=start.replace(day=1),
                                                month__lte=end))
    if not reports:
        return []
    first = min(r.month for r in reports)
    last = month_bounds(max(r.month for r in reports))[1]
    sums: dict[tuple[datetime.date, str], Decimal] = {}
    for row in (DailyEnergy.objects.filter(unit=unit, level="L1", direction="in",
                                           carrier__in={r.carrier for r in reports},
                                           day__gte=first, day__lte=last)
                .annotate(month=TruncMonth("day")).values("month", "carrier")
                .annotate(total=Sum("consumption"))):
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        sums[(month, row["carrier"])] = row["total"] or Decimal(0)
    out = []
    for report in reports:
        daily = sums.get((report.month, report.carrier), Decimal(0))
        out.append({"report": report, "daily": daily,
                    "ok": rules.daily_vs_monthly_ok(daily, report.quantity)})
    return out


def meter_day_detail(user: User, meter: Meter, day: datetime.date) -> dict:
    """One meter's day from its raw readings: the gaps and misaligned times by name."""
    meter = meter_detail(user, meter.pk)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tz)
    end = start + datetime.timedelta(days=1)
    rows = list(Reading.objects.filter(meter_id=meter.pk, read_at__gte=start, read_at__lt=end)
                .order_by("read_at").values_list("read_at", "value"))
    times = [timezone.localtime(t) for t, _v in rows]
    interval = meter.unit.reading_interval_min
    return {
        "readings": rows,
        "gaps": rules.gaps(times, start, end, interval),
        "misaligned": rules.misaligned(times, interval),
        "decreases": rules.register_decreases(
            [(timezone.localtime(t), v) for t, v in rows], register_max=meter.register_max),
    }


