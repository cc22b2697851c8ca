import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from jiliang.core.services import user_create
from jiliang.energy import permissions, services
from jiliang.energy.models import Audit, Commitment, EnergyUnit, Finding
from tests.base import PersonaTestCase
from tests.energy.factories import make_meter, make_unit


class UnitTests(PersonaTestCase):
    def test_the_tier_follows_the_consumption_and_the_designation(self):
        unit = make_unit(self.p, annual_tce="9999.99")
        assert unit.tier == EnergyUnit.Tier.DESIGNATABLE
        unit = services.unit_update(actor=self.p.gd_clerk, unit=unit, designated=True,
                                    designation_authority="广东省能源局")
        assert unit.tier == EnergyUnit.Tier.DESIGNATED
        unit = services.unit_update(actor=self.p.gd_clerk, unit=unit, annual_tce="10000")
        assert unit.tier == EnergyUnit.Tier.MANDATORY

    def test_a_designation_names_its_authority(self):
        with pytest.raises(ValidationError) as error:
            make_unit(self.p, annual_tce="6000", designated=True)
        assert "designation_authority" in error.value.message_dict

    def test_a_bureau_of_another_region_cannot_put_a_unit_on_file(self):
        with pytest.raises(PermissionDenied):
            services.unit_register(actor=self.p.bj_clerk, organisation=self.p.orgs["acme"],
                                   annual_tce=12000)


class AuditTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)  # electricity user class II: 0.5S at the boundary
        make_meter(cls.unit, "E-01", accuracy_class="0.5")
        for i in range(18):
            make_meter(cls.unit, f"E-3{i:02d}", level="L3", accuracy_class="1.0")
        make_meter(cls.unit, "S-01", level="L2", energy="steam", instrument_type="heat_meter",
                   carrier="heat", register_unit="GJ", accuracy_class="2")
        make_meter(cls.unit, "W-01", instrument_type="water_meter", energy="water",
                   register_unit="t",
                   accuracy_class="2", pipe_dn_mm=100, mpe_percent="2",
                   valid_until=datetime.date(2025, 6, 30),
                   last_verified_on=datetime.date(2024, 7, 1))

    def open(self):
        return services.audit_open(actor=self.p.gd_clerk, unit=self.unit,
                                   auditor=self.p.orgs["gd_institute"])

    def test_the_audit_finds_what_gb17167_requires(self):
        audit = self.open()
        verifier = self.p.gd_verifier
        services.audit_cell_set(actor=verifier, audit=audit, energy="electricity", level="L3",
                                required=19)
        services.audit_cell_set(actor=verifier, audit=audit, energy="steam", level="L2",
                                required=2)
        audit = services.audit_complete(actor=verifier, audit=audit)
        cells = {(c.energy, c.level): c for c in audit.cells.all()}
        assert cells[("electricity", "L3")].result == "fail"  # 18 of 19 against 95 %
        assert cells[("steam", "L2")].result == "fail"  # 1 of 2 against 80 %
        kinds = sorted(audit.findings.values_list("kind", flat=True))
        assert kinds == ["accuracy", "equipping", "equipping", "validity"]
        assert audit.verdict == "noncompliant" and audit.status == Audit.Status.RECTIFYING

    def test_an_exclusion_with_its_reason_turns_the_fail_into_a_pass(self):
        audit = self.open()
        verifier = self.p.gd_verifier
        services.audit_cell_set(actor=verifier, audit=audit, energy="steam", level="L2",
                                required=2)
        with pytest.raises(ValidationError) as wrong:
            services.audit_exclusion_add(actor=verifier, audit=audit, energy="steam",
                                         level="L2", count=1, ground="t3a", reason="x")
        assert "ground" in wrong.value.message_dict
        services.audit_exclusion_add(actor=verifier, audit=audit, energy="steam", level="L2",
                                     count=1, ground="t1b", reason="宿舍区季节性供暖蒸汽")
        audit = services.audit_complete(actor=verifier, audit=audit)
        assert audit.cells.get(energy="steam", level="L2").result == "pass"

    def test_only_the_auditor_works_on_the_audit(self):
        audit = self.open()
        with pytest.raises(PermissionDenied):
            services.audit_cell_set(actor=self.p.acme, audit=audit, energy="electricity",
                                    level="L3", required=19)

    def test_findings_are_rectified_and_closed_and_then_the_audit(self):
        audit = services.audit_complete(actor=self.p.gd_verifier, audit=self.open())
        for finding in audit.findings.all():
            services.finding_rectify(actor=self.p.acme, finding=finding, rectification="已整改")
        first, *rest = list(audit.findings.all())
        with pytest.raises(ValidationError):
            services.finding_review(actor=self.p.gd_verifier, finding=first, accept=False)
        services.finding_review(actor=self.p.gd_verifier, finding=first, accept=False,
                                note="证书未附")
        assert Finding.objects.get(pk=first.pk).status == Finding.Status.OPEN
        services.finding_rectify(actor=self.p.acme, finding=first, rectification="附证书")
        for finding in [first, *rest]:
            services.finding_review(actor=self.p.gd_verifier, finding=finding, accept=True)
        audit.refresh_from_db()
        assert audit.status == Audit.Status.CLOSED and audit.closed_at

    def test_the_report_comes_as_pdf_and_xlsx(self):
        audit = services.audit_complete(actor=self.p.gd_verifier, audit=self.open())
        client = self.client_as("acme", language="zh-hans")
        pdf = client.get(f"/energy/audits/{audit.pk}/report.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert audit.number in text and "0.5S" in text
        xlsx = client.get(f"/energy/audits/{audit.pk}/report.xlsx")
        sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
        assert len(sheets) == 2

    def test_the_auditor_completes_through_the_page(self):
        audit = self.open()
        client = self.client_as("gd_verifier")
        response = client.post(f"/energy/audits/{audit.pk}/cells/",
                               {"energy": "electricity", "level": "L3", "required": "19"})
        assert response.status_code == 302
        client.post(f"/energy/audits/{audit.pk}/complete/",
                    {"deadline": (datetime.date.today() + datetime.timedelta(days=30))})
        audit.refresh_from_db()
        assert audit.status == Audit.Status.RECTIFYING
        page = client.get(f"/energy/audits/{audit.pk}/").content.decode()
        assert "94.73 %" in page


    def test_a_national_bureau_clerk_is_offered_no_audit_forms_the_service_would_refuse(self):
        clerk = user_create(actor=None, username="nat_clerk", password="national-clerk-1",
                            organisation=self.p.admin.organisation, role="bureau_clerk")
        audit = self.open()
        assert clerk.scope.everything and not permissions.may_audit(clerk, audit)
        client = Client()
        client.force_login(clerk)
        page = client.get(f"/energy/audits/{audit.pk}/")
        assert page.status_code == 200 and page.context["is_auditor"] is False
        assert client.post(f"/energy/audits/{audit.pk}/cells/", {
            "energy": "electricity", "level": "L3", "required": "19"}).status_code == 403
        with pytest.raises(PermissionDenied):
            services.audit_cell_set(actor=clerk, audit=audit, energy="electricity", level="L3",
                                    required=19)
        assert permissions.may_audit(self.p.admin, audit)
        assert permissions.may_audit(self.p.gd_verifier, audit)

    def test_the_pdf_report_fetches_the_cells_and_exclusions_once(self):
        audit = self.open()
        verifier = self.p.gd_verifier
        for energy, level in (("steam", "L2"), ("water", "L2")):
            services.audit_cell_set(actor=verifier, audit=audit, energy=energy, level=level,
                                    required=19)
            services.audit_exclusion_add(actor=verifier, audit=audit, energy=energy,
                                         level=level, count=1, ground="t1b", reason="季节性")
        client = self.client_as("acme")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/energy/audits/{audit.pk}/report.pdf").status_code == 200
        tables = [q["sql"] for q in queries.captured_queries
                  if 'FROM "energy_auditcell"' in q["sql"]
                  or 'FROM "energy_auditexclusion"' in q["sql"]]
        assert len(tables) == 2, tables


class LetterTests(PersonaTestCase):
    def test_the_look_back_judges_every_commitment(self):
        unit = make_unit(self.p)
        letter = services.letter_create(
            actor=self.p.gd_clerk, unit=unit, title="责任书", signed_on=datetime.date(2025, 1, 1),
            commitments=[{"party": "unit", "text": "配备计量器具",
                          "deadline": datetime.date(2025, 6, 30)},
                         {"party": "bureau", "text": "培训", "deadline": datetime.date(2025, 3, 1)}])
        from jiliang.energy import selectors

        assert list(selectors.letter_list(self.p.gd_clerk, due=True)) == [letter]
        unit_c, bureau_c = letter.commitments.order_by("party").reverse()
        with pytest.raises(ValidationError):
            services.letter_look_back(actor=self.p.gd_clerk, letter=letter,
                                      reviewed_on=datetime.date(2025, 7, 1),
                                      outcomes={unit_c.pk: ("met", "")})
        services.letter_look_back(actor=self.p.gd_clerk, letter=letter,
                                  reviewed_on=datetime.date(2025, 7, 1),
                                  outcomes={unit_c.pk: ("partly", "缺二级表"),
                                            bureau_c.pk: ("met", "")})
        assert set(letter.commitments.values_list("outcome", flat=True)) == {
            Commitment.Outcome.PARTLY, Commitment.Outcome.MET}
        assert not selectors.letter_list(self.p.gd_clerk, due=True).exists()
        with pytest.raises(PermissionDenied):
            services.letter_look_back(actor=self.p.bj_clerk, letter=letter,
                                      reviewed_on=datetime.date(2025, 7, 1), outcomes={})
