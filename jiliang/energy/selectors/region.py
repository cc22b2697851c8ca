"""The region's figures and the bureau's lists: energy by month, stopped data, heat, audits."""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jiliang.core.models import User
from jiliang.energy import conf
from jiliang.energy.models import (
    DailyEnergy,
    EnergyUnit,
    Meter,
)
from jiliang.energy.selectors.figures import Converter, sign_of, unit_energy
from jiliang.energy.selectors.records import scoped, unit_list
from jiliang.rules import energy as rules
from jiliang.rules.months import month_end, month_start, previous_month

# --- the region and the bureau's lists ---------------------------------------------------------

def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    return month_start(month), month_end(month)


def region_month_tce(user: User, month: datetime.date, *, region: str = "",
                     top: int | None = None) -> dict:
    """The month's tce of every unit in scope, from the daily figures at the boundary; the
    table holds the ``top`` largest (all when None), the totals every unit."""
    first, last = month_bounds(month)
    converter = Converter(first)
    qs = scoped(user, DailyEnergy.objects.filter(level="L1", day__gte=first, day__lte=last),
                 unit_path="unit")
    if region:
        qs = qs.filter(region_code__startswith=region)
    rows = (qs.values("unit_id", "carrier", "direction", "meter__register_unit",
                      "meter__ncv_kj_per_unit").annotate(quantity=Sum("consumption")))
    per_unit: dict[int, Decimal] = defaultdict(Decimal)
    per_carrier: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], row["quantity"] or Decimal(0))
        if tce is None:
            continue
        value = sign_of(row["direction"]) * tce
        per_unit[row["unit_id"]] += value
        per_carrier[row["carrier"]] += value
    ranked = sorted(per_unit.items(), key=lambda kv: -kv[1]) if top is None \
        else heapq.nlargest(top, per_unit.items(), key=lambda kv: kv[1])
    units = EnergyUnit.objects.in_bulk([pk for pk, _tce in ranked])
    table = [{"unit": units[pk], "tce": tce} for pk, tce in ranked if pk in units]
    return {"units": table, "unit_count": len(per_unit), "carriers": dict(per_carrier),
            "total": sum(per_unit.values(), Decimal(0)), "basis": converter.basis,
            "month": first}


def region_trend(user: User, *, months: int = 12, end: datetime.date | None = None) -> dict:
    """The region's tce by month for the last ``months`` months, in one grouped query."""
    end = (end or timezone.localdate()).replace(day=1)
    labels = []
    month = end
    for _i in range(months):
        labels.append(month)
        month = previous_month(month)
    labels.reverse()
    qs = scoped(user, DailyEnergy.objects.filter(
        level="L1", day__gte=labels[0], day__lte=month_bounds(end)[1]), unit_path="unit")
    rows = (qs.annotate(month=TruncMonth("day"))
            .values("month", "carrier", "direction", "meter__register_unit",
                    "meter__ncv_kj_per_unit").annotate(quantity=Sum("consumption")))
    converters: dict[datetime.date, Converter] = {}
    totals: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        converter = converters.setdefault(month, Converter(month))
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], row["quantity"] or Decimal(0))
        if tce is not None:
            totals[month] += sign_of(row["direction"]) * tce
    return {"months": [m.strftime("%Y-%m") for m in labels],
            "values": [float(round(totals.get(m, Decimal(0)), 3)) for m in labels]}


def supervision(user: User, *, days: int = 7) -> dict:
    """For the bureau: units whose data stopped, that failed a quality check in the last
    ``days`` days, or whose readings came from meters with a lapsed verification."""
    now = timezone.now()
    stale = now - datetime.timedelta(hours=conf.stale_hours())
    units = unit_list(user)
    stopped = units.filter(meters__isnull=False).filter(
        Q(last_reading_at__lt=stale) | Q(last_reading_at__isnull=True)).distinct()
    today = timezone.localdate()
    since = today - datetime.timedelta(days=days)
    daily = scoped(user, DailyEnergy.objects.filter(day__gte=since, day__lt=today),
                    unit_path="unit")
    # A meter-day short of its readings, exactly: readings x interval x 100 < min % x 1440.
    short = Q(score__lt=rules.completeness_min_percent() * 24 * 60)
    per_unit = (daily.alias(score=ExpressionWrapper(
        F("readings") * F("unit__reading_interval_min") * Value(100),
        output_field=IntegerField()))
        .values("unit_id").annotate(
            decreases=Sum("decreases"), misaligned=Sum("misaligned"), lapsed=Sum("lapsed"),
            incomplete=Count("id", filter=short))
        .filter(Q(decreases__gt=0) | Q(misaligned__gt=0) | Q(lapsed__gt=0) | Q(incomplete__gt=0)))
    found = {row["unit_id"]: row for row in per_unit}
    # Meters that sent nothing on a day: meter-days missing from the figures altogether.
    have = dict(daily.filter(readings__gt=0).values("unit_id").annotate(n=Count("id"))
                .values_list("unit_id", "n"))
    meters = dict(Meter.objects.filter(unit_id__in=list(have)).exclude(
        status=Meter.Status.STOPPED).exclude(created_at__date__gt=since)
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    for unit_id, n in have.items():
        silent = meters.get(unit_id, 0) * days - n
        if silent > 0:
            row = found.setdefault(unit_id, {"decreases": 0, "misaligned": 0, "lapsed": 0,
                                             "incomplete": 0})
            row["incomplete"] += silent
    by_id = {u.pk: u for u in EnergyUnit.objects.filter(pk__in=list(found))}
    failed_rows = [{"unit": by_id[i], "decreases": r["decreases"], "misaligned": r["misaligned"],
                    "incomplete_days": r["incomplete"]}
                   for i, r in sorted(found.items()) if i in by_id
                   and (r["decreases"] or r["misaligned"] or r["incomplete"])]
    lapsed_rows = [{"unit": by_id[i], "lapsed": r["lapsed"]} for i, r in sorted(found.items())
                   if i in by_id and r["lapsed"]]
    return {"stopped": list(stopped.order_by("last_reading_at")[:STOPPED_SHOWN]),
            "stopped_count": stopped.count(), "failed": failed_rows,
            "lapsed": lapsed_rows, "stale_hours": conf.stale_hours(), "days": days}


STOPPED_SHOWN = 200  # the supervision page lists the longest-stopped units; it counts them all


def supervision_counts(user: User) -> dict:
    found = supervision(user)
    return {"stopped": found["stopped_count"], "failed": len(found["failed"]),
            "lapsed": len(found["lapsed"])}


def heat_meters(user: User, *, month: datetime.date | None = None) -> dict:
    """Heat metering (work plan 二.7): the heat meters on file, their verification, their heat."""
    month = month or timezone.localdate().replace(day=1)
    first, last = month_bounds(month)
    meters = (Meter.objects.filter(instrument_type="heat_meter",
                                   unit__in=unit_list(user).values("pk"))
              .select_related("unit").order_by("region_code", "unit__name", "management_no"))
    heat = dict(DailyEnergy.objects.filter(meter__in=meters, day__gte=first, day__lte=last)
                .values("meter_id").annotate(total=Sum("consumption"))
                .values_list("meter_id", "total"))
    today = timezone.localdate()
    rows = [{"meter": m, "heat": heat.get(m.pk), "lapsed": m.valid_until is None
             or m.valid_until < today or m.status == Meter.Status.STOPPED} for m in meters]
    return {"rows": rows, "month": first,
            "lapsed": sum(1 for r in rows if r["lapsed"]), "count": len(rows)}


def energy_audit(unit: EnergyUnit, year: int) -> dict:
    """The energy-audit view (work plan 二.6): the year's energy by carrier and sub-unit, from
    the same data, with the metering behind it (equipping of the last audit, data quality)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    today = timezone.localdate()
    end = min(end, today)
    energy = unit_energy(unit, start, end)
    converter = Converter(start)
    sub_rows = (DailyEnergy.objects.filter(unit=unit, meter__unit=unit, level="L2", day__gte=start, day__lte=end)
                .values("meter__sub_unit", "carrier", "meter__register_unit",
                        "meter__ncv_kj_per_unit")
                .annotate(quantity=Sum("consumption")))
    subs: dict[str, Decimal] = defaultdict(Decimal)
    for row in sub_rows:
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], row["quantity"] or Decimal(0))
        if tce is not None:
            subs[row["meter__sub_unit"] or "—"] += tce
    total = energy["total_tce"]
    sub_table = [{"name": k, "tce": v, "share": (v * 100 / total) if total else None}
                 for k, v in sorted(subs.items(), key=lambda kv: -kv[1])]
    last_audit = unit.audits.exclude(completed_at=None).order_by("-completed_at").first()
    months = (DailyEnergy.objects.filter(unit=unit, day__gte=start, day__lte=end)
              .aggregate(days=Count("day", distinct=True), last=Max("day")))
    return {"year": year, "energy": energy, "subs": sub_table, "audit": last_audit,
            "days_with_data": months["days"] or 0, "last_day": months["last"],
            "tier": rules.key_unit_tier(total, designated=unit.designated) if total else None}
