"""Units, meters, batches, audits and letters a user may see: lists and details."""

from __future__ import annotations

import datetime

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from jiliang.core.models import User
from jiliang.energy import hooks
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

# --- scoping --------------------------------------------------------------------------------


def scoped(user: User, qs: QuerySet, *, unit_path: str = "") -> QuerySet:
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
    qs = scoped(user, EnergyUnit.objects.select_related("organisation"))
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
    qs = scoped(user, Reading.objects.filter(meter_id=meter.pk), unit_path="unit")
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
    registry = hooks.registry("selectors")
    if registry is None or not meters:
        return {}

    on = on or timezone.localdate()
    out: dict[int, dict] = {}
    by_owner: dict[int, list[Meter]] = {}
    for meter in meters:
        by_owner.setdefault(meter.owner_id, []).append(meter)
    for owner_id, group in by_owner.items():
        status = registry.instrument_status(owner_id=owner_id, serial_numbers=[m.serial_no for m in group],
                                   on=on)
        for meter in group:
            if meter.serial_no in status:
                out[meter.pk] = status[meter.serial_no]
    return out


def batch_list(user: User, unit: EnergyUnit) -> QuerySet:
    return ReadingBatch.objects.filter(unit_id=unit_detail(user, unit.pk).pk).order_by(
        "-received_at", "-id")


def refusal_list(user: User, unit: EnergyUnit | None = None) -> QuerySet:
    qs = scoped(user, BatchRefusal.objects.filter(unit__isnull=False), unit_path="unit")
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


