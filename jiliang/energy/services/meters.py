"""The energy-meter ledger (GB 17167-2006 5.3.1): lines and their verification periods."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import User
from jiliang.energy import permissions
from jiliang.energy.models import (
    EnergyUnit,
    Meter,
    MeterCalibration,
)
from jiliang.energy.services.common import decimal_value
from jiliang.energy.validation import rule_error
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

METER_FIELDS = ("management_no", "name", "model_spec", "instrument_type", "accuracy_class",
                "mpe_percent", "measuring_range", "manufacturer", "serial_no", "owner",
                "install_location", "level", "energy", "carrier", "boundary", "direction",
                "sub_unit", "parent", "register_unit", "multiplier", "register_max",
                "ncv_kj_per_unit", "pipe_dn_mm", "status", "verification_kind",
                "mandatory_verification", "last_verified_on", "valid_until", "certificate_no")
# The meter's classification that its daily figures carry too.
DAILY_FIELDS = ("level", "energy", "carrier", "direction")

# --- the meter ledger -----------------------------------------------------------------------



# The rules of a ledger line, in the order they are checked: (field, what its value keeps,
# the message when it does not). The first broken rule names its field.
Rule = tuple[str, Callable[[Meter], bool], Promise]
IDENTITY_RULES: tuple[Rule, ...] = (
    ("management_no", lambda m: bool(m.management_no.strip()),
     gettext_lazy("Give the unit's management number.")),
    ("name", lambda m: bool(m.name.strip()), gettext_lazy("Give the instrument's name.")),
    ("serial_no", lambda m: bool(m.serial_no.strip()),
     gettext_lazy("Give the serial number (出厂编号).")),
    ("level", lambda m: m.level in rules.LEVELS,
     gettext_lazy("The level is L1, L2 or L3 (GB 17167-2006 4.2).")),
    ("energy", lambda m: m.energy in rules.energy_ids(),
     gettext_lazy("Choose an energy type of GB 17167-2006 Table 1.")),
    ("instrument_type", lambda m: m.instrument_type in rules.instrument_types(),
     gettext_lazy("Choose an instrument type.")),
    ("direction", lambda m: m.direction in Meter.Direction.values,
     gettext_lazy("The direction is incoming or outgoing.")),
    ("status", lambda m: m.status in Meter.Status.values, gettext_lazy("Choose a status.")),
    ("boundary", lambda m: m.level == "L1" or not m.boundary,
     gettext_lazy("Only L1 meters sit at the unit boundary.")),
)
MAGNITUDE_RULES: tuple[Rule, ...] = (
    ("mpe_percent", lambda m: m.mpe_percent is None or m.mpe_percent > 0,
     gettext_lazy("Enter a number greater than zero.")),
    ("multiplier", lambda m: m.multiplier is not None and m.multiplier > 0,
     gettext_lazy("The multiplier is greater than zero.")),
    ("register_max", lambda m: m.register_max is None or m.register_max > 0,
     gettext_lazy("Enter a number greater than zero.")),
)
RECORD_RULES: tuple[Rule, ...] = (
    ("register_unit", lambda m: bool(m.register_unit),
     gettext_lazy("Give the unit the register counts in.")),
    ("valid_until", lambda m: not (m.last_verified_on and m.valid_until)
     or m.valid_until >= m.last_verified_on,
     gettext_lazy("The validity cannot end before the verification or calibration.")),
)


def _keep(meter: Meter, table: tuple[Rule, ...]) -> None:
    for field_name, kept, message in table:
        if not kept(meter):
            raise ValidationError({field_name: [str(message)]})


def _fill_defaults(meter: Meter) -> None:
    if meter.level == "L1":
        meter.boundary = True  # L1 is the unit's boundary by definition
    if not meter.carrier:
        meter.carrier = rules.default_carriers().get(meter.energy, "")  # data: Table 1
    if not meter.register_unit:
        meter.register_unit = rules.register_units().get(meter.carrier, "")


def _accuracy_class_check(meter: Meter) -> None:
    if not meter.accuracy_class:
        return
    try:
        rules.parse_class(meter.accuracy_class)
    except RuleError as error:
        # scales and water meters are judged by their MPE: a class that is no percentage is theirs
        if not (error.code == "accuracy.not_percent"
                and meter.instrument_type in rules.mpe_instruments()):
            raise rule_error("accuracy_class", error) from None


def _carrier_check(meter: Meter) -> None:
    """A carrier of GB/T 2589 in a unit that converts to the table's. A coefficient the edition
    in force lacks (a range, an unconfirmed value) is no fault of the ledger: the figures say so
    where they are converted."""
    if not meter.carrier:
        return
    known = rules.carriers("gbt2589-2008")
    carrier_id = "electricity_equivalent" if meter.carrier == "electricity" else meter.carrier
    if carrier_id not in known or carrier_id == "electricity_equal_value":
        raise ValidationError({"carrier": [_("Choose an energy carrier of GB/T 2589.")]})
    table_unit = known[carrier_id].unit
    try:
        rules.to_table_unit(Decimal(1), meter.register_unit or table_unit, table_unit,
                            meter.carrier)
        if meter.ncv_kj_per_unit is not None:
            rules.coefficient("gbt2589-2008", meter.carrier, ncv_kj=meter.ncv_kj_per_unit)
    except RuleError as error:
        field_name = "register_unit" if error.code.startswith("unit.") else "ncv_kj_per_unit"
        raise rule_error(field_name, error) from None
    if not meter.register_unit:
        meter.register_unit = table_unit


def _parent_check(meter: Meter) -> None:
    if meter.parent_id is None:
        return
    parent = meter.parent
    if parent.unit_id != meter.unit_id or parent.pk == meter.pk:
        raise ValidationError({"parent": [_("The main meter is another meter of the same "
                                            "unit.")]})
    if parent.carrier != meter.carrier:
        raise ValidationError({"parent": [_("A sub-meter measures the same carrier as its "
                                            "main meter.")]})


def _unique_check(meter: Meter) -> None:
    clash = Meter.objects.filter(unit_id=meter.unit_id, management_no=meter.management_no)
    if meter.pk:
        clash = clash.exclude(pk=meter.pk)
    if clash.exists():
        raise ValidationError({"management_no": [_(
            "Another meter of this unit has this management number.")]})


def _meter_clean(meter: Meter) -> None:
    """The rules of a ledger line, each error naming its field."""
    _fill_defaults(meter)
    _keep(meter, IDENTITY_RULES)
    _accuracy_class_check(meter)
    _keep(meter, MAGNITUDE_RULES)
    _carrier_check(meter)
    _keep(meter, RECORD_RULES)
    _parent_check(meter)
    _unique_check(meter)


def _calibration_from_meter(meter: Meter) -> None:
    """A ledger line that states a validity gives the meter its verification period."""
    if meter.last_verified_on and meter.valid_until and not meter.calibrations.filter(
            verified_on=meter.last_verified_on, valid_until=meter.valid_until).exists():
        MeterCalibration.objects.create(
            meter=meter, kind=meter.verification_kind, verified_on=meter.last_verified_on,
            valid_until=meter.valid_until, passed=meter.status != Meter.Status.STOPPED,
            certificate_no=meter.certificate_no)


def _ledger_changed(unit: EnergyUnit) -> None:
    EnergyUnit.objects.filter(pk=unit.pk).update(ledger_version=F("ledger_version") + 1)


def _meter_values(data: dict) -> dict:
    out = dict(data)
    for name in ("mpe_percent", "register_max", "ncv_kj_per_unit"):
        if name in out:
            out[name] = decimal_value(out[name], name)
    if "multiplier" in out:
        out["multiplier"] = decimal_value(out["multiplier"], "multiplier") or Decimal(1)
    for name in ("management_no", "name", "model_spec", "accuracy_class", "measuring_range",
                 "manufacturer", "serial_no", "install_location", "sub_unit", "register_unit",
                 "certificate_no", "carrier"):
        if name in out and out[name] is not None:
            out[name] = str(out[name]).strip()
    return out


@transaction.atomic
def meter_register(*, actor: User | None, unit: EnergyUnit, **data) -> Meter:
    """Add a line to the unit's energy-meter ledger."""
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit or its bureau keeps the unit's ledger."))
    unknown = set(data) - set(METER_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be set here.")]})
    values = _meter_values(data)
    values.setdefault("owner", unit.organisation)
    if values.get("owner") is None:
        values["owner"] = unit.organisation
    meter = Meter(unit=unit, region_code=unit.region_code, **values)
    _meter_clean(meter)
    meter.save()
    _calibration_from_meter(meter)
    _ledger_changed(unit)
    audit_record(actor=actor, action="energy.meter.register", obj=meter,
                 after=snapshot(meter, METER_FIELDS))
    return meter


@transaction.atomic
def meter_update(*, actor: User | None, meter: Meter, **changes) -> Meter:
    meter = Meter.objects.select_for_update().select_related("unit").get(pk=meter.pk)
    if not permissions.may_keep_ledger(actor, meter.unit):
        raise PermissionDenied(_("Only the unit or its bureau keeps the unit's ledger."))
    unknown = set(changes) - set(METER_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("This field cannot be changed here.")]})
    before = snapshot(meter, METER_FIELDS)
    classified = [getattr(meter, name) for name in DAILY_FIELDS]
    for key, value in _meter_values(changes).items():
        setattr(meter, key, value)
    _meter_clean(meter)
    meter.save()
    _calibration_from_meter(meter)
    _ledger_changed(meter.unit)
    if [getattr(meter, name) for name in DAILY_FIELDS] != classified:
        # The daily figures carry the meter's classification for the region's sums.
        meter.days.update(**{name: getattr(meter, name) for name in DAILY_FIELDS})
    audit_record(actor=actor, action="energy.meter.update", obj=meter, before=before,
                 after=snapshot(meter, METER_FIELDS))
    return meter


@transaction.atomic
def meter_calibration_record(
    *,
    actor: User | None,
    meter: Meter,
    kind: str,
    verified_on: datetime.date,
    valid_until: datetime.date,
    passed: bool = True,
    certificate_no: str = "",
    institution: str = "",
) -> MeterCalibration:
    """Record a verification or calibration; a passed one opens a period of valid readings."""
    if not permissions.may_keep_ledger(actor, meter.unit):
        raise PermissionDenied(_("Only the unit or its bureau keeps the unit's ledger."))
    if kind not in Meter.Kind.values:
        raise ValidationError({"kind": [_("Choose verification or calibration.")]})
    if verified_on is None:
        raise ValidationError({"verified_on": [_("Give the date.")]})
    if valid_until is None or valid_until < verified_on:
        raise ValidationError({"valid_until": [_(
            "The validity cannot end before the verification or calibration.")]})
    if verified_on > timezone.localdate():
        raise ValidationError({"verified_on": [_("The date cannot lie in the future.")]})
    record = MeterCalibration.objects.create(
        meter=meter, kind=kind, verified_on=verified_on, valid_until=valid_until,
        passed=passed, certificate_no=certificate_no.strip(), institution=institution.strip())
    latest = meter.calibrations.order_by("-verified_on", "-id").first()
    if latest.pk == record.pk:
        meter.last_verified_on, meter.valid_until = verified_on, valid_until
        meter.verification_kind = kind
        meter.certificate_no = record.certificate_no
        meter.status = Meter.Status.QUALIFIED if passed else Meter.Status.STOPPED
        meter.save(update_fields=["last_verified_on", "valid_until", "verification_kind",
                                  "certificate_no", "status"])
    _ledger_changed(meter.unit)
    audit_record(actor=actor, action="energy.meter.calibration", obj=meter,
                 after={"kind": kind, "verified_on": verified_on.isoformat(),
                        "valid_until": valid_until.isoformat(), "passed": passed,
                        "certificate_no": record.certificate_no})
    return record


