"""The judgement of an audit's completion, one step per clause of GB 17167-2006: Table 1 per
cell, Table 4 for boundary meters, 5.3.5 for verification (the ledger's and the registry's)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from jiliang.energy import selectors
from jiliang.energy.models import Audit, AuditCell, EnergyUnit, Finding, Meter
from jiliang.energy.validation import rule_error
from jiliang.rules import RuleError
from jiliang.rules import energy as rules


class Findings:
    """The nonconformities an audit finds, each to be rectified by the deadline."""

    def __init__(self, audit: Audit, deadline: datetime.date) -> None:
        self.audit, self.deadline = audit, deadline
        self.rows: list[Finding] = []

    def add(self, kind: str, clause: str, text: str, *, meter: Meter | None = None,
            energy: str = "", level: str = "") -> None:
        self.rows.append(Finding(audit=self.audit, region_code=self.audit.region_code,
                                 kind=kind, clause=clause, text=text[:400], meter=meter,
                                 energy=energy, level=level, deadline=self.deadline))

    def of_meter(self, kind: str, clause: str, text: str, meter: Meter) -> None:
        self.add(kind, clause, text, meter=meter, energy=meter.energy, level=meter.level)


def judge_cells(audit: Audit, counts: dict[tuple[str, str], int],
                findings: Findings) -> list[rules.CellResult]:
    """GB 17167-2006 4.3, Table 1: the equipping rate of every cell, Ns counted now."""
    cells = list(audit.cells.prefetch_related("exclusions"))
    for (energy, level), n in counts.items():
        if not any(c.energy == energy and c.level == level for c in cells):
            cells.append(AuditCell.objects.create(audit=audit, energy=energy, level=level,
                                                  installed=n, required=n))
    return [_judge_cell(audit, cell, counts, findings) for cell in cells]


def _judge_cell(audit: Audit, cell: AuditCell, counts: dict[tuple[str, str], int],
                findings: Findings) -> rules.CellResult:
    cell.installed = counts.get((cell.energy, cell.level), 0)
    grounds = tuple(sorted({x.ground for x in cell.exclusions.all()}))
    try:
        result = rules.equipping_cell(audit.edition, rules.Cell(
            cell.energy, cell.level, cell.installed, cell.required, cell.excluded, grounds))
    except RuleError as error:
        raise rule_error("required", error) from None
    cell.rate_percent, cell.required_percent = result.rate_percent, result.required_percent
    cell.result = result.result
    cell.save(update_fields=["installed", "rate_percent", "required_percent", "result"])
    words = {"energy": cell.get_energy_display(), "level": cell.level,
             "installed": result.installed, "needed": result.needed}
    if result.result == "fail":
        findings.add(Finding.Kind.EQUIPPING, "GB 17167-2006 4.3, Table 1", _(
            "%(energy)s at %(level)s: %(installed)s of %(needed)s meters (%(rate)s %%) "
            "against %(required)s %% required.") % {
            **words, "rate": result.rate_percent, "required": result.required_percent},
            energy=cell.energy, level=cell.level)
    elif result.result == "ledger_error":
        findings.add(Finding.Kind.LEDGER, "GB 17167-2006 5.3.1", _(
            "%(energy)s at %(level)s: %(installed)s meters counted against a need of "
            "%(needed)s; the ledger counts meters outside the required set.") % words,
            energy=cell.energy, level=cell.level)
    return result


def judge_meters(audit: Audit, meters: list[Meter], today: datetime.date,
                 findings: Findings) -> None:
    """Table 4 for the boundary (L1) meters, and 5.3.5: every meter in use verified."""
    for meter in meters:
        if meter.level == "L1":
            _judge_accuracy(audit, meter, findings)
        if meter.valid_until is None or meter.valid_until < today:
            findings.of_meter(Finding.Kind.VALIDITY, "GB 17167-2006 5.3.5", _(
                "%(no)s %(name)s: in use without a valid verification or calibration "
                "(valid until %(until)s).") % {
                "no": meter.management_no, "name": meter.name,
                "until": meter.valid_until or "—"}, meter)


def _judge_accuracy(audit: Audit, meter: Meter, findings: Findings) -> None:
    check = rules.accuracy_check(
        audit.edition, instrument=meter.instrument_type, energy=meter.energy,
        accuracy_class=meter.accuracy_class, mpe_percent=meter.mpe_percent,
        **_accuracy_conditions(audit.unit, meter))
    if check.result == "fail":
        findings.of_meter(Finding.Kind.ACCURACY, "GB 17167-2006 4.3.5, Table 4", _(
            "%(no)s %(name)s: class %(cls)s does not meet the required %(required)s.") % {
            "no": meter.management_no, "name": meter.name,
            "cls": meter.accuracy_class or "—", "required": check.required_class}, meter)
    elif check.result == "cannot_judge":
        findings.of_meter(Finding.Kind.LEDGER, "GB 17167-2006 5.3.1, Table 4", _(
            "%(no)s %(name)s: the ledger lacks what Table 4 needs to judge its accuracy "
            "(%(reason)s).") % {"no": meter.management_no, "name": meter.name,
                                "reason": check.reason}, meter)


def judge_registry_status(meters: list[Meter], today: datetime.date,
                          findings: Findings) -> None:
    """5.3.5 again, by the registry (contract 3): a meter overdue there although its ledger
    line says valid."""
    for meter_id, status in selectors.meter_registry_status(meters, on=today).items():
        meter = next(m for m in meters if m.pk == meter_id)
        if status.get("overdue") and not (meter.valid_until is None or meter.valid_until < today):
            findings.of_meter(Finding.Kind.VALIDITY, "GB 17167-2006 5.3.5", _(
                "%(no)s %(name)s: overdue for verification in the registry (%(code)s).") % {
                "no": meter.management_no, "name": meter.name,
                "code": status.get("public_code", "")}, meter)


def _accuracy_conditions(unit: EnergyUnit, meter: Meter) -> dict:
    conditions: dict = {}
    if meter.instrument_type == "electricity_meter":
        conditions["user_class"] = unit.electricity_user_class or None
    if meter.instrument_type == "water_meter":
        conditions["pipe_dn_mm"] = meter.pipe_dn_mm
    return conditions
