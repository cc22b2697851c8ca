"""The command line: one JSON object in, one out; exit status 2 on input that cannot be judged
(``python -m jiliang.rules.netcontent``)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import IO

from jiliang.rules import RuleError
from jiliang.rules.command import json_command
from jiliang.rules.netcontent.judgement import judge


def run(payload: object) -> dict:
    """The command-line contract as a function: a judgement dict, or RuleError."""
    if not isinstance(payload, dict):
        raise RuleError("input.not_object", "the input must be one JSON object")
    missing = [k for k in ("rule_set", "nominal", "unit", "lot_size", "values") if k not in payload]
    if missing:
        raise RuleError("input.missing", "missing: {keys}", keys=", ".join(missing))
    judgement = judge(
        rule_set=payload["rule_set"], nominal=payload["nominal"], unit=payload["unit"],
        lot_size=payload["lot_size"], values=payload["values"],
        values_unit=payload.get("values_unit"), t_rounding=payload.get("t_rounding"),
        destructive=bool(payload.get("destructive", False)),
    )
    return judgement.as_dict()


def read_json(stream: IO[str]) -> object:
    """The input, fractions as decimals; RuleError naming what is wrong with text that is not
    JSON."""
    try:
        return json.loads(stream.read(), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise RuleError("input.json", "the input is not valid JSON: {error}",
                        error=str(error)) from None


def main(stdin=None, stdout=None) -> int:
    return json_command(run, read_json, stdin, stdout)
