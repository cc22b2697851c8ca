"""Verification records: certificates, result notices, cancellation, corrections, the chain."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from jiliang.audit.chain import chain_verify
from jiliang.catalog import services as catalog_services
from jiliang.catalog.models import PeriodRule
from jiliang.registry import selectors, services
from jiliang.registry.models import Instrument, RateCell, VerificationRecord
from jiliang.rules.verification import add_months, add_years
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, signers, today, verify
from tests.traceability.helpers import default_standard, standard


class VerificationTests(PersonaTestCase):
    def setUp(self):
        self.inst = file(self.p.acme, serial="V-1")

    def test_a_pass_issues_a_certificate_valid_for_the_period(self):
        record = verify(self.p.gd_verifier, self.inst, on=days(-10), number="GD-0001")
        self.inst.refresh_from_db()
        assert record.valid_until == add_months(days(-10), 12) == self.inst.next_due_on
        assert self.inst.due_action == "verify" and self.inst.last_conclusion == "pass"
        assert self.inst.last_institution == self.p.orgs["gd_institute"]
        assert selectors.certificate_state(record).state == "valid"

    def test_a_fail_cancels_the_previous_certificate(self):
        cert = verify(self.p.gd_verifier, self.inst, on=days(-100), number="GD-0002")
        notice = verify(self.p.gd_verifier, self.inst, on=days(-5), conclusion="fail",
                        number="GD-N-0002", failed_items=["示值误差", "重复性"])
        state = selectors.certificate_state(cert)
        assert state.state == "cancelled" and state.by == notice
        assert notice.valid_until is None and notice.document_title == "检定结果通知书"
        assert selectors.cancelled_certificate(notice) == cert
        self.inst.refresh_from_db()
        assert self.inst.due_action == "failed" and self.inst.valid_until is None
        assert self.inst.next_due_on == days(-5)
        page = self.client_as("anonymous").get(f"/registry/c/{cert.public_code}/")
        assert page.status_code == 200 and "Cancelled" in page.content.decode()

    def test_a_verification_with_an_expired_standard_is_refused(self):
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, self.inst, on=days(-10), standard=standard(
                self.p.orgs["gd_institute"], "EXPIRED-1", cert_until=days(-11)))
        assert "考核证书" in caught.value.message_dict["standard"][0]
        assert not VerificationRecord.objects.exists()

    def test_certificate_numbers_are_unique_per_institution(self):
        verify(self.p.gd_verifier, self.inst, number="GD-0003")
        other = file(self.p.acme, serial="V-2")
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, other, number="GD-0003")
        assert "certificate_no" in caught.value.message_dict

    def test_only_verifiers_of_a_legal_institution_record(self):
        for actor in (self.p.acme, self.p.gd_clerk, self.p.admin):
            with pytest.raises(PermissionDenied):
                verify(actor, self.inst)

    def test_the_rules_of_a_record_are_checked(self):
        cases = [
            ({"on": days(2)}, "verified_on"),
            ({"conclusion": "fail", "failed_items": []}, "failed_items"),
            ({"failed_items": ["x"]}, "failed_items"),
            ({"regulation": "JJG 162-2019"}, "regulation_code"),
            ({"valid_until": add_months(days(-10), 13)}, "valid_until"),
            ({"verification_type": "bogus"}, "verification_type"),
        ]
        for extra, field in cases:
            with pytest.raises(ValidationError) as caught:
                verify(self.p.gd_verifier, self.inst, on=extra.pop("on", days(-10)), **extra)
            assert field in caught.value.message_dict, (extra, caught.value.message_dict)
        people = signers(self.p.orgs["gd_institute"])
        with pytest.raises(ValidationError) as caught:
            services.verification_record(
                actor=self.p.gd_verifier, instrument=self.inst, verified_on=days(-1),
                verification_type="first", regulation_code="JJG 539-2016",
                standard_id=default_standard(self.p.orgs["gd_institute"]).pk, conclusion="pass",
                certificate_no="X-1", verifier=people["verifier"], checker=people["verifier"],
                approver=people["approver"])
        assert "checker" in caught.value.message_dict

    def test_the_institution_may_shorten_the_validity(self):
        record = verify(self.p.gd_verifier, self.inst, on=days(-10), valid_until=days(60))
        assert record.valid_until == days(60)

    def test_a_record_dated_before_the_latest_needs_a_correction(self):
        verify(self.p.gd_verifier, self.inst, on=days(-10))
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, self.inst, on=days(-20))
        assert "verified_on" in caught.value.message_dict

    def test_a_correction_supersedes_and_both_stay_in_the_chain(self):
        wrong = verify(self.p.gd_verifier, self.inst, on=days(-10), number="GD-0004")
        fixed = services.verification_correct(actor=self.p.gd_verifier, record=wrong,
                                              reason="检定日期录入错误", verified_on=days(-9),
                                              certificate_no="GD-0004-R")
        assert fixed.supersedes == wrong
        assert selectors.certificate_state(wrong).state == "superseded"
        self.inst.refresh_from_db()
        assert self.inst.last_certificate_no == "GD-0004-R"
        assert self.inst.valid_until == add_months(days(-9), 12)
        assert VerificationRecord.objects.count() == 2
        assert all(r.ok for r in chain_verify(VerificationRecord))
        with pytest.raises(ValidationError):
            services.verification_correct(actor=self.p.gd_verifier, record=wrong, reason="again",
                                          certificate_no="GD-0004-R2")

    def test_an_older_record_is_corrected_in_its_place_and_the_latest_stays_in_force(self):
        older = verify(self.p.gd_verifier, self.inst, on=days(-400), number="GD-0005")
        latest = verify(self.p.gd_verifier, self.inst, on=days(-30), number="GD-0006")
        fixed = services.verification_correct(actor=self.p.gd_verifier, record=older,
                                              reason="证书编号录入错误",
                                              certificate_no="GD-0005-R")
        assert fixed.verified_on == days(-400) and fixed.supersedes == older
        self.inst.refresh_from_db()
        assert self.inst.last_certificate_no == "GD-0006"
        assert self.inst.valid_until == latest.valid_until
        assert all(r.ok for r in chain_verify(VerificationRecord))
        # still a correction may not be dated before the record that came before it
        middle = verify(self.p.gd_verifier, self.inst, on=days(-10), number="GD-0007")
        with pytest.raises(ValidationError) as caught:
            services.verification_correct(actor=self.p.gd_verifier, record=middle,
                                          reason="日期", verified_on=days(-60),
                                          certificate_no="GD-0007-R")
        assert "verified_on" in caught.value.message_dict

    def test_records_cannot_be_changed_in_place_on_postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip("the trigger exists on PostgreSQL only; SQLite relies on the chain")
        record = verify(self.p.gd_verifier, self.inst)
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            VerificationRecord.objects.filter(pk=record.pk).update(conclusion="fail")

    def test_an_unconfirmed_period_needs_the_date_unless_the_province_set_it(self):
        bp = file(self.p.acme, kind="sphygmomanometer", use="medical", serial="BP-1")
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, bp, regulation="JJG 270-2008")
        assert "未确认" in caught.value.message_dict["valid_until"][0]
        explicit = verify(self.p.gd_verifier, bp, regulation="JJG 270-2008", on=days(-10),
                          valid_until=days(100))
        assert explicit.valid_until == days(100)
        catalog_services.province_period_set(actor=self.p.gd_clerk, province_code="44",
                                             rule=PeriodRule.objects.get(code="bp-270"), value=6,
                                             note="粤市监计量〔2026〕1号")
        set_by_province = verify(self.p.gd_verifier, bp, regulation="JJG 270-2008", on=days(-1))
        assert set_by_province.valid_until == add_months(days(-1), 6)
        assert set_by_province.term_province_set

class BatchTests(PersonaTestCase):
    def test_a_batch_of_household_water_meters_is_filed_with_replacement_dates(self):
        on = today() - datetime.timedelta(days=30)
        batch = services.batch_record(
            actor=self.p.gd_verifier, owner_credit_code=self.p.orgs["acme"].credit_code,
            kind_code="water_meter", supplier="宁波水表", model="LXS-20", quantity=3,
            serials=["W1", "W2", "W3"], verified_on=on, conclusion="pass",
            certificate_no="GD-SB-1", regulation_code="JJG 162-2019",
            standard_id=default_standard(self.p.orgs["gd_institute"]).pk,
            **signers(self.p.orgs["gd_institute"]), region_code="440104", nominal_size="20")
        meters = Instrument.objects.filter(batch=batch)
        assert meters.count() == 3
        assert {m.replacement_due_on for m in meters} == {add_years(on, 6)}
        assert {m.due_action for m in meters} == {"replace"}
        assert all(m.nominal_size == Decimal("20.0") for m in meters)
        assert RateCell.objects.get(month=on.replace(day=1)).verified == 3
        assert all(r.ok for r in chain_verify(VerificationRecord))

    def test_a_batch_whose_quantity_differs_from_its_serials_is_refused(self):
        with pytest.raises(ValidationError) as caught:
            services.batch_record(
                actor=self.p.gd_verifier, owner_credit_code=self.p.orgs["acme"].credit_code,
                kind_code="water_meter", supplier="s", model="m", quantity=5, serials=["A", "B"],
                verified_on=days(-1), conclusion="pass", certificate_no="GD-SB-2",
                regulation_code="JJG 162-2019",
                standard_id=default_standard(self.p.orgs["gd_institute"]).pk,
                **signers(self.p.orgs["gd_institute"]),
                region_code="440104", nominal_size="20")
        assert "quantity" in caught.value.message_dict


def test_numbers_are_unique_in_the_database_too(personas):
    inst = file(personas.acme, serial="U-1")
    verify(personas.gd_verifier, inst, number="DB-1")
    record = VerificationRecord.objects.get()
    record.pk = None
    record.chain_seq += 1
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()
