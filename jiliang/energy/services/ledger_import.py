"""The ledger spreadsheet: its columns and the import of an enterprise's file, row by row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.core.models import User
from jiliang.core.tabular import Column, HeaderError, RowError, UnreadableError, read_rows
from jiliang.energy import permissions
from jiliang.energy.models import (
    EnergyUnit,
    Meter,
)
from jiliang.energy.services.meters import meter_register, meter_update
from jiliang.rules import energy as rules


def ledger_columns() -> list[Column]:
    """The columns of the ledger spreadsheet (GB 17167-2006 5.3.1 and what the checks need)."""
    return [
        Column("management_no", _("Management number"), True, ("管理编号",), "E-001"),
        Column("name", _("Instrument name"), True, ("计量器具名称",), "电能表"),
        Column("model_spec", _("Model and specification"), False, ("型号规格",), "DTSD341"),
        Column("instrument_type", _("Instrument type"), True, ("器具类型",), "electricity_meter",
               help=", ".join(rules.instrument_types())),
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


