"""The field sheets inspectors fill in on site: their columns, in Chinese and English.

Three sheets: net-content samples and energy-label checks (uploaded to a task), and the
instruments found on a special-inspection visit (uploaded to the visit).
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from jiliang.core.tabular import Column
from jiliang.supervision.models import UploadBatch

Kind = UploadBatch.Kind

# (key, message id, required, example, help), by UploadBatch.Kind
SPECS = {
    Kind.NET_CONTENT: [
        ("packer_credit_code", gettext_noop("Packer's credit code"), True, "91440101MA5ABCDE1X",
         gettext_noop("18-character unified social credit code of the packer")),
        ("packer_name", gettext_noop("Packer"), True, "广州示例食品有限公司", ""),
        ("product", gettext_noop("Product"), True, "大米",
         gettext_noop("one of the campaign's products")),
        ("brand", gettext_noop("Brand"), False, "示例牌", ""),
        ("nominal", gettext_noop("Nominal quantity"), True, "5", ""),
        ("unit", gettext_noop("Unit"), True, "kg",
         gettext_noop("g, kg, mL, L, mm, cm, m, m2 or items")),
        ("lot_size", gettext_noop("Lot size"), True, "200", gettext_noop("units in the lot")),
        ("place", gettext_noop("Place of sampling"), True, "天河区某超市", ""),
        ("region_code", gettext_noop("Division code"), False, "440106",
         gettext_noop("where the sample was taken; the task's region when empty")),
        ("sampled_on", gettext_noop("Sampled on"), True, "2024-05-20",
         gettext_noop("YYYY-MM-DD")),
        ("tare_method", gettext_noop("Tare method"), False, "each",
         gettext_noop("each, average or none; each when empty")),
        ("values", gettext_noop("Measured values"), True, "4998 5003 4990",
         gettext_noop("the net content of every unit of the sample, separated by spaces or "
                      "commas")),
        ("values_unit", gettext_noop("Unit of the values"), False, "g",
         gettext_noop("the nominal's unit when empty")),
        ("reinspection_of", gettext_noop("Re-inspection of notice"), False, "",
         gettext_noop("the notice number of the first inspection, for a re-inspection")),
    ],
    Kind.ENERGY_LABEL: [
        ("enterprise_name", gettext_noop("Producer or seller"), True, "广州示例电器商场", ""),
        ("enterprise_credit_code", gettext_noop("Unified social credit code"), False, "", ""),
        ("product", gettext_noop("Product"), True, "房间空气调节器", ""),
        ("brand", gettext_noop("Brand"), False, "示例牌", ""),
        ("model", gettext_noop("Model"), True, "KFR-35GW", ""),
        ("checked_on", gettext_noop("Checked on"), True, "2024-05-20",
         gettext_noop("YYYY-MM-DD")),
        ("region_code", gettext_noop("Division code"), False, "440106",
         gettext_noop("where the check took place; the task's region when empty")),
        ("finding", gettext_noop("Finding"), True, "correct",
         gettext_noop("correct, not_labelled, forged or false_claim")),
        ("label_standard", gettext_noop("Label standard"), False, "",
         gettext_noop("the GB standard printed on the label: it fixes how many grades it has")),
        ("labelled_grade", gettext_noop("Labelled grade"), False, "1",
         gettext_noop("1 (best) up to the label standard's number of grades")),
        ("measured_grade", gettext_noop("Measured grade"), False, "",
         gettext_noop("1 (best) up to the label standard's number of grades")),
        ("handling", gettext_noop("Handling"), False, "none",
         gettext_noop("none, rectify, warning, fine, seal or refer; none when empty")),
        ("handling_note", gettext_noop("Details of the handling"), False, "", ""),
    ],
    Kind.INSTRUMENTS: [
        ("kind_code", gettext_noop("Instrument kind"), True, "sphygmomanometer",
         gettext_noop("catalogue kind code")),
        ("serial_number", gettext_noop("Serial number"), True, "XY-2024-001", ""),
        ("owner_name", gettext_noop("Owner"), False, "",
         gettext_noop("the institution visited when empty")),
        ("owner_credit_code", gettext_noop("Owner's credit code"), False, "", ""),
        ("verified_in_time", gettext_noop("Verified in time"), False, "yes",
         gettext_noop("yes or no; read from the registry or the valid-until date when empty")),
        ("valid_until", gettext_noop("Valid until"), False, "2025-03-31",
         gettext_noop("YYYY-MM-DD")),
        ("conforms", gettext_noop("Conforms"), False, "yes",
         gettext_noop("yes, no, or empty when not checked")),
        ("note", gettext_noop("Note"), False, "", ""),
    ],
}

TITLES = {
    Kind.NET_CONTENT: gettext_noop("net content"),
    Kind.ENERGY_LABEL: gettext_noop("energy labels"),
    Kind.INSTRUMENTS: gettext_noop("instruments"),
}


def columns_for(kind: str) -> list[Column]:
    """The columns with titles in the current language; either language's titles are read."""
    columns = []
    for key, msgid, required, example, help_text in SPECS[kind]:
        with translation.override("zh-hans"):
            chinese = gettext(msgid)
        columns.append(Column(key=key, title=gettext(msgid), required=required,
                              aliases=(msgid, chinese), example=example,
                              help=gettext(help_text) if help_text else ""))
    return columns


def column_title(kind: str, key: str) -> str:
    for column_key, msgid, *_rest in SPECS[kind]:
        if column_key == key:
            return gettext(msgid)
    return ""


YES = ("yes", "y", "1", "true", "是")
NO = ("no", "n", "0", "false", "否")


def yes_no(text: str, *, verdicts: bool = False) -> bool | None:
    """A yes/no cell in either language; None when empty. With ``verdicts`` (a question of
    conformity) pass and fail, 合格 and 不合格 answer too."""
    value = (text or "").strip().lower()
    if value in YES or (verdicts and value in ("合格", "pass")):
        return True
    if value in NO or (verdicts and value in ("不合格", "fail")):
        return False
    if value:
        raise ValueError(value)
    return None
