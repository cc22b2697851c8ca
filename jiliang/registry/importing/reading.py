"""The import's columns (Chinese and English titles), the words a cell may hold, and a row's
cells read as values; what an import returns."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.core.tabular import Column, RowError
from jiliang.registry.importing import evidence
from jiliang.registry.models import Status
from jiliang.rules import verification as rules

COLUMNS = [
    Column("owner_credit_code", "所有者统一社会信用代码", required=True,
           aliases=("owner credit code",), example="91440106MA59ACME1X",
           help=gettext_lazy("The owner's unified social credit code (18 characters).")),
    Column("kind", "器具种类代码", required=True, aliases=("kind code",), example="scale_digital_indicating",
           help=gettext_lazy("The catalogue code of the kind, e.g. water_meter (see the catalogue).")),
    Column("use", "用途", required=True, example="trade",
           help=gettext_lazy("trade / safety / medical / environment (or 贸易结算, 安全防护, 医疗卫生, 环境监测).")),
    Column("serial_number", "出厂编号", required=True, aliases=("serial number",), example="SC-0001"),
    Column("region_code", "使用地区代码", required=True, aliases=("region code", "division code"),
           example="440106", help=gettext_lazy("The 6-digit GB/T 2260 code where it is used.")),
    Column("manufacturer", "制造单位", example="广州某衡器厂"),
    Column("model", "型号规格", example="ACS-30"),
    Column("measuring_range", "测量范围", aliases=("measuring range",), example="(0~30) kg"),
    Column("accuracy_class", "准确度等级", aliases=("accuracy class",), example="III"),
    Column("nominal_size", "公称尺寸", aliases=("nominal size",),
           help=gettext_lazy("DN of a water meter, G of a gas meter (a number).")),
    Column("household", "居民结算", help=gettext_lazy("yes/no: settled directly with a household.")),
    Column("medium", "介质", help=gettext_lazy("Gas meters: natural_gas or other_gas.")),
    Column("type_approval_no", "型式批准编号", aliases=("type approval number",)),
    Column("address", "使用地点"),
    Column("status", "状态", help=gettext_lazy("in_use (default), stopped, scrapped, replaced.")),
    Column("first_use_on", "启用日期", aliases=("first use",), help=gettext_lazy("YYYY-MM-DD")),
    Column("institution_credit_code", "检定机构统一社会信用代码",
           aliases=("institution credit code",),
           help=gettext_lazy("Leave the verification columns empty to file the instrument only.")),
    Column("verified_on", "检定日期", aliases=("verification date",), example="2025-03-01"),
    Column("verification_type", "检定类别", aliases=("verification type",), example="subsequent",
           help=gettext_lazy("first / subsequent / in_use")),
    Column("regulation_code", "检定规程", aliases=("regulation",), example="JJG 539-2016"),
    Column("standard_identifier", "计量标准", aliases=("standard used",), example="[2019]粤量标证字第001号"),
    Column("standard_valid_until", "计量标准有效期至", aliases=("standard valid until",),
           example="2027-12-31"),
    Column("adjusted", "经调整", help=gettext_lazy("yes/no: adjusted before it passed.")),
    Column("conclusion", "检定结论", aliases=("conclusion",), example="pass",
           help=gettext_lazy("pass / fail (or 合格 / 不合格)")),
    Column("failed_items", "不合格项目", aliases=("failed items",),
           help=gettext_lazy("For a fail: the failed items, separated by semicolons.")),
    Column("certificate_no", "证书编号", aliases=("certificate number",), example="GDJL-2025-000001"),
    Column("valid_until", "有效期至", aliases=("valid until",),
           help=gettext_lazy("Only to shorten the period (or where the period is not confirmed).")),
    Column("verifier_name", "检定员", aliases=("verifier",), example="张三"),
    Column("checker_name", "核验员", aliases=("checker",), example="李四"),
    Column("approver_name", "批准人", aliases=("approver",), example="王五",
           help=gettext_lazy("The verifier, the checker and the approver are named as on the "
                             "institution's list of people.")),
    *evidence.COLUMNS,  # issue 18
]
TITLES = {c.key: c.title for c in COLUMNS}


def columns_for_template() -> list[Column]:
    """The columns with their notes in the current language (plain text for the workbook)."""
    return [replace(c, help=str(c.help)) for c in COLUMNS]
RECORD_KEYS = ("institution_credit_code", "verified_on", "verification_type", "regulation_code",
               "standard_identifier", "standard_valid_until", "conclusion", "failed_items",
               "certificate_no", "valid_until", "verifier_name", "checker_name", "adjusted",
               "approver_name", *evidence.KEYS)

USES = {"trade": "trade", "贸易结算": "trade", "safety": "safety", "安全防护": "safety",
        "medical": "medical", "医疗卫生": "medical", "environment": "environment",
        "环境监测": "environment"}
STATUSES = {"": Status.IN_USE, "in_use": Status.IN_USE, "在用": Status.IN_USE,
            "stopped": Status.STOPPED, "停用": Status.STOPPED, "scrapped": Status.SCRAPPED,
            "报废": Status.SCRAPPED, "replaced": Status.REPLACED, "已更换": Status.REPLACED}
TYPES = {"first": "first", "首次检定": "first", "subsequent": "subsequent", "后续检定": "subsequent",
         "in_use": "in_use", "使用中检查": "in_use"}
CONCLUSIONS = {"pass": "pass", "合格": "pass", "fail": "fail", "不合格": "fail"}
YES = {"yes", "y", "true", "1", "是"}
NO = {"", "no", "n", "false", "0", "否"}
MEDIUMS = {"": "", "natural_gas": "natural_gas", "天然气": "natural_gas", "other_gas": "other_gas",
           "其他燃气": "other_gas"}


@dataclass
class ImportResult:
    rows: int = 0
    instruments_added: int = 0
    records_added: int = 0
    already_on_file: int = 0
    evidence_added: int = 0  # issue 18: evidence written with the records, findings filed
    findings_added: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: dict[int, dict[str, str]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


class Good:
    """A row that passed every check made in Python."""

    __slots__ = ("row", "owner_code", "inst_code", "owner_id", "key", "kind", "use", "serial",
                 "values", "size", "household", "medium", "region", "status", "first_use_on",
                 "rec", "term", "rule", "outcome", "rec_values", "json_head", "json_tail",
                 "line_head", "line_tail", "sign_values", "sign_line")

    def __init__(self, row: int) -> None:
        self.row = row
        self.rec: dict | None = None
        self.outcome: rules.Outcome | None = None
        self.inst_code: str | None = None


class BadRowError(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


def read_date(text: str, key: str, errors: list) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        try:
            parts = [int(p) for p in text.replace("/", "-").split("-")]
            return datetime.date(*parts)
        except (TypeError, ValueError):
            errors.append((key, _("Enter a date as YYYY-MM-DD.")))
            return None


def read_record(raw: dict, errors: list) -> dict:
    """A row's verification cells as values (a cell that cannot be read is an error here; a
    value the rules refuse is for the record check)."""
    text = raw["conclusion"].strip()
    items = raw["failed_items"]
    adjusted = raw["adjusted"].strip().lower()
    if adjusted not in YES and adjusted not in NO:
        errors.append(("adjusted", _("Enter yes or no.")))
    return {
        "verified_on": read_date(raw["verified_on"].strip(), "verified_on", errors),
        "verification_type": TYPES.get(raw["verification_type"].strip() or "subsequent"),
        "regulation_code": raw["regulation_code"].strip(),
        "standard_identifier": raw["standard_identifier"].strip()[:100],
        "standard_valid_until": read_date(raw["standard_valid_until"].strip(),
                                      "standard_valid_until", errors),
        "conclusion": CONCLUSIONS.get(text) or CONCLUSIONS.get(text.lower()),
        "failed_items": [i.strip() for i in items.replace("；", ";").split(";") if i.strip()]
        if items else [],
        "certificate_no": raw["certificate_no"].strip(),
        "valid_until": read_date(raw["valid_until"].strip(), "valid_until", errors),
        # The people are found and judged against the register in check_orgs (issue 13).
        "names": {role: raw[f"{role}_name"].strip()[:60]
                  for role in ("verifier", "checker", "approver")},
        "adjusted": adjusted in YES,
        "evidence": evidence.read_evidence(raw, errors),  # issue 18
    }
