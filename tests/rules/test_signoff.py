"""Who may sign a verification (jiliang.rules.signoff): plain data, no database."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from jiliang.rules import signoff as rules

D = datetime.date
ON = D(2025, 6, 1)
SCALE, TAXI = "scale_digital_indicating", "taximeter"


START, UNTIL = D(2020, 1, 1), D(2030, 1, 1)


def qual(items=(SCALE,), *, kind="verifier_certificate", start=START, until=UNTIL,
         status="valid", ended=None):
    return rules.Qualification(kind=kind, items=frozenset(items), valid_from=start,
                               valid_until=until, status=status, ended_on=ended)


def person(pid, *quals, org=1, signatory=()):
    return rules.Person(id=pid, name=f"P{pid}", organisation_id=org, qualifications=quals,
                        signatory=signatory)


SCOPE = rules.Scope(kinds=frozenset({SCALE, TAXI}), region_prefix="4401",
                    valid_from=D(2024, 1, 1), valid_until=D(2028, 12, 31), number="(粤)法计(2024)01")
V, C = person(1, qual()), person(2, qual())
A = person(3, qual(), signatory=((D(2020, 1, 1), None),))


def check(**kw):
    args = dict(on=ON, kind_code=SCALE, regulation_code="JJG 539-2016", region_code="440106",
                institution_id=1, scopes=[SCOPE], verifier=V, checker=C, approver=A)
    args.update(kw)
    return [(p.field, p.code) for p in rules.check_signoff(**args)]


def test_three_qualified_people_within_the_scope_pass():
    assert check() == []
    assert rules.scope_in_force([SCOPE], kind_code=SCALE, region_code="440106",
                                on=ON).number == "(粤)法计(2024)01"


def test_each_refusal_names_its_field_and_rule():
    assert check(verifier=person(1)) == [("verifier", "qualification.none")]
    assert check(verifier=person(1, qual([TAXI]))) == [("verifier", "qualification.other_item")]
    lapsed = person(1, qual(kind="registration", until=D(2025, 5, 31)))
    assert check(verifier=lapsed) == [("verifier", "qualification.lapsed")]
    assert check(checker=V) == [("checker", "checker.is_verifier")]
    assert check(approver=person(3, qual())) == [("approver", "approver.not_signatory")]
    assert check(verifier=None) == [("verifier", "person.missing")]
    assert check(verifier=person(1, qual(), org=2)) == [("verifier", "person.other_institution")]
    assert check(scopes=[]) == [("institution", "authorisation.none")]
    assert check(kind_code="water_meter", verifier=person(1, qual(["water_meter"])),
                 checker=person(2, qual(["water_meter"])),
                 approver=person(3, qual(["water_meter"]), signatory=A.signatory)) == [
        ("institution", "authorisation.kind")]
    assert check(region_code="440305") == [("institution", "authorisation.area")]
    assert check(on=D(2023, 12, 31)) == [("institution", "authorisation.dates")]


def test_every_problem_is_reported_not_only_the_first():
    assert check(scopes=[], verifier=person(1), checker=person(1)) == [
        ("institution", "authorisation.none"), ("verifier", "qualification.none"),
        ("checker", "qualification.none"), ("checker", "checker.is_verifier")]


def test_items_are_kinds_or_regulations_with_or_without_edition():
    assert rules.covers_item([SCALE], SCALE, "")
    assert rules.covers_item(["JJG 539-2016"], "x", "JJG 539-2016")
    assert rules.covers_item(["JJG  539"], "x", "JJG 539-2016")
    assert not rules.covers_item(["JJG 53"], "x", "JJG 539-2016")
    assert not rules.covers_item(["JJG 539-1997"], "x", "JJG 539-2016")


def test_a_converted_certificate_covers_the_days_before_its_conversion_only():
    cert = qual(status="converted", ended=D(2025, 6, 1))
    assert cert.in_force_on(D(2025, 5, 31)) and not cert.in_force_on(D(2025, 6, 1))
    assert rules.conversion_items(qual([SCALE, TAXI]), on=ON) == {SCALE, TAXI}


def test_an_effective_dated_scope_judges_a_past_date_by_the_scope_then():
    versions = [(D(2024, 1, 1), frozenset({SCALE, TAXI}), "440100"),
                (D(2025, 3, 1), frozenset({SCALE}), "440000")]
    scopes = rules.scopes_from_versions(versions, issued_on=D(2024, 1, 1),
                                        valid_until=D(2028, 12, 31), ended_on=D(2027, 1, 1))
    assert [(s.valid_from, s.valid_until) for s in scopes] == [
        (D(2024, 1, 1), D(2025, 2, 28)), (D(2025, 3, 1), D(2026, 12, 31))]
    taxi = dict(kind_code=TAXI, region_code="440106")
    assert rules.check_scope(scopes, on=D(2025, 2, 28), **taxi) == []
    assert [p.code for p in rules.check_scope(scopes, on=D(2025, 3, 1), **taxi)] == [
        "authorisation.kind"]
    shenzhen = dict(kind_code=SCALE, region_code="440305")
    assert [p.code for p in rules.check_scope(scopes, on=D(2025, 2, 1), **shenzhen)] == [
        "authorisation.area"]
    assert rules.check_scope(scopes, on=D(2025, 3, 1), **shenzhen) == []
    assert [p.code for p in rules.check_scope(scopes, on=D(2027, 1, 1), **shenzhen)] == [
        "authorisation.dates"]


def test_cpd_shortfall_needs_a_known_requirement():
    assert rules.cpd_shortfall(24, None) is None
    assert rules.cpd_shortfall(24, 30) == 6.0
    assert rules.cpd_shortfall(40, 30) == 0.0


days = st.integers(min_value=-2000, max_value=2000).map(lambda n: ON + datetime.timedelta(days=n))


@given(start=days, length=st.integers(min_value=0, max_value=3000), day=days)
def test_a_qualification_is_in_force_exactly_inside_its_dates(start, length, day):
    q = qual(start=start, until=start + datetime.timedelta(days=length))
    assert q.in_force_on(day) == (start <= day <= start + datetime.timedelta(days=length))


@given(cuts=st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=6,
                     unique=True), day=st.integers(min_value=0, max_value=3500))
def test_effective_dated_scopes_never_overlap(cuts, day):
    start = D(2020, 1, 1)
    versions = [(start, frozenset({SCALE}), "440000")] + [
        (start + datetime.timedelta(days=c), frozenset({TAXI}), "440000") for c in cuts]
    scopes = rules.scopes_from_versions(versions, issued_on=start, valid_until=None,
                                        ended_on=None)
    on = start + datetime.timedelta(days=day)
    assert sum(s.in_force_on(on) for s in scopes) == 1
