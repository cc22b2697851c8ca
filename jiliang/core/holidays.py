"""The holiday calendar the national administrator keeps, as the deadline rules read it.

The entered years (``HolidayYear``) override the package's; a year neither holds is counted
provisionally by ``jiliang.rules.deadlines``. The calendar is read at most once a request
(each request starts afresh) and once a minute in a long-running worker; entering a year
clears it at once.
"""

from __future__ import annotations

import datetime
import time

from django.core.signals import request_started
from django.db import DatabaseError
from django.dispatch import Signal, receiver

from jiliang.core.models import HolidayYear
from jiliang.rules import deadlines

# Sent once a year of the notice is entered or corrected (after commit), with ``year``.
calendar_changed = Signal()

WORKER_REFRESH_SECONDS = 60
_cached: tuple[float, deadlines.Calendar] | None = None


@receiver(request_started, dispatch_uid="jiliang.core.holidays.forget")
def forget(**_kwargs) -> None:
    global _cached
    _cached = None


def _year(row) -> deadlines.Year:
    return deadlines.Year(
        holidays=frozenset(datetime.date.fromisoformat(d) for d in row.holidays),
        workdays=frozenset(datetime.date.fromisoformat(d) for d in row.workdays),
        source=row.source)


def official_calendar() -> deadlines.Calendar:
    global _cached

    if _cached is not None and _cached[0] > time.monotonic():
        return _cached[1]
    try:
        years = {**deadlines.package_years(),
                 **{row.year: _year(row) for row in HolidayYear.objects.all()}}
    except DatabaseError:  # before the migration that creates the table
        return deadlines.package_calendar()
    _cached = (time.monotonic() + WORKER_REFRESH_SECONDS, deadlines.Calendar(years))
    return _cached[1]


def provisional_years(years: str) -> str:
    """The years of a stored "provisional through" mark that are still not entered."""
    cal = deadlines.calendar()
    return ",".join(y for y in years.split(",") if y.isdigit() and cal.provisional(int(y)))
