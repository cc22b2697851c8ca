"""The interference patterns as pure functions, at their boundaries."""

import datetime
from decimal import Decimal

from jiliang.rules import interference
from jiliang.rules.interference import Day

D = datetime.date(2026, 3, 1)


def day(n, readings=96, consumption="0", **kwargs):
    return Day(D + datetime.timedelta(days=n), readings, Decimal(consumption), **kwargs)


def test_a_flat_line_needs_the_days_in_a_row():
    two = {1: [day(0), day(1), day(2, consumption="5")]}
    three = {1: [day(0), day(1), day(2)]}
    assert interference.flat_lines(two, per_day=96, min_days=3) == []
    assert [p.params for p in interference.flat_lines(three, per_day=96, min_days=3)] == [
        {"days": 3}]
    incomplete = {1: [day(0), day(1, readings=86), day(2)]}  # 89.6 %: a quality fault
    assert interference.flat_lines(incomplete, per_day=96, min_days=3) == []


def test_the_balance_at_its_tolerance():
    main = {D: Day(D, 96, Decimal("100"))}
    for subs, hit in (("97.1", 0), ("97", 0), ("96.9", 1)):
        found = interference.sub_meter_balances(
            1, main, {2: {D: Day(D, 96, Decimal(subs))}}, per_day=96,
            tolerance_percent=Decimal("3"))
        assert len(found) == hit, subs
