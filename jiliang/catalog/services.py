"""Writes to the catalogue outside the admin: the values a province sets where the reference has
none, and the national administrator's review of an edition's dates."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.catalog.models import Mode, PeriodRule, ProvincePeriod, Regulation
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


# --- the national administrator confirms or corrects reference values ------------------------

REVIEWABLE_REGULATION_FIELDS = ("effective_on", "withdrawn_on", "transition_until", "replaced_by",
                                "issued_on")


def _require_national(actor) -> None:
    if actor is None or not actor.is_authenticated or actor.role != Role.NATIONAL_ADMIN:
        raise PermissionDenied(_("Only the national administration confirms or corrects the "
                                 "catalogue."))


@transaction.atomic
def regulation_review(*, actor, regulation, **changes):
    """Confirm an edition's dates, or correct them (e.g. a transition period SAMR announced).

    The edition then counts as confirmed: its dates refuse records outside them, and a reload of
    the reference leaves it as it is.
    """
    _require_national(actor)
    unknown = set(changes) - set(REVIEWABLE_REGULATION_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    reg = Regulation.objects.select_for_update().get(pk=regulation.pk)
    fields = [f.name for f in Regulation._meta.concrete_fields]
    before = snapshot(reg, fields)
    for field, value in changes.items():
        setattr(reg, field, value)
    if reg.withdrawn_on and reg.transition_until and reg.transition_until < reg.withdrawn_on:
        raise ValidationError({"transition_until": [_(
            "The transition ends on or after the day the edition stops applying.")]})
    reg.reviewed_by, reg.reviewed_at = actor, timezone.now()
    reg.save()
    audit_record(actor=actor, action="catalog.regulation.review", obj=reg, before=before,
                 after=snapshot(reg, fields))
    return reg
