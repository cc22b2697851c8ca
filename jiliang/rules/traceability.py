"""May a verification stand on this measurement standard, on this day?

The legal-metrology chain (计量法 arts. 5-9; 计量标准考核办法): a national primary standard
(计量基准) → social public standards (社会公用计量标准) and the highest standards of departments
and enterprises → working standards → the instruments in use. A standard serves verifications
only while its assessment certificate (计量标准考核证书) is in force and its own verification or
calibration by the level above is current and in tolerance, for the kinds and the range it was
assessed for, and when its chain of upstream links reaches a national primary standard.

``record_errors`` takes plain facts (``StandardFacts``, gathered by the app) and returns every
error it finds as ``(field, code, params)``; the form, the API and the import each call it and
word the codes in the user's language. ``chain`` walks the upstream links; ``subtree`` walks
them downwards (impact analysis). ``parse_range`` reads an instrument's measuring range.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# Categories (计量标准的类别), the national node first.
NATIONAL = "national"  # 计量基准 (国家计量基准), the top of every chain
SOCIAL_PUBLIC = "social_public"  # 社会公用计量标准
DEPARTMENT_HIGHEST = "department_highest"  # 部门最高计量标准
ENTERPRISE_HIGHEST = "enterprise_highest"  # 企事业单位最高计量标准
WORKING = "working"  # 工作计量标准
CATEGORIES = (NATIONAL, SOCIAL_PUBLIC, DEPARTMENT_HIGHEST, ENTERPRISE_HIGHEST, WORKING)

ACTIVE, SUSPENDED, RETIRED = "active", "suspended", "retired"
MAX_CHAIN = 50  # no real chain is longer; a longer one is a loop or bad data

# The field every error of the standard lands on, on the form, in the API and in the import.
FIELD = "standard"


@dataclass(frozen=True)
class StandardFacts:
    """What the check needs to know about one standard on one day."""

    id: int
    owner_id: int
    category: str
    status: str = ACTIVE
    kinds: frozenset[str] = frozenset()
    range_low: Decimal | None = None
    range_high: Decimal | None = None
    range_unit: str = ""
    certificate_no: str = ""
    certificate_from: datetime.date | None = None
    certificate_until: datetime.date | None = None
    # The last calibration (or verification) on or before the day, and whether it passed.
    calibrated_on: datetime.date | None = None
    calibration_due: datetime.date | None = None
    calibration_ok: bool = True
    reaches_national: bool = False
    suspended_from: datetime.date | None = None


@dataclass(frozen=True)
class LotFacts:
    """A reference-material lot named on a record (``holder_id`` None: no such lot on file)."""

    label: str
    holder_id: int | None
    expires_on: datetime.date | None = None


@dataclass(frozen=True)
class Node:
    id: int
    category: str
    upstream_id: int | None


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


def chain(start: int, nodes: Mapping[int, Node]) -> tuple[list[int], bool]:
    """The ids from ``start`` upwards, and whether the walk ended at a national standard.

    A missing node, a loop or a chain longer than ``MAX_CHAIN`` ends the walk without reaching.
    """
    path: list[int] = []
    seen: set[int] = set()
    current: int | None = start
    while current is not None and len(path) < MAX_CHAIN:
        node = nodes.get(current)
        if node is None or current in seen:
            return path, False
        path.append(current)
        seen.add(current)
        if node.category == NATIONAL:
            return path, True
        current = node.upstream_id
    return path, False


def subtree(root: int, children: Mapping[int, Iterable[int]]) -> list[int]:
    """``root`` and every standard below it (breadth first, each once)."""
    out, seen, frontier = [root], {root}, [root]
    while frontier:
        following = []
        for parent in frontier:
            for child in children.get(parent, ()):
                if child not in seen:
                    seen.add(child)
                    out.append(child)
                    following.append(child)
        frontier = following
    return out


# Units an instrument's range is written in, to a base unit of their quantity.
_UNITS: dict[str, tuple[str, Decimal]] = {
    "mg": ("kg", Decimal("0.000001")), "g": ("kg", Decimal("0.001")), "kg": ("kg", Decimal(1)),
    "t": ("kg", Decimal(1000)),
    "ml": ("m3", Decimal("0.000001")), "l": ("m3", Decimal("0.001")), "m3": ("m3", Decimal(1)),
    "m³": ("m3", Decimal(1)), "l/min": ("m3/h", Decimal("0.06")),
    "m3/h": ("m3/h", Decimal(1)), "m³/h": ("m3/h", Decimal(1)),
    "pa": ("pa", Decimal(1)), "kpa": ("pa", Decimal(1000)), "mpa": ("pa", Decimal(1000000)),
    "mmhg": ("pa", Decimal("133.322")),
    "mm": ("m", Decimal("0.001")), "cm": ("m", Decimal("0.01")), "m": ("m", Decimal(1)),
    "km": ("m", Decimal(1000)),
    "km/h": ("km/h", Decimal(1)), "°c": ("°c", Decimal(1)), "℃": ("°c", Decimal(1)),
    "a": ("a", Decimal(1)), "v": ("v", Decimal(1)), "kv": ("v", Decimal(1000)),
    "kw": ("w", Decimal(1000)), "w": ("w", Decimal(1)),
    "gy": ("gy", Decimal(1)), "mg/l": ("mg/l", Decimal(1)), "mg/100ml": ("mg/100ml", Decimal(1)),
}
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_RANGE = re.compile(
    rf"^\(?\s*(?P<lo>{_NUMBER})\s*(?:~|～|-|－|—|to|至)\s*(?P<hi>{_NUMBER})\s*\)?\s*(?P<unit>\S+)$",
    re.IGNORECASE)
_MAX = re.compile(rf"^(?:max\.?|最大称量|最大|≤)?\s*(?P<hi>{_NUMBER})\s*(?P<unit>\S+)$",
                  re.IGNORECASE)


def unit_of(text: str) -> tuple[str, Decimal] | None:
    return _UNITS.get((text or "").strip().lower())


def parse_range(text: str) -> tuple[Decimal, Decimal, str] | None:
    """``(0~30) kg`` → (0, 30, kg); ``Max 30 kg`` → (0, 30, kg); None when it cannot be read."""
    text = (text or "").strip()
    if not text or len(text) > 100:
        return None
    match = _RANGE.match(text) or _MAX.match(text)
    if match is None:
        return None
    try:
        low = Decimal(match.group("lo")) if "lo" in match.groupdict() and match.group("lo") \
            else Decimal(0)
        high = Decimal(match.group("hi"))
    except InvalidOperation:
        return None
    if unit_of(match.group("unit")) is None or low > high:
        return None
    return low, high, match.group("unit")


def covers(facts: StandardFacts, instrument_range: str) -> bool | None:
    """Does the standard's range cover the instrument's? None when it cannot be judged (no range
    on file on either side, or the units measure different quantities)."""
    if facts.range_high is None or not facts.range_unit:
        return None
    parsed = parse_range(instrument_range)
    if parsed is None:
        return None
    low, high, unit = parsed
    mine, theirs = unit_of(facts.range_unit), unit_of(unit)
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return None
    s_low = (facts.range_low or Decimal(0)) * mine[1]
    s_high = facts.range_high * mine[1]
    return s_low <= low * theirs[1] and high * theirs[1] <= s_high


def record_errors(facts: StandardFacts | None, *, institution_id: int, kind_code: str,
                  instrument_range: str, on: datetime.date) -> list[Problem]:
    """Every reason the standard cannot serve this verification; an empty list when it can:
    whose it is and its standing, its certificate, its calibration, its range, its chain."""
    if facts is None:
        return [Problem(FIELD, "standard.missing")]
    return [*_standing_errors(facts, institution_id=institution_id, kind_code=kind_code, on=on),
            *_certificate_errors(facts, on),
            *_calibration_errors(facts, on),
            *_range_errors(facts, instrument_range),
            *([] if facts.reaches_national else [Problem(FIELD, "standard.chain")])]


def _standing_errors(facts: StandardFacts, *, institution_id: int, kind_code: str,
                     on: datetime.date) -> list[Problem]:
    """The institution's own standard, not a national one, in service, kept for the kind."""
    out: list[Problem] = []
    if facts.owner_id != institution_id:
        out.append(Problem(FIELD, "standard.not_own"))
    if facts.category == NATIONAL:
        out.append(Problem(FIELD, "standard.national"))
    if facts.status == RETIRED:
        out.append(Problem(FIELD, "standard.retired"))
    elif facts.status == SUSPENDED and (facts.suspended_from is None or facts.suspended_from <= on):
        out.append(Problem(FIELD, "standard.suspended"))
    if kind_code not in facts.kinds:
        out.append(Problem(FIELD, "standard.kind"))
    return out


def _certificate_errors(facts: StandardFacts, on: datetime.date) -> list[Problem]:
    """A standard's certificate, valid on the day."""
    if facts.certificate_until is None:
        return [Problem(FIELD, "standard.no_certificate")]
    if facts.certificate_until < on or (facts.certificate_from and facts.certificate_from > on):
        return [Problem(FIELD, "standard.certificate_lapsed", {
            "number": facts.certificate_no, "until": facts.certificate_until.isoformat()})]
    return []


def _calibration_errors(facts: StandardFacts, on: datetime.date) -> list[Problem]:
    """A passed calibration, not yet due on the day."""
    if facts.calibrated_on is None:
        return [Problem(FIELD, "standard.no_calibration")]
    if not facts.calibration_ok:
        return [Problem(FIELD, "standard.calibration_failed", {
            "date": facts.calibrated_on.isoformat()})]
    if facts.calibration_due is None or facts.calibration_due < on:
        return [Problem(FIELD, "standard.calibration_lapsed", {
            "date": facts.calibrated_on.isoformat(),
            "due": facts.calibration_due.isoformat() if facts.calibration_due else "—"})]
    return []


def _range_errors(facts: StandardFacts, instrument_range: str) -> list[Problem]:
    """The standard's range covers the instrument's (unknown ranges pass)."""
    if covers(facts, instrument_range) is False:
        low = facts.range_low if facts.range_low is not None else Decimal(0)
        return [Problem(FIELD, "standard.range", {
            "range": f"{low:f}–{facts.range_high:f} {facts.range_unit}",
            "instrument": instrument_range})]
    return []


def lot_errors(lots: Iterable[LotFacts], *, institution_id: int,
               on: datetime.date) -> list[Problem]:
    """Every reason the reference-material lots named on a record cannot serve it."""
    out = []
    for lot in lots:
        if lot.holder_id != institution_id:
            out.append(Problem("reference_lots", "lot.not_own", {"lot": lot.label}))
        elif lot.expires_on is not None and lot.expires_on < on:
            out.append(Problem("reference_lots", "lot.expired", {
                "lot": lot.label, "until": lot.expires_on.isoformat()}))
    return out
