"""Regulation editions in force by date (pure rules)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import editions as e

D = datetime.date
CHAIN = {s.code: s for s in e.load_editions()}


def test_an_edition_without_a_dated_successor_is_withdrawn_when_its_successor_is():
    # JJG 443-2006 → JJG 443-2015 (date not found) → JJG 443-2023 (effective 2024-05-01).
    out = e.withdrawals(e.load_editions())
    assert out["JJG 443-2006"][:2] == (D(2024, 5, 1), "JJG 443-2015")
    assert out["JJG 443-2015"][:2] == (D(2024, 5, 1), "JJG 443-2023")
    assert out["JJG 443-2023"] == (None, "", None)
    assert out["JJG 539-1997"][:2] == (D(2017, 5, 30), "JJG 539-2016")
    assert out["JJG 517-1998"][:2] == (D(2010, 1, 10), "JJG 517-2009")


def test_a_successor_graded_low_withdraws_nothing():
    # JJG 596-2026 is known from a single vendor page: JJG 596-2012 stays in force.
    assert CHAIN["JJG 596-2026"].confidence == "low"
    assert e.withdrawals(e.load_editions())["JJG 596-2012"][0] is None


def test_a_transition_period_of_the_successor_extends_the_old_edition():
    old = e.Source("JJG 1-2000", ("k",), D(2000, 1, 1), (), None, "high")
    new = e.Source("JJG 1-2020", ("k",), D(2020, 3, 1), ("JJG 1-2000",), 12, "high")
    assert e.withdrawals([old, new])["JJG 1-2000"] == (D(2020, 3, 1), "JJG 1-2020", D(2021, 2, 28))


def test_a_superseded_edition_is_refused_and_one_inside_its_transition_accepted():
    edition = e.Edition("JJG 443-2006", withdrawn_on=D(2024, 5, 1), replaced_by="JJG 443-2023")
    assert e.edition_errors(edition, D(2024, 4, 30)) == []
    [error] = e.edition_errors(edition, D(2026, 1, 5))
    assert error.code == "edition.withdrawn" and error.params["replaced_by"] == "JJG 443-2023"
    window = e.Edition("JJG 443-2006", withdrawn_on=D(2024, 5, 1), transition_until=D(2025, 4, 30))
    assert e.edition_errors(window, D(2025, 4, 30)) == []
    assert [x.code for x in e.edition_errors(window, D(2025, 5, 1))] == ["edition.withdrawn"]


def test_an_edition_is_refused_before_it_takes_effect():
    edition = e.Edition("JJG 1204-2025", effective_on=D(2027, 1, 8))
    assert [x.code for x in e.edition_errors(edition, D(2026, 12, 1))] == ["edition.not_yet"]
    assert e.edition_errors(edition, D(2027, 1, 8)) == []


dates = st.dates(min_value=D(1985, 1, 1), max_value=D(2040, 12, 31))


@given(dates, st.one_of(st.none(), dates), st.one_of(st.none(), dates), st.one_of(st.none(), dates))
def test_an_unconfirmed_edition_never_refuses(on, effective, withdrawn, transition):
    edition = e.Edition("JJG X", effective_on=effective, withdrawn_on=withdrawn,
                        transition_until=transition, confirmed=False)
    assert e.edition_errors(edition, on) == []
    assert e.edition_errors(None, on) == []


@given(dates, dates, st.integers(min_value=1, max_value=4000))
def test_a_confirmed_edition_applies_exactly_over_its_span(on, effective, days):
    withdrawn = effective + datetime.timedelta(days=days)
    edition = e.Edition("JJG X", effective_on=effective, withdrawn_on=withdrawn)
    assert (e.edition_errors(edition, on) == []) == (effective <= on < withdrawn)
