"""Key energy-using units: put on file, changed, their gateway key registered."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, OrgKind, User
from jiliang.energy import permissions, signing
from jiliang.energy.models import (
    EnergyUnit,
)
from jiliang.energy.services.common import decimal_value
from jiliang.rules import energy as rules

UNIT_FIELDS = ("code", "name", "region_code", "industry", "annual_tce", "annual_year",
               "tce_edition", "tce_basis", "tier", "designated", "designation_authority",
               "designation_ref", "designated_on", "electricity_user_class", "contact", "phone",
               "reading_interval_min", "balance_tolerance_percent")
# --- units ----------------------------------------------------------------------------------

def _unit_clean(unit: EnergyUnit) -> None:
    if unit.annual_tce is None or unit.annual_tce < 0:
        raise ValidationError({"annual_tce": [_(
            "Give the annual comprehensive energy consumption in tce (0 or more).")]})
    if unit.designated and not unit.designation_authority.strip():
        raise ValidationError({"designation_authority": [_(
            "A designated unit names the authority that designated it (Energy Conservation "
            "Law, art. 52).")]})
    if unit.tce_edition not in rules.CONVERSION_EDITIONS:
        raise ValidationError({"tce_edition": [_("Choose an edition of GB/T 2589.")]})
    if unit.tce_basis not in rules.ELECTRICITY_BASES:
        raise ValidationError({"tce_basis": [_("Choose the electricity basis of the figure.")]})
    if unit.reading_interval_min not in rules.collection_intervals():
        raise ValidationError({"reading_interval_min": [_(
            "Readings are collected every 15 minutes, or every 30 or 60 where relaxed.")]})
    if unit.balance_tolerance_percent is not None and not (
            0 <= unit.balance_tolerance_percent <= 100):
        raise ValidationError({"balance_tolerance_percent": [_(
            "A tolerance lies between 0 and 100 %.")]})
    unit.tier = rules.key_unit_tier(unit.annual_tce, designated=unit.designated).id


@transaction.atomic
def unit_register(
    *,
    actor: User | None,
    organisation: Organisation,
    annual_tce: Decimal,
    name: str = "",
    code: str = "",
    industry: str = "",
    annual_year: int | None = None,
    tce_edition: str = "gbt2589-2008",
    tce_basis: str = "equivalent",
    designated: bool = False,
    designation_authority: str = "",
    designation_ref: str = "",
    designated_on: datetime.date | None = None,
    electricity_user_class: str = "",
    contact: str = "",
    phone: str = "",
    reading_interval_min: int = 15,
    balance_tolerance_percent: Decimal | None = None,
) -> EnergyUnit:
    """Put an enterprise on file as an energy-using unit; its bureau (or the national one) does."""
    if organisation.kind != OrgKind.ENTERPRISE:
        raise ValidationError({"organisation": [_("An energy-using unit is an enterprise.")]})
    if not permissions.bureau_over(actor, organisation.region_code):
        raise PermissionDenied(_("You may put units on file only within your own region."))
    code = (code or organisation.credit_code or "").strip().upper()
    if not code:
        raise ValidationError({"code": [_("Give the unit a code (by default its credit code).")]})
    if EnergyUnit.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("A unit with this code is already on file.")]})
    unit = EnergyUnit(
        organisation=organisation, code=code, name=(name or organisation.name).strip(),
        region_code=organisation.region_code, province_code=organisation.region_code[:2],
        industry=industry.strip(), annual_tce=decimal_value(annual_tce, "annual_tce", required=True),
        annual_year=annual_year, tce_edition=tce_edition, tce_basis=tce_basis,
        designated=bool(designated), designation_authority=designation_authority.strip(),
        designation_ref=designation_ref.strip(), designated_on=designated_on,
        electricity_user_class=electricity_user_class or "", contact=contact.strip(),
        phone=phone.strip(), reading_interval_min=reading_interval_min,
        balance_tolerance_percent=decimal_value(balance_tolerance_percent,
                                           "balance_tolerance_percent"),
    )
    _unit_clean(unit)
    unit.save()
    audit_record(actor=actor, action="energy.unit.register", obj=unit,
                 after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor: User, unit: EnergyUnit, **changes) -> EnergyUnit:
    unit = EnergyUnit.objects.select_for_update().get(pk=unit.pk)
    if not permissions.bureau_over(actor, unit.region_code):
        raise PermissionDenied(_("Only the unit's bureau changes its particulars."))
    before = snapshot(unit, UNIT_FIELDS)
    editable = {"name", "industry", "annual_tce", "annual_year", "tce_edition", "tce_basis",
                "designated", "designation_authority", "designation_ref", "designated_on",
                "electricity_user_class", "contact", "phone", "reading_interval_min",
                "balance_tolerance_percent"}
    for key, value in changes.items():
        if key not in editable:
            raise ValidationError({key: [_("This field cannot be changed here.")]})
        if key in ("annual_tce", "balance_tolerance_percent"):
            value = decimal_value(value, key, required=key == "annual_tce")
        elif isinstance(value, str):
            value = value.strip()
        setattr(unit, key, value)
    _unit_clean(unit)
    unit.save()
    audit_record(actor=actor, action="energy.unit.update", obj=unit, before=before,
                 after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_key_register(*, actor: User | None, unit: EnergyUnit, public_key: str) -> EnergyUnit:
    """Register the Ed25519 public key the unit's gateway signs its batches with."""
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit or its bureau registers the gateway's key."))
    try:
        key = signing.public_key_clean(public_key)
    except signing.BadKeyError:
        raise ValidationError({"public_key": [_(
            "An Ed25519 public key is 32 bytes, given as base64 (44 characters) or hex (64).")]
        }) from None
    before = {"key": signing.fingerprint(unit.public_key) if unit.public_key else None}
    unit.public_key = key
    unit.key_registered_at = timezone.now()
    unit.save(update_fields=["public_key", "key_registered_at"])
    audit_record(actor=actor, action="energy.unit.key", obj=unit, before=before,
                 after={"key": signing.fingerprint(key)})
    return unit


