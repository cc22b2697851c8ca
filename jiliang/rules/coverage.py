"""Coverage of counties by authorised institutions, kind by kind (work plan 四.5).

A bureau plans authorisations from it: for each county and instrument kind, how many
institutions hold an authorisation in force that covers the kind there, and whether the
county has none, or only one whose authorisation ends soon.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jiliang.rules.months import add_months
from jiliang.rules.signoff import Scope

# Work plan 四.5: a county served by one institution only, whose authorisation ends within
# six months, is flagged with the uncovered ones.
ENDING_MONTHS = 6

NONE, ONE_ENDING, COVERED = "none", "one_ending", "covered"


@dataclass(frozen=True)
class Cell:
    county: str
    kind: str
    institutions: int
    status: str
    ends_on: datetime.date | None = None  # the single institution's end, when it is the only one


def cells(counties: Sequence[str], kinds: Sequence[str],
          scopes: Mapping[int, Iterable[Scope]], *, on: datetime.date) -> list[Cell]:
    """Every (county, kind) cell: institutions authorised on ``on`` for the kind there.

    ``scopes`` maps an institution to its effective-dated scopes; an institution counts once
    per cell however many of its scopes cover it; its end is the latest of those scopes'.
    """
    horizon = add_months(on, ENDING_MONTHS)
    wanted = set(kinds)
    under: dict[str, list[str]] = {}  # a scope's prefix -> its counties (a province: thousands)
    # (county, kind) -> {institution: latest end (None: open-ended)}
    found: dict[tuple[str, str], dict[int, datetime.date | None]] = {}
    for institution, its in scopes.items():
        for scope in its:
            if not scope.in_force_on(on) or not scope.region_prefix:
                continue
            kinds_here = wanted & scope.kinds
            if not kinds_here:
                continue
            prefix = scope.region_prefix
            if prefix not in under:
                under[prefix] = [c for c in counties if c.startswith(prefix)]
            for county in under[prefix]:
                for kind in kinds_here:
                    ends = found.setdefault((county, kind), {})
                    end = scope.valid_until
                    if institution in ends:  # open-ended (None) wins, else the later end
                        before = ends[institution]
                        end = None if before is None or end is None else max(before, end)
                    ends[institution] = end
    out = []
    for county in counties:
        for kind in kinds:
            ends = found.get((county, kind), {})
            if not ends:
                out.append(Cell(county, kind, 0, NONE))
                continue
            if len(ends) == 1:
                (end,) = ends.values()
                if end is not None and end < horizon:
                    out.append(Cell(county, kind, 1, ONE_ENDING, end))
                    continue
            out.append(Cell(county, kind, len(ends), COVERED))
    return out
