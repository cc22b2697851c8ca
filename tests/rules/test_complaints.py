import datetime

from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import complaints
from jiliang.rules.deadlines import is_working_day, package_calendar

CAL = package_calendar()


def test_the_categories_and_states_are_bilingual():
    assert complaints.categories()["short_weight"]["zh"] == "缺斤短两"
    assert set(complaints.states()) == {"received", "handling", "closed"}


def test_a_tracking_number_is_readable_and_dated():
    number = complaints.new_tracking_number(datetime.date(2026, 5, 20))
    assert number.startswith("TS20260520") and len(number) == 16
    assert not set(number[10:]) & set("01IO")
    assert complaints.normalise_tracking(" ts2026-0520 " + number[10:].lower()) == number


def test_the_time_limit_skips_the_national_day_holiday():
    # 2026-09-30 is a Wednesday; the National Day holiday follows.
    due = complaints.due_on(datetime.date(2026, 9, 30), 5, CAL)
    assert due > datetime.date(2026, 10, 7) and is_working_day(due, CAL)


@given(st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2026, 12, 1)),
       st.integers(min_value=1, max_value=30))
def test_the_due_day_is_a_working_day_after_the_day_received(day, n):
    due = complaints.due_on(day, n, CAL)
    assert due > day and is_working_day(due, CAL)
