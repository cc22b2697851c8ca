"""Every read of the energy app, narrowed to the caller's scope.

A bureau sees the units of its region; an enterprise its own units; an
institution the units it audits. Figures come from ``DailyEnergy`` (kept at
ingest), never from the raw readings, except for one meter's day in detail.
"""

from __future__ import annotations

import datetime
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core.models import User
from jiliang.energy import conf
from jiliang.energy.labels import carrier_label
from jiliang.energy.models import (
    Audit,
    BatchRefusal,
    DailyEnergy,
    EnergyUnit,
    Finding,
    Meter,
    MonthlyReport,
    Reading,
    ReadingBatch,
    ResponsibilityLetter,
)
from jiliang.energy.validation import message
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

# --- scoping --------------------------------------------------------------------------------


def _scoped(user: User, qs: QuerySet, *, unit_path: str = "") -> QuerySet:
    """Rows of units in the user's scope; ``unit_path`` leads from the row to its unit."""
    scope = user.scope
    prefix = f"{unit_path}__" if unit_path else ""
    if scope.everything:
        return qs
    if scope.region_prefix is not None:
        return scope.filter(qs)
    if scope.organisation_id is not None:
        audited = Audit.objects.filter(auditor_id=scope.organisation_id).values("unit_id")
        return qs.filter(Q(**{f"{prefix}organisation_id": scope.organisation_id})
                         | Q(**{f"{prefix}id__in": audited}))
    return qs.none()


def unit_list(user: User, *, q: str = "", tier: str = "", region: str = "") -> QuerySet:
    qs = _scoped(user, EnergyUnit.objects.select_related("organisation"))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q.upper()))
    if tier:
        qs = qs.filter(tier=tier)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("region_code", "name", "pk")


def unit_detail(user: User, pk: int) -> EnergyUnit:
    unit = unit_list(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def meter_list(user: User, unit: EnergyUnit, *, level: str = "", energy: str = "",
               q: str = "") -> QuerySet:
    unit_id = unit_detail(user, unit.pk).pk
    # The parent meters by a second query that names the unit too: meters are distributed by
    # unit (docs/scaling.md), and a join on the parent's id alone would cross shards.
    qs = Meter.objects.filter(unit_id=unit_id).select_related("owner").prefetch_related(
        Prefetch("parent", queryset=Meter.objects.filter(unit_id=unit_id)))
    if level:
        qs = qs.filter(level=level)
    if energy:
        qs = qs.filter(energy=energy)
    if q:
        qs = qs.filter(Q(management_no__startswith=q) | Q(name__contains=q)
                       | Q(serial_no__startswith=q))
    return qs.order_by("level", "management_no", "pk")


def meter_detail(user: User, pk: int) -> Meter:
    meter = Meter.objects.select_related("unit", "owner").filter(
        pk=pk, unit__in=unit_list(user).values("pk")).first()
    if meter is None:
        raise Http404
    # The parent within the unit (meters are distributed by unit, docs/scaling.md).
    meter.parent = Meter.objects.filter(unit_id=meter.unit_id, pk=meter.parent_id).first() \
        if meter.parent_id else None
    return meter


def meter_readings(user: User, meter: Meter, *, start: datetime.datetime | None = None,
                   end: datetime.datetime | None = None) -> QuerySet:
    """One meter's readings, newest first (the (meter, time) index orders them)."""
    meter = meter_detail(user, meter.pk)
    qs = _scoped(user, Reading.objects.filter(meter_id=meter.pk), unit_path="unit")
    if start:
        qs = qs.filter(read_at__gte=start)
    if end:
        qs = qs.filter(read_at__lt=end)
    return qs.order_by("-read_at")


def meter_days(user: User, meter: Meter, *, days: int = 31) -> QuerySet:
    meter = meter_detail(user, meter.pk)
    since = timezone.localdate() - datetime.timedelta(days=days)
    return DailyEnergy.objects.filter(meter=meter, day__gte=since).order_by("-day")


def meter_registry_status(meters: list[Meter], *,
                          on: datetime.date | None = None) -> dict[int, dict]:
    """The registry's status of the meters filed there (contract 3), when the registry is
    installed: by meter id, for the meters it knows."""
    from django.apps import apps

    if not apps.is_installed("jiliang.registry") or not meters:
        return {}
    from jiliang.registry.selectors import instrument_status  # noqa: PLC0415 - optional app

    on = on or timezone.localdate()
    out: dict[int, dict] = {}
    by_owner: dict[int, list[Meter]] = {}
    for meter in meters:
        by_owner.setdefault(meter.owner_id, []).append(meter)
    for owner_id, group in by_owner.items():
        status = instrument_status(owner_id=owner_id, serial_numbers=[m.serial_no for m in group],
                                   on=on)
        for meter in group:
            if meter.serial_no in status:
                out[meter.pk] = status[meter.serial_no]
    return out


def batch_list(user: User, unit: EnergyUnit) -> QuerySet:
    return ReadingBatch.objects.filter(unit_id=unit_detail(user, unit.pk).pk).order_by(
        "-received_at", "-id")


def refusal_list(user: User, unit: EnergyUnit | None = None) -> QuerySet:
    qs = _scoped(user, BatchRefusal.objects.filter(unit__isnull=False), unit_path="unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("-received_at", "-id")


def monthly_reports(user: User, unit: EnergyUnit) -> QuerySet:
    return MonthlyReport.objects.filter(unit_id=unit_detail(user, unit.pk).pk)


def audit_list(user: User, *, unit: EnergyUnit | None = None, status: str = "") -> QuerySet:
    # An audit is the audited unit's and the auditor's.
    qs = user.scope.filter(Audit.objects.select_related("unit", "auditor"),
                           orgs=("unit__organisation_id", "auditor_id"))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_on", "-id")


def audit_detail(user: User, pk: int) -> Audit:
    audit = audit_list(user).filter(pk=pk).first()
    if audit is None:
        raise Http404
    return audit


def finding_detail(user: User, pk: int) -> Finding:
    finding = Finding.objects.select_related("audit__unit", "meter").filter(
        pk=pk, audit__in=audit_list(user).values("pk")).first()
    if finding is None:
        raise Http404
    return finding


def letter_list(user: User, *, unit: EnergyUnit | None = None, due: bool = False) -> QuerySet:
    # Letters bind the bureau and the unit: an auditing institution does not see them.
    qs = user.scope.filter(ResponsibilityLetter.objects.select_related("unit", "bureau"),
                           orgs=("unit__organisation_id",))
    if unit is not None:
        qs = qs.filter(unit=unit)
    if due:
        # Commitments past their deadline and not yet looked back on.
        qs = qs.filter(commitments__deadline__lt=timezone.localdate(),
                       commitments__outcome="pending").distinct()
    return qs.order_by("-signed_on", "-id")


def letter_detail(user: User, pk: int) -> ResponsibilityLetter:
    letter = letter_list(user).filter(pk=pk).first()
    if letter is None:
        raise Http404
    return letter


# --- conversion to standard coal -------------------------------------------------------------

@dataclass
class Basis:
    """How the figures on a page were converted: edition and electricity basis, always shown."""

    edition: str
    electricity: str
    equal_value: Decimal | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def edition_code(self) -> str:
        return rules.CONVERSION_EDITIONS[self.edition].code

    @property
    def electricity_label(self) -> str:
        return str(_("equivalent value") if self.electricity == "equivalent"
                   else _("equal value"))


class Converter:
    """kgce per register unit of a (carrier, register unit, NCV), cached per page."""

    def __init__(self, day: datetime.date) -> None:
        self.basis = Basis(rules.conversion_edition_on(day), conf.electricity_basis(),
                           conf.equal_value(day.year))
        self._cache: dict[tuple, Decimal | None] = {}

    def factor(self, carrier: str, register_unit: str, ncv: Decimal | None) -> Decimal | None:
        key = (carrier, register_unit, ncv)
        if key not in self._cache:
            edition = self.basis.edition
            try:
                try:
                    coef, table_unit, _source = rules.coefficient(
                        edition, carrier, ncv_kj=ncv, electricity_basis=self.basis.electricity,
                        equal_value=self.basis.equal_value)
                except RuleError as error:
                    configured = conf.configured_coefficient(edition, carrier)
                    if error.code not in ("coefficient.unknown", "coefficient.range") \
                            or configured is None:
                        raise
                    coef, table_unit, _source = rules.coefficient(edition, carrier,
                                                                  given=configured)
                    note = _("%(carrier)s: configured coefficient %(value)s kgce/%(unit)s "
                             "(not in the table of %(edition)s)") % {
                        "carrier": carrier_label(carrier), "value": configured, "unit": table_unit,
                        "edition": self.basis.edition_code}
                    if note not in self.basis.notes:
                        self.basis.notes.append(note)
                self._cache[key] = coef * rules.to_table_unit(Decimal(1), register_unit,
                                                              table_unit, carrier)
            except RuleError as error:
                text = message(error)
                if text not in self.basis.problems:
                    self.basis.problems.append(text)
                self._cache[key] = None
        return self._cache[key]

    def tce(self, carrier: str, register_unit: str, ncv: Decimal | None,
            quantity: Decimal) -> Decimal | None:
        factor = self.factor(carrier, register_unit, ncv)
        return None if factor is None else quantity * factor / 1000


def _sign(direction: str) -> int:
    # Energy sold or sent out is deducted (GB/T 2589: what to count).
    return -1 if direction == "out" else 1


def unit_energy(unit: EnergyUnit, start: datetime.date, end: datetime.date) -> dict:
    """Energy by carrier at the unit boundary (L1) over [start, end], in quantity and tce."""
    converter = Converter(start)
    rows = (DailyEnergy.objects.filter(unit=unit, meter__unit=unit, level="L1", day__gte=start, day__lte=end)
            .values("carrier", "direction", "meter__register_unit", "meter__ncv_kj_per_unit")
            .annotate(quantity=Sum("consumption")).order_by("carrier"))
    by_carrier: dict[str, dict] = {}
    total = Decimal(0)
    for row in rows:
        quantity = row["quantity"] or Decimal(0)
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], quantity)
        entry = by_carrier.setdefault(row["carrier"], {
            "carrier": row["carrier"], "unit": row["meter__register_unit"],
            "in": Decimal(0), "out": Decimal(0), "tce": Decimal(0), "converted": True})
        entry[row["direction"]] += quantity
        if tce is None:
            entry["converted"] = False
        else:
            entry["tce"] += _sign(row["direction"]) * tce
            total += _sign(row["direction"]) * tce
    carriers = rules.carriers(converter.basis.edition)
    for entry in by_carrier.values():
        entry["name"] = carriers[entry["carrier"]].name_zh if entry["carrier"] in carriers \
            else entry["carrier"]
    return {"rows": list(by_carrier.values()), "total_tce": total, "basis": converter.basis}


def unit_trend(unit: EnergyUnit, *, days: int = 90, end: datetime.date | None = None) -> dict:
    """Daily tce at the boundary for the last ``days`` complete days, per carrier (for a line
    chart). Today is still being read, so by default the chart ends yesterday: a partial day
    would show as a drop that did not happen."""
    end = end or timezone.localdate() - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=days - 1)
    converter = Converter(start)
    rows = (DailyEnergy.objects.filter(unit=unit, meter__unit=unit, level="L1", day__gte=start, day__lte=end)
            .values("day", "carrier", "direction", "meter__register_unit",
                    "meter__ncv_kj_per_unit")
            .annotate(quantity=Sum("consumption")))
    series: dict[str, dict[datetime.date, Decimal]] = defaultdict(dict)
    for row in rows:
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], row["quantity"] or Decimal(0))
        if tce is None:
            continue
        day_values = series[row["carrier"]]
        day_values[row["day"]] = day_values.get(row["day"], Decimal(0)) + \
            _sign(row["direction"]) * tce
    labels = [start + datetime.timedelta(days=i) for i in range(days)]
    return {
        "days": [d.isoformat() for d in labels],
        "series": [{"carrier": c, "values": [float(round(v.get(d, Decimal(0)), 3))
                                              for d in labels]}
                   for c, v in sorted(series.items())],
        "basis": converter.basis,
    }


def unit_sankey(unit: EnergyUnit, start: datetime.date, end: datetime.date) -> dict:
    """The flow from the boundary meters (by carrier) to the sub-units metered at L2, in tce."""
    converter = Converter(start)
    rows = (DailyEnergy.objects.filter(unit=unit, meter__unit=unit, level__in=("L1", "L2"), day__gte=start,
                                       day__lte=end)
            .values("level", "carrier", "direction", "meter__sub_unit", "meter__register_unit",
                    "meter__ncv_kj_per_unit")
            .annotate(quantity=Sum("consumption")))
    boundary: dict[str, Decimal] = defaultdict(Decimal)
    sub: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        tce = converter.tce(row["carrier"], row["meter__register_unit"],
                            row["meter__ncv_kj_per_unit"], row["quantity"] or Decimal(0))
        if tce is None or row["direction"] == "out":
            continue
        if row["level"] == "L1":
            boundary[row["carrier"]] += tce
        else:
            sub[(row["carrier"], row["meter__sub_unit"] or "—")] += tce
    label = carrier_label
    site = unit.name
    nodes = {site}
    links = []
    for carrier, tce in sorted(boundary.items()):
        nodes.add(label(carrier))
        links.append({"source": label(carrier), "target": site, "value": float(round(tce, 3))})
    by_sub: dict[str, Decimal] = defaultdict(Decimal)
    for (_carrier, name), tce in sub.items():
        by_sub[name] += tce
    metered = Decimal(0)
    for name, tce in sorted(by_sub.items()):
        node = f"{name} "  # a trailing space keeps a sub-unit apart from a carrier of that name
        nodes.add(node)
        links.append({"source": site, "target": node, "value": float(round(tce, 3))})
        metered += tce
    rest = sum(boundary.values(), Decimal(0)) - metered
    if rest > 0 and by_sub:
        unmetered = str(_("not metered by sub-unit"))
        nodes.add(unmetered)
        links.append({"source": site, "target": unmetered, "value": float(round(rest, 3))})
    return {"nodes": [{"name": n} for n in sorted(nodes)], "links": links,
            "basis": converter.basis}


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


# --- the region and the bureau's lists ---------------------------------------------------------

def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def region_month_tce(user: User, month: datetime.date, *, region: str = "",
                     top: int | None = None) -> dict:
    """The month's tce of every unit in scope, from the daily figures at the boundary; the
    table holds the ``top`` largest (all when None), the totals every unit."""
    first, last = month_bounds(month)
    converter = Converter(first)
    qs = _scoped(user, DailyEnergy.objects.filter(level="L1", day__gte=first, day__lte=last),
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
        value = _sign(row["direction"]) * tce
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
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    labels.reverse()
    qs = _scoped(user, DailyEnergy.objects.filter(
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
            totals[month] += _sign(row["direction"]) * tce
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
    daily = _scoped(user, DailyEnergy.objects.filter(day__gte=since, day__lt=today),
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
