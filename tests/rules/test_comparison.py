"""Comparison scores (En, z): the issue's examples, the boundaries, every refusal, the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.rules import RuleError
from jiliang.rules.comparison import main, run


def cli(payload) -> tuple[int, dict]:
    out = io.StringIO()
    text = payload if isinstance(payload, str) else json.dumps(payload)
    code = main(io.StringIO(text), out)
    return code, json.loads(out.getvalue())


def en(ref_value, ref_u, *results):
    return run({"method": "En", "reference": {"value": ref_value, "U": ref_u},
                "results": list(results)})["results"]


def z(ref_value, sigma, *values):
    return run({"method": "z", "reference": {"value": ref_value, "sigma_pt": sigma},
                "results": [{"lab": f"L{i}", "value": v} for i, v in enumerate(values)]})["results"]


def test_the_issue_example_en():
    # (10.0006 − 10.0000) / √(0.0010² + 0.0004²) = 0.0006 / 0.0010770 = 0.557
    (a,) = en("10.0000", "0.0004", {"lab": "A", "value": "10.0006", "U": "0.0010"})
    assert a == {"lab": "A", "score": "0.56", "verdict": "satisfactory"}


def test_en_at_exactly_one_is_satisfactory():
    # d = 0.5, √(0.3² + 0.4²) = 0.5: En = 1 exactly.
    (a,) = en("10", "0.4", {"lab": "A", "value": "10.5", "U": "0.3"})
    assert a["verdict"] == "satisfactory" and a["score"] == "1.00"
    (b,) = en("10", "0.4", {"lab": "B", "value": "9.5", "U": "0.3"})
    assert b["verdict"] == "satisfactory" and b["score"] == "-1.00"


def test_a_score_just_over_one_is_unsatisfactory_and_prints_so():
    # d = 0.50001 over U = 0.5: En = 1.00002, which would print as 1.00 with two decimals.
    (a,) = en("10", "0.4", {"lab": "A", "value": "10.50001", "U": "0.3"})
    assert a["verdict"] == "unsatisfactory"
    assert Decimal(a["score"]) > 1 and len(a["score"].split(".")[1]) >= 2


def test_in_reference_uses_the_difference_of_squares():
    # U(d) = √(0.5² − 0.3²) = 0.4; d = 0.4 → En = 1.00 (satisfactory); without the flag 0.69.
    (a,) = en("10", "0.3", {"lab": "A", "value": "10.4", "U": "0.5", "in_reference": True})
    assert a == {"lab": "A", "score": "1.00", "verdict": "satisfactory"}
    (b,) = en("10", "0.3", {"lab": "A", "value": "10.41", "U": "0.5", "in_reference": True})
    assert b["verdict"] == "unsatisfactory"
    (c,) = en("10", "0.3", {"lab": "A", "value": "10.4", "U": "0.5"})
    assert c["score"] == "0.69"


def test_z_boundaries_per_iso_13528():
    scores = z("20.0", "0.5", "21.0", "21.00001", "21.49999", "21.5", "18.5", "20", "19.75")
    assert [s["verdict"] for s in scores] == [
        "satisfactory", "questionable", "questionable", "unsatisfactory", "unsatisfactory",
        "satisfactory", "satisfactory"]
    assert [s["score"] for s in scores][0] == "2.00"
    assert scores[1]["score"] != "2.00" and Decimal(scores[1]["score"]) > 2
    assert scores[2]["score"] != "3.00" and Decimal(scores[2]["score"]) < 3
    assert scores[4]["score"] == "-3.00"
    assert scores[5]["score"] == "0.00"
    assert scores[6]["score"] == "-0.50"


@pytest.mark.parametrize("payload, fragment", [
    ({"method": "Zeta", "reference": {}, "results": [{"lab": "A"}]}, "unknown method"),
    ({"method": "En", "reference": {"value": "ten", "U": "0.1"},
      "results": [{"lab": "A", "value": "1", "U": "0.1"}]}, "not a number"),
    ({"method": "En", "reference": {"value": "10", "U": "0.1"},
      "results": [{"lab": "A", "value": "NaN", "U": "0.1"}]}, "not a number"),
    ({"method": "En", "reference": {"value": "10", "U": "0.1"},
      "results": [{"lab": "A", "value": True, "U": "0.1"}]}, "not a number"),
    ({"method": "En", "reference": {"value": "10", "U": "-0.1"},
      "results": [{"lab": "A", "value": "10", "U": "0.1"}]}, "negative uncertainty"),
    ({"method": "En", "reference": {"value": "10", "U": "0.1"},
      "results": [{"lab": "A", "value": "10", "U": "-0.2"}]}, "negative uncertainty"),
    ({"method": "En", "reference": {"value": "10", "U": "0"},
      "results": [{"lab": "A", "value": "10", "U": "0"}]}, "combined uncertainty is zero"),
    ({"method": "z", "reference": {"value": "10", "sigma_pt": "0"},
      "results": [{"lab": "A", "value": "10"}]}, "zero"),
    ({"method": "z", "reference": {"value": "10", "sigma_pt": "-1"},
      "results": [{"lab": "A", "value": "10"}]}, "negative"),
    ({"method": "En", "reference": {"value": "10", "U": "0.3"},
      "results": [{"lab": "A", "value": "10", "U": "0.3", "in_reference": True}]}, "U_lab > U_ref"),
    ({"method": "En", "reference": {"value": "10", "U": "0.3"},
      "results": [{"lab": "A", "value": "10", "U": "0.2", "in_reference": True}]}, "U_lab > U_ref"),
    ({"method": "En", "reference": {"value": "10", "U": "0.3"}, "results": []}, "non-empty"),
    ([1, 2], "not a JSON object"),
])
def test_every_refusal_exits_2_with_an_error(payload, fragment):
    code, out = cli(payload)
    assert code == 2
    assert list(out) == ["error"] and fragment in out["error"]


def test_bad_json_is_refused():
    code, out = cli("{not json")
    assert code == 2 and "error" in out


def test_json_numbers_are_read_as_decimals():
    code, out = cli('{"method": "En", "reference": {"value": 10.0000, "U": 0.0004},'
                    ' "results": [{"lab": "A", "value": 10.0006, "U": 0.0010}]}')
    assert code == 0 and out["results"][0]["score"] == "0.56"


def test_the_module_runs_as_a_command():
    payload = {"method": "z", "reference": {"value": "20.0", "sigma_pt": "0.5"},
               "results": [{"lab": "A", "value": "21.0"}]}
    done = subprocess.run([sys.executable, "-m", "jiliang.rules.comparison"],
                          input=json.dumps(payload), capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"method": "z", "results": [
        {"lab": "A", "score": "2.00", "verdict": "satisfactory"}]}
    bad = subprocess.run([sys.executable, "-m", "jiliang.rules.comparison"],
                         input='{"method": "x"}', capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "error" in json.loads(bad.stdout)


decimals = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4,
                       allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100"), places=4)


@settings(max_examples=300, deadline=None)
@given(x=decimals, ref=decimals, u_lab=positive, u_ref=positive)
def test_en_verdict_agrees_with_the_exact_score_and_the_print(x, ref, u_lab, u_ref):
    (a,) = en(str(ref), str(u_ref), {"lab": "A", "value": str(x), "U": str(u_lab)})
    exact = (x - ref) ** 2 <= u_lab ** 2 + u_ref ** 2
    assert (a["verdict"] == "satisfactory") == exact
    printed = Decimal(a["score"])
    # The printed figure never reads as the other verdict, and has at least two decimals.
    assert (abs(printed) <= 1) == exact
    assert len(a["score"].split(".")[1]) >= 2


@settings(max_examples=300, deadline=None)
@given(x=decimals, ref=decimals, sigma=positive)
def test_z_verdict_is_monotone_in_the_distance(x, ref, sigma):
    (a,) = z(str(ref), str(sigma), str(x))
    d = abs(x - ref)
    expected = ("satisfactory" if d <= 2 * sigma else
                "questionable" if d < 3 * sigma else "unsatisfactory")
    assert a["verdict"] == expected
    # Swapping the sign of the difference keeps the verdict and flips the score.
    (b,) = z(str(ref), str(sigma), str(2 * ref - x))
    assert b["verdict"] == expected
    assert Decimal(b["score"]) == -Decimal(a["score"])


def test_rule_errors_carry_codes():
    with pytest.raises(RuleError) as caught:
        run({"method": "En", "reference": {"value": "1", "U": "0.1"},
             "results": [{"lab": "A", "value": "1", "U": "0.05", "in_reference": True}]})
    assert caught.value.code == "in_reference.u_lab"
