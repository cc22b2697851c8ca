"""Time limits counted in working days on the official holiday calendar of the PRC.

- Administrative Licensing Law (中华人民共和国行政许可法) Art. 82: the limits of the
  law are working days (工作日); statutory holidays are not counted.
- The day of the event is not counted (期间开始的当日不计入, Civil Code Art. 201): a
  limit of 20 working days that starts on a Friday counts from the next working day.
- Working days follow the State Council's yearly holiday arrangement (放假安排): public
  holidays are off, and the adjusted weekend days (调休上班) are working days. The
  calendar is the `chinesecalendar` package, which covers the years whose arrangement
  was published when it was released, plus any later year added (with its source) in
  data/holiday_calendar_extra.json. A year neither covers is an error, never a guess.
- Time excluded from a limit (Art. 45: testing, technical assessment, expert review,
  hearings) is given as stops: the working days d with ``stopped < d <= resumed`` are not
  counted (the clock stops the day after the notice and the day of resumption is, like
  every event day, not counted).

Command line (reads one JSON object on standard input, writes one on standard output):

    $ echo '{"start": "2025-09-26", "working_days": 20}' | python -m jiliang.rules.deadlines
    {"due": "2025-10-30"}

Optional ``"stops": [["2025-10-09", "2025-10-20"]]`` excludes stopped time. On error:
``{"error": "..."}`` and exit status 2.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

Stop = tuple[datetime.date, datetime.date | None]

EXTRA_CALENDAR = Path(__file__).resolve().parent / "data" / "holiday_calendar_extra.json"


class CalendarNotCoveredError(RuleError):
    """The official holiday calendar for a year is not available."""


@dataclass(frozen=True)
class _Year:
    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]  # adjusted weekend days that are working days
    source: str


@cache
def _extra_years() -> dict[int, _Year]:
    if not EXTRA_CALENDAR.exists():
        return {}
    data = json.loads(EXTRA_CALENDAR.read_text(encoding="utf-8"))
    years = {}
    for year, spec in data.get("years", {}).items():
        years[int(year)] = _Year(
            holidays=frozenset(datetime.date.fromisoformat(d) for d in spec["holidays"]),
            workdays=frozenset(datetime.date.fromisoformat(d) for d in spec["workdays"]),
            source=spec["source"],
        )
    return years


@cache
def _package_years() -> tuple[int, int]:
    from chinese_calendar import constants

    years = [d.year for d in constants.holidays]
    return min(years), max(years)


def covered_years() -> list[int]:
    """Every year whose working days are known."""
    first, last = _package_years()
    return sorted(set(range(first, last + 1)) | set(_extra_years()))


def is_working_day(day: datetime.date) -> bool:
    """True on a working day (adjusted weekend days included), False on a rest day."""
    extra = _extra_years().get(day.year)
    if extra is not None:
        if day in extra.workdays:
            return True
        if day in extra.holidays:
            return False
        return day.weekday() < 5
    first, last = _package_years()
    if not first <= day.year <= last:
        raise CalendarNotCoveredError(
            "deadlines.calendar",
            "the official holiday calendar for {year} is not available "
            "(the calendar covers {first}–{last})",
            year=day.year, first=first, last=max(covered_years()),
        )
    import chinese_calendar

    return chinese_calendar.is_workday(day)


def _stopped(day: datetime.date, stops: Sequence[Stop], until: datetime.date | None) -> bool:
    for start, end in stops:
        end = end if end is not None else until
        if start < day and (end is None or day <= end):
            return True
    return False


def add_working_days(
    start: datetime.date, working_days: int, *, stops: Sequence[Stop] = ()
) -> datetime.date:
    """The date on which ``working_days`` working days after ``start`` have run.

    The day of ``start`` is not counted; nor are the working days inside ``stops``.
    An open stop (no end) has no due date: that is the caller's ``Clock.due``.
    """
    if working_days < 0:
        raise RuleError("deadlines.negative", "a number of working days cannot be negative")
    if any(end is None for _start, end in stops):
        raise RuleError("deadlines.stopped", "the clock is stopped: there is no due date yet")
    day, counted = start, 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        if is_working_day(day) and not _stopped(day, stops, None):
            counted += 1
    return day


def working_days_between(
    start: datetime.date, end: datetime.date, *, stops: Sequence[Stop] = ()
) -> int:
    """The working days counted after ``start`` up to and including ``end``.

    An open stop runs until ``end``.
    """
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day) and not _stopped(day, stops, end):
            count += 1
    return count


def stopped_working_days(stops: Iterable[Stop], *, until: datetime.date) -> int:
    """How many working days the stops have taken off the clock, open ones up to ``until``."""
    total = 0
    for start, end in stops:
        end = min(end, until) if end is not None else until
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            if is_working_day(day):
                total += 1
    return total


@dataclass(frozen=True)
class Clock:
    """A statutory limit of ``limit`` working days from ``start``, with stopped periods."""

    start: datetime.date
    limit: int
    stops: tuple[Stop, ...] = field(default=())

    @property
    def stopped(self) -> bool:
        return any(end is None for _start, end in self.stops)

    def due(self) -> datetime.date | None:
        """The last day of the limit; None while the clock is stopped."""
        if self.stopped:
            return None
        return add_working_days(self.start, self.limit, stops=self.stops)

    def used(self, on: datetime.date) -> int:
        return working_days_between(self.start, on, stops=self.stops)

    def left(self, on: datetime.date) -> int:
        """Working days left on ``on`` (the day itself counted as used); negative when late."""
        return self.limit - self.used(on)

    def status(self, on: datetime.date, *, warn: int) -> str:
        """"stopped", "late", "at_risk" (``warn`` working days or fewer left) or "running".

        ``warn`` has no default: it is the bureau's setting, which the caller passes.
        """
        if self.stopped:
            return "stopped"
        left = self.left(on)
        if left < 0:
            return "late"
        if left <= warn:
            return "at_risk"
        return "running"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def validity_end(issued: datetime.date, years: int) -> datetime.date:
    """The last day of a validity of ``years`` from ``issued`` (2021-03-15, 5 -> 2026-03-14)."""
    return add_months(issued, 12 * years) - datetime.timedelta(days=1)


def _parse_date(value: object, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise RuleError("deadlines.date", "{name} must be a date as YYYY-MM-DD", name=name) from None


def main(argv: Sequence[str] | None = None, stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        try:
            request = json.loads(stdin.read())
        except ValueError:
            raise RuleError("deadlines.json", "the input is not a JSON object") from None
        if not isinstance(request, dict):
            raise RuleError("deadlines.json", "the input is not a JSON object")
        start = _parse_date(request.get("start"), "start")
        days = request.get("working_days")
        if not isinstance(days, int) or isinstance(days, bool):
            raise RuleError("deadlines.days", "working_days must be a whole number")
        stops = []
        for pair in request.get("stops", []):
            if not isinstance(pair, list) or len(pair) != 2:
                raise RuleError("deadlines.stops", "each stop is a pair [stopped, resumed]")
            stops.append((_parse_date(pair[0], "stops"), _parse_date(pair[1], "stops")))
        due = add_working_days(start, days, stops=stops)
    except RuleError as error:
        stdout.write(json.dumps({"error": str(error)}, ensure_ascii=False) + "\n")
        return 2
    stdout.write(json.dumps({"due": due.isoformat()}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
