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
    CalendarNotCoveredError,
    Clock,
    add_months,
    add_working_days,
    covered_years,
    is_working_day,
    main,
    stopped_working_days,
    validity_end,
    working_days_between,
)

D = datetime.date
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


def test_a_year_the_calendar_does_not_cover_is_an_error_not_a_guess():
    last = max(covered_years())
    with pytest.raises(CalendarNotCoveredError) as caught:
        add_working_days(D(last, 12, 20), 20)
    assert str(last + 1) in str(caught.value)
    with pytest.raises(CalendarNotCoveredError):
        is_working_day(D(2003, 6, 2))


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
    assert json.loads(out.getvalue()) == {"due": "2025-10-30"}


def test_the_command_line_answers_a_year_it_cannot_count_with_status_2():
    last = max(covered_years())
    result = subprocess.run(
        [sys.executable, "-m", "jiliang.rules.deadlines"],
        input=json.dumps({"start": f"{last}-12-28", "working_days": 20}),
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert str(last + 1) in json.loads(result.stdout)["error"]


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
    assert json.loads(out.getvalue()) == {"due": "2025-11-11"}
