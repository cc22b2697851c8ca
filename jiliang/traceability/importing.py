"""xlsx/csv import of standards, their devices and reference-material lots, row by row.

Each row goes through the same service as the form (its own savepoint): good rows land, each bad
row comes back with its row number, column and reason. The register is small (thousands of
standards, not millions of records), so rows are written one by one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.core.models import Organisation
from jiliang.core.tabular import Column, RowError, read_rows
from jiliang.traceability import selectors, services
from jiliang.traceability.models import Category, Device, ReferenceMaterial, Standard

MAX_ROWS = 5000
CATEGORIES = {**{c.value: c.value for c in Category}, **{str(c.label): c.value for c in Category},
              "社会公用计量标准": Category.SOCIAL_PUBLIC, "部门最高计量标准": Category.DEPARTMENT_HIGHEST,
              "企事业单位最高计量标准": Category.ENTERPRISE_HIGHEST, "工作计量标准": Category.WORKING}

SHEETS = {
    "standards": [
        Column("code", "标准编号", required=True, aliases=("code",), example="GD-WS-0001"),
        Column("name", "标准名称", required=True, aliases=("name",), example="电子秤检定装置"),
        Column("category", "类别", required=True, aliases=("category",), example="working",
               help=gettext_lazy("social_public, department_highest, enterprise_highest or "
                                 "working")),
        Column("owner_credit_code", "持有单位统一社会信用代码", required=True,
               aliases=("owner credit code",)),
        Column("measurand", "测量参数", required=True, aliases=("measurand",), example="质量"),
        Column("kinds", "器具种类", aliases=("kinds",), example="scale_digital_indicating",
               help=gettext_lazy("Catalogue kind codes, separated by semicolons.")),
        Column("range_low", "测量范围下限", aliases=("range from",), example="0"),
        Column("range_high", "测量范围上限", aliases=("range to",), example="3000"),
        Column("range_unit", "单位", aliases=("unit",), example="kg"),
        Column("uncertainty", "不确定度或准确度等级或最大允许误差", required=True,
               aliases=("uncertainty",), example="F1 级"),
        Column("location", "存放地点", aliases=("location",)),
        Column("upstream_code", "溯源至（上级标准编号）", aliases=("traced to",),
               help=gettext_lazy("The code of the standard above, as on file.")),
    ],
    "devices": [
        Column("standard_code", "标准编号", required=True, aliases=("standard code",)),
        Column("role", "类型", aliases=("role",), example="main",
               help=gettext_lazy("main or ancillary")),
        Column("name", "设备名称", required=True, aliases=("name",)),
        Column("maker", "制造单位", aliases=("maker",)),
        Column("model", "型号", aliases=("model",)),
        Column("serial_number", "出厂编号", required=True, aliases=("serial number",)),
    ],
    "lots": [
        Column("material_number", "标准物质编号", required=True, aliases=("material number",),
               example="GBW(E) 130069"),
        Column("holder_credit_code", "持有单位统一社会信用代码", required=True,
               aliases=("holder credit code",)),
        Column("lot_no", "批号", required=True, aliases=("lot number",)),
        Column("expires_on", "有效期至", required=True, aliases=("expires on",),
               example="2026-12-31"),
        Column("quantity", "数量", aliases=("quantity",)),
    ],
}


@dataclass
class Result:
    added: int = 0
    errors: list[RowError] = field(default_factory=list)


class RowProblem(Exception):  # noqa: N818 - one bad row
    def __init__(self, key: str, message: str) -> None:
        self.key, self.message = key, message


def _date(text: str, key: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise RowProblem(key, _("Enter a date as YYYY-MM-DD.")) from None


def _org(code: str, key: str) -> Organisation:
    found = Organisation.objects.filter(credit_code=code.strip().upper()).first()
    if found is None:
        raise RowProblem(key, _("No organisation with this credit code is on file; register it "
                                "first."))
    return found


def _standard_row(actor, row: dict[str, str]) -> None:
    category = CATEGORIES.get(row["category"])
    if category is None or category == Category.NATIONAL:
        raise RowProblem("category", _("Choose social_public, department_highest, "
                                       "enterprise_highest or working."))
    upstream = None
    if row["upstream_code"]:
        upstream = Standard.objects.filter(code=row["upstream_code"]).first()
        if upstream is None or not (upstream.is_national or selectors.standard_list(actor)
                                    .filter(pk=upstream.pk).exists()):
            raise RowProblem("upstream_code", _("No standard with this code that you may use."))
    services.standard_register(
        actor=actor, code=row["code"], name=row["name"], category=category,
        owner=_org(row["owner_credit_code"], "owner_credit_code"), measurand=row["measurand"],
        kinds=[k.strip() for k in row["kinds"].replace("；", ";").split(";") if k.strip()],
        range_low=row["range_low"] or None, range_high=row["range_high"] or None,
        range_unit=row["range_unit"], uncertainty=row["uncertainty"], location=row["location"],
        upstream=upstream)


def _device_row(actor, row: dict[str, str]) -> None:
    standard = selectors.standard_list(actor).filter(code=row["standard_code"]).first()
    if standard is None:
        raise RowProblem("standard_code", _("No standard with this code that you may use."))
    role = row["role"] or Device.Role.MAIN
    services.device_add(actor=actor, standard=standard, role=role, name=row["name"],
                        maker=row["maker"], model=row["model"],
                        serial_number=row["serial_number"])


def _lot_row(actor, row: dict[str, str]) -> None:
    number = row["material_number"].upper().replace("（", "(").replace("）", ")")
    material = ReferenceMaterial.objects.filter(number=number).first()
    if material is None:
        raise RowProblem("material_number", _("No reference material with this number is on "
                                              "file."))
    services.lot_add(actor=actor, material=material,
                     holder=_org(row["holder_credit_code"], "holder_credit_code"),
                     lot_no=row["lot_no"], expires_on=_date(row["expires_on"], "expires_on"),
                     quantity=row["quantity"])


WRITERS = {"standards": _standard_row, "devices": _device_row, "lots": _lot_row}


def import_sheet(sheet: str, data: bytes, file_kind: str, *, actor) -> Result:
    """Every row through its service; a HeaderError (missing columns) is raised before any row."""
    columns = SHEETS[sheet]
    titles = {c.key: c.title for c in columns}
    result = Result()
    for number, row in read_rows(data, file_kind, columns):
        if number - 1 > MAX_ROWS:
            result.errors.append(RowError(number, "", _("At most %(n)s rows in one file.") % {
                "n": MAX_ROWS}))
            break
        missing = [c for c in columns if c.required and not row[c.key]]
        if missing:
            result.errors.append(RowError(number, missing[0].title, _("This field is required.")))
            continue
        try:
            with transaction.atomic():
                WRITERS[sheet](actor, row)
            result.added += 1
        except RowProblem as problem:
            result.errors.append(RowError(number, titles.get(problem.key, ""), problem.message))
        except ValidationError as error:
            for key, messages in getattr(error, "message_dict", {"": error.messages}).items():
                result.errors.append(RowError(number, titles.get(key, key), " ".join(messages)))
        except PermissionDenied as error:
            result.errors.append(RowError(number, "", str(error)))
    return result
