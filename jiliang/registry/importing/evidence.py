"""The evidence columns of the import (issue 18): where and how a verification was done, the
seals or the mark, and the software version, checksum and event counter found and left. Read
here cell by cell; judged with the record by the one record check, as the form's."""

from __future__ import annotations

import re

from django.utils.functional import lazy
from django.utils.translation import get_language, gettext_lazy

from jiliang.core.tabular import Column
from jiliang.registry.evidence import FIELDS, evidence_read
from jiliang.rules import evidence as rules

_FOUND, _LEFT = gettext_lazy("As found"), gettext_lazy("As left")
_SEALS = gettext_lazy("One seal number a line.")  # a cell's lines, or separated by semicolons


def _choices(vocabulary: str) -> str:
    """A vocabulary of the data (rules/data/verification_evidence.json) as a column's note in
    the reader's language: each code with its name (either is accepted)."""
    name = "name_en" if (get_language() or "").startswith("en") else "name_zh"
    return " / ".join(f"{e['code']} ({e[name]})" for e in rules.data()[vocabulary])


_choices_lazy = lazy(_choices, str)

COLUMNS = [
    Column("method", "检定方式", aliases=("method", "where and how"), example="on_site",
           help=_choices_lazy("methods")),
    Column("remote_data", "远程检定数据", aliases=("remote data",),
           help=gettext_lazy("For a remote verification: the data set or readings it rests on.")),
    Column("remote_standard", "远端计量标准", aliases=("remote standard",
                                                  "standard used at the other end")),
    Column("seals_found", "检定前封印编号", aliases=("seals found",), help=_SEALS),
    Column("seals_left", "检定后封印编号", aliases=("seals left",), example="粤JL-000123",
           help=_SEALS),
    Column("mark", "检定标记编号", aliases=("mark",),
           help=gettext_lazy("The verification mark's number, where no seal is numbered.")),
    Column("seal_form", "标记形式", aliases=("form of the mark", "seal form"),
           help=_choices_lazy("seal_forms")),
    Column("software_version_found", "检定前软件版本", aliases=("software version found",),
           help=_FOUND),
    Column("software_version_left", "检定后软件版本", aliases=("software version left",),
           help=_LEFT),
    Column("checksum_found", "检定前软件校验和", aliases=("checksum found",), help=_FOUND),
    Column("checksum_left", "检定后软件校验和", aliases=("checksum left",), help=_LEFT),
    Column("counter_found", "检定前事件计数器", aliases=("event counter found", "counter found"),
           help=_FOUND),
    Column("counter_left", "检定后事件计数器", aliases=("event counter left", "counter left"),
           help=_LEFT),
    Column("audit_trail", "审计追踪读数", aliases=("audit-trail reading", "audit trail")),
]
assert {c.key for c in COLUMNS} == set(FIELDS)
KEYS = FIELDS


def _words(entries: list[dict], *extra: tuple[str, str]) -> dict[str, str]:
    """A vocabulary's code by its code, Chinese or English name (case and spaces aside)."""
    out = {}
    for entry in entries:
        for word in (entry["code"], entry["name_zh"], entry["name_en"]):
            out[_norm(word)] = entry["code"]
    out.update((_norm(word), code) for word, code in extra)
    return out


def _norm(text: str) -> str:
    return "".join(text.split()).lower().replace("-", "_")


METHODS = _words(rules.data()["methods"], ("实验室", rules.LABORATORY), ("现场", rules.ON_SITE),
                 ("远程", rules.REMOTE), ("onsite", rules.ON_SITE))
SEAL_FORMS = _words(rules.data()["seal_forms"])
_SEAL_SPLIT = re.compile(r"[;；\n]")


def read_evidence(raw: dict[str, str], errors: list[tuple[str, str]]) -> rules.Evidence | None:
    """A row's evidence cells as evidence (None: the row gives none). A method or form of mark
    not in the vocabulary is kept as written, for the record check to refuse by name."""
    values: dict[str, object] = {key: raw[key].strip() for key in KEYS}
    if not any(values.values()):
        return None
    for key, words in (("method", METHODS), ("seal_form", SEAL_FORMS)):
        text = str(values[key])
        values[key] = words.get(_norm(text), text)
    for key in ("seals_found", "seals_left"):
        values[key] = [s for s in _SEAL_SPLIT.split(str(values[key])) if s.strip()]
    ev, problems = evidence_read(values)
    errors += problems
    return ev
