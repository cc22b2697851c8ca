"""Counts for the portal's open statistics: no rows, no scope (work plan 七.2)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from jiliang.energy.models import Audit, EnergyUnit


def public_unit_counts(*, province: str = "") -> list[dict]:
    """Key energy-using units on the register, per province and tier."""
    qs = EnergyUnit.objects.all()
    if province:
        qs = qs.filter(province_code=province)
    return [{"province_code": r["province_code"], "tier": r["tier"], "units": r["n"]}
            for r in qs.order_by().values("province_code", "tier").annotate(n=Count("pk"))
            .order_by("province_code", "tier")]


def public_audit_counts(*, start: datetime.date, end: datetime.date,
                        province: str = "") -> list[dict]:
    """GB 17167 audits completed between ``start`` and ``end`` (local dates) per province, and
    how many found the unit's metering equipped as the standard requires."""
    lo = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    hi = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1),
                                                       datetime.time.min))
    qs = Audit.objects.filter(completed_at__gte=lo, completed_at__lt=hi)
    if province:
        qs = qs.filter(unit__province_code=province)
    return [{"province_code": r["unit__province_code"], "audits": r["n"],
             "compliant": r["ok"]}
            for r in qs.order_by().values("unit__province_code").annotate(
                n=Count("pk"), ok=Count("pk", filter=Q(verdict="compliant")))
            .order_by("unit__province_code")]
