"""The one record check (rules.verification.check_record): plain data in, every error out."""

import datetime

from jiliang.rules import editions, signoff, traceability
from jiliang.rules.verification import RecordFacts, SignoffCheck, StandardCheck, check_record

DAY = datetime.date(2026, 6, 1)


def facts(**changes) -> RecordFacts:
    values = dict(today=DAY, verified_on=DAY - datetime.timedelta(days=1),
                  verification_type="subsequent", conclusion="pass", certificate_no="JD-1",
                  regulation_code="JJG 539-2016", regulations=frozenset({"JJG 539-2016"}),
                  standard_identifier="[2024]粤量标证字第001号",
                  standard_valid_until=DAY + datetime.timedelta(days=100))
    values.update(changes)
    return RecordFacts(**values)


def codes(errors) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in errors]


def test_it_passes_a_good_record():
    assert check_record(facts()) == []


def test_it_returns_every_error_at_once_each_on_its_field():
    errors = check_record(facts(
        verified_on=DAY + datetime.timedelta(days=1), verification_type="first",
        conclusion="fail", certificate_no="", valid_until=DAY, regulation_code="JJG 1-2000",
        standard_identifier=" ", standard_valid_until=DAY - datetime.timedelta(days=30),
        verified_before=True))
    assert codes(errors) == [
        ("verified_on", "verified_on.future"),
        ("verification_type", "verification_type.not_first"),
        ("failed_items", "failed_items.missing"),
        ("certificate_no", "certificate_no.missing"),
        ("valid_until", "valid_until.on_fail"),
        ("regulation_code", "regulation_code.unknown"),
        ("standard_identifier", "standard_identifier.missing"),
        ("standard_valid_until", "standard_valid_until.expired"),
    ]


def test_it_refuses_a_date_before_the_latest_record_and_a_number_taken():
    errors = check_record(facts(latest_on=DAY, certificate_no_taken=True))
    assert codes(errors) == [("verified_on", "verified_on.before_latest"),
                             ("certificate_no", "certificate_no.taken")]
    assert errors[0].params == {"date": DAY.isoformat()}
    assert codes(check_record(facts(certificate_no="9" * 61))) == [
        ("certificate_no", "certificate_no.too_long")]


def test_it_refuses_an_edition_not_in_force_that_day():
    withdrawn = editions.Edition("JJG 539-2016", effective_on=datetime.date(2016, 1, 1),
                                 withdrawn_on=DAY - datetime.timedelta(days=10),
                                 replaced_by="JJG 539-2026")
    assert codes(check_record(facts(edition=withdrawn))) == [
        ("regulation_code", "edition.withdrawn")]
    unconfirmed = editions.Edition("JJG 539-2016", withdrawn_on=DAY, confirmed=False)
    assert check_record(facts(edition=unconfirmed)) == []


def test_a_registered_standard_is_judged_instead_of_free_text():
    lapsed = traceability.StandardFacts(
        id=1, owner_id=7, category=traceability.WORKING, kinds=frozenset({"scale"}),
        certificate_no="C-1", certificate_until=DAY - datetime.timedelta(days=5),
        calibrated_on=DAY - datetime.timedelta(days=200),
        calibration_due=DAY + datetime.timedelta(days=100), reaches_national=True)
    part = StandardCheck(facts=lapsed, institution_id=7, kind_code="scale",
                         instrument_range="(0~30) kg", on=DAY,
                         lots=[traceability.LotFacts("GBW 1 lot 2", 8, DAY)])
    errors = check_record(facts(free_text_standard=False, standard_identifier=""),
                          standard=part)
    assert codes(errors) == [("standard", "standard.certificate_lapsed"),
                             ("reference_lots", "lot.not_own")]
    assert codes(check_record(standard=StandardCheck(
        facts=None, institution_id=7, kind_code="scale", instrument_range="", on=DAY))) == [
        ("standard", "standard.missing")]


def test_the_signoff_is_part_of_the_check():
    part = SignoffCheck(on=DAY, kind_code="scale", regulation_code="JJG 539-2016",
                        region_code="440106", institution_id=7, scopes=[], verifier=None,
                        checker=None, approver=None)
    found = codes(check_record(signers=part))
    assert (signoff.AUTHORISATION_FIELD, "authorisation.none") in found
    assert (signoff.VERIFIER, "person.missing") in found
