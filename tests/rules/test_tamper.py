"""The tamper rules as pure functions: each at its boundary."""

import datetime
from decimal import Decimal

from jiliang.rules import tamper
from jiliang.rules.tamper import Judge, State, Thresholds, Verification

T = Thresholds(verification_days=3, counter_step=2, totaliser_percent=Decimal("0.5"))
DAY = datetime.date(2026, 6, 10)
AT = datetime.datetime(2026, 6, 10, 4, tzinfo=datetime.UTC)


def rules_of(hits):
    return [h.rule for h in hits]


def test_the_data_names_every_event_and_rule():
    assert set(tamper.event_codes()) >= {"pulser_change", "k_constant", "cover_open",
                                         "magnetic_field", "calibration_counter"}
    assert tamper.device_class_of("taximeter") == "taximeter"
    assert tamper.device_class_of("water_meter") == "utility_meter"
    assert tamper.device_class_of("weight") is None


def test_a_parameter_change_at_the_days_boundary():
    judge = Judge(T)
    for days, hit in ((2, []), (3, []), (4, ["parameter_change"]), (-3, []),
                      (-4, ["parameter_change"])):
        verified = [Verification(DAY - datetime.timedelta(days=days))]
        assert rules_of(judge.event(State(), verified, kind="calibration_change", at=AT, on=DAY,
                                    value=None, sales=None)) == hit, days


def test_a_counter_step_at_its_boundary():
    judge = Judge(T)
    for step, hit in ((1, []), (2, []), (3, ["counter_jump"]), (-1, ["counter_jump"])):
        state = State(counter=100, counter_at=AT - datetime.timedelta(hours=1))
        assert rules_of(judge.event(state, [], kind="event_counter", at=AT, on=DAY,
                                    value=Decimal(100 + step), sales=None)) == hit, step
        assert state.counter == 100 + step


def test_the_totaliser_tolerance_at_its_boundary():
    judge = Judge(T)
    for dispensed, hit in (("1004.999", []), ("1005", []), ("1005.001", ["totaliser_sales"]),
                           ("994.999", ["totaliser_sales"])):
        state = State(totaliser=Decimal("5000"), sales=Decimal("3000"))
        got = judge.event(state, [], kind="totaliser", at=AT, on=DAY,
                          value=Decimal("5000") + Decimal(dispensed), sales=Decimal("4000"))
        assert rules_of(got) == hit, dispensed
