"""Every write of the energy app: one transaction, validated, audited."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.audit.services import audit_record, snapshot
from jiliang.core import ratelimit
from jiliang.core.models import INSTITUTION_KINDS, Organisation, OrgKind, User
from jiliang.core.observability import INGEST_ROWS
from jiliang.core.tabular import Column, HeaderError, RowError, UnreadableError, read_rows
from jiliang.energy import conf, ingest, partitions, permissions, selectors, signing
from jiliang.energy.models import (
    Audit,
    AuditCell,
    AuditExclusion,
    BatchRefusal,
    Commitment,
    EnergyUnit,
    Finding,
    LookBack,
    Meter,
    MeterCalibration,
    MonthlyReport,
    Reading,
    ReadingBatch,
    ResponsibilityLetter,
)
from jiliang.energy.validation import rule_error
from jiliang.rules import RuleError
from jiliang.rules import energy as rules

UNIT_FIELDS = ("code", "name", "region_code", "industry", "annual_tce", "annual_year",
               "tce_edition", "tce_basis", "tier", "designated", "designation_authority",
               "designation_ref", "designated_on", "electricity_user_class", "contact", "phone",
               "reading_interval_min", "balance_tolerance_percent")
METER_FIELDS = ("management_no", "name", "model_spec", "instrument_type", "accuracy_class",
                "mpe_percent", "measuring_range", "manufacturer", "serial_no", "owner",
                "install_location", "level", "energy", "carrier", "boundary", "direction",
                "sub_unit", "parent", "register_unit", "multiplier", "register_max",
                "ncv_kj_per_unit", "pipe_dn_mm", "status", "verification_kind",
                "mandatory_verification", "last_verified_on", "valid_until", "certificate_no")
READING_CHAIN = Reading.chain_name()
# The meter's classification that its daily figures carry too.
DAILY_FIELDS = ("level", "energy", "carrier", "direction")


def _decimal(value, field_name: str, *, required: bool = False, positive: bool = False,
             minimum: Decimal | None = None) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field_name: [_("This field is required.")]})
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationError({field_name: [_("Enter a number.")]})
    if positive and number <= 0:
        raise ValidationError({field_name: [_("Enter a number greater than zero.")]})
    if minimum is not None and number < minimum:
        raise ValidationError({field_name: [_("Enter a number of at least %(n)s.") % {
            "n": minimum}]})
    return number


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
        industry=industry.strip(), annual_tce=_decimal(annual_tce, "annual_tce", required=True),
        annual_year=annual_year, tce_edition=tce_edition, tce_basis=tce_basis,
        designated=bool(designated), designation_authority=designation_authority.strip(),
        designation_ref=designation_ref.strip(), designated_on=designated_on,
        electricity_user_class=electricity_user_class or "", contact=contact.strip(),
        phone=phone.strip(), reading_interval_min=reading_interval_min,
        balance_tolerance_percent=_decimal(balance_tolerance_percent,
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
            value = _decimal(value, key, required=key == "annual_tce")
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


# --- the meter ledger -----------------------------------------------------------------------

UNIT_FOR_CARRIER = {"electricity": "kWh", "heat": "GJ", "fresh_water": "t",
                    "steam_low_pressure": "t"}
DEFAULT_CARRIER = {"electricity": "electricity", "water": "fresh_water",
                   "steam": "steam_low_pressure", "coal": "raw_coal", "coke": "coke",
                   "crude_oil": "crude_oil", "residual_oil": "residual_oil", "lpg": "lpg",
                   "heavy_oil": "fuel_oil"}


def _meter_clean(meter: Meter) -> None:
    """The rules of a ledger line, each error naming its field."""
    unit = meter.unit
    if not meter.management_no.strip():
        raise ValidationError({"management_no": [_("Give the unit's management number.")]})
    if not meter.name.strip():
        raise ValidationError({"name": [_("Give the instrument's name.")]})
    if not meter.serial_no.strip():
        raise ValidationError({"serial_no": [_("Give the serial number (出厂编号).")]})
    if meter.level not in rules.LEVELS:
        raise ValidationError({"level": [_("The level is L1, L2 or L3 (GB 17167-2006 4.2).")]})
    if meter.energy not in rules.energy_ids():
        raise ValidationError({"energy": [_("Choose an energy type of GB 17167-2006 Table 1.")]})
    if meter.instrument_type not in rules.INSTRUMENT_TYPES:
        raise ValidationError({"instrument_type": [_("Choose an instrument type.")]})
    if meter.direction not in Meter.Direction.values:
        raise ValidationError({"direction": [_("The direction is incoming or outgoing.")]})
    if meter.status not in Meter.Status.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    if meter.level == "L1" and not meter.boundary:
        meter.boundary = True  # L1 is the unit's boundary by definition
    if meter.level != "L1" and meter.boundary:
        raise ValidationError({"boundary": [_("Only L1 meters sit at the unit boundary.")]})
    if meter.accuracy_class:
        try:
            rules.parse_class(meter.accuracy_class)
        except RuleError as error:
            if not (error.code == "accuracy.not_percent"
                    and meter.instrument_type in rules.MPE_INSTRUMENTS):
                raise rule_error("accuracy_class", error) from None
    if meter.mpe_percent is not None and meter.mpe_percent <= 0:
        raise ValidationError({"mpe_percent": [_("Enter a number greater than zero.")]})
    if meter.multiplier is None or meter.multiplier <= 0:
        raise ValidationError({"multiplier": [_("The multiplier is greater than zero.")]})
    if meter.register_max is not None and meter.register_max <= 0:
        raise ValidationError({"register_max": [_("Enter a number greater than zero.")]})
    if not meter.carrier:
        meter.carrier = DEFAULT_CARRIER.get(meter.energy, "")
    if not meter.register_unit:
        meter.register_unit = UNIT_FOR_CARRIER.get(meter.carrier, "")
    if meter.carrier:
        # A carrier of GB/T 2589 in a unit that converts to the table's. A coefficient the
        # edition in force lacks (a range, an unconfirmed value) is no fault of the ledger:
        # the figures say so where they are converted.
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
            field_name = "register_unit" if error.code.startswith("unit.") else \
                "ncv_kj_per_unit"
            raise rule_error(field_name, error) from None
        if not meter.register_unit:
            meter.register_unit = table_unit
    if not meter.register_unit:
        raise ValidationError({"register_unit": [_("Give the unit the register counts in.")]})
    if meter.last_verified_on and meter.valid_until and meter.valid_until < meter.last_verified_on:
        raise ValidationError({"valid_until": [_(
            "The validity cannot end before the verification or calibration.")]})
    if meter.parent_id is not None:
        parent = meter.parent
        if parent.unit_id != unit.pk or parent.pk == meter.pk:
            raise ValidationError({"parent": [_("The main meter is another meter of the same "
                                                "unit.")]})
        if parent.carrier != meter.carrier:
            raise ValidationError({"parent": [_("A sub-meter measures the same carrier as its "
                                                "main meter.")]})
    clash = Meter.objects.filter(unit=unit, management_no=meter.management_no)
    if meter.pk:
        clash = clash.exclude(pk=meter.pk)
    if clash.exists():
        raise ValidationError({"management_no": [_(
            "Another meter of this unit has this management number.")]})


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
            out[name] = _decimal(out[name], name)
    if "multiplier" in out:
        out["multiplier"] = _decimal(out["multiplier"], "multiplier") or Decimal(1)
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


def ledger_columns() -> list[Column]:
    """The columns of the ledger spreadsheet (GB 17167-2006 5.3.1 and what the checks need)."""
    return [
        Column("management_no", _("Management number"), True, ("管理编号",), "E-001"),
        Column("name", _("Instrument name"), True, ("计量器具名称",), "电能表"),
        Column("model_spec", _("Model and specification"), False, ("型号规格",), "DTSD341"),
        Column("instrument_type", _("Instrument type"), True, ("器具类型",), "electricity_meter",
               help=", ".join(rules.INSTRUMENT_TYPES)),
        Column("accuracy_class", _("Accuracy class"), False, ("准确度等级",), "0.5S"),
        Column("mpe_percent", _("Maximum permissible error (%)"), False, ("最大允许误差",), ""),
        Column("measuring_range", _("Measuring range"), False, ("测量范围",), "3×1.5(6)A"),
        Column("manufacturer", _("Manufacturer"), False, ("生产厂家",), ""),
        Column("serial_no", _("Serial number"), True, ("出厂编号",), "2023110001"),
        Column("install_location", _("Installation location"), False, ("安装使用地点",),
               "总配电室"),
        Column("level", _("Level"), True, ("级别",), "L1", help="L1, L2, L3"),
        Column("energy", _("Energy type"), True, ("能源种类",), "electricity",
               help=", ".join(rules.energy_ids())),
        Column("carrier", _("Energy carrier (GB/T 2589)"), False, ("折标能源",), ""),
        Column("direction", _("Direction"), False, ("方向",), "in", help="in, out"),
        Column("sub_unit", _("Sub-unit or equipment"), False, ("次级用能单位",), ""),
        Column("register_unit", _("Register unit"), False, ("计量单位",), "kWh"),
        Column("multiplier", _("Multiplier (CT × PT)"), False, ("倍率",), "1"),
        Column("status", _("Status"), False, ("状态",), "qualified",
               help="qualified (合格), restricted (准用), stopped (停用)"),
        Column("verification_kind", _("Verification or calibration"), False, ("检定/校准",),
               "verification", help="verification, calibration"),
        Column("last_verified_on", _("Last verified or calibrated"), False, ("检定日期",),
               "2025-06-01"),
        Column("valid_until", _("Valid until"), False, ("有效期至",), "2026-05-31"),
        Column("certificate_no", _("Certificate number"), False, ("证书编号",), ""),
    ]


STATUS_WORDS = {"合格": "qualified", "准用": "restricted", "停用": "stopped"}
KIND_WORDS = {"检定": "verification", "校准": "calibration"}
DIRECTION_WORDS = {"进": "in", "出": "out", "输入": "in", "输出": "out"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: dict[int, dict[str, str]] = field(default_factory=dict)


MAX_LEDGER_ROWS = 20_000  # meters in one unit's ledger file (the largest units have thousands)


def ledger_import(*, actor: User | None, unit: EnergyUnit, data: bytes,
                  kind: str) -> ImportResult:
    """Rows of the enterprise's xlsx (or csv) ledger: a line per meter, matched on the
    management number; every good row is kept, every bad one reported with its reason."""
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit or its bureau keeps the unit's ledger."))
    columns = ledger_columns()
    titles = {c.key: c.title for c in columns}
    result = ImportResult()
    try:
        rows = list(read_rows(data, kind, columns, max_rows=MAX_LEDGER_ROWS))
    except HeaderError as error:
        raise ValidationError({"file": [_("The header row lacks the column(s): %(columns)s.") % {
            "columns": ", ".join(str(m) for m in error.missing)}]}) from None
    except UnreadableError as error:  # too many rows, a bomb, bytes that are not text
        raise ValidationError({"file": [error.message]}) from None
    except Exception:  # noqa: BLE001 - a damaged workbook is the user's file, not our bug
        raise ValidationError({"file": [_("The file cannot be read as a spreadsheet.")]}) from None
    for number, record in rows:
        result.rows[number] = record
        values = {k: v for k, v in record.items() if v != ""}
        values["status"] = STATUS_WORDS.get(values.get("status", ""), values.get("status",
                                                                                 "qualified"))
        values["verification_kind"] = KIND_WORDS.get(values.get("verification_kind", ""),
                                                     values.get("verification_kind",
                                                                "verification"))
        values["direction"] = DIRECTION_WORDS.get(values.get("direction", ""),
                                                  values.get("direction", "in"))
        try:
            for name in ("last_verified_on", "valid_until"):
                if name in values:
                    try:
                        values[name] = datetime.date.fromisoformat(values[name][:10])
                    except ValueError:
                        raise ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]}) from None
            with transaction.atomic():
                existing = Meter.objects.filter(unit=unit,
                                                management_no=values["management_no"]).first()
                if existing is None:
                    meter_register(actor=actor, unit=unit, **values)
                    result.created += 1
                else:
                    values.pop("management_no")
                    meter_update(actor=actor, meter=existing, **values)
                    result.updated += 1
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    result.errors.append(RowError(number, str(titles.get(name, "")), message))
    return result


# --- readings -------------------------------------------------------------------------------

class BatchRefusedError(ValidationError):
    """A batch refused as a whole; ``reason`` is stable, ``status`` the HTTP status to answer."""

    def __init__(self, field_name: str, message: str, *, reason: str, status: int = 400):
        super().__init__({field_name: [message]})
        self.reason = reason
        self.status = status


@dataclass
class IngestResult:
    batch: ReadingBatch
    repeated: bool = False

    def as_dict(self) -> dict:
        b = self.batch
        return {"batch_id": b.batch_id, "repeated": self.repeated, "rows": b.rows,
                "accepted": b.accepted, "duplicates": b.duplicates, "rejected": b.rejected,
                "errors": b.errors}


def batch_refusal_record(*, unit: EnergyUnit | None, unit_code: str, batch_id: str,
                         channel: str, field_name: str, reason: str, message: str,
                         status: int = 400, client: str = "") -> BatchRefusedError:
    """Keep a refused batch on file (in its own transaction) and return the error to raise.

    At most ``conf.refusals_per_minute()`` a minute per client (its user, or for MQTT the unit
    code of its topic) are kept: past that the client is answered 429 and nothing is written,
    so probing unit codes or replaying bad batches costs the database nothing."""
    # Without a client's identity (MQTT), refusals are counted per unit, and those for units
    # that do not exist all together: a new made-up code is no new allowance.
    key = f"energy-refusal:{channel}:{client or (unit_code[:64] if unit else '?')}"
    if not ratelimit.allow(key, limit=conf.refusals_per_minute()):
        return BatchRefusedError(field_name, _(
            "Too many refused batches from this client in the last minute; wait and send again."),
            reason="rate_limited", status=429)
    with transaction.atomic():
        BatchRefusal.objects.create(
            unit=unit, unit_code=unit_code[:64], region_code=unit.region_code if unit else "",
            batch_id=batch_id[:64], channel=channel, reason=reason, message=message[:300],
            received_at=timezone.now())
    return BatchRefusedError(field_name, message, reason=reason, status=status)


def batch_ingest(
    *,
    unit_code: str,
    batch_id: str,
    body: bytes,
    content_type: str,
    signature: str,
    channel: str,
    actor: User | None = None,
    client: str = "",
) -> IngestResult:
    """Take a signed batch of readings from a unit's gateway.

    Refused as a whole (and the refusal kept) when the unit is unknown, the signature is
    missing or bad, or the batch id was used for other content; a repeat of a batch on file
    changes nothing. Otherwise every good row is loaded and every bad one reported.
    """
    unit_code = (unit_code or "").strip()
    batch_id = (batch_id or "").strip()
    unit = EnergyUnit.objects.filter(code=unit_code).first()
    # An unknown unit and another enterprise's unit get the same answer: the code of a unit
    # is not to be found out by trying.
    if unit is None or (actor is not None and not permissions.member_of(
            actor, unit.organisation_id)):
        raise batch_refusal_record(
            unit=None, unit_code=unit_code, batch_id=batch_id, channel=channel, client=client,
            field_name="unit", reason="unknown_unit", status=404,
            message=_("No energy-using unit “%(code)s” takes batches from you.") % {
                "code": unit_code})
    if not batch_id or len(batch_id) > 64:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="batch_id", reason="no_batch_id",
                      message=_("Give the batch an id of 1 to 64 characters."))
    if not unit.public_key:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="no_key", status=403,
                      message=_("The unit has no registered gateway key."))
    if not signature:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="unsigned", status=403,
                      message=_("The batch is not signed."))
    if not signing.verify(unit.public_key, unit_code, batch_id, body, signature):
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                      field_name="signature", reason="bad_signature", status=403,
                      message=_("The signature does not match the unit's registered key."))
    digest = hashlib.sha256(body).hexdigest()

    def repeat(found: ReadingBatch) -> IngestResult:
        if found.body_sha256 != digest:
            raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id, channel=channel,
                      client=client,
                          field_name="batch_id", reason="batch_id_reused", status=409,
                          message=_("This batch id was used for other readings."))
        return IngestResult(found, repeated=True)

    found = ReadingBatch.objects.filter(unit=unit, batch_id=batch_id).first()
    if found is not None:
        return repeat(found)
    now = timezone.now()
    try:
        items = ingest.read_body(body, content_type)
    except ValueError as error:
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id,
                                   channel=channel, client=client, field_name="body",
                                   reason="unreadable",
                                   message=str(error)) from None
    total = len(items)
    if total > conf.max_batch_rows():
        raise batch_refusal_record(unit=unit, unit_code=unit_code, batch_id=batch_id,
                                   channel=channel, client=client, field_name="body",
                                   reason="too_large",
                                   status=413, message=_("A batch holds at most %(n)s readings.")
                                   % {"n": conf.max_batch_rows()})
    # Partitions first, in their own short transaction where possible.
    partitions.ensure(ingest.months_hint(items))
    with transaction.atomic(), chain_lock(READING_CHAIN, str(unit.pk)) as writer:
        found = ReadingBatch.objects.filter(unit=unit, batch_id=batch_id).first()
        if found is not None:  # the same batch arrived twice at once
            return repeat(found)
        batch = ReadingBatch.objects.create(
            unit=unit, region_code=unit.region_code, batch_id=batch_id, channel=channel,
            content_type=content_type, body_sha256=digest, signature=signature[:100],
            key_fingerprint=signing.fingerprint(unit.public_key), received_at=now, rows=total)
        unit.refresh_from_db(fields=["ledger_version"])
        meters = ingest.meter_states(unit)
        written = ingest.write(unit=unit, batch=batch, meters_by_code=meters, items=items,
                               now=now, future_tolerance_s=conf.FUTURE_TOLERANCE_S,
                               writer=writer)
        batch.accepted, batch.duplicates = written.accepted, written.duplicates
        batch.rejected = len(written.errors)
        batch.errors = [e.as_dict() for e in sorted(written.errors, key=lambda e: e.row)[:200]]
        batch.first_read_at, batch.last_read_at = written.first_at, written.last_at
        batch.save(update_fields=["accepted", "duplicates", "rejected", "errors",
                                  "first_read_at", "last_read_at"])
        if written.last_at and (unit.last_reading_at is None
                                or written.last_at > unit.last_reading_at):
            EnergyUnit.objects.filter(pk=unit.pk).update(last_reading_at=written.last_at)
        audit_record(actor=actor, action="energy.batch.ingest", obj=batch,
                     region_code=unit.region_code,
                     after={"unit": unit.code, "batch_id": batch_id, "channel": channel,
                            "sha256": digest, "accepted": batch.accepted,
                            "duplicates": batch.duplicates, "rejected": batch.rejected})
    INGEST_ROWS.labels(channel).inc(batch.accepted)
    return IngestResult(batch)


@transaction.atomic
def monthly_report_submit(*, actor: User | None, unit: EnergyUnit, month: datetime.date,
                          carrier: str, quantity: Decimal, quantity_unit: str) -> MonthlyReport:
    """The unit's monthly statistics of one carrier (GB 17167-2006 5.4.1)."""
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit or its bureau reports the unit's figures."))
    if month is None:
        raise ValidationError({"month": [_("Give the month.")]})
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": [_("The month cannot lie in the future.")]})
    carriers = set(unit.meters.values_list("carrier", flat=True))
    if carrier not in carriers:
        raise ValidationError({"carrier": [_("No meter of the unit's ledger measures this "
                                             "carrier.")]})
    amount = _decimal(quantity, "quantity", required=True, minimum=Decimal(0))
    report, _created = MonthlyReport.objects.update_or_create(
        unit=unit, month=month, carrier=carrier,
        defaults={"quantity": amount, "quantity_unit": quantity_unit.strip(),
                  "region_code": unit.region_code})
    audit_record(actor=actor, action="energy.monthly.report", obj=report,
                 region_code=unit.region_code,
                 after={"month": month.isoformat(), "carrier": carrier,
                        "quantity": str(amount), "unit": quantity_unit})
    return report


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
    unit = audit.unit
    today = timezone.localdate()
    deadline = deadline or today + datetime.timedelta(days=conf.rectification_days())
    if deadline < today:
        raise ValidationError({"deadline": [_("The deadline cannot lie in the past.")]})
    counts = ledger_counts(unit)
    cells = list(audit.cells.prefetch_related("exclusions"))
    for (energy, level), n in counts.items():
        if not any(c.energy == energy and c.level == level for c in cells):
            cells.append(AuditCell.objects.create(audit=audit, energy=energy, level=level,
                                                  installed=n, required=n))
    findings: list[Finding] = []

    def finding(kind, clause, text, meter=None, energy="", level=""):
        findings.append(Finding(audit=audit, region_code=audit.region_code, kind=kind,
                                clause=clause, text=text[:400], meter=meter, energy=energy,
                                level=level, deadline=deadline))

    results = []
    for cell in cells:
        cell.installed = counts.get((cell.energy, cell.level), 0)
        grounds = tuple(sorted({x.ground for x in cell.exclusions.all()}))
        try:
            result = rules.equipping_cell(audit.edition, rules.Cell(
                cell.energy, cell.level, cell.installed, cell.required, cell.excluded, grounds))
        except RuleError as error:
            raise rule_error("required", error) from None
        results.append(result)
        cell.rate_percent, cell.required_percent = result.rate_percent, result.required_percent
        cell.result = result.result
        cell.save(update_fields=["installed", "rate_percent", "required_percent", "result"])
        labels = {"energy": cell.get_energy_display(), "level": cell.level}
        if result.result == "fail":
            finding(Finding.Kind.EQUIPPING, "GB 17167-2006 4.3, Table 1", _(
                "%(energy)s at %(level)s: %(installed)s of %(needed)s meters (%(rate)s %%) "
                "against %(required)s %% required.") % {
                **labels, "installed": result.installed, "needed": result.needed,
                "rate": result.rate_percent, "required": result.required_percent},
                energy=cell.energy, level=cell.level)
        elif result.result == "ledger_error":
            finding(Finding.Kind.LEDGER, "GB 17167-2006 5.3.1", _(
                "%(energy)s at %(level)s: %(installed)s meters counted against a need of "
                "%(needed)s; the ledger counts meters outside the required set.") % {
                **labels, "installed": result.installed, "needed": result.needed},
                energy=cell.energy, level=cell.level)
    meters = list(unit.meters.exclude(status=Meter.Status.STOPPED))
    for meter in meters:
        if meter.level == "L1":
            check = rules.accuracy_check(
                audit.edition, instrument=meter.instrument_type, energy=meter.energy,
                accuracy_class=meter.accuracy_class, mpe_percent=meter.mpe_percent,
                **_accuracy_conditions(unit, meter))
            if check.result == "fail":
                finding(Finding.Kind.ACCURACY, "GB 17167-2006 4.3.5, Table 4", _(
                    "%(no)s %(name)s: class %(cls)s does not meet the required %(required)s.") % {
                    "no": meter.management_no, "name": meter.name,
                    "cls": meter.accuracy_class or "—", "required": check.required_class},
                    meter=meter, energy=meter.energy, level=meter.level)
            elif check.result == "cannot_judge":
                finding(Finding.Kind.LEDGER, "GB 17167-2006 5.3.1, Table 4", _(
                    "%(no)s %(name)s: the ledger lacks what Table 4 needs to judge its accuracy "
                    "(%(reason)s).") % {"no": meter.management_no, "name": meter.name,
                                        "reason": check.reason},
                    meter=meter, energy=meter.energy, level=meter.level)
        if meter.valid_until is None or meter.valid_until < today:
            finding(Finding.Kind.VALIDITY, "GB 17167-2006 5.3.5", _(
                "%(no)s %(name)s: in use without a valid verification or calibration "
                "(valid until %(until)s).") % {
                "no": meter.management_no, "name": meter.name,
                "until": meter.valid_until or "—"}, meter=meter, energy=meter.energy,
                level=meter.level)
    for meter_id, status in selectors.meter_registry_status(meters, on=today).items():
        meter = next(m for m in meters if m.pk == meter_id)
        if status.get("overdue") and not (meter.valid_until is None or meter.valid_until < today):
            finding(Finding.Kind.VALIDITY, "GB 17167-2006 5.3.5", _(
                "%(no)s %(name)s: overdue for verification in the registry (%(code)s).") % {
                "no": meter.management_no, "name": meter.name,
                "code": status.get("public_code", "")}, meter=meter, energy=meter.energy,
                level=meter.level)
    Finding.objects.bulk_create(findings)
    # The verdict of Table 1: compliant only if no applicable cell fails (accuracy is separate).
    verdict = "noncompliant" if any(r.result in ("fail", "ledger_error") for r in results) \
        else "compliant"
    audit.verdict = verdict
    audit.summary = (summary or "").strip()
    audit.completed_at = timezone.now()
    audit.status = Audit.Status.RECTIFYING if findings else Audit.Status.CLOSED
    if not findings:
        audit.closed_at = audit.completed_at
    audit.save()
    audit_record(actor=actor, action="energy.audit.complete", obj=audit,
                 after={"verdict": verdict, "findings": len(findings),
                        "status": audit.status})
    return audit


def _accuracy_conditions(unit: EnergyUnit, meter: Meter) -> dict:
    conditions: dict = {}
    if meter.instrument_type == "electricity_meter":
        conditions["user_class"] = unit.electricity_user_class or None
    if meter.instrument_type == "water_meter":
        conditions["pipe_dn_mm"] = meter.pipe_dn_mm
    return conditions


@transaction.atomic
def finding_rectify(*, actor: User | None, finding: Finding, rectification: str) -> Finding:
    """The unit reports what it did about a finding."""
    finding = Finding.objects.select_for_update().select_related("audit__unit").get(pk=finding.pk)
    unit = finding.audit.unit
    if not permissions.may_keep_ledger(actor, unit):
        raise PermissionDenied(_("Only the unit reports its rectification."))
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError({"rectification": [_("This finding is closed.")]})
    text = (rectification or "").strip()
    if not text:
        raise ValidationError({"rectification": [_("Describe what was done.")]})
    finding.rectification = text
    finding.rectified_at = timezone.now()
    finding.status = Finding.Status.SUBMITTED
    finding.save(update_fields=["rectification", "rectified_at", "status"])
    audit_record(actor=actor, action="energy.finding.rectify", obj=finding,
                 after={"rectification": text[:300]})
    return finding


@transaction.atomic
def finding_review(*, actor: User | None, finding: Finding, accept: bool,
                   note: str = "") -> Finding:
    """The auditor accepts a rectification (the finding closes) or sends it back."""
    finding = Finding.objects.select_for_update().select_related("audit").get(pk=finding.pk)
    audit = finding.audit
    if not permissions.may_audit(actor, audit):
        raise PermissionDenied(_("Only the auditor reviews rectifications."))
    if finding.status != Finding.Status.SUBMITTED:
        raise ValidationError({"status": [_("There is no rectification to review.")]})
    if not accept and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the rectification is not enough.")]})
    finding.review_note = (note or "").strip()[:300]
    if accept:
        finding.status = Finding.Status.CLOSED
        finding.closed_at = timezone.now()
    else:
        finding.status = Finding.Status.OPEN
    finding.save(update_fields=["status", "closed_at", "review_note"])
    if accept and not audit.findings.exclude(status=Finding.Status.CLOSED).exists():
        audit.status = Audit.Status.CLOSED
        audit.closed_at = timezone.now()
        audit.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="energy.finding.review", obj=finding,
                 after={"accepted": accept, "note": finding.review_note,
                        "audit_status": audit.status})
    return finding


# --- letters of responsibility and their look-back (work plan 二.4) ---------------------------

@transaction.atomic
def letter_create(*, actor: User | None, unit: EnergyUnit, title: str, signed_on: datetime.date,
                  commitments: list[dict], bureau: Organisation | None = None
                  ) -> ResponsibilityLetter:
    if not permissions.bureau_over(actor, unit.region_code):
        raise PermissionDenied(_("Only the unit's bureau files its letters of responsibility."))
    bureau = bureau or (actor.organisation if actor else None)
    if bureau is None or not bureau.is_bureau:
        raise ValidationError({"bureau": [_("A letter is signed by a bureau.")]})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the letter's title.")]})
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError({"signed_on": [_("Give the date of signing (not in the future).")]})
    clean = []
    for i, item in enumerate(commitments or []):
        text = str(item.get("text") or "").strip()
        if not text:
            continue
        party = item.get("party") or Commitment.Party.UNIT
        if party not in Commitment.Party.values:
            raise ValidationError({f"commitments.{i}.party": [_("The party is the bureau or the "
                                                                "unit.")]})
        deadline = item.get("deadline")
        if deadline is None or deadline < signed_on:
            raise ValidationError({f"commitments.{i}.deadline": [_(
                "Each commitment has a deadline on or after the signing.")]})
        clean.append(Commitment(party=party, text=text[:300], deadline=deadline))
    if not clean:
        raise ValidationError({"commitments": [_("A letter holds at least one commitment.")]})
    letter = ResponsibilityLetter.objects.create(unit=unit, region_code=unit.region_code,
                                                 bureau=bureau, title=title[:200],
                                                 signed_on=signed_on)
    for c in clean:
        c.letter = letter
    Commitment.objects.bulk_create(clean)
    audit_record(actor=actor, action="energy.letter.create", obj=letter,
                 after={"title": letter.title, "signed_on": signed_on.isoformat(),
                        "commitments": [{"party": c.party, "text": c.text,
                                         "deadline": c.deadline.isoformat()} for c in clean]})
    return letter


@transaction.atomic
def letter_look_back(*, actor: User | None, letter: ResponsibilityLetter,
                     reviewed_on: datetime.date, outcomes: dict[int, tuple[str, str]],
                     summary: str = "") -> LookBack:
    """The "look back": was each commitment kept? Every commitment gets an outcome."""
    if not permissions.bureau_over(actor, letter.region_code):
        raise PermissionDenied(_("Only the unit's bureau looks back on its letters."))
    if reviewed_on is None or reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": [_("Give the date of the review (not in the "
                                                  "future).")]})
    commitments = list(letter.commitments.all())
    before = {c.pk: c.outcome for c in commitments}
    for c in commitments:
        outcome, note = outcomes.get(c.pk, ("", ""))
        if outcome not in (Commitment.Outcome.MET, Commitment.Outcome.PARTLY,
                           Commitment.Outcome.NOT_MET):
            raise ValidationError({f"outcome_{c.pk}": [_("Judge every commitment: met, partly "
                                                         "met or not met.")]})
        if outcome != Commitment.Outcome.MET and not (note or "").strip():
            raise ValidationError({f"note_{c.pk}": [_("Say what is missing.")]})
        c.outcome, c.review_note = outcome, (note or "").strip()[:300]
    Commitment.objects.bulk_update(commitments, ["outcome", "review_note"])
    review = LookBack.objects.create(letter=letter, reviewed_on=reviewed_on, reviewer=actor,
                                     summary=(summary or "").strip())
    audit_record(actor=actor, action="energy.letter.look_back", obj=letter,
                 before={str(k): v for k, v in before.items()},
                 after={str(c.pk): c.outcome for c in commitments})
    return review
