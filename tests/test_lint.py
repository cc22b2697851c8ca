"""The lint step of the test run: ruff over the tree, and radon's cyclomatic complexity over
``jiliang/`` (migrations aside): no function or method rated worse than C (complexity > 20).

ALLOWED lists the offenders of the day the test came in, as ``path:function``; the list only
shrinks. An offender not on it fails, and so does an entry that is no longer an offender (take
it off: the list stays true). ``python tests/test_lint.py`` prints today's offenders.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_rank, cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parent.parent
WORST_RANK = "C"

ALLOWED = frozenset({
})


def offenders() -> dict[str, str]:
    """``path:function`` → its rank and complexity, for every function rated worse than C."""
    found = {}
    for path in sorted((ROOT / "jiliang").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if isinstance(block, Function) and cc_rank(block.complexity) > WORST_RANK:
                name = f"{path.relative_to(ROOT).as_posix()}:{block.fullname}"
                found[name] = f"{cc_rank(block.complexity)} ({block.complexity})"
    return found


def test_no_function_is_rated_worse_than_c():
    found = offenders()
    new = sorted(f"{name} {found[name]}" for name in set(found) - ALLOWED)
    assert not new, ("rated worse than C by radon (break them into named steps):\n"
                     + "\n".join(new))


def test_the_allowlist_holds_only_todays_offenders():
    gone = sorted(ALLOWED - set(offenders()))
    assert not gone, ("no longer worse than C: take them off ALLOWED in tests/test_lint.py:\n"
                      + "\n".join(gone))


MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules():
    for path in sorted((ROOT / "jiliang").rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_no_module_is_over_600_lines():
    long = [f"{path.relative_to(ROOT).as_posix()} {text.count(chr(10))}"
            for path, text in _modules() if text.count("\n") > MAX_FILE_LINES]
    assert not long, "modules over 600 lines (cut them along their sections):\n" + "\n".join(long)


def test_no_function_is_over_80_lines():
    long = [f"{path.relative_to(ROOT).as_posix()}:{block.fullname} "
            f"{block.endline - block.lineno + 1}"
            for path, text in _modules() for block in cc_visit(text)
            if isinstance(block, Function)
            and block.endline - block.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, "functions over 80 lines (break them into named steps):\n" + "\n".join(long)

def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def write_allowlist() -> None:
    """Set ALLOWED to today's offenders (``python tests/test_lint.py --write``)."""
    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("ALLOWED = frozenset({\n", 1)
    _old, tail = rest.split("})\n", 1)
    rows = "".join(f"    {name!r},  # {rank}\n" for name, rank in sorted(offenders().items()))
    path.write_text(head + "ALLOWED = frozenset({\n" + rows + "})\n" + tail, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_allowlist()
    for name, rank in sorted(offenders().items()):
        print(f"    {name!r},  # {rank}")
