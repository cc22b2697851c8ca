"""Time limits counted in working days on the official holiday calendar of the PRC.

- Administrative Licensing Law (中华人民共和国行政许可法) Art. 82: the limits of the
  law are working days (工作日); statutory holidays are not counted.
- The day of the event is not counted (期间开始的当日不计入, Civil Code Art. 201): a
  limit of 20 working days that starts on a Friday counts from the next working day.
- Working days follow the State Council's yearly holiday arrangement (放假安排): public
  holidays are off, and the adjusted weekend days (调休上班) are working days. The years
  whose notice has been entered are the *official* calendar: the `chinesecalendar`
  package's years, the years in data/holiday_calendar_extra.json, and whatever the
  application passes in (the national administrator enters each year's notice; see
  ``set_calendar``).
- A year whose notice is not entered yet is counted *provisionally*: weekdays less the
  holidays that 《全国年节及纪念日放假办法》 fixes by date (Art. 2; 国务院令第798号 from
  2025, 第644号 before), the lunar ones computed. The adjusted working days stay unknown,
  so a provisional date may move once the notice is entered; every answer says whether
  it is provisional. Years before the package's first are an error.
- Time excluded from a limit (Art. 45: testing, technical assessment, expert review,
  hearings) is given as stops: the working days d with ``stopped < d <= resumed`` are not
  counted (the clock stops the day after the notice and the day of resumption is, like
  every event day, not counted).

Command line (reads one JSON object on standard input, writes one on standard output):

    $ echo '{"start": "2025-09-26", "working_days": 20}' | python -m jiliang.rules.deadlines

    {"due": "2025-10-30", "provisional": false}

Optional ``"stops": [["2025-10-09", "2025-10-20"]]`` excludes stopped time. A count that
runs through a year whose notice is not entered answers its provisional date with
``"provisional": true`` (exit status 0). On error: ``{"error": "..."}`` and exit status 2.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError
from jiliang.rules.months import add_months

Stop = tuple[datetime.date, datetime.date | None]

EXTRA_CALENDAR = Path(__file__).resolve().parent / "data" / "holiday_calendar_extra.json"


class CalendarNotCoveredError(RuleError):
    """A year the calendar cannot count, not even provisionally."""


@dataclass(frozen=True)
class Year:
    """One year of the State Council's notice: days off and adjusted working days."""

    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]  # adjusted weekend days that are working days
    source: str


@cache
def _extra_years() -> dict[int, Year]:
    if not EXTRA_CALENDAR.exists():
        return {}
    data = json.loads(EXTRA_CALENDAR.read_text(encoding="utf-8"))
    years = {}
    for year, spec in data.get("years", {}).items():
        years[int(year)] = Year(
            holidays=frozenset(datetime.date.fromisoformat(d) for d in spec["holidays"]),
            workdays=frozenset(datetime.date.fromisoformat(d) for d in spec["workdays"]),
            source=spec["source"],
        )
    return years


@cache
def package_years() -> dict[int, Year]:
    """The notices the ``chinesecalendar`` package carries, year by year."""
    from chinese_calendar import __version__, constants

    years: dict[int, Year] = {}
    holidays: dict[int, set[datetime.date]] = {}
    workdays: dict[int, set[datetime.date]] = {}
    for day in constants.holidays:
        holidays.setdefault(day.year, set()).add(day)
    for day in constants.workdays:
        if day.weekday() >= 5:
            workdays.setdefault(day.year, set()).add(day)
    for year in sorted(holidays):
        years[year] = Year(frozenset(holidays[year]), frozenset(workdays.get(year, ())),
                           f"chinesecalendar {__version__}")
    return years


# 《全国年节及纪念日放假办法》 Art. 2: the 2024 revision (国务院令第798号) in force from this year.
REVISION_798_FROM = 2025


def statutory_holidays(year: int) -> frozenset[datetime.date]:
    """The holidays 《全国年节及纪念日放假办法》 Art. 2 fixes by date, for all citizens.

    元旦 1 Jan; 春节 除夕 and 正月初一–初三 (初一–初三 before 2025); 清明 the solar term;
    劳动节 1–2 May (1 May before 2025); 端午 五月初五; 中秋 八月十五; 国庆 1–3 Oct. The yearly
    notice moves days around them (调休), which no rule can tell.
    """
    from chinese_calendar import get_solar_terms
    from lunardate import LunarDate

    if not 1901 <= year <= 2099:
        raise CalendarNotCoveredError("deadlines.calendar",
                                      "the holidays of {year} cannot be computed", year=year)
    d = datetime.date
    new_year = LunarDate(year, 1, 1).to_solar_date()
    spring = [new_year + datetime.timedelta(days=i) for i in range(3)]
    labour = [d(year, 5, 1)]
    if year >= REVISION_798_FROM:
        spring.insert(0, new_year - datetime.timedelta(days=1))
        labour.append(d(year, 5, 2))
    qingming = [day for day, name in get_solar_terms(d(year, 4, 1), d(year, 4, 10))
                if name == "清明"]
    return frozenset([
        d(year, 1, 1), *spring, *qingming, *labour,
        LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date(),
        d(year, 10, 1), d(year, 10, 2), d(year, 10, 3),
    ])


class Calendar:
    """Working days: the official years as entered, the others provisionally."""

    def __init__(self, official: Mapping[int, Year]) -> None:
        self.official = dict(official)
        self.first = min(self.official) if self.official else REVISION_798_FROM

    def provisional(self, year: int) -> bool:
        return year not in self.official

    def is_working_day(self, day: datetime.date) -> bool:
        year = self.official.get(day.year)
        if year is not None:
            if day in year.workdays:
                return True
            return day not in year.holidays and day.weekday() < 5
        if day.year < self.first:
            raise CalendarNotCoveredError(
                "deadlines.calendar",
                "the official holiday calendar for {year} is not available "
                "(the calendar covers {first}–{last})",
                year=day.year, first=self.first, last=max(self.official, default=self.first),
            )
        return day.weekday() < 5 and day not in _statutory(day.year)


@cache
def _statutory(year: int) -> frozenset[datetime.date]:
    return statutory_holidays(year)


def package_calendar() -> Calendar:
    """The package's years and the data file's: the calendar when the application gives none."""
    return Calendar({**package_years(), **_extra_years()})


_provider: Callable[[], Calendar] = package_calendar


def set_calendar(provider: Callable[[], Calendar]) -> None:
    """Where the official years come from (the application reads the ones entered)."""
    global _provider
    _provider = provider


def calendar() -> Calendar:
    return _provider()


def covered_years() -> list[int]:
    """Every year whose notice is entered (counted officially, not provisionally)."""
    return sorted(calendar().official)


def is_working_day(day: datetime.date, cal: Calendar | None = None) -> bool:
    """True on a working day (adjusted weekend days included), False on a rest day."""
    return (cal or calendar()).is_working_day(day)


def _stopped(day: datetime.date, stops: Sequence[Stop], until: datetime.date | None) -> bool:
    for start, end in stops:
        end = end if end is not None else until
        if start < day and (end is None or day <= end):
            return True
    return False


@dataclass(frozen=True)
class Due:
    """A due date, and the years counted provisionally on the way to it (none: official)."""

    date: datetime.date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def count_working_days(
    start: datetime.date, working_days: int, *, stops: Sequence[Stop] = (),
    cal: Calendar | None = None,
) -> Due:
    """``add_working_days``, saying which years it counted provisionally."""
    cal = cal or calendar()
    due = add_working_days(start, working_days, stops=stops, cal=cal)
    first = (start + datetime.timedelta(days=1)).year
    return Due(due, tuple(y for y in range(first, due.year + 1) if cal.provisional(y)))


def add_working_days(
    start: datetime.date, working_days: int, *, stops: Sequence[Stop] = (),
    cal: Calendar | None = None,
) -> datetime.date:
    """The date on which ``working_days`` working days after ``start`` have run.

    The day of ``start`` is not counted; nor are the working days inside ``stops``.
    An open stop (no end) has no due date: that is the caller's ``Clock.due``.
    """
    cal = cal or calendar()
    if working_days < 0:
        raise RuleError("deadlines.negative", "a number of working days cannot be negative")
    if any(end is None for _start, end in stops):
        raise RuleError("deadlines.stopped", "the clock is stopped: there is no due date yet")
    day, counted = start, 0
    while counted < working_days:
        day += datetime.timedelta(days=1)
        if cal.is_working_day(day) and not _stopped(day, stops, None):
            counted += 1
    return day


def working_days_between(
    start: datetime.date, end: datetime.date, *, stops: Sequence[Stop] = (),
    cal: Calendar | None = None,
) -> int:
    """The working days counted after ``start`` up to and including ``end``.

    An open stop runs until ``end``.
    """
    cal = cal or calendar()
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        if cal.is_working_day(day) and not _stopped(day, stops, end):
            count += 1
    return count


def stopped_working_days(stops: Iterable[Stop], *, until: datetime.date,
                         cal: Calendar | None = None) -> int:
    """How many working days the stops have taken off the clock, open ones up to ``until``."""
    cal = cal or calendar()
    total = 0
    for start, end in stops:
        end = min(end, until) if end is not None else until
        day = start
        while day < end:
            day += datetime.timedelta(days=1)
            if cal.is_working_day(day):
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
        due = count_working_days(start, days, stops=stops)
    except RuleError as error:
        stdout.write(json.dumps({"error": str(error)}, ensure_ascii=False) + "\n")
        return 2
    stdout.write(json.dumps({"due": due.date.isoformat(), "provisional": due.provisional}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
