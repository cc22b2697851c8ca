"""Licence types and workflows declared as data (jiliang.rules.licensing)."""

import datetime

import pytest

from jiliang.rules import RuleError
from jiliang.rules import licensing as rules

D = datetime.date


def test_the_declared_data_is_sound():
    assert rules.check(rules.licence_types(), rules.workflows()) == []


def test_every_type_keeps_its_2008_and_current_status_with_sources():
    for lt in rules.licence_types().values():
        assert lt["regime"]["2008"]["zh"] and lt["regime"]["now"]["en"]
        assert lt["sources"] and lt["confidence"]


def test_abolished_licences_are_closed_with_the_date_and_reason():
    types = rules.licence_types()
    assert not types["manufacture_repair_licence"].open_now
    assert types["manufacture_repair_licence"]["closed_since"] == "2017-12-27"
    assert not types["verifier_certificate"].open_now
    assert not types["c_mark"].open_now
    declaration = types["c_mark_declaration"]
    assert declaration.open_now and declaration.is_filing


def test_the_deciding_level_follows_the_declared_rule():
    ta = rules.licence_type("type_approval")
    assert ta.decide_level({"origin": "domestic"}) == "provincial"
    assert ta.decide_level({"origin": "import"}) == "national"
    rm = rules.licence_type("registered_metrologist")
    assert rm.decide_level({"level": "1"}) == "national"
    with pytest.raises(RuleError):
        ta.decide_level({})
    assert rules.authority_code("provincial", "440106") == "440000"
    assert rules.authority_code("city", "440106") == "440100"
    assert rules.authority_code("national", "440106") == rules.NATIONAL_AUTHORITY


def test_a_transition_from_the_wrong_state_is_refused():
    flow = rules.workflows()["licence"]
    assert flow.transition("accept", "submitted").target == "under_review"
    with pytest.raises(RuleError):
        flow.transition("approve", "submitted")
    with pytest.raises(RuleError):
        flow.transition("no_such_action", "draft")


def test_the_states_of_each_clock_come_from_the_workflow():
    flow = rules.workflows()["licence"]
    assert flow.clock_states("decision") == ("under_review", "awaiting_decision")
    # Art. 50: a renewal counts as pending once complete; awaiting materials, it does not
    pending = flow.clock_states("acceptance", "decision", "stopped")
    assert "suspended" in pending and "correction_requested" not in pending


def test_a_transition_takes_its_required_and_optional_fields_only():
    flow = rules.workflows()["licence"]
    assert flow.transitions["assign"].accepts == {"reviewer", "expert_name"}
    assert flow.transitions["withdraw"].accepts == {"reasons"}
    assert flow.transitions["accept"].accepts == frozenset()


def test_type_approval_numbers_read_cpa_yy_x_nnn():
    ta = rules.licence_type("type_approval")
    assert rules.format_number(ta, 101, authority="440000", issued=D(2026, 3, 1),
                               letter="F") == "CPA 26-F101"
    assert rules.cpa_check("CPA 99-F166") == (99, "F", 166)
    for bad in ("CPA 99F166", "CPA 1999-F166", "CPA 99-166", "CPA 99-F100"):
        with pytest.raises(RuleError):
            rules.cpa_check(bad)


def test_particulars_are_cleaned_and_every_bad_field_is_named():
    ta = rules.licence_type("type_approval")
    with pytest.raises(rules.ParticularsError) as caught:
        rules.clean_particulars(ta, {"origin": "mars", "category_letter": "ff"})
    assert {"origin", "category_letter", "instrument_name", "model"} <= set(caught.value.errors)
    auth = rules.licence_type("metrology_authorization")
    cleaned = rules.clean_particulars(auth, {
        "authority_level": "provincial", "form": "legal_institution",
        "kinds": "taximeter, water_meter taximeter", "authorised_region": "440100"})
    assert cleaned["kinds"] == ["taximeter", "water_meter"]


def test_the_renewal_window_closes_by_the_types_rule():
    standard = rules.licence_type("measurement_standard_assessment")
    assert standard.renewal_window(D(2027, 3, 14), opens_days=90) == (D(2026, 6, 16),
                                                                       D(2026, 9, 14))
    metrologist = rules.licence_type("registered_metrologist")
    assert metrologist.renewal_deadline(D(2027, 3, 14)) == D(2027, 2, 12)
    assert rules.licence_type("type_approval").renewal_window(None, opens_days=90) is None
