"""The standard behind a verification: the pure check, the chain, the subtree, ranges."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import traceability as t

ON = datetime.date(2025, 6, 1)
GOOD = t.StandardFacts(
    id=1, owner_id=7, category=t.WORKING, kinds=frozenset({"scale_digital_indicating"}),
    range_low=Decimal(0), range_high=Decimal(60), range_unit="kg", certificate_no="[2024]粤量标001",
    certificate_from=datetime.date(2024, 1, 1), certificate_until=datetime.date(2028, 1, 1),
    calibrated_on=datetime.date(2025, 1, 10), calibration_due=datetime.date(2026, 1, 9),
    reaches_national=True)


def codes(facts, **kw):
    args = {"institution_id": 7, "kind_code": "scale_digital_indicating",
            "instrument_range": "(0~30) kg", "on": ON, **kw}
    return [p.code for p in t.record_errors(facts, **args)]


def test_a_valid_standard_passes():
    assert codes(GOOD) == []


def test_it_names_each_reason():
    assert codes(replace(GOOD, certificate_until=datetime.date(2025, 5, 31))) == [
        "standard.certificate_lapsed"]
    assert codes(replace(GOOD, calibration_due=datetime.date(2025, 5, 31))) == [
        "standard.calibration_lapsed"]
    assert codes(replace(GOOD, calibration_ok=False)) == ["standard.calibration_failed"]
    assert codes(GOOD, instrument_range="(0~150) kg") == ["standard.range"]
    assert codes(replace(GOOD, reaches_national=False)) == ["standard.chain"]
    assert codes(GOOD, kind_code="taximeter") == ["standard.kind"]
    assert codes(GOOD, institution_id=8) == ["standard.not_own"]
    assert codes(replace(GOOD, status=t.SUSPENDED)) == ["standard.suspended"]
    assert codes(replace(GOOD, certificate_until=None)) == ["standard.no_certificate"]
    assert codes(replace(GOOD, calibrated_on=None)) == ["standard.no_calibration"]
    assert codes(None) == ["standard.missing"]


def test_the_last_day_of_validity_still_counts():
    assert codes(replace(GOOD, certificate_until=ON, calibration_due=ON)) == []


def test_a_suspension_from_a_later_day_leaves_earlier_days_alone():
    later = replace(GOOD, status=t.SUSPENDED, suspended_from=ON + datetime.timedelta(days=1))
    assert codes(later) == []
    assert codes(later, on=ON + datetime.timedelta(days=1)) == ["standard.suspended"]


def test_it_returns_every_error_at_once():
    bad = replace(GOOD, certificate_until=datetime.date(2020, 1, 1), reaches_national=False)
    assert codes(bad, instrument_range="0-100 kg") == [
        "standard.certificate_lapsed", "standard.range", "standard.chain"]


def test_ranges_in_other_units_and_unreadable_ranges():
    assert codes(GOOD, instrument_range="(0~30000) g") == []
    assert codes(GOOD, instrument_range="Max 0.06 t") == []
    assert codes(GOOD, instrument_range="0-61 kg") == ["standard.range"]
    assert codes(GOOD, instrument_range="") == []  # nothing on file: not judged
    assert codes(GOOD, instrument_range="(0~30) kPa") == []  # another quantity: not judged
    assert t.parse_range("(0~30) kg") == (Decimal(0), Decimal(30), "kg")
    assert t.parse_range("0～1.5 MPa") == (Decimal(0), Decimal("1.5"), "MPa")
    assert t.parse_range("5(60) A") is None


def test_the_chain_reaches_a_national_standard_or_not():
    nodes = {1: t.Node(1, t.WORKING, 2), 2: t.Node(2, t.SOCIAL_PUBLIC, 3),
             3: t.Node(3, t.NATIONAL, None), 4: t.Node(4, t.WORKING, 5),
             5: t.Node(5, t.ENTERPRISE_HIGHEST, None), 6: t.Node(6, t.WORKING, 7),
             7: t.Node(7, t.WORKING, 6), 8: t.Node(8, t.WORKING, 99)}
    assert t.chain(1, nodes) == ([1, 2, 3], True)
    assert t.chain(4, nodes) == ([4, 5], False)  # ends without a national standard
    assert t.chain(6, nodes) == ([6, 7], False)  # a loop
    assert t.chain(8, nodes) == ([8], False)  # a link to nothing on file


def test_the_subtree_holds_every_descendant_once():
    children = {1: [2, 3], 2: [4], 3: [4, 5], 5: [1]}
    assert t.subtree(1, children) == [1, 2, 3, 4, 5]


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=60))
def test_chain_and_subtree_agree(parents):
    # A forest: node i + 1 has upstream parents[i] (some point forward: loops are possible).
    nodes = {0: t.Node(0, t.NATIONAL, None)}
    children: dict[int, list[int]] = {}
    for i, parent in enumerate(parents, start=1):
        nodes[i] = t.Node(i, t.WORKING, parent)
        children.setdefault(parent, []).append(i)
    below_national = set(t.subtree(0, children))
    for node in nodes:
        path, reached = t.chain(node, nodes)
        assert reached == (node in below_national)
        assert len(path) == len(set(path))
