"""Periods, service lives and due dates for each management mode (pure rules)."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules import verification as v

D = datetime.date
RULES = v.load_rules()


def term(kind, regulation, **facts):
    rule = v.select_rule(RULES, regulation, v.Facts(**facts))
    assert rule is not None and rule.kind == kind
    return rule, v.term_of(rule)


def test_a_periodic_certificate_is_valid_for_the_period_of_its_regulation():
    _rule, t = term("scale_digital_indicating", "JJG 539-2016")
    out = v.outcome(term=t, verified_on=D(2025, 3, 10), passed=True)
    assert out.valid_until == D(2026, 3, 10) == out.next_due_on == out.periodic_due_on
    assert out.due_action == v.DUE_VERIFY


def test_an_adjusted_fuel_dispenser_is_due_after_three_months_under_jjg_443_2006():
    _rule, t = term("fuel_dispenser", "JJG 443-2006", adjusted=True)
    assert v.outcome(term=t, verified_on=D(2010, 1, 31), passed=True).valid_until == D(2010, 4, 30)
    _rule, t = term("fuel_dispenser", "JJG 443-2006")
    assert v.outcome(term=t, verified_on=D(2010, 1, 31), passed=True).valid_until == D(2010, 7, 31)


@pytest.mark.parametrize(("size", "years"), [("15", 6), ("25", 6), ("32", 4), ("50", 4)])
def test_a_small_water_meter_is_replaced_at_the_end_of_its_life(size, years):
    rule, t = term("water_meter", "JJG 162-2019", size=Decimal(size))
    assert rule.mode == v.FIRST_ONLY_LIMITED_LIFE
    out = v.outcome(term=t, verified_on=D(2024, 2, 29), passed=True)
    # Life counts from the first verification; 29 February falls back to the 28th off leap years.
    expected = D(2030, 2, 28) if years == 6 else D(2028, 2, 29)
    assert out.replacement_due_on == expected == out.next_due_on
    assert out.due_action == v.DUE_REPLACE and out.periodic_due_on is None


def test_a_later_verification_does_not_move_a_limited_life_meters_replacement_date():
    _rule, t = term("water_meter", "JJG 162-2019", size=Decimal("20"))
    out = v.outcome(term=t, verified_on=D(2026, 5, 1), passed=True, first_verified_on=D(2024, 1, 1))
    assert out.replacement_due_on == D(2030, 1, 1)


def test_a_large_water_meter_is_verified_every_two_years():
    rule, t = term("water_meter", "JJG 162-2019", size=Decimal("80"))
    assert rule.mode == v.PERIODIC
    assert v.outcome(term=t, verified_on=D(2025, 1, 1), passed=True).valid_until == D(2027, 1, 1)


def test_a_household_electricity_meter_lives_eight_years_and_a_precise_one_is_periodic():
    rule, t = term("electricity_meter", "JJG 596-2012", household=True, accuracy_class="2")
    assert rule.mode == v.FIRST_ONLY_LIMITED_LIFE and t.years == 8
    rule, t = term("electricity_meter", "JJG 596-2012", accuracy_class="0.5s")
    assert rule.mode == v.PERIODIC and t.months == 72


def test_a_glass_thermometer_is_verified_once_and_nothing_falls_due():
    rule, t = term("clinical_thermometer_glass", "JJG 111-2019")
    assert rule.mode == v.FIRST_ONLY_SCRAP and rule.confirmed
    out = v.outcome(term=t, verified_on=D(2025, 1, 1), passed=True)
    assert (out.valid_until, out.next_due_on, out.due_action) == (None, None, v.DUE_NONE)


def test_a_fail_makes_the_instrument_due_at_once_with_no_validity():
    _rule, t = term("taximeter", "JJG 517-2016")
    out = v.outcome(term=t, verified_on=D(2025, 6, 1), passed=False)
    assert (out.valid_until, out.next_due_on, out.due_action) == (None, D(2025, 6, 1), v.DUE_FAILED)


def test_an_institution_may_shorten_the_period_but_not_lengthen_it():
    _rule, t = term("taximeter", "JJG 517-2016")
    short = v.outcome(term=t, verified_on=D(2025, 1, 1), passed=True, shortened_to=D(2025, 6, 30))
    assert short.valid_until == D(2025, 6, 30)
    with pytest.raises(RuleError) as caught:
        v.outcome(term=t, verified_on=D(2025, 1, 1), passed=True, shortened_to=D(2026, 1, 2))
    assert caught.value.code == "valid_until.too_late"


def test_a_value_graded_low_or_missing_is_not_applied_until_the_province_sets_it():
    rule, t = term("sphygmomanometer", "JJG 270-2008")
    assert rule.period_months == 12 and rule.confidence == "low"
    assert not rule.confirmed and not t.known
    with pytest.raises(RuleError) as caught:
        v.outcome(term=t, verified_on=D(2025, 1, 1), passed=True)
    assert caught.value.code == "period.unknown"
    set_by_province = v.term_of(rule, 6)
    assert set_by_province.province_set and set_by_province.months == 6
    rule, t = term("heat_meter", "JJG 225-2024")
    assert rule.life_years is None and not t.known


def test_every_rule_names_its_confidence_and_only_null_or_graded_values():
    for rule in RULES:
        assert rule.confidence in ("high", "medium", "low")
        assert rule.mode in v.MODES
        if rule.mode == v.PERIODIC:
            assert rule.life_years is None
        if rule.mode == v.FIRST_ONLY_LIMITED_LIFE:
            assert rule.period_months is None


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 1, 1)), st.integers(0, 240))
def test_adding_months_lands_in_the_right_month_and_never_past_its_end(day, months):
    later = v.add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or later.day < day.day


def recs():
    return st.lists(st.tuples(st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 1, 1)),
                              st.booleans(), st.integers(0, 24)), max_size=8)


@given(recs(), st.none() | st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 1, 1)))
def test_the_rates_never_count_more_in_time_than_due_nor_more_passed_than_verified(items, left):
    records = [v.Rec(d, ok, v.add_months(d, m) if ok and m else None) for d, ok, m in items]
    tally = v.contributions(records, left_use_on=left)
    total = {}
    for (_month, measure), n in tally.counts.items():
        total[measure] = total.get(measure, 0) + n
    assert total.get("verified", 0) == len(records)
    assert total.get("passed", 0) == sum(1 for r in records if r.passed)
    assert 0 <= total.get("due_verified", 0) <= total.get("due", 0)


def test_a_due_date_counts_as_met_when_the_next_verification_comes_on_or_before_it():
    first = v.Rec(D(2024, 1, 10), True, D(2025, 1, 10))
    on_time = v.contributions([first, v.Rec(D(2025, 1, 10), True, D(2026, 1, 10))]).counts
    assert on_time[(D(2025, 1, 1), "due")] == 1 and on_time[(D(2025, 1, 1), "due_verified")] == 1
    late = v.contributions([first, v.Rec(D(2025, 1, 11), True, None)]).counts
    assert late[(D(2025, 1, 1), "due")] == 1 and (D(2025, 1, 1), "due_verified") not in late
    scrapped = v.contributions([first], left_use_on=D(2024, 6, 1)).counts
    assert (D(2025, 1, 1), "due") not in scrapped


def test_only_the_kinds_whose_rules_look_at_the_medium_need_it():
    by_kind: dict[str, list[v.PeriodRule]] = {}
    for rule in RULES:
        by_kind.setdefault(rule.kind, []).append(rule)
    assert {kind for kind, rules in by_kind.items() if v.needs_medium(rules)} == {"gas_meter"}


def test_the_due_windows_are_overdue_or_due_within_30_60_or_90_days():
    today = D(2025, 6, 1)
    assert v.DUE_WINDOWS == ("overdue", "30", "60", "90")
    assert v.due_window(today, "overdue") == (None, D(2025, 5, 31))
    assert v.due_window(today, "60") == (today, D(2025, 7, 31))
    for wrong in ("45", "abc", ""):
        with pytest.raises(RuleError):
            v.due_window(today, wrong)
