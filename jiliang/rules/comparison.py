"""Scores of an interlaboratory comparison (比对) or proficiency test: En and z.

- En (the normalised error, JJF 1117 and ISO/IEC 17043 B.3.1.3)::

      En = (x − X) / √(U_lab² + U_ref²)

  with expanded uncertainties. When the participant's own result went into the reference value
  (``in_reference``) the two are correlated and the difference's uncertainty is
  U(d) = √(U_lab² − U_ref²), which needs U_lab > U_ref. |En| ≤ 1 is satisfactory, otherwise
  unsatisfactory.
- z (ISO 13528:2022, 9.4 and 9.5)::

      z = (x − X) / σ_pt

  |z| ≤ 2 satisfactory, 2 < |z| < 3 questionable, |z| ≥ 3 unsatisfactory.

Decimal arithmetic. The verdict is decided exactly on the unrounded score: |En| ≤ 1 is decided
as d² ≤ U² (no square root is rounded on the way) and |z| ≤ k as |d| ≤ k·σ_pt. The printed
score has two decimals, more when two would print a boundary value (1.00, 2.00, 3.00) on the
wrong side of its verdict.

Command line (one JSON object in, one out; ``{"error": ...}`` and exit status 2 on input it
cannot score)::

    echo '{"method": "En", "reference": {"value": "10.0000", "U": "0.0004"},
           "results": [{"lab": "A", "value": "10.0006", "U": "0.0010"}]}' \\
      | python -m jiliang.rules.comparison
    {"method": "En", "results": [{"lab": "A", "score": "0.56", "verdict": "satisfactory"}]}
"""

from __future__ import annotations

import decimal
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from jiliang.rules import RuleError
from jiliang.rules.command import json_command

CONTEXT = decimal.Context(prec=50, rounding=decimal.ROUND_HALF_EVEN)

EN, Z = "En", "z"
METHODS = (EN, Z)
SATISFACTORY, QUESTIONABLE, UNSATISFACTORY = "satisfactory", "questionable", "unsatisfactory"
VERDICTS = (SATISFACTORY, QUESTIONABLE, UNSATISFACTORY)

# The limits, each from its source.
EN_LIMIT = Decimal(1)  # |En| ≤ 1 (ISO/IEC 17043:2023, B.3.1.3; JJF 1117)
Z_WARNING = Decimal(2)  # |z| ≤ 2 satisfactory (ISO 13528:2022, 9.4.1)
Z_ACTION = Decimal(3)  # |z| ≥ 3 unsatisfactory; between: questionable
MAX_RESULTS = 10_000
MAX_DIGITS = 60


@dataclass(frozen=True)
class Score:
    lab: str
    score: Decimal  # unrounded
    verdict: str
    printed: str


def number(value: object, field: str) -> Decimal:
    """A finite decimal from a JSON string or number; anything else is refused."""
    if isinstance(value, bool) or value is None:
        raise RuleError("value.not_number", "{field} is not a number", field=field)
    if isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise RuleError("value.not_number", "{field} is not a number", field=field)
    if not text or len(text) > MAX_DIGITS:
        raise RuleError("value.not_number", "{field} is not a number", field=field)
    try:
        parsed = Decimal(text)
    except decimal.InvalidOperation:
        raise RuleError("value.not_number", "{field} is not a number", field=field) from None
    if not parsed.is_finite():
        raise RuleError("value.not_number", "{field} is not a number", field=field)
    return parsed


def uncertainty(value: object, field: str) -> Decimal:
    u = number(value, field)
    if u < 0:
        raise RuleError("uncertainty.negative", "{field} is a negative uncertainty", field=field)
    return u


def verdict_en(d: Decimal, u2: Decimal) -> str:
    """|d| / √u2 ≤ 1, decided exactly as d² ≤ u2."""
    with decimal.localcontext(CONTEXT):
        return SATISFACTORY if d * d <= u2 * EN_LIMIT * EN_LIMIT else UNSATISFACTORY


def verdict_z(d: Decimal, sigma: Decimal) -> str:
    with decimal.localcontext(CONTEXT):
        a = abs(d)
        if a <= Z_WARNING * sigma:
            return SATISFACTORY
        if a < Z_ACTION * sigma:
            return QUESTIONABLE
        return UNSATISFACTORY


def _verdict_of_printed(method: str, printed: Decimal) -> str:
    a = abs(printed)
    if method == EN:
        return SATISFACTORY if a <= EN_LIMIT else UNSATISFACTORY
    if a <= Z_WARNING:
        return SATISFACTORY
    return QUESTIONABLE if a < Z_ACTION else UNSATISFACTORY


def printed(method: str, score: Decimal, verdict: str) -> str:
    """Two decimals, or more while the rounded figure would read as the other verdict."""
    with decimal.localcontext(CONTEXT):
        for places in range(2, 30):
            text = score.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN)
            if _verdict_of_printed(method, text) == verdict:
                break
        if text == 0:
            text = abs(text)  # no "-0.00"
        return f"{text:f}"


def score_en(reference: Mapping, results: Sequence[Mapping]) -> list[Score]:
    x_ref = number(reference.get("value"), "reference.value")
    u_ref = uncertainty(reference.get("U"), "reference.U")
    out = []
    with decimal.localcontext(CONTEXT):
        for i, row in enumerate(results):
            lab = _lab(row, i)
            x = number(row.get("value"), f"results[{i}].value")
            u_lab = uncertainty(row.get("U"), f"results[{i}].U")
            in_reference = row.get("in_reference", False)
            if not isinstance(in_reference, bool):
                raise RuleError("value.not_boolean", "{field} is not true or false",
                                field=f"results[{i}].in_reference")
            if in_reference:
                if u_lab <= u_ref:
                    raise RuleError(
                        "in_reference.u_lab", "{field}: a result that went into the reference "
                        "value needs U_lab > U_ref (U(d) = √(U_lab² − U_ref²))",
                        field=f"results[{i}].U")
                u2 = u_lab * u_lab - u_ref * u_ref
            else:
                u2 = u_lab * u_lab + u_ref * u_ref
            if u2 == 0:
                raise RuleError("uncertainty.zero", "{field}: the combined uncertainty is zero",
                                field=f"results[{i}].U")
            d = x - x_ref
            score = d / u2.sqrt()
            verdict = verdict_en(d, u2)
            out.append(Score(lab, score, verdict, printed(EN, score, verdict)))
    return out


def score_z(reference: Mapping, results: Sequence[Mapping]) -> list[Score]:
    x_ref = number(reference.get("value"), "reference.value")
    sigma = uncertainty(reference.get("sigma_pt"), "reference.sigma_pt")
    if sigma == 0:
        raise RuleError("sigma_pt.zero", "{field} is zero", field="reference.sigma_pt")
    out = []
    with decimal.localcontext(CONTEXT):
        for i, row in enumerate(results):
            lab = _lab(row, i)
            x = number(row.get("value"), f"results[{i}].value")
            d = x - x_ref
            score = d / sigma
            verdict = verdict_z(d, sigma)
            out.append(Score(lab, score, verdict, printed(Z, score, verdict)))
    return out


def _lab(row: object, i: int) -> str:
    if not isinstance(row, Mapping):
        raise RuleError("input.shape", "{field} is not an object", field=f"results[{i}]")
    lab = row.get("lab")
    if not isinstance(lab, str | int) or isinstance(lab, bool) or not str(lab).strip():
        raise RuleError("lab.missing", "{field}: name the laboratory", field=f"results[{i}].lab")
    if len(str(lab)) > 200:
        raise RuleError("lab.too_long", "{field}: at most 200 characters",
                        field=f"results[{i}].lab")
    return str(lab).strip()


def score(method: str, reference: Mapping, results: Sequence[Mapping]) -> list[Score]:
    if method == EN:
        return score_en(reference, results)
    if method == Z:
        return score_z(reference, results)
    raise RuleError("method.unknown", "unknown method {method!r}: use En or z", method=method)


def run(payload: object) -> dict:
    """The command-line contract over plain data."""
    if not isinstance(payload, Mapping):
        raise RuleError("input.shape", "the input is not a JSON object")
    method = payload.get("method")
    if method not in METHODS:
        raise RuleError("method.unknown", "unknown method {method!r}: use En or z",
                        method=str(method)[:40])
    reference, results = payload.get("reference"), payload.get("results")
    if not isinstance(reference, Mapping):
        raise RuleError("input.shape", "reference is not an object")
    if not isinstance(results, list) or not results:
        raise RuleError("input.shape", "results is not a non-empty list")
    if len(results) > MAX_RESULTS:
        raise RuleError("input.too_many", "at most {n} results", n=MAX_RESULTS)
    scores = score(method, reference, results)
    return {"method": method, "results": [
        {"lab": s.lab, "score": s.printed, "verdict": s.verdict} for s in scores]}


def read_json(stream: IO[str]) -> object:
    """The input, numbers as decimals; RuleError naming what is wrong with text that is not JSON."""
    try:
        return json.loads(stream.read(), parse_float=Decimal, parse_int=Decimal,
                          parse_constant=lambda name: name)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise RuleError("input.json", "the input is not valid JSON: {error}",
                        error=str(error)[:200]) from None


def main(stdin=None, stdout=None) -> int:
    return json_command(run, read_json, stdin, stdout)


if __name__ == "__main__":
    sys.exit(main())
