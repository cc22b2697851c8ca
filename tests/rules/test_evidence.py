"""Evidence on records as pure functions: errors with their fields, findings between records."""

from jiliang.rules import evidence
from jiliang.rules.evidence import Evidence, Reading


def fields(ev, **kwargs):
    options = {"verification_type": "subsequent", "passed": True, "remote_allowed": False}
    options.update(kwargs)
    return sorted(f for f, _e in evidence.evidence_errors(ev, **options))


def test_a_remote_verification_is_refused_where_it_is_not_allowed():
    ev = Evidence(method="remote", remote_data="平台数据", remote_standard="标准")
    assert fields(ev) == ["method"]
    assert fields(ev, remote_allowed=True) == []
    assert fields(Evidence(method="remote"), remote_allowed=True) == [
        "remote_data", "remote_standard"]


def test_a_sealed_pass_and_a_counter_that_does_not_go_back():
    assert fields(Evidence(method="on_site")) == ["seals_left"]
    assert fields(Evidence(left=Reading(seals=("S1",), counter=5),
                           found=Reading(counter=6))) == ["counter_left"]
    assert fields(Evidence(mark="粤0001", found=Reading(counter=1)),
                  verification_type="first") == ["counter_found"]


def test_findings_compare_what_was_left_with_what_is_found():
    left = Reading(seals=("S1", "S2"), software_version="V1", checksum="ABCD1234", counter=7)
    assert evidence.evidence_findings(left, Reading(("S2", "S1"), "V1", "abcd1234", 7)) == []
    kinds = [f.kind for f in evidence.evidence_findings(left, Reading(("S3",), "V2", "FFFF", 8))]
    assert kinds == ["counter_moved", "checksum_changed", "version_changed", "seals_changed"]
    assert evidence.evidence_findings(None, Reading(counter=9)) == []
    assert evidence.evidence_findings(left, Reading()) == []


def test_software_controlled_kinds_are_data_and_the_rest_unknown():
    assert evidence.software_controlled("fuel_dispenser") is True
    assert evidence.software_controlled("weight") is None
    assert evidence.data()["remote"]["allowed"] == []
