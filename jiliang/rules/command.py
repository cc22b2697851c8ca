"""The command-line contract the rules share: one JSON object in, one out; on input that cannot
be judged, ``{"error": ...}`` and exit status 2 (``python -m jiliang.rules.netcontent``,
``python -m jiliang.rules.comparison``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO

from jiliang.rules import RuleError


def json_command(run: Callable[[object], dict], read: Callable[[IO[str]], object],
                 stdin=None, stdout=None) -> int:
    """``run(read(stdin))`` written to stdout as JSON; ``read`` raises RuleError on text that is
    not JSON (or not text), and ``run`` on input that cannot be judged: either is the error
    line."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        result = run(read(stdin))
    except RuleError as error:
        stdout.write(json.dumps({"error": str(error)}, ensure_ascii=False) + "\n")
        return 2
    stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0
