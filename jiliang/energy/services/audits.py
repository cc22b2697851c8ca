"""GB 17167 audits of a unit's ledger: opened, cells set, exclusions, completed."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import INSTITUTION_KINDS, Organisation, User
from jiliang.energy import conf, permissions
from jiliang.energy.models import (
    Audit,
    AuditCell,
    AuditExclusion,
    EnergyUnit,
    Finding,
    Meter,
)
from jiliang.energy.services.audit_judging import (
    Findings,
    judge_cells,
    judge_meters,
    judge_registry_status,
)
from jiliang.energy.validation import rule_error
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

# --- audits (GB 17167) ---------------------------------------------------------------------

def ledger_counts(unit: EnergyUnit) -> dict[tuple[str, str], int]:
    """Ns per (energy, level): the meters of the ledger in service."""
    counts: dict[tuple[str, str], int] = {}
    for energy, level in unit.meters.exclude(status=Meter.Status.STOPPED).values_list(
            "energy", "level"):
        counts[(energy, level)] = counts.get((energy, level), 0) + 1
    return counts


@transaction.atomic
def audit_open(*, actor: User | None, unit: EnergyUnit, auditor: Organisation | None = None,
               opened_on: datetime.date | None = None,
               edition: str = "gb17167-2006") -> Audit:
    """A bureau opens an audit of a unit's ledger, by itself or by an institution it names."""
    if not permissions.bureau_over(actor, unit.region_code):
        raise PermissionDenied(_("Only the unit's bureau opens an audit of it."))
    if auditor is None:
        if actor is None or actor.organisation is None:
            raise ValidationError({"auditor": [_("Name the auditing bureau or institution.")]})
        auditor = actor.organisation
    if not (auditor.is_bureau or auditor.kind in INSTITUTION_KINDS):
        raise ValidationError({"auditor": [_("The auditor is a bureau or a technical "
                                             "institution.")]})
    if edition not in rules.EQUIPPING_EDITIONS:
        raise ValidationError({"edition": [_("Choose an edition of GB 17167.")]})
    opened_on = opened_on or timezone.localdate()
    year = opened_on.year
    prefix = f"NJ{unit.region_code[:2]}{year}"
    sequence = Audit.objects.filter(number__startswith=prefix).count() + 1
    audit = Audit(unit=unit, region_code=unit.region_code, auditor=auditor, edition=edition,
                  opened_on=opened_on, created_by=actor, number=f"{prefix}{sequence:04d}")
    try:
        with transaction.atomic():
            audit.save()
    except IntegrityError:
        audit.number = f"{prefix}{sequence:04d}-{Audit.objects.count() + 1}"
        audit.save()
    counts = ledger_counts(unit)
    AuditCell.objects.bulk_create([
        AuditCell(audit=audit, energy=energy, level=level, installed=n, required=n)
        for (energy, level), n in sorted(counts.items())
    ])
    audit_record(actor=actor, action="energy.audit.open", obj=audit,
                 after={"number": audit.number, "unit": unit.code, "auditor": auditor.pk,
                        "edition": edition})
    return audit


def _open_audit_for(actor: User | None, audit: Audit) -> Audit:
    audit = Audit.objects.select_for_update().select_related("unit").get(pk=audit.pk)
    if not permissions.may_audit(actor, audit):
        raise PermissionDenied(_("Only the auditor works on this audit."))
    if audit.status != Audit.Status.OPEN:
        raise ValidationError({"status": [_("The audit is completed; its cells are fixed.")]})
    return audit


@transaction.atomic
def audit_cell_set(*, actor: User | None, audit: Audit, energy: str, level: str,
                   required: int) -> AuditCell:
    """Set Nl, the theoretical need of a cell; Ns is counted from the ledger when completing."""
    audit = _open_audit_for(actor, audit)
    try:
        rules.required_rate(audit.edition, energy, level)
    except RuleError as error:
        raise rule_error("energy" if error.code == "energy.unknown" else "level", error) from None
    if required is None or int(required) < 0:
        raise ValidationError({"required": [_("Enter a whole number of 0 or more.")]})
    cell, _created = AuditCell.objects.get_or_create(audit=audit, energy=energy, level=level)
    before = {"required": cell.required}
    cell.required = int(required)
    cell.save(update_fields=["required"])
    audit_record(actor=actor, action="energy.audit.cell", obj=audit, before=before,
                 after={"energy": energy, "level": level, "required": cell.required})
    return cell


@transaction.atomic
def audit_exclusion_add(*, actor: User | None, audit: Audit, energy: str, level: str,
                        count: int, ground: str, reason: str) -> AuditExclusion:
    """Take items out of Nl under a note of the standard, with the reason written down."""
    audit = _open_audit_for(actor, audit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Write down why these items need no meter.")]})
    if count is None or int(count) < 1:
        raise ValidationError({"count": [_("Enter a whole number of 1 or more.")]})
    if not rules.exclusion_allowed(audit.edition, ground, energy, level):
        raise ValidationError({"ground": [_(
            "This note of the standard does not allow leaving out %(energy)s at %(level)s.") % {
            "energy": energy, "level": level}]})
    cell = AuditCell.objects.filter(audit=audit, energy=energy, level=level).first()
    if cell is None:
        raise ValidationError({"energy": [_("Set the need (Nl) of this cell first.")]})
    if cell.excluded + int(count) > cell.required:
        raise ValidationError({"count": [_("More items excluded than the cell needs.")]})
    exclusion = AuditExclusion.objects.create(cell=cell, count=int(count), ground=ground,
                                              reason=reason[:300])
    cell.excluded += int(count)
    cell.save(update_fields=["excluded"])
    audit_record(actor=actor, action="energy.audit.exclusion", obj=audit,
                 after={"energy": energy, "level": level, "count": int(count), "ground": ground,
                        "reason": exclusion.reason})
    return exclusion


@transaction.atomic
def audit_exclusion_remove(*, actor: User | None, exclusion: AuditExclusion) -> None:
    audit = _open_audit_for(actor, exclusion.cell.audit)
    cell = exclusion.cell
    cell.excluded = max(0, cell.excluded - exclusion.count)
    cell.save(update_fields=["excluded"])
    audit_record(actor=actor, action="energy.audit.exclusion_remove", obj=audit,
                 before={"energy": cell.energy, "level": cell.level, "count": exclusion.count,
                         "ground": exclusion.ground, "reason": exclusion.reason})
    exclusion.delete()


@transaction.atomic
def audit_complete(*, actor: User | None, audit: Audit, summary: str = "",
                   deadline: datetime.date | None = None) -> Audit:
    """Judge the ledger against GB 17167: Table 1 per cell, Table 4 for boundary meters,
    5.3.5 for verification; each nonconformity becomes a finding to rectify by ``deadline``."""
    audit = _open_audit_for(actor, audit)
    today = timezone.localdate()
    deadline = deadline or today + datetime.timedelta(days=conf.rectification_days())
    if deadline < today:
        raise ValidationError({"deadline": [_("The deadline cannot lie in the past.")]})
    findings = Findings(audit, deadline)
    results = judge_cells(audit, ledger_counts(audit.unit), findings)
    meters = list(audit.unit.meters.exclude(status=Meter.Status.STOPPED))
    judge_meters(audit, meters, today, findings)
    judge_registry_status(meters, today, findings)
    Finding.objects.bulk_create(findings.rows)
    # The verdict of Table 1: compliant only if no applicable cell fails (accuracy is separate).
    verdict = "noncompliant" if any(r.result in ("fail", "ledger_error") for r in results) \
        else "compliant"
    audit.verdict = verdict
    audit.summary = (summary or "").strip()
    audit.completed_at = timezone.now()
    audit.status = Audit.Status.RECTIFYING if findings.rows else Audit.Status.CLOSED
    if not findings.rows:
        audit.closed_at = audit.completed_at
    audit.save()
    audit_record(actor=actor, action="energy.audit.complete", obj=audit,
                 after={"verdict": verdict, "findings": len(findings.rows),
                        "status": audit.status})
    return audit
