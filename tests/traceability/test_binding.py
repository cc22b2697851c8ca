"""Every verification record binds to a registered standard valid that day: refused for a lapsed
assessment certificate, a lapsed calibration, a range that does not cover, a chain that does not
reach a national standard — in the form, the API and the import."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from jiliang.audit.chain import chain_append
from jiliang.registry import documents, importing, services
from jiliang.registry.models import VerificationRecord
from tests.base import PersonaTestCase
from tests.core.test_documents import pdf_text
from tests.registry.helpers import days, file, signers, verify
from tests.traceability.helpers import default_standard, lot_of, standard

SCALE = "scale_digital_indicating"


class BindingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        gd = cls.p.orgs["gd_institute"]
        cls.good = standard(gd, "GD-GOOD", kinds=[SCALE], low=0, high=60, unit="kg",
                            cert="[2024]粤量标证字第201号", name="电子秤检定装置")
        cls.bad = {
            "certificate": standard(gd, "GD-CERT-LAPSED", kinds=[SCALE], cert_until=days(-30)),
            "calibration": standard(gd, "GD-CAL-LAPSED", kinds=[SCALE], due_on=days(-30)),
            "range": standard(gd, "GD-RANGE", kinds=[SCALE], low=0, high=15, unit="kg"),
            # Calibrated by a highest standard that is itself traced to nothing.
            "chain": standard(gd, "GD-NO-CHAIN", kinds=[SCALE], upstream=standard(
                gd, "GD-ORPHAN", kinds=[SCALE], upstream=False,
                category="enterprise_highest")),
        }
        cls.words = {"certificate": "not in force", "calibration": "had lapsed",
                     "range": "does not cover", "chain": "does not reach a national"}
        cls.inst = file(cls.p.acme, serial="BIND-1", measuring_range="(0~30) kg")
        cls.people = signers(gd)  # who signs (issue 13), on file once

    def test_a_record_on_a_valid_standard_names_it_on_the_pdf_and_the_public_page(self):
        record = verify(self.p.gd_verifier, self.inst, on=days(-5), standard=self.good,
                        number="BIND-OK")
        assert record.standard_id == self.good.pk
        assert "GD-GOOD" in record.standard_identifier
        text = pdf_text(documents.certificate_pdf(record))
        assert "电子秤检定装置" in text and "[2024]粤量标证字第201号" in text
        page = self.client_as("anonymous").get(f"/registry/c/{record.public_code}/")
        body = page.content.decode()
        assert "电子秤检定装置" in body and "[2024]粤量标证字第201号" in body

    def test_the_service_refuses_each_reason_by_name(self):
        for reason, std in self.bad.items():
            with pytest.raises(ValidationError) as caught:
                verify(self.p.gd_verifier, self.inst, on=days(-5), standard=std,
                       number=f"BIND-{reason}")
            messages = caught.value.message_dict["standard"]
            assert len(messages) == 1, (reason, messages)
        assert not VerificationRecord.objects.filter(certificate_no__startswith="BIND-").exists()

    def test_the_form_names_the_reason(self):
        client = self.client_as("gd_verifier")
        form = client.get(f"/registry/verifications/new/?code={self.inst.public_code}")
        assert form.status_code == 200 and "GD-GOOD" in form.content.decode()
        for reason, std in self.bad.items():
            response = client.post("/registry/verifications/new/", {
                "instrument_code": self.inst.public_code, "verified_on": days(-5).isoformat(),
                "verification_type": "subsequent", "regulation_code": "JJG 539-2016",
                "standard_id": std.pk, "conclusion": "pass", "certificate_no": f"FORM-{reason}",
                **{role: person.pk for role, person in self.people.items()}})
            assert response.status_code == 200, reason
            body = response.content.decode()
            assert self.words[reason] in body, (reason, body[-3000:])
        ok = client.post("/registry/verifications/new/", {
            "instrument_code": self.inst.public_code, "verified_on": days(-5).isoformat(),
            "verification_type": "subsequent", "regulation_code": "JJG 539-2016",
            "standard_id": self.good.pk, "conclusion": "pass", "certificate_no": "FORM-OK",
            **{role: person.pk for role, person in self.people.items()}})
        assert ok.status_code == 302
        assert VerificationRecord.objects.get(certificate_no="FORM-OK").standard_id == self.good.pk

    def test_the_api_names_the_reason(self):
        api = self.api_as("gd_verifier")
        for reason, std in self.bad.items():
            response = api.post("/api/v1/registry/verifications", {
                "instrument_code": self.inst.public_code, "verified_on": days(-5).isoformat(),
                "verification_type": "subsequent", "regulation_code": "JJG 539-2016",
                "standard_id": std.pk, "conclusion": "pass", "certificate_no": f"API-{reason}",
                **{f"{role}_id": person.pk for role, person in self.people.items()}},
                content_type="application/json")
            assert response.status_code == 400, reason
            errors = response.json()["errors"]
            assert errors[0]["field"] == "standard" and self.words[reason] in errors[0]["message"]

    def test_another_institutions_standard_is_refused(self):
        bj = default_standard(self.p.orgs["bj_institute"])
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, self.inst, standard=bj, number="BIND-BJ")
        assert "standard" in caught.value.message_dict

    def test_the_import_refuses_each_row_by_name_and_keeps_the_good_ones(self):
        keys = [c.key for c in importing.COLUMNS]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.title for c in importing.COLUMNS])
        rows = [("OK", self.good.code), ("OK2", "[2024]粤量标证字第201号")] + [
            (reason, std.code) for reason, std in self.bad.items()]
        for name, ident in rows:
            row = dict.fromkeys(keys, "")
            row.update(owner_credit_code=self.p.orgs["acme"].credit_code, kind=SCALE, use="trade",
                       region_code="440106", serial_number=f"IMPB-{name}",
                       measuring_range="(0~30) kg", verified_on=days(-5).isoformat(),
                       regulation_code="JJG 539-2016", standard_identifier=ident,
                       conclusion="pass", certificate_no=f"IMPB-{name}", verifier_name="张伟",
                       checker_name="李娜", approver_name="王强")
            writer.writerow([row[k] for k in keys])
        with translation.override("en"):
            result = importing.import_file(out.getvalue().encode(), "csv",
                                           actor=self.p.gd_verifier)
        assert result.records_added == 2
        by_row = {e.row: e.reason for e in result.errors}
        assert sorted(by_row) == [4, 5, 6, 7]
        for row, reason in zip([4, 5, 6, 7], self.bad, strict=True):
            assert self.words[reason] in by_row[row], by_row
        assert {r.standard_id for r in VerificationRecord.objects.filter(
            certificate_no__startswith="IMPB-")} == {self.good.pk}

    def test_records_without_a_registered_standard_stay_readable_and_are_flagged(self):
        # A record from before the register (free text, no standard on file), as the archives
        # hold them: chained like any record, it reads "standard not on file".
        bound = verify(self.p.gd_verifier, file(self.p.acme, serial="OLD-W1"), on=days(-30),
                       number="OLD-BOUND")
        record = VerificationRecord(**{
            f.attname: getattr(bound, f.attname) for f in VerificationRecord._meta.concrete_fields
            if f.attname not in ("id", "chain_seq", "chain_hash", "chain_prev", "public_code")})
        record.standard_id, record.certificate_no = None, "OLD-SB-1"
        record.standard_identifier = "[2019]粤量标证字第118号"
        chain_append([record])
        assert record.pk and record.standard_id is None
        page = self.client_as("gd_verifier").get(f"/registry/verifications/{record.pk}/")
        body = page.content.decode()
        assert "[2019]粤量标证字第118号" in body and "standard not on file" in body
        assert "计量标准未在册" in pdf_text(documents.certificate_pdf(record))

    def _batch(self, standard_id, number: str, **extra):
        return services.batch_record(
            actor=self.p.gd_verifier, owner_credit_code=self.p.orgs["acme"].credit_code,
            kind_code="water_meter", supplier="广州水表厂", model="LXS-20", quantity=2,
            serials=[f"{number}-1", f"{number}-2"], verified_on=days(-30), conclusion="pass",
            certificate_no=number, regulation_code="JJG 162-2019", standard_id=standard_id,
            region_code="440106", nominal_size="20", household=True, **self.people, **extra)

    def test_a_batch_binds_each_meter_to_the_registered_standard(self):
        flow = standard(self.p.orgs["gd_institute"], "GD-FLOW", kinds=["water_meter"],
                        cert="[2024]粤量标证字第301号", name="水表检定装置")
        lot = lot_of(self.p.orgs["gd_institute"])
        batch = self._batch(flow.pk, "SB-BOUND", reference_lot_ids=[lot.pk])
        records = VerificationRecord.objects.filter(batch=batch)
        assert {r.standard_id for r in records} == {flow.pk} and records.count() == 2
        assert all("GD-FLOW" in r.standard_identifier for r in records)
        assert {tuple(r.reference_lots.values_list("pk", flat=True)) for r in records} == {
            (lot.pk,)}
        assert "水表检定装置" in pdf_text(documents.certificate_pdf(records[0]))

    def test_a_batch_is_refused_for_each_reason_by_name(self):
        lapsed = {
            "certificate": standard(self.p.orgs["gd_institute"], "GD-W-CERT",
                                    kinds=["water_meter"], cert_until=days(-60)),
            "calibration": standard(self.p.orgs["gd_institute"], "GD-W-CAL",
                                    kinds=["water_meter"], due_on=days(-60)),
            "chain": standard(self.p.orgs["gd_institute"], "GD-W-CHAIN", kinds=["water_meter"],
                              upstream=False),
        }
        for reason, std in [*lapsed.items(), ("kind", self.good), ("missing", None)]:
            with translation.override("en"), pytest.raises(ValidationError) as caught:
                self._batch(std.pk if std else None, f"SB-{reason}")
            messages = caught.value.message_dict["standard"]
            words = {**self.words, "kind": "not assessed for this kind",
                     "missing": "Choose the measurement standard"}
            assert any(words[reason] in m for m in messages), (reason, messages)
        assert not VerificationRecord.objects.filter(certificate_no__startswith="SB-").exists()

    def test_the_batch_form_offers_the_registered_standards(self):
        client = self.client_as("gd_verifier")
        page = client.get("/registry/batches/new/")
        body = page.content.decode()
        assert page.status_code == 200 and "GD-GOOD" in body
        assert 'name="standard_identifier"' not in body
