"""Month arithmetic, once for the whole tree (no Django): the same day some months later, and
the first days of months.

Dates of law move by calendar months (a verification period of 12 months, a licence valid for
5 years, a transition of 6 months): the same day of the month, or the month's last day when it
is shorter (2024-08-31 + 6 months = 2025-02-28). Monthly tables (readings partitions, monthly
reports, rates per month) step from first day to first day.
"""

from __future__ import annotations

import calendar
import datetime
from typing import TypeVar

Day = TypeVar("Day", datetime.date, datetime.datetime)


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier, when negative), or the month's last day when
    it has no such day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, days_in_month(year, month)))


def add_years(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, 12 * years)


def month_start(day: Day) -> Day:
    """The first of ``day``'s month (a datetime keeps its time of day)."""
    return day.replace(day=1)


def next_month(day: Day) -> Day:
    """The first of the month after ``day``'s."""
    return add_months(month_start(day), 1)


def previous_month(day: Day) -> Day:
    """The first of the month before ``day``'s."""
    return add_months(month_start(day), -1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return day.replace(day=days_in_month(day.year, day.month))


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of every month from ``first``'s to ``last``'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
