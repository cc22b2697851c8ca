"""Identifiers: GB/T 2260 division codes and GB 32100-2015 unified social credit codes.

Algorithms and checked examples: shared/reference/identifiers.md.
"""

from __future__ import annotations

import re

from jiliang.rules import RuleError

# GB/T 2260: the province-level codes (digits 1-2).
PROVINCE_CODES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
)
# GB/T 2260 lists Taiwan, Hong Kong and Macao only as xx0000.
PROVINCE_ONLY_CODES = frozenset({"71", "81", "82"})

PROVINCE, PREFECTURE, COUNTY = 1, 2, 3

_SIX_DIGITS = re.compile(r"^\d{6}$")


def region_level(code: str) -> int:
    """The level of a structurally valid GB/T 2260 code, or RuleError."""
    if not isinstance(code, str) or not _SIX_DIGITS.match(code):
        raise RuleError("region.format", "a division code has exactly 6 digits")
    pp, cc, dd = code[:2], code[2:4], code[4:]
    if pp not in PROVINCE_CODES:
        raise RuleError("region.province", "no province has the code {pp}", pp=pp)
    if cc == "00" and dd != "00":
        # GB/T 2260: a county always has prefecture digits other than 00.
        raise RuleError("region.structure", "county digits need prefecture digits")
    if pp in PROVINCE_ONLY_CODES and code != pp + "0000":
        raise RuleError("region.structure", "{pp} exists only as {pp}0000", pp=pp)
    if cc == "00":
        return PROVINCE
    if dd == "00":
        return PREFECTURE
    return COUNTY


def region_prefix(code: str) -> str:
    """The prefix that covers a division and everything under it.

    440000 -> "44" (Guangdong), 440100 -> "4401" (Guangzhou), 440106 -> "440106".
    """
    level = region_level(code)
    return code[: {PROVINCE: 2, PREFECTURE: 4, COUNTY: 6}[level]]


def region_parent_code(code: str) -> str | None:
    """The code of the level above, by structure (440106 -> 440100 -> 440000)."""
    level = region_level(code)
    if level == PROVINCE:
        return None
    if level == PREFECTURE:
        return code[:2] + "0000"
    return code[:4] + "00"


# GB 32100-2015: 31 characters, the letters I, O, S, V and Z excluded.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
# W_i = 3^(i-1) mod 31, i = 1..17
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
USCC_AUTHORITIES = frozenset("123456789ANY")

# GB 11714-1997 organisation code, positions 9-17 of the USCC.
_ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, 4.4)."""
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_validate(code: str) -> str:
    """Return the normalised code or raise RuleError naming the rule broken."""
    if not isinstance(code, str):
        raise RuleError("uscc.length", "a unified social credit code has 18 characters")
    code = code.strip().upper()
    if len(code) != 18:
        raise RuleError(
            "uscc.length", "a unified social credit code has 18 characters, not {n}", n=len(code)
        )
    bad = [c for c in code if c not in USCC_VALUES]
    if bad:
        raise RuleError(
            "uscc.charset",
            "the character {char} is not used in credit codes (I, O, S, V and Z never are)",
            char=bad[0],
        )
    if code[0] not in USCC_AUTHORITIES:
        raise RuleError(
            "uscc.authority", "{char} is not a registration-authority code", char=code[0]
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise RuleError(
            "uscc.check",
            "the check character should be {expected}, not {actual}",
            expected=expected,
            actual=code[17],
        )
    return code


def organisation_code_warning(code: str) -> str | None:
    """A warning when positions 9-17 fail the GB 11714 check, else None.

    Not a rejection: codes issued to some entity types may not follow it
    (shared/reference/identifiers.md, section 2).
    """
    body = code[8:16]
    if any(c not in _ORG_VALUES for c in body):
        return "positions 9-16 are not an organisation code body"
    c9 = 11 - sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    expected = {10: "X", 11: "0"}.get(c9, str(c9))
    if code[16] != expected:
        return f"the organisation-code check character should be {expected}"
    return None
