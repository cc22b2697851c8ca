"""Net-content judgement: JJF 1070-2005 worked through by hand, the other rule sets, the CLI.

The reference (shared/reference/net_content_rules.json) carries the tables but
not the standard's own worked examples, so each example below is worked out in
its comment from the table rows; the figures are the standard's, the lots are ours.
"""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules.netcontent import (
    judge,
    main,
    rule_set,
    rule_set_in_force,
    rule_sets,
    tolerable_deficiency,
)

JJF = "jjf1070-2005"


def jjf(nominal, unit, lot_size, values, **kw):
    return judge(rule_set=JJF, nominal=nominal, unit=unit, lot_size=lot_size,
                 values=[str(v) for v in values], **kw)


def refusal(**kw) -> RuleError:
    payload = {"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 20,
               "values": ["500"] * 10}
    payload.update(kw)
    with pytest.raises(RuleError) as caught:
        judge(**payload)
    return caught.value


# --- T (Order 75 annex 3) ------------------------------------------------------------------

@pytest.mark.parametrize(("nominal", "expected"), [
    # the edges of the table: continuous, so the owner of an edge never changes T
    ("50", "4.5"), ("100", "4.5"), ("200", "9"), ("300", "9"), ("500", "15"), ("1000", "15"),
    ("10000", "150"), ("15000", "150"), ("50000", "500"),
    # inside rows: 9 % of 20 g = 1.8; 4.5 % of 150 g = 6.75 -> 6.8 (0.1 g); 3 % of 400 = 12
    ("20", "1.8"), ("150", "6.8"), ("400", "12"), ("2000", "30"), ("20000", "200"),
    # the gap other implementations leave between integer edges
    ("49.5", "4.5"), ("99.5", "4.5"),
])
def test_t_follows_the_table_of_order_75_annex_3(nominal, expected):
    assert tolerable_deficiency(rule_set(JJF), Decimal(nominal), "g") == expected


@pytest.mark.parametrize(("nominal", "unit", "half_even", "up"), [
    ("130", "g", "5.8", "5.9"),   # 4.5 % × 130 = 5.85
    ("1.5", "kg", "0.022", "0.023"),  # 1.5 % × 1500 g = 22.5 g, rounded to 1 g above 1 kg
    ("1.1", "L", "0.016", "0.017"),  # 16.5 mL
    ("5", "g", "0.4", "0.5"),     # 9 % × 5 = 0.45
])
def test_ties_of_t_follow_the_rounding_parameter(nominal, unit, half_even, up):
    rules = rule_set(JJF)
    assert tolerable_deficiency(rules, Decimal(nominal), unit) == half_even  # the default
    assert tolerable_deficiency(rules, Decimal(nominal), unit, t_rounding="half_even") == half_even
    assert tolerable_deficiency(rules, Decimal(nominal), unit, t_rounding="half_up") == up
    assert tolerable_deficiency(rules, Decimal(nominal), unit, t_rounding="up") == up


def test_the_default_rounding_and_its_reason_are_written_in_the_rule_set():
    data = rule_set(JJF).data["t_rounding"]
    assert data["default"] == "half_even" and "修约" in data["reason"]
    assert data["tie_breaking_confirmed"] is False
    assert rule_set("oiml-r87-2004").t_rounding_default == "up"


def test_a_tie_decides_the_verdict_of_a_130_g_lot():
    # 130 g, lot 30: n = 10, no unit may be short by more than T. A unit of 124.15 g is short
    # by 5.85 g: more than T = 5.8 (half even), exactly T = 5.9 (up).
    values = ["124.15"] + ["131"] * 9
    assert jjf("130", "g", 30, values).verdict == "fail"
    assert jjf("130", "g", 30, values, t_rounding="up").verdict == "pass"


@pytest.mark.parametrize(("nominal", "unit", "expected"), [
    ("5", "m", "0"), ("500", "cm", "0"), ("10", "m", "0.2"),   # length: 0 up to 5 m, then 2 %
    ("2", "m2", "0.06"), ("50", "items", "0"), ("150", "items", "2"), ("51", "items", "1"),
])
def test_t_for_length_area_and_count(nominal, unit, expected):
    assert tolerable_deficiency(rule_set(JJF), Decimal(nominal), unit) == expected


# --- the sampling plan (Order 75 annex 4) --------------------------------------------------

@pytest.mark.parametrize(("lot", "n", "lam", "allowed"), [
    (1, 1, None, 0), (10, 10, None, 0), (11, 10, "1.028", 0), (50, 10, "1.028", 0),
    (51, 13, "0.848", 1), (99, 13, "0.848", 1), (100, 50, "0.379", 3), (500, 50, "0.379", 3),
    (501, 80, "0.295", 5), (3200, 80, "0.295", 5), (3201, 125, "0.234", 7),
    (1_000_000, 125, "0.234", 7),
])
def test_lots_at_the_plan_boundaries_take_the_rows_sample(lot, n, lam, allowed):
    result = jjf("500", "g", lot, ["500"] * n)
    assert (result.n, result.allowed_over_t) == (n, allowed)
    assert result.as_dict()["lambda"] == lam
    assert result.verdict == "pass"


def test_a_sample_of_the_wrong_size_for_the_lot_is_refused():
    error = refusal(lot_size=100, values=["500"] * 80)
    assert error.code == "sample.size" and "50" in str(error) and "80" in str(error)
    assert refusal(lot_size=7, values=["500"] * 6).code == "sample.size"


# --- individual units: T and 2T --------------------------------------------------------------

def test_a_unit_short_by_exactly_t_is_acceptable():
    # 500 g, T = 15 g; lot 30 -> n = 10, nothing allowed over T. 485 g is short by exactly T.
    result = jjf("500", "g", 30, ["485"] + ["505"] * 9)
    assert result.verdict == "pass" and result.count_over_t == 0
    assert jjf("500", "g", 30, ["484.9"] + ["505"] * 9).failed == ("over_T",)


def test_a_unit_short_by_exactly_2t_is_t1_class_not_t2():
    # lot 60 -> n = 13, one unit over T allowed. 470 g is short by 30 g = 2T: T1 class.
    result = jjf("500", "g", 60, ["470"] + ["505"] * 12)
    assert (result.count_over_t, result.count_over_2t, result.verdict) == (1, 0, "pass")
    result = jjf("500", "g", 60, ["469.9"] + ["505"] * 12)
    assert (result.count_over_t, result.count_over_2t) == (0, 1)
    assert result.failed == ("over_2T",)


def test_the_allowed_count_over_t_is_the_plans():
    # lot 1000 -> n = 80, 5 allowed; units of 480 g are short by 20 g (T < 20 <= 2T).
    five = jjf("500", "g", 1000, ["480"] * 5 + ["503"] * 75)
    assert (five.count_over_t, five.verdict) == (5, "pass")
    six = jjf("500", "g", 1000, ["480"] * 6 + ["503"] * 74)
    assert six.failed == ("over_T",)


def test_where_t_is_zero_any_shortfall_is_over_2t():
    # 50 items: T = 0, so one item short is T2 class and fails even a lot that allows T1 units.
    result = jjf("50", "items", 200, ["49"] + ["50"] * 49)
    assert result.count_over_2t == 1 and result.failed == ("over_2T",)


# --- the mean ------------------------------------------------------------------------------

def test_a_failure_of_the_mean_alone():
    # 500 g, lot 30: n = 10, λ = 1.028. Values 498 ×4, 499 ×3, 497 ×3: q̄ = 498.0,
    # Σ(q − q̄)² = 6, s = √(6/9) = 0.8165, limit = 500 − 1.028 × 0.8165 = 499.161.
    # Every unit is within T (short by at most 3 g), but q̄ < 499.161.
    result = jjf("500", "g", 30, [498, 499, 497, 498, 499, 498, 497, 498, 499, 497])
    assert result.failed == ("mean",)
    out = result.as_dict()
    assert (out["mean"], out["s"], out["mean_limit"]) == ("498.000", "0.816", "499.161")
    assert (out["count_over_T"], out["count_over_2T"]) == (0, 0)


def test_the_mean_test_is_inclusive():
    # All units equal: s = 0 and the limit is Qn itself; q̄ = Qn passes.
    assert jjf("500", "g", 30, ["500"] * 10).verdict == "pass"
    assert jjf("500", "g", 30, ["499.9"] * 10).failed == ("mean",)


def test_s_uses_n_minus_one():
    # q̄ = 100, Σ(q − q̄)² = 10: s = √(10/9) = 1.054 (with n it would be 1.000)
    assert jjf("100", "g", 20, ["99", "101"] * 5).as_dict()["s"] == "1.054"


def test_a_lot_of_one_to_ten_units_has_no_mean_test():
    # Order 75 annex 4, note 2: lots of 1-10 units are judged unit by unit, every unit.
    result = jjf("500", "g", 10, ["499"] * 10)
    assert result.verdict == "pass" and result.lam is None and result.mean_limit is None
    out = result.as_dict()
    assert out["lambda"] is None and out["mean_limit"] is None and out["mean"] == "499.000"
    # the same values in a lot of 11 fail on the mean
    assert jjf("500", "g", 11, ["499"] * 10).failed == ("mean",)
    single = jjf("500", "g", 1, ["486"])
    assert single.verdict == "pass" and single.s is None and single.n == 1


def test_values_may_be_in_another_unit_of_the_same_quantity():
    result = jjf("1.5", "kg", 30, ["1490"] * 10, values_unit="g")
    out = result.as_dict()
    assert out["T"] == "0.022" and out["mean"] == "1.490000" and out["unit"] == "kg"
    assert result.failed == ("mean",)


# --- refusals --------------------------------------------------------------------------------

def test_a_nominal_above_50_kg_or_50_l_is_refused():
    assert refusal(nominal="50.001", unit="kg").code == "nominal.above_table"
    assert refusal(nominal="60", unit="L").code == "nominal.above_table"
    assert refusal(nominal="0").code == "nominal.not_positive"
    assert jjf("50", "kg", 30, ["50"] * 10).verdict == "pass"


def test_a_unit_that_does_not_fit_the_quantity_is_refused():
    assert refusal(values_unit="mL").code == "unit.mismatch"
    assert refusal(unit="furlong").code == "unit.unknown"
    assert refusal(unit="items", nominal="10.5").code == "nominal.not_whole"


@pytest.mark.parametrize("bad", ["abc", "", None, True, "NaN", "Infinity", "1,5"])
def test_a_value_that_is_not_a_number_is_refused(bad):
    error = refusal(values=["500"] * 9 + [bad])
    assert error.code == "value.not_number" and "values[10]" in str(error)


def test_other_bad_input_is_refused():
    assert refusal(values=["-1"] + ["500"] * 9).code == "value.negative"
    assert refusal(lot_size="12.5").code == "lot.not_whole"
    assert refusal(lot_size=0).code == "lot.not_positive"
    assert refusal(nominal="five").code == "value.not_number"
    assert refusal(rule_set="jjf1070-1999").code == "rule_set.unknown"
    assert refusal(t_rounding="sideways", nominal="130").code == "rounding.unknown"
    assert refusal(destructive=True).code == "plan.no_destructive"


# --- editions and other rule sets ------------------------------------------------------------

def test_the_rule_set_in_force_follows_the_sampling_date():
    assert rule_set_in_force(datetime.date(2006, 1, 1)).id == JJF
    assert rule_set_in_force(datetime.date(2024, 10, 11)).id == JJF
    assert rule_set_in_force(datetime.date(2024, 10, 12)).id == "jjf1070-2023"
    with pytest.raises(RuleError):
        rule_set_in_force(datetime.date(2005, 12, 31))


def test_jjf_1070_2023_refuses_to_judge_until_its_tables_are_on_file():
    error = refusal(rule_set="jjf1070-2023")
    assert error.code == "rule_set.no_tables"


def test_every_rule_set_names_its_source():
    for found in rule_sets().values():
        assert found.source.get("standard") and found.source.get("confidence")
        assert found.source.get("sources")


def test_r87_2004_judges_lots_of_100_and_more_and_its_destructive_plan():
    r87 = "oiml-r87-2004"
    assert judge(rule_set=r87, nominal="500", unit="g", lot_size=100,
                 values=["500"] * 50).verdict == "pass"
    with pytest.raises(RuleError) as caught:
        judge(rule_set=r87, nominal="500", unit="g", lot_size=99, values=["500"] * 13)
    assert caught.value.code == "lot.not_covered"
    destructive = judge(rule_set=r87, nominal="500", unit="g", lot_size=5000, destructive=True,
                        values=["480"] + ["502"] * 19)
    assert (destructive.n, destructive.allowed_over_t, destructive.verdict) == (20, 1, "pass")
    # R 87 is believed to round T up: 130 g -> 5.9 g
    assert tolerable_deficiency(rule_set(r87), Decimal("130"), "g") == "5.9"


def test_the_eu_reference_test_uses_its_double_plan():
    eu = "eec-76-211"
    # lot 200: first sample 30, accept with 1 defective, reject with 3.
    one = judge(rule_set=eu, nominal="500", unit="g", lot_size=200, values=["480"] + ["502"] * 29)
    assert one.verdict == "pass" and one.n == 30
    three = judge(rule_set=eu, nominal="500", unit="g", lot_size=200,
                  values=["480"] * 3 + ["505"] * 27)
    assert three.failed == ("over_T",)
    with pytest.raises(RuleError) as caught:  # two defectives: the second sample decides
        judge(rule_set=eu, nominal="500", unit="g", lot_size=200,
              values=["480"] * 2 + ["505"] * 28)
    assert caught.value.code == "sample.second_stage"
    second = judge(rule_set=eu, nominal="500", unit="g", lot_size=200,
                   values=["480"] * 2 + ["505"] * 28 + ["480"] * 2 + ["505"] * 28)
    assert (second.stage, second.n, second.allowed_over_t, second.verdict) == (2, 60, 4, "pass")
    assert judge(rule_set=eu, nominal="500", unit="g", lot_size=200,
                 values=["480"] * 2 + ["505"] * 28 + ["480"] * 3 + ["505"] * 27).verdict == "fail"
    with pytest.raises(RuleError) as caught:  # the EU table stops at 10 kg
        judge(rule_set=eu, nominal="15", unit="kg", lot_size=200, values=["15"] * 30)
    assert caught.value.code == "nominal.above_table"


# --- properties (hypothesis) -----------------------------------------------------------------

PLAN_LOTS = [5, 10, 11, 30, 51, 80, 100, 300, 501, 2000, 3201]
SIZES = {5: 5, 10: 10, 11: 10, 30: 10, 51: 13, 80: 13, 100: 50, 300: 50, 501: 80, 2000: 80,
         3201: 125}


@st.composite
def lots(draw):
    nominal = draw(st.sampled_from(["5", "45", "130", "250", "500", "1500", "12000", "25000"]))
    lot = draw(st.sampled_from(PLAN_LOTS))
    qn = Decimal(nominal)
    t = tolerable_deficiency(rule_set(JJF), qn, "g")
    # values within about ±3T of Qn, to 0.1 g
    spread = int(Decimal(t) * 30) + 1
    values = draw(st.lists(st.integers(-spread, spread // 2), min_size=SIZES[lot],
                           max_size=SIZES[lot]))
    return nominal, lot, [str(qn + Decimal(v) / 10) for v in values]


@settings(max_examples=150, deadline=None)
@given(lots(), st.data())
def test_a_unit_short_by_more_than_2t_never_turns_a_fail_into_a_pass(lot, data):
    nominal, size, values = lot
    before = jjf(nominal, "g", size, values)
    t = before.t
    extra = data.draw(st.integers(1, 1000))
    short = Decimal(nominal) - 2 * t - Decimal(extra) / 100
    assume(short >= 0)
    i = data.draw(st.integers(0, len(values) - 1))
    after = jjf(nominal, "g", size, values[:i] + [str(short)] + values[i + 1:])
    assert after.verdict == "fail" and "over_2T" in after.failed
    if size < 10:  # in lots of 1-10 units the unit can also be added to the lot itself
        grown = jjf(nominal, "g", size + 1, [*values, str(short)])
        assert not (before.verdict == "fail" and grown.verdict == "pass")


@settings(max_examples=150, deadline=None)
@given(lots(), st.integers(0, 5000))
def test_raising_every_value_never_turns_a_pass_into_a_fail(lot, tenths):
    nominal, size, values = lot
    before = jjf(nominal, "g", size, values)
    raised = [str(Decimal(v) + Decimal(tenths) / 10) for v in values]
    after = jjf(nominal, "g", size, raised)
    assert not (before.verdict == "pass" and after.verdict == "fail")
    assert after.count_over_t + after.count_over_2t <= before.count_over_t + before.count_over_2t


def test_raising_one_value_alone_can_fail_the_mean_as_the_rule_is_written():
    # Pitfall 8 of the reference: the limit Qn − λ·s drops as s grows, so the mean test
    # favours variable fillers. Raising one low unit lowers s more than it raises q̄.
    # Before: q̄ = 498.15, s = 4.269, limit = 500 − 1.028 × 4.269 = 495.61: pass.
    # After raising 486 to 499.5: q̄ = 499.5, s = 0, limit = 500: fail.
    assert jjf("500", "g", 30, ["486"] + ["499.5"] * 9).verdict == "pass"
    assert jjf("500", "g", 30, ["499.5"] * 10).failed == ("mean",)


# --- the command line ------------------------------------------------------------------------

def cli(payload) -> tuple[int, dict]:
    out = io.StringIO()
    text = payload if isinstance(payload, str) else json.dumps(payload)
    code = main(io.StringIO(text), out)
    return code, json.loads(out.getvalue())


def test_the_command_line_writes_the_contract_fields():
    code, out = cli({"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 1000,
                     "values": ["498.2"] * 80})
    assert code == 0
    assert set(out) >= {"verdict", "n", "T", "lambda", "mean", "s", "mean_limit", "count_over_T",
                        "count_over_2T", "allowed_over_T", "failed"}
    assert out["verdict"] == "fail" and out["n"] == 80 and out["T"] == "15"
    assert out["lambda"] == "0.295" and out["mean"] == "498.2000" and out["s"] == "0.0000"
    assert out["mean_limit"] == "500.0000" and out["allowed_over_T"] == 5
    assert out["failed"] == ["mean"]


def test_the_command_line_takes_json_numbers_and_a_values_unit():
    code, out = cli('{"rule_set": "jjf1070-2005", "nominal": 1, "unit": "kg", "lot_size": 3,'
                    ' "values": [1000.5, 999, 1001], "values_unit": "g"}')
    assert code == 0 and out["verdict"] == "pass" and out["T"] == "0.015"
    assert out["lambda"] is None and out["mean_limit"] is None


@pytest.mark.parametrize("payload", [
    "not json",
    "[1, 2]",
    {"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 100, "values": ["500"] * 10},
    {"rule_set": JJF, "nominal": "60", "unit": "kg", "lot_size": 5, "values": ["60"] * 5},
    {"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 5, "values": ["500"] * 5,
     "values_unit": "mL"},
    {"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 2, "values": ["500", "x"]},
    {"nominal": "500", "unit": "g", "lot_size": 2, "values": ["500", "500"]},
])
def test_the_command_line_refuses_with_an_error_object_and_status_2(payload):
    code, out = cli(payload)
    assert code == 2 and set(out) == {"error"} and out["error"]


def test_the_module_runs_as_a_program():
    payload = {"rule_set": JJF, "nominal": "500", "unit": "g", "lot_size": 5,
               "values": ["500", "501", "499", "500", "486"]}
    done = subprocess.run([sys.executable, "-m", "jiliang.rules.netcontent"],
                          input=json.dumps(payload), capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "pass"
    done = subprocess.run([sys.executable, "-m", "jiliang.rules.netcontent"],
                          input="{}", capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "error" in json.loads(done.stdout)


def test_the_rules_import_no_django():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, jiliang.rules.netcontent; "
         "print(any(m.startswith('django') for m in sys.modules))"],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
