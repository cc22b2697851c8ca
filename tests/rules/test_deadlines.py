"""Working days on the official PRC holiday calendar (jiliang.rules.deadlines)."""

import datetime
import io
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules.deadlines import (
    Calendar,
    CalendarNotCoveredError,
    Clock,
    Year,
    add_months,
    add_working_days,
    count_working_days,
    is_working_day,
    main,
    package_years,
    statutory_holidays,
    stopped_working_days,
    validity_end,
    working_days_between,
)

D = datetime.date


@pytest.fixture(autouse=True)
def _the_package_calendar():
    """The rules on their own: the package's years, not the ones the application has entered
    (the Django app points the calendar at its database when it starts)."""
    from jiliang.rules import deadlines

    before = deadlines._provider
    deadlines.set_calendar(deadlines.package_calendar)
    yield
    deadlines.set_calendar(before)


COVERED = st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 9, 30))


def test_twenty_working_days_from_a_friday_cross_the_national_day_holiday():
    # 2025: 1-8 October off; Sunday 28 September and Saturday 11 October are working days.
    assert add_working_days(D(2025, 9, 26), 20) == D(2025, 10, 30)


def test_the_adjusted_working_saturday_counts_and_the_holiday_does_not():
    assert is_working_day(D(2025, 10, 11))  # Saturday, adjusted working day
    assert is_working_day(D(2025, 9, 28))  # Sunday, adjusted working day
    assert not is_working_day(D(2025, 10, 6))  # Monday inside the holiday
    # From the eve of the holiday: Thursday 9 and Friday 10 October, then Saturday the 11th.
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)


def test_the_day_of_the_event_is_not_counted():
    # Monday 2025-09-22 + 1 working day is Tuesday, not Monday itself.
    assert add_working_days(D(2025, 9, 22), 1) == D(2025, 9, 23)
    assert add_working_days(D(2025, 9, 22), 0) == D(2025, 9, 22)
    # An event on a rest day: the count starts with the next working day.
    assert add_working_days(D(2025, 10, 4), 1) == D(2025, 10, 9)


def test_a_year_whose_notice_is_not_entered_is_counted_provisionally():
    cal = Calendar({y: v for y, v in package_years().items() if y <= 2026})
    due = count_working_days(D(2026, 12, 1), 30, cal=cal)
    # 22 weekdays in December; 1 January 2027 is 元旦; then 8 more weekdays
    assert due.date == D(2027, 1, 13) and due.provisional and due.provisional_years == (2027,)
    assert not count_working_days(D(2026, 11, 2), 5, cal=cal).provisional
    with pytest.raises(CalendarNotCoveredError):
        is_working_day(D(2003, 6, 2), cal)


def test_the_spring_festival_of_2027_is_off_from_new_years_eve():
    # 国务院令第798号 Art. 2: 除夕 and 正月初一–初三; 2027's 正月初一 is 6 February
    assert {D(2027, 2, 5), D(2027, 2, 8)} <= statutory_holidays(2027)
    cal = Calendar({})
    assert not cal.is_working_day(D(2027, 2, 5)) and not cal.is_working_day(D(2027, 2, 8))
    assert cal.is_working_day(D(2027, 2, 9))
    assert not cal.is_working_day(D(2027, 4, 5))  # 清明, the solar term
    assert not cal.is_working_day(D(2027, 6, 9)) and not cal.is_working_day(D(2027, 9, 15))


def test_entering_a_year_makes_its_count_official_and_may_move_the_date():
    provisional = count_working_days(D(2026, 12, 1), 30, cal=Calendar(package_years()))
    # a notice that gives Monday 4 January 2027 off as well
    entered = Year(holidays=frozenset({D(2027, 1, 1), D(2027, 1, 4)}),
                   workdays=frozenset(), source="test notice")
    official = count_working_days(D(2026, 12, 1), 30,
                                  cal=Calendar({**package_years(), 2027: entered}))
    assert not official.provisional and official.date == D(2027, 1, 14) != provisional.date


@pytest.mark.parametrize("year", sorted(y for y in package_years() if y >= 2008))
def test_the_statutory_holidays_are_days_off_in_every_notice_the_package_carries(year):
    days_off = package_years()[year].holidays
    missing = {d for d in statutory_holidays(year) if d.weekday() < 5 and d not in days_off}
    assert not missing, missing


def test_a_stopped_clock_adds_the_working_days_it_took():
    # Stopped the day after 2025-10-09 until 2025-10-20: 10, 11 (Sat), 13-17, 20 = 8 days.
    stops = [(D(2025, 10, 9), D(2025, 10, 20))]
    assert stopped_working_days(stops, until=D(2025, 12, 31)) == 8
    assert add_working_days(D(2025, 9, 26), 20, stops=stops) == D(2025, 11, 11)


def test_an_open_stop_has_no_due_date_and_freezes_the_days_left():
    clock = Clock(start=D(2025, 9, 26), limit=20, stops=((D(2025, 10, 9), None),))
    assert clock.due() is None and clock.status(D(2025, 11, 28), warn=3) == "stopped"
    assert clock.left(D(2025, 10, 20)) == clock.left(D(2025, 11, 28)) == 16
    with pytest.raises(RuleError):
        add_working_days(D(2025, 9, 26), 20, stops=[(D(2025, 10, 9), None)])


def test_the_clock_status_turns_at_risk_then_late():
    clock = Clock(start=D(2025, 9, 26), limit=20)
    assert clock.status(D(2025, 10, 9), warn=3) == "running"
    assert clock.status(D(2025, 10, 27), warn=3) == "at_risk"  # 3 working days left
    assert clock.left(D(2025, 10, 30)) == 0 and clock.status(D(2025, 10, 30), warn=3) == "at_risk"
    assert clock.status(D(2025, 10, 31), warn=3) == "late"


@settings(max_examples=200, deadline=None)
@given(start=COVERED, n=st.integers(min_value=1, max_value=60))
def test_the_due_date_is_a_working_day_exactly_n_working_days_on(start, n):
    due = add_working_days(start, n)
    assert is_working_day(due)
    assert working_days_between(start, due) == n
    assert working_days_between(start, due - datetime.timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(start=COVERED, n=st.integers(min_value=0, max_value=40),
       gap=st.integers(min_value=0, max_value=30), length=st.integers(min_value=0, max_value=30))
def test_stopping_the_clock_never_brings_the_due_date_forward(start, n, gap, length):
    stop_start = start + datetime.timedelta(days=gap)
    stops = [(stop_start, stop_start + datetime.timedelta(days=length))]
    assert add_working_days(start, n, stops=stops) >= add_working_days(start, n)
    assert add_working_days(start, n + 1) > add_working_days(start, n)


def test_validity_ends_the_day_before_the_anniversary():
    assert validity_end(D(2021, 3, 15), 5) == D(2026, 3, 14)
    assert validity_end(D(2024, 2, 29), 1) == D(2025, 2, 27)
    assert add_months(D(2026, 8, 31), -6) == D(2026, 2, 28)


def test_the_command_line_reads_json_and_writes_the_due_date():
    out = io.StringIO()
    assert main([], io.StringIO('{"start": "2025-09-26", "working_days": 20}'), out) == 0
    assert json.loads(out.getvalue()) == {"due": "2025-10-30", "provisional": False}


def test_the_command_line_answers_a_year_not_entered_with_a_provisional_date():
    last = max(package_years())
    result = subprocess.run(
        [sys.executable, "-m", "jiliang.rules.deadlines"],
        input=json.dumps({"start": f"{last}-12-28", "working_days": 20}),
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0
    answer = json.loads(result.stdout)
    assert answer["provisional"] is True and answer["due"].startswith(str(last + 1))


def test_the_command_line_answers_an_error_for_a_year_before_the_calendar_with_status_2():
    out = io.StringIO()
    assert main([], io.StringIO('{"start": "1999-12-28", "working_days": 20}'), out) == 2
    assert "1999" in json.loads(out.getvalue())["error"]


@pytest.mark.parametrize("text", ["not json", "[1]", '{"start": "2025-13-01", "working_days": 2}',
                                  '{"start": "2025-09-26", "working_days": "20"}'])
def test_the_command_line_refuses_bad_input_with_status_2(text):
    out = io.StringIO()
    assert main([], io.StringIO(text), out) == 2
    assert "error" in json.loads(out.getvalue())


def test_the_command_line_excludes_stopped_time():
    out = io.StringIO()
    request = {"start": "2025-09-26", "working_days": 20,
               "stops": [["2025-10-09", "2025-10-20"]]}
    assert main([], io.StringIO(json.dumps(request)), out) == 0
    assert json.loads(out.getvalue()) == {"due": "2025-11-11", "provisional": False}
