import datetime
import io
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules import energy as E  # noqa: N812 - reads like the standard

D = Decimal
TZ = datetime.timezone(datetime.timedelta(hours=8))


# --- tiers (Energy Conservation Law art. 52) --------------------------------

@pytest.mark.parametrize(("tce", "designated", "tier", "key"), [
    ("10000", False, "mandatory", True),
    ("9999.99", False, "designatable", False),
    ("9999.99", True, "designated", True),
    ("5000", True, "designated", True),
    ("5000", False, "designatable", False),
    ("4999.99", True, "none", False),
    ("0", False, "none", False),
])
def test_tiers_at_their_boundaries(tce, designated, tier, key):
    result = E.key_unit_tier(D(tce), designated=designated)
    assert (result.id, result.key_unit) == (tier, key)


@given(st.decimals(min_value=0, max_value=100000, places=2), st.booleans())
def test_a_larger_consumption_never_lowers_the_tier(tce, designated):
    order = ["none", "designatable", "designated", "mandatory"]
    low = E.key_unit_tier(tce, designated=designated)
    high = E.key_unit_tier(tce + 1, designated=designated)
    assert order.index(high.id) >= order.index(low.id)


# --- equipping rates (GB 17167-2006 Table 1) ---------------------------------

def test_eighteen_of_nineteen_fails_ninety_five_percent():
    # 18/19 = 94.74 %: rounded first it would read "95 %" and pass.
    result = E.equipping_cell("gb17167-2006", E.Cell("electricity", "L3", 18, 19))
    assert result.required_percent == 95
    assert result.result == "fail"
    assert result.rate_percent == D("94.73")


def test_thirty_eight_of_forty_meets_ninety_five_percent_exactly():
    result = E.equipping_cell("gb17167-2006", E.Cell("electricity", "L3", 38, 40))
    assert result.result == "pass" and result.rate_percent == D("95.00")


def test_the_same_rate_passes_for_gas_and_fails_for_water_at_level_two():
    gas = E.equipping_cell("gb17167-2006", E.Cell("manufactured_gas", "L2", 9, 10))
    water = E.equipping_cell("gb17167-2006", E.Cell("water", "L2", 9, 10))
    assert (gas.result, water.result) == ("pass", "fail")


def test_an_exclusion_with_its_ground_turns_a_fail_into_a_pass():
    plain = E.equipping_cell("gb17167-2006", E.Cell("steam", "L2", 4, 6))
    assert plain.result == "fail"  # 66.66 % < 80 %
    # Table 1 note b: the seasonal heating steam of one sub-unit need not be metered.
    excluded = E.equipping_cell("gb17167-2006", E.Cell("steam", "L2", 4, 6, 1, ("t1b",)))
    assert excluded.needed == 5 and excluded.rate_percent == D("80.00")
    assert excluded.result == "pass"


def test_an_exclusion_needs_a_ground_the_standard_allows():
    with pytest.raises(RuleError) as missing:
        E.equipping_cell("gb17167-2006", E.Cell("steam", "L2", 3, 4, 1))
    assert missing.value.code == "equipping.reason"
    with pytest.raises(RuleError) as wrong:
        E.equipping_cell("gb17167-2006", E.Cell("coal", "L2", 3, 4, 1, ("t1b",)))
    assert wrong.value.code == "equipping.ground"


def test_nothing_needed_is_not_applicable_not_a_hundred_percent():
    result = E.equipping_cell("gb17167-2006", E.Cell("coal", "L2", 0, 0))
    assert result.result == "not_applicable" and result.rate_percent is None


def test_a_level_without_a_requirement_is_not_applicable():
    result = E.equipping_cell("gb17167-2006", E.Cell("recoverable_waste_energy", "L3", 1, 4))
    assert result.result == "not_applicable" and result.required_percent is None


def test_more_installed_than_needed_is_a_ledger_error_and_not_capped():
    result = E.equipping_cell("gb17167-2006", E.Cell("water", "L1", 5, 4))
    assert result.result == "ledger_error" and result.rate_percent == D("125.00")
    _cells, verdict = E.equipping_assess("gb17167-2006", [E.Cell("water", "L1", 5, 4)])
    assert verdict == "noncompliant"


def test_an_unknown_edition_energy_or_level_is_refused():
    for cell, edition in ((E.Cell("coal", "L1", 1, 1), "gb17167-1997"),
                          (E.Cell("plutonium", "L1", 1, 1), "gb17167-2006"),
                          (E.Cell("coal", "L4", 1, 1), "gb17167-2006")):
        with pytest.raises(RuleError):
            E.equipping_cell(edition, cell)


@given(st.sampled_from(E.energy_ids()), st.sampled_from(E.LEVELS),
       st.integers(0, 500), st.integers(1, 500))
def test_the_verdict_is_the_exact_fraction_comparison(energy, level, installed, needed):
    installed = min(installed, needed)
    result = E.equipping_cell("gb17167-2006", E.Cell(energy, level, installed, needed))
    required = E.required_rate("gb17167-2006", energy, level)
    if required is None:
        assert result.result == "not_applicable"
    else:
        exact = Fraction(installed, needed) * 100 >= required
        assert (result.result == "pass") == exact
        # the displayed rate never exceeds the true one
        assert Fraction(str(result.rate_percent)) <= Fraction(installed * 100, needed)


# --- accuracy classes (Table 4) ----------------------------------------------

@pytest.mark.parametrize(("installed", "required", "meets"), [
    ("0.5", "0.5S", False),
    ("0.5S", "0.5S", True),
    ("0.2S", "0.5S", True),
    ("0.2", "0.5S", True),
    ("1.0", "0.5", False),
    ("0.5S级", "0.5", True),
    ("2", "2.0", True),
])
def test_accuracy_classes_compare_with_their_s(installed, required, meets):
    assert E.class_meets(installed, required) is meets


def test_an_oiml_class_is_not_a_percentage():
    with pytest.raises(RuleError) as error:
        E.parse_class("III")
    assert error.value.code == "accuracy.not_percent"


def test_boundary_electricity_meters_are_judged_by_user_class():
    assert E.electricity_user_class(monthly_kwh=6_000_000) == "I"
    assert E.electricity_user_class(transformer_kva=2000) == "II"
    assert E.electricity_user_class(transformer_kva=315) == "III"
    assert E.electricity_user_class(transformer_kva=314) == "IV"
    assert E.electricity_user_class(single_phase=True) == "V"
    fail = E.accuracy_check("gb17167-2006", instrument="electricity_meter", energy="electricity",
                            accuracy_class="0.5", user_class="II")
    assert (fail.result, fail.required_class) == ("fail", "0.5S")
    ok = E.accuracy_check("gb17167-2006", instrument="electricity_meter", energy="electricity",
                          accuracy_class="0.2S", user_class="I")
    assert ok.result == "pass"
    unknown = E.accuracy_check("gb17167-2006", instrument="electricity_meter",
                               energy="electricity", accuracy_class="0.5S")
    assert unknown.result == "cannot_judge"


def test_scales_and_water_meters_are_judged_by_their_mpe():
    scale = E.accuracy_check("gb17167-2006", instrument="scale_static", energy="coal",
                             accuracy_class="III")
    assert scale.result == "cannot_judge"
    scale = E.accuracy_check("gb17167-2006", instrument="scale_static", energy="coal",
                             accuracy_class="III", mpe_percent=D("0.1"))
    assert scale.result == "pass"
    water = E.accuracy_check("gb17167-2006", instrument="water_meter", energy="water",
                             accuracy_class="2", pipe_dn_mm=300)
    assert water.result == "cannot_judge"
    water = E.accuracy_check("gb17167-2006", instrument="water_meter", energy="water",
                             accuracy_class="2", pipe_dn_mm=300, mpe_percent=D("2"))
    assert (water.result, water.required_class) == ("fail", "1.5")
    steam = E.accuracy_check("gb17167-2006", instrument="steam_flow_meter", energy="steam",
                             accuracy_class="2.5")
    assert steam.result == "pass"
    heat = E.accuracy_check("gb17167-2006", instrument="heat_meter", energy="steam",
                            accuracy_class="2")
    assert heat.result == "not_covered"


@given(st.sampled_from(["0.1", "0.2", "0.2S", "0.5", "0.5S", "1.0", "2.0", "2.5"]),
       st.sampled_from(["0.1", "0.2", "0.2S", "0.5", "0.5S", "1.0", "2.0", "2.5"]),
       st.sampled_from(["0.1", "0.2", "0.2S", "0.5", "0.5S", "1.0", "2.0", "2.5"]))
def test_meeting_a_class_is_transitive(a, b, c):
    if E.class_meets(a, b) and E.class_meets(b, c):
        assert E.class_meets(a, c)


# --- conversion (GB/T 2589) --------------------------------------------------

def test_the_issue_example_converts_raw_coal_in_tonnes():
    result = E.convert("gbt2589-2008", [{"energy": "raw_coal", "quantity": "120000", "unit": "t"}])
    assert result.rows[0].kgce == D("85716000.0000")
    assert result.total_tce == D("85716")


def test_electricity_keeps_its_basis_with_the_total():
    items = [{"energy": "electricity", "quantity": "1000000", "unit": "kWh"}]
    equivalent = E.convert("gbt2589-2008", items)
    assert equivalent.electricity_basis == "equivalent" and equivalent.total_tce == D("122.9")
    with pytest.raises(RuleError) as missing:
        E.convert("gbt2589-2008", items, electricity_basis="equal_value")
    assert missing.value.code == "electricity.equal_value"
    equal = E.convert("gbt2589-2008", items, electricity_basis="equal_value",
                      equal_value_kgce_per_kwh=D("0.305"))
    assert equal.electricity_basis == "equal_value" and equal.total_tce == D("305")


def test_editions_differ_where_the_2020_annex_b_is_unconfirmed():
    water = [{"energy": "fresh_water", "quantity": "1000", "unit": "t"}]
    assert E.convert("gbt2589-2008", water).total_kgce == D("85.7")  # not the legacy 257.1
    with pytest.raises(RuleError) as unknown:
        E.convert("gbt2589-2020", water)
    assert unknown.value.code == "coefficient.unknown"
    coal = [{"energy": "raw_coal", "quantity": "1", "unit": "t"}]
    assert E.convert("gbt2589-2020", coal).total_kgce == D("714.3")
    assert E.conversion_edition_on(datetime.date(2021, 3, 31)) == "gbt2589-2008"
    assert E.conversion_edition_on(datetime.date(2021, 4, 1)) == "gbt2589-2020"


def test_natural_gas_is_by_origin_or_by_measured_calorific_value():
    gas = [{"energy": "natural_gas_gasfield", "quantity": "1000", "unit": "m3"},
           {"energy": "natural_gas_oilfield", "quantity": "1000", "unit": "m3"}]
    rows = E.convert("gbt2589-2008", gas).rows
    assert [r.kgce for r in rows] == [D("1214.3"), D("1330.0")]
    measured = E.convert("gbt2589-2008", [{"energy": "coke_oven_gas", "quantity": "100",
                                           "unit": "m3", "ncv_kj_per_unit": "17000"}])
    assert measured.rows[0].source == "measured_ncv"
    assert measured.rows[0].kgce == D(100) * D(17000) / D(29307)


def test_a_range_row_has_no_default():
    with pytest.raises(RuleError) as error:
        E.convert("gbt2589-2008", [{"energy": "coke_oven_gas", "quantity": "1", "unit": "m3"}])
    assert error.value.code == "coefficient.range"


def test_steam_in_heat_units_must_be_converted_as_heat():
    with pytest.raises(RuleError) as error:
        E.convert("gbt2589-2008", [{"energy": "steam_low_pressure", "quantity": "1",
                                    "unit": "GJ"}])
    assert error.value.code == "unit.steam_heat"
    heat = E.convert("gbt2589-2008", [{"energy": "heat", "quantity": "1", "unit": "GJ"}])
    assert heat.total_kgce == D("34.12")
    steam = E.convert("gbt2589-2008", [{"energy": "steam_low_pressure", "quantity": "1",
                                        "unit": "t"}])
    assert steam.total_kgce == D("128.6")


@given(st.lists(st.tuples(st.sampled_from(["raw_coal", "diesel", "electricity", "heat"]),
                          st.decimals(min_value=0, max_value=10**9, places=3)), max_size=8))
def test_the_total_is_the_sum_of_the_rows(items):
    units = {"raw_coal": "t", "diesel": "kg", "electricity": "kWh", "heat": "GJ"}
    result = E.convert("gbt2589-2008", [{"energy": e, "quantity": q, "unit": units[e]}
                                        for e, q in items])
    assert result.total_kgce == sum((r.kgce for r in result.rows), D(0))
    assert all(r.kgce >= 0 for r in result.rows)


# --- data quality ------------------------------------------------------------

def _t(day, hour=0, minute=0):
    return datetime.datetime(2026, 1, day, hour, minute, tzinfo=TZ)


def test_completeness_is_ninety_percent_inclusive():
    assert E.completeness_ok(87, 96) is True  # 90.6 %
    assert E.completeness_ok(86, 96) is False  # 89.6 %
    assert E.completeness_ok(9, 10) is True


def test_gaps_are_listed_with_their_missing_slots():
    times = [_t(1) + datetime.timedelta(minutes=15 * i) for i in range(96) if not 10 <= i < 14]
    found = E.gaps(times, _t(1), _t(2))
    assert len(found) == 1
    assert found[0].missing == 4 and found[0].start == _t(1, 2, 30)
    assert E.expected_points(_t(1), _t(2), 15) == 96


def test_readings_off_the_grid_are_misaligned():
    times = [_t(1, 0, 15), _t(1, 0, 30) + datetime.timedelta(seconds=59),
             _t(1, 0, 45) + datetime.timedelta(seconds=61)]
    assert E.misaligned(times) == [times[2]]
    assert E.period_start_aligned(_t(1) + datetime.timedelta(seconds=60), "day")
    assert not E.period_start_aligned(_t(1) + datetime.timedelta(seconds=61), "day")
    assert E.period_start_aligned(_t(1, 23, 0), "month")
    assert not E.period_start_aligned(_t(2, 1, 0), "month")


def test_a_register_that_goes_down_is_named_but_a_rollover_is_not():
    readings = [(_t(1, 0, 0), D("100")), (_t(1, 0, 15), D("90")), (_t(1, 0, 30), D("95"))]
    found = E.register_decreases(readings)
    assert [d.at for d in found] == [_t(1, 0, 15)]
    rollover = [(_t(1, 0, 0), D("99990")), (_t(1, 0, 15), D("5"))]
    assert E.register_decreases(rollover, register_max=D("100000")) == []
    assert E.interval_delta(D("99990"), D("5"), D("100000")) == (D("15"), False)
    assert E.register_decreases(readings, replacements=[_t(1, 0, 15)]) == []


def test_daily_totals_must_agree_with_the_monthly_within_five_percent():
    assert E.daily_vs_monthly_ok(D("105"), D("100")) is True
    assert E.daily_vs_monthly_ok(D("105.01"), D("100")) is False
    assert E.daily_vs_monthly_ok(D("0"), D("0")) is True


def test_the_balance_needs_a_configured_tolerance():
    with pytest.raises(RuleError) as error:
        E.balance(D("100"), [D("50")], tolerance_percent=None)
    assert error.value.code == "balance.tolerance"
    ok = E.balance(D("100"), [D("48"), D("49")], tolerance_percent=D("3"))
    assert ok.ok and ok.deviation_percent == D("3.00")
    assert not E.balance(D("100"), [D("48"), D("48")], tolerance_percent=D("3")).ok


def test_a_reading_outside_every_verification_period_is_lapsed():
    periods = [(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))]
    assert E.reading_lapsed(datetime.date(2026, 1, 1), periods)
    assert not E.reading_lapsed(datetime.date(2025, 12, 31), periods)
    assert E.reading_lapsed(datetime.date(2025, 6, 1), [])


# --- the command-line contracts ----------------------------------------------

def _run(command, request):
    out = io.StringIO()
    status = E.main([command], io.StringIO(json.dumps(request)), out)
    return status, json.loads(out.getvalue())


def test_the_convert_command_reads_and_writes_one_json_object():
    completed = subprocess.run(
        [sys.executable, "-m", "jiliang.rules.energy", "convert"],
        input=json.dumps({"edition": "gbt2589-2008", "items": [
            {"energy": "raw_coal", "quantity": "120000", "unit": "t"},
            {"energy": "electricity", "quantity": "50000", "unit": "kWh"}]}),
        capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout
    out = json.loads(completed.stdout)
    assert out["rows"][0] == {**out["rows"][0], "energy": "raw_coal", "kgce": "85716000"}
    assert out["total_tce"] == "85722.145"
    assert out["electricity_basis"] == "equivalent"


def test_the_equipping_command_gives_cells_and_a_verdict():
    completed = subprocess.run(
        [sys.executable, "-m", "jiliang.rules.energy", "equipping"],
        input=json.dumps({"edition": "gb17167-2006", "cells": [
            {"energy": "electricity", "level": "L3", "installed": 38, "required": 40,
             "excluded": 0}]}),
        capture_output=True, text=True, check=False)
    assert completed.returncode == 0
    out = json.loads(completed.stdout)
    assert out["cells"][0]["rate_percent"] == "95.00"
    assert out["cells"][0]["required_percent"] == "95"
    assert out["cells"][0]["result"] == "pass"
    assert out["verdict"] == "compliant"
    status, out = _run("equipping", {"edition": "gb17167-2006", "cells": [
        {"energy": "water", "level": "L2", "installed": 18, "required": 19, "excluded": 0}]})
    assert status == 0 and out["verdict"] == "noncompliant"


@pytest.mark.parametrize(("command", "request_"), [
    ("convert", {"edition": "gbt2589-1990", "items": []}),
    ("convert", {"edition": "gbt2589-2008", "items": [{"energy": "raw_coal", "quantity": "x",
                                                        "unit": "t"}]}),
    ("convert", {"edition": "gbt2589-2008", "items": [{"energy": "coke_oven_gas",
                                                        "quantity": "1", "unit": "m3"}]}),
    ("convert", {"edition": "gbt2589-2008"}),
    ("equipping", {"edition": "gb17167-2006", "cells": [{"energy": "coal", "level": "L1",
                                                         "installed": 1.5, "required": 2}]}),
    ("equipping", {"edition": "gb17167-2006", "cells": [{"energy": "coal", "level": "L9",
                                                         "installed": 1, "required": 2}]}),
])
def test_input_it_cannot_judge_gives_an_error_and_status_two(command, request_):
    status, out = _run(command, request_)
    assert status == 2 and set(out) == {"error"} and out["error"]


def test_a_body_that_is_not_json_gives_status_two():
    out = io.StringIO()
    assert E.main(["convert"], io.StringIO("not json"), out) == 2
    assert "error" in json.loads(out.getvalue())
    assert E.main(["nonsense"], io.StringIO("{}"), io.StringIO()) == 2


def test_a_count_in_other_digits_is_refused_with_its_name():
    status, out = _run("equipping", {"edition": "gb17167-2006", "cells": [
        {"energy": "water", "level": "L1", "installed": "²", "required": "4"}]})
    assert status != 0 and "cells[0].installed" in json.dumps(out, ensure_ascii=False)
