"""The field sheet inspectors fill in on site: its columns, in Chinese and English."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from jiliang.core.tabular import Column

# (key, message id, required, example, help)
NETCONTENT_COLUMNS = [
    ("packer_credit_code", gettext_noop("Packer's credit code"), True, "91440101MA5ABCDE1X",
     gettext_noop("18-character unified social credit code of the packer")),
    ("packer_name", gettext_noop("Packer"), True, "广州示例食品有限公司", ""),
    ("product", gettext_noop("Product"), True, "大米",
     gettext_noop("one of the campaign's products")),
    ("brand", gettext_noop("Brand"), False, "示例牌", ""),
    ("nominal", gettext_noop("Nominal quantity"), True, "5", ""),
    ("unit", gettext_noop("Unit"), True, "kg", gettext_noop("g, kg, mL, L, mm, cm, m, m2 or items")),
    ("lot_size", gettext_noop("Lot size"), True, "200", gettext_noop("units in the lot")),
    ("place", gettext_noop("Place of sampling"), True, "天河区某超市", ""),
    ("region_code", gettext_noop("Division code"), False, "440106",
     gettext_noop("where the sample was taken; the task's region when empty")),
    ("sampled_on", gettext_noop("Sampled on"), True, "2024-05-20", gettext_noop("YYYY-MM-DD")),
    ("tare_method", gettext_noop("Tare method"), False, "each",
     gettext_noop("each, average or none; each when empty")),
    ("values", gettext_noop("Measured values"), True, "4998 5003 4990",
     gettext_noop("the net content of every unit of the sample, separated by spaces or commas")),
    ("values_unit", gettext_noop("Unit of the values"), False, "g",
     gettext_noop("the nominal's unit when empty")),
    ("reinspection_of", gettext_noop("Re-inspection of notice"), False, "",
     gettext_noop("the notice number of the first inspection, for a re-inspection")),
]


def netcontent_columns() -> list[Column]:
    """The columns with titles in the current language; either language's titles are read."""
    columns = []
    for key, msgid, required, example, help_text in NETCONTENT_COLUMNS:
        with translation.override("zh-hans"):
            chinese = gettext(msgid)
        columns.append(Column(key=key, title=gettext(msgid), required=required,
                              aliases=(msgid, chinese), example=example,
                              help=gettext(help_text) if help_text else ""))
    return columns


def column_title(key: str) -> str:
    for column_key, msgid, *_rest in NETCONTENT_COLUMNS:
        if column_key == key:
            return gettext(msgid)
    return ""
