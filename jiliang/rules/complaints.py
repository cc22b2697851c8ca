"""Complaints and reports about measurement (计量投诉举报): vocabulary, tracking numbers, the
time limit and the anti-spam challenge, as pure functions (no Django)."""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from jiliang.rules.deadlines import Calendar, add_working_days

DATA = Path(__file__).resolve().parent / "data" / "complaints.json"
# Tracking numbers avoid 0/O and 1/I, like the label codes: they are read over the phone.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@cache
def _data() -> Mapping:
    return json.loads(DATA.read_text(encoding="utf-8"))


def categories() -> dict[str, Mapping[str, str]]:
    return dict(_data()["categories"])


def states() -> dict[str, Mapping[str, str]]:
    return dict(_data()["states"])


def new_tracking_number(on: datetime.date) -> str:
    """TS + the date + 6 random characters: readable, and unguessable together with the code."""
    return "TS" + on.strftime("%Y%m%d") + "".join(secrets.choice(ALPHABET) for _ in range(6))


def new_access_code() -> str:
    """Six digits, shown once to the complainant and kept only as a keyed hash."""
    return f"{secrets.randbelow(10**6):06d}"


def normalise_tracking(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:20]


def due_on(received: datetime.date, working_days: int, cal: Calendar | None = None
           ) -> datetime.date:
    """The last day of the time limit, counted in working days on the holiday calendar."""
    return add_working_days(received, working_days, cal=cal)


def challenge(rng: secrets.SystemRandom | None = None) -> tuple[int, int]:
    """Two small numbers whose sum a person types in (no outside service, no tracking)."""
    rng = rng or secrets.SystemRandom()
    return rng.randint(2, 9), rng.randint(2, 9)
