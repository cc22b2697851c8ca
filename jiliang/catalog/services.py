"""Writes to the catalogue outside the admin: the values a province sets where the reference has none."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.catalog.models import Mode, PeriodRule, ProvincePeriod
from jiliang.core.models import Role

LIMITS = {Mode.PERIODIC: (1, 240), Mode.FIRST_ONLY_LIMITED_LIFE: (1, 40)}


def can_set_province_values(actor, province_code: str) -> bool:
    """The national administration, or a provincial bureau for its own province."""
    if actor is None:
        return True
    if not actor.is_authenticated or actor.role not in (Role.NATIONAL_ADMIN, Role.BUREAU_CLERK,
                                                        Role.BUREAU_HEAD):
        return False
    scope = actor.scope
    return scope.everything or scope.region_prefix == province_code


@transaction.atomic
def province_period_set(*, actor, province_code: str, rule: PeriodRule, value: int | None,
                        note: str = "") -> ProvincePeriod | None:
    """Set (or, with ``value=None``, clear) the value a province uses for an unconfirmed rule."""
    if not can_set_province_values(actor, province_code):
        raise PermissionDenied(_("Only the provincial bureau sets the values its province uses."))
    if rule.confirmed:
        raise ValidationError({"value": [_(
            "The reference confirms the value of this rule; a province may not change it.")]})
    if not rule.needs_value:
        raise ValidationError({"value": [_("This management mode has no period to set.")]})
    existing = ProvincePeriod.objects.filter(province_code=province_code, rule=rule).first()
    before = {"value": existing.value, "note": existing.note} if existing else None
    if value is None:
        if existing is not None:
            existing.delete()
            audit_record(actor=actor, action="catalog.province_period.clear", obj=rule,
                         region_code=province_code + "0000", before=before)
        return None
    low, high = LIMITS[Mode(rule.mode)]
    if not low <= value <= high:
        raise ValidationError({"value": [_("Enter a whole number from %(low)s to %(high)s.") % {
            "low": low, "high": high}]})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_(
            "Name the basis of the value (e.g. the clause of the regulation or the bureau's notice).")]})
    period, _created = ProvincePeriod.objects.update_or_create(
        province_code=province_code, rule=rule,
        defaults={"value": value, "note": note[:300],
                  "set_by": actor if actor is not None and actor.is_authenticated else None},
    )
    audit_record(actor=actor, action="catalog.province_period.set", obj=rule,
                 region_code=province_code + "0000", before=before,
                 after={"value": value, "note": period.note})
    return period
