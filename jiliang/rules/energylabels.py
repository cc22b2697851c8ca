"""Energy-label grades per label standard (中国能效标识, work plan 二.8), as data with its source.

``data/energy_labels.json`` lists GB energy-efficiency standards with the number of grades their
label has, each with its source, or ``null`` where no consulted source gives it. Where the check
names no listed standard, or the number is null, the number is the administration's
(a setting the caller passes in): never invented here. Pure: no Django.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "energy_labels.json"
MAX_GRADES = 9  # a bound on input and data, not a rule of any standard
CODE_MAX = 40


@dataclass(frozen=True)
class LabelStandard:
    code: str
    product_zh: str
    product_en: str
    grades: int | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Scale:
    """The grades a label may carry: 1 (best) to ``top``; ``standard`` when the data gives the
    number, None when it is the administration's setting."""

    top: int
    standard: LabelStandard | None

    @property
    def from_setting(self) -> bool:
        return self.standard is None

    def holds(self, grade: int) -> bool:
        return 1 <= grade <= self.top


def normalise_code(text: str) -> str:
    """A standard's code as printed or typed: full-width folded, upper case, one space after
    the prefix ("gb21455—2019" → "GB 21455-2019")."""
    code = unicodedata.normalize("NFKC", text or "").upper().strip()
    code = re.sub(r"[‐-―−]", "-", code)
    code = re.sub(r"\s+", " ", code)
    return re.sub(r"^(GB(?:/T)?)\s*(?=\d)", r"\1 ", code)


def problems(data: dict) -> list[str]:
    """What is unsound in the data: a number of grades out of 2..MAX_GRADES, or without a
    source; a code given twice."""
    found, seen = [], set()
    for item in data.get("standards", []):
        code = normalise_code(item.get("code", ""))
        if not code or code in seen:
            found.append(f"standard {code or '(no code)'}: missing or given twice")
        seen.add(code)
        grades = item.get("grades")
        if grades is not None and not (isinstance(grades, int) and 2 <= grades <= MAX_GRADES):
            found.append(f"standard {code}: grades {grades!r} is not 2 to {MAX_GRADES}")
        if grades is not None and not item.get("sources"):
            found.append(f"standard {code}: a number of grades needs its source")
    return found


@cache
def standards() -> dict[str, LabelStandard]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    found = problems(data)
    if found:
        raise ValueError("energy_labels.json: " + "; ".join(found))
    return {normalise_code(item["code"]): LabelStandard(
        code=normalise_code(item["code"]), product_zh=item.get("product_zh", ""),
        product_en=item.get("product_en", ""), grades=item.get("grades"),
        sources=tuple(item.get("sources", ()))) for item in data["standards"]}


def refresh() -> None:
    """Read the data file again."""
    standards.cache_clear()


def scale(code: str, setting: int) -> Scale:
    """The grades of a label under the standard ``code`` (as printed on it; may be empty): the
    data's number where it gives one, else ``setting``, the administration's."""
    standard = standards().get(normalise_code(code))
    if standard is not None and standard.grades is not None:
        return Scale(standard.grades, standard)
    return Scale(setting, None)


def largest(setting: int) -> int:
    """The most grades any label may carry: the bound of a grade field before the standard is
    known."""
    return max([setting, *(s.grades for s in standards().values() if s.grades)])
