"""Seals and evidence on verification records (issue 18): as found / as left, findings between
two verifications, where and how (remote verification only where allowed)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from jiliang.audit.chain import chain_verify
from jiliang.catalog.models import InstrumentKind
from jiliang.registry.models import (
    EvidenceFinding,
    RemoteVerificationAllowance,
    VerificationEvidence,
)
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify

DISPENSER = "JJG 443-2023"


def left(counter, checksum="A1B2C3D4", seals=("粤A-0001", "粤A-0002"), version="V2.1"):
    return {"method": "on_site", "seals_left": list(seals), "software_version_left": version,
            "checksum_left": checksum, "counter_left": counter}


class EvidenceTests(PersonaTestCase):
    def setUp(self):
        self.inst = file(self.p.acme, kind="fuel_dispenser", serial="FD-EV-1")
        self.first = verify(self.p.gd_verifier, self.inst, on=days(-200), regulation=DISPENSER,
                            verification_type="first", evidence=left(11))

    def test_an_as_found_as_left_record_is_kept_and_shown(self):
        record = verify(self.p.gd_verifier, self.inst, on=days(-20), regulation=DISPENSER,
                        evidence={**left(12, seals=("粤A-0101",)), "counter_found": 11,
                                  "checksum_found": "A1B2C3D4", "software_version_found": "V2.1",
                                  "seals_found": ["粤A-0001", "粤A-0002"],
                                  "audit_trail": "审计追踪：2 条参数记录"})
        ev = VerificationEvidence.objects.get(record=record)
        assert (ev.counter_found, ev.counter_left) == (11, 12)
        assert ev.seals_found == ["粤A-0001", "粤A-0002"] and ev.seals_left == ["粤A-0101"]
        assert not EvidenceFinding.objects.exists()  # found what the last one left
        page = self.client_as("gd_clerk").get(f"/registry/verifications/{record.pk}/")
        html = page.content.decode()
        assert "As found" in html and "粤A-0101" in html and "审计追踪" in html
        api = self.api_as("gd_clerk").get(f"/api/v1/registry/verifications/{record.pk}").json()
        assert api["evidence"]["counter_found"] == 11 and api["evidence"]["counter_left"] == 12
        assert all(r.ok for r in chain_verify(VerificationEvidence))

    def test_a_counter_that_moved_without_a_verification_is_a_finding(self):
        record = verify(self.p.gd_verifier, self.inst, on=days(-20), regulation=DISPENSER,
                        evidence={**left(15), "counter_found": 14, "checksum_found": "FFFF0000"})
        found = {f.kind: f for f in EvidenceFinding.objects.filter(instrument=self.inst)}
        assert set(found) == {"counter_moved", "checksum_changed"}
        assert (found["counter_moved"].before, found["counter_moved"].after) == (11, 14)
        assert found["counter_moved"].previous == self.first and found["counter_moved"].record == record
        page = self.client_as("gd_clerk").get(f"/registry/instruments/{self.inst.pk}/")
        assert "event counter moved" in page.content.decode()
        listed = self.client_as("gz_clerk").get("/registry/findings/").content.decode()
        assert "FD-EV-1" in listed
        assert "FD-EV-1" not in self.client_as("bj_clerk").get("/registry/findings/").content.decode()

    def test_a_first_verification_has_no_values_found(self):
        other = file(self.p.acme, kind="fuel_dispenser", serial="FD-EV-2")
        with pytest.raises(ValidationError) as refused:
            verify(self.p.gd_verifier, other, on=days(-5), regulation=DISPENSER,
                   verification_type="first", evidence={**left(1), "counter_found": 0})
        assert "counter_found" in refused.value.message_dict

    def test_a_counter_left_below_the_counter_found_is_refused(self):
        with pytest.raises(ValidationError) as refused, translation.override("en"):
            verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
                   evidence={**left(3), "counter_found": 11})
        assert "does not go back" in refused.value.message_dict["counter_left"][0]

    def test_a_pass_without_seals_or_mark_is_refused(self):
        with pytest.raises(ValidationError) as refused:
            verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
                   evidence={"method": "on_site", "counter_left": 12})
        assert "seals_left" in refused.value.message_dict


class RemoteTests(PersonaTestCase):
    def setUp(self):
        self.inst = file(self.p.acme, kind="fuel_dispenser", serial="FD-RM-1")
        self.remote = {"method": "remote", "remote_data": "加油机在线监测平台 2026-11 计量数据",
                       "remote_standard": "[2024]粤量标证字第009号 标准金属量器"}

    def test_a_remote_verification_is_refused_for_a_kind_that_does_not_allow_it(self):
        with pytest.raises(ValidationError) as refused, translation.override("en"):
            verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
                   evidence=self.remote)
        message = refused.value.message_dict["method"][0]
        assert "Remote verification is not allowed" in message and DISPENSER in message
        assert not VerificationEvidence.objects.exists()

    def test_it_is_accepted_once_the_national_administrator_allows_it(self):
        RemoteVerificationAllowance.objects.create(
            kind=InstrumentKind.objects.get(code="fuel_dispenser"), regulation_code=DISPENSER,
            basis="测试依据")
        record = verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
                        evidence=self.remote)
        assert record.evidence.method == "remote"

    def test_a_remote_verification_names_its_data_and_the_standard_at_the_other_end(self):
        RemoteVerificationAllowance.objects.create(
            kind=InstrumentKind.objects.get(code="fuel_dispenser"), basis="测试依据")
        with pytest.raises(ValidationError) as refused:
            verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
                   evidence={"method": "remote"})
        assert {"remote_data", "remote_standard"} <= set(refused.value.message_dict)

    def test_the_api_refuses_it_naming_the_field(self):
        from tests.registry.helpers import signers
        from tests.traceability.helpers import default_standard

        people = signers(self.p.gd_verifier.organisation)
        response = self.api_as("gd_verifier").post("/api/v1/registry/verifications", {
            "instrument_code": self.inst.public_code, "verified_on": str(days(-5)),
            "verification_type": "subsequent", "regulation_code": DISPENSER,
            "standard_id": default_standard(self.p.gd_verifier.organisation).pk,
            "conclusion": "pass", "certificate_no": "API-RM-1",
            "verifier_id": people["verifier"].pk, "checker_id": people["checker"].pk,
            "approver_id": people["approver"].pk, "evidence": self.remote},
            content_type="application/json")
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == "method"


class CorrectionTests(PersonaTestCase):
    """A correction carries the corrected record's evidence forward (issue 18), and the findings
    stand on the record in force."""

    def setUp(self):
        self.inst = file(self.p.acme, kind="fuel_dispenser", serial="FD-CO-1")
        self.first = verify(self.p.gd_verifier, self.inst, on=days(-200), regulation=DISPENSER,
                            verification_type="first", evidence=left(11))
        self.moved = verify(self.p.gd_verifier, self.inst, on=days(-20), regulation=DISPENSER,
                            evidence={**left(15), "counter_found": 14, "audit_trail": "3 条"})

    def correct(self, **values):
        from jiliang.registry import services

        return services.verification_correct(actor=self.p.gd_verifier, record=self.moved,
                                             reason="证书编号录错", **values)

    def listed(self):
        from jiliang.registry import selectors

        return list(selectors.evidence_findings(self.p.gd_clerk))

    def test_a_correction_carries_the_evidence_forward_and_its_finding(self):
        new = self.correct(certificate_no="C-CORR-1")
        before, after = VerificationEvidence.objects.get(record=self.moved), new.evidence
        for name in ("method", "seals_left", "software_version_left", "checksum_left",
                     "counter_found", "counter_left", "audit_trail"):
            assert getattr(after, name) == getattr(before, name), name
        [finding] = self.listed()  # the corrected record's finding gives way to the correction's
        assert finding.record == new and finding.previous == self.first
        assert (finding.kind, finding.before, finding.after) == ("counter_moved", 11, 14)
        assert all(r.ok for r in chain_verify(VerificationEvidence))
        # The next verification is compared with what the correction left.
        verify(self.p.gd_verifier, self.inst, on=days(-5), regulation=DISPENSER,
               evidence={**left(15), "counter_found": 15})
        assert self.listed() == [finding]
        latest = verify(self.p.gd_verifier, self.inst, on=days(-1), regulation=DISPENSER,
                        evidence={**left(17), "counter_found": 16})
        assert [f.record for f in self.listed()] == [latest, new]

    def test_a_correction_with_its_own_evidence_replaces_it(self):
        new = self.correct(certificate_no="C-CORR-2",
                           evidence={**left(15), "counter_found": 11})
        assert new.evidence.counter_found == 11 and new.evidence.audit_trail == ""
        assert self.listed() == []  # the counter had not moved after all

    def test_the_carried_evidence_is_judged_again_with_the_corrected_record(self):
        with pytest.raises(ValidationError) as refused:
            self.correct(certificate_no="C-CORR-3", verification_type="first")
        assert "counter_found" in refused.value.message_dict  # nothing is found on a first

    def test_the_page_and_the_api_carry_it_forward(self):
        page = self.client_as("gd_verifier").get(
            f"/registry/verifications/{self.moved.pk}/correct/").content.decode()
        assert "粤A-0001" in page and 'value="14"' in page
        response = self.api_as("gd_verifier").post(
            f"/api/v1/registry/verifications/{self.moved.pk}/corrections",
            {"reason": "证书编号录错", "certificate_no": "C-CORR-API"},
            content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["evidence"]["counter_found"] == 14
