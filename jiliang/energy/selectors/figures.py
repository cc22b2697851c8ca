"""Energy in standard coal (GB/T 2589): a unit's energy by carrier, its trend and its Sankey."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.energy import conf
from jiliang.energy.labels import carrier_label
from jiliang.energy.models import (
    DailyEnergy,
    EnergyUnit,
)
from jiliang.energy.validation import message
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

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


def sign_of(direction: str) -> int:
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
            entry["tce"] += sign_of(row["direction"]) * tce
            total += sign_of(row["direction"]) * tce
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
            sign_of(row["direction"]) * tce
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


