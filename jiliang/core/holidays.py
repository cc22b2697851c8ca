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


def load_holiday_years(year_model) -> int:
    """The years the ``chinesecalendar`` package carries that no one has entered yet, as the
    first entered notices; an entered year is left as it is. Returns the number added. The
    migration that creates the table calls it with the historical model."""
    entered = set(year_model.objects.values_list("year", flat=True))
    new = [year_model(year=year, holidays=sorted(d.isoformat() for d in y.holidays),
                      workdays=sorted(d.isoformat() for d in y.workdays), source=y.source)
           for year, y in deadlines.package_years().items() if year not in entered]
    year_model.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def load_current_holiday_years() -> int:
    return load_holiday_years(HolidayYear)


def provisional_years(years: str) -> str:
    """The years of a stored "provisional through" mark that are still not entered."""
    cal = deadlines.calendar()
    return ",".join(y for y in years.split(",") if y.isdigit() and cal.provisional(int(y)))
