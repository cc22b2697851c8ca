"""Regulation editions in force by date, in the form, the API and the import; the catalogue as data."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from jiliang.audit.models import LedgerEntry
from jiliang.catalog import reference, services
from jiliang.catalog.models import CatalogueEntry, InstrumentKind, PeriodRule, Regulation
from jiliang.registry import importing
from jiliang.registry.models import VerificationRecord
from jiliang.rules.verification import add_months
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, signers, verify
from tests.registry.test_import import as_csv, row
from tests.traceability.helpers import default_standard


class EditionInForceTests(PersonaTestCase):
    def test_a_record_under_a_superseded_edition_is_refused_in_the_service_the_form_and_the_api(self):
        fuel = file(self.p.acme, kind="fuel_dispenser")
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, fuel, regulation="JJG 443-2006", on=days(-10))
        [message] = caught.value.message_dict["regulation_code"]
        assert "JJG 443-2006" in message and "2024-05-01" in message
        people = {role: p.pk for role, p in signers(self.p.gd_verifier.organisation).items()}
        standard = default_standard(self.p.gd_verifier.organisation).pk
        form = self.client_as("gd_verifier").post("/registry/verifications/new/", {
            "instrument_code": fuel.public_code, "verified_on": days(-10).isoformat(),
            "verification_type": "subsequent", "regulation_code": "JJG 443-2015",
            "standard_identifier": "STD-1", "standard_valid_until": days(100).isoformat(),
            "conclusion": "pass", "certificate_no": "F-1", "standard_id": standard, **people})
        assert form.status_code == 200 and "no longer applies from 2024-05-01" in form.content.decode()
        api = self.api_as("gd_verifier").post("/api/v1/registry/verifications", {
            "instrument_code": fuel.public_code, "verified_on": days(-10).isoformat(),
            "verification_type": "subsequent", "regulation_code": "JJG 443-2006",
            "standard_identifier": "STD-1", "standard_valid_until": days(100).isoformat(),
            "conclusion": "pass", "certificate_no": "F-2", "standard_id": standard,
            "verifier_id": people["verifier"],
            "checker_id": people["checker"], "approver_id": people["approver"]},
            content_type="application/json")
        assert api.status_code == 400 and api.json()["errors"][0]["field"] == "regulation_code"
        assert not VerificationRecord.objects.filter(instrument=fuel).exists()

    def test_the_term_is_taken_from_the_edition_in_force(self):
        fuel = file(self.p.acme, kind="fuel_dispenser")
        on = days(-10)
        record = verify(self.p.gd_verifier, fuel, regulation="JJG 443-2023", on=on)
        # JJG 443-2023: 检定有效期六个月 (the reference grades it medium).
        assert record.valid_until == add_months(on, 6) and record.term_rule == "fuel-443-2023"

    def test_an_import_refuses_the_superseded_row_and_keeps_the_good_one(self):
        rows = [row(self.p, serial_number="F-old", kind="fuel_dispenser",
                    regulation_code="JJG 443-2015", certificate_no="I-1"),
                row(self.p, serial_number="F-new", kind="fuel_dispenser",
                    regulation_code="JJG 443-2023", certificate_no="I-2")]
        result = importing.import_file(as_csv(rows), "csv", actor=self.p.gd_verifier)
        titles = {c.key: c.title for c in importing.COLUMNS}
        assert [(e.row, e.column) for e in result.errors] == [(2, titles["regulation_code"])]
        assert "2024-05-01" in result.errors[0].reason
        assert result.records_added == 1

    def test_a_record_inside_a_transition_window_is_accepted_and_one_after_it_refused(self):
        old = Regulation.objects.get(kind__code="fuel_dispenser", code="JJG 443-2015")
        with pytest.raises(PermissionDenied):
            services.regulation_review(actor=self.p.gd_clerk, regulation=old,
                                       transition_until=days(1))
        services.regulation_review(actor=self.p.admin, regulation=old, transition_until=days(-5))
        assert LedgerEntry.objects.filter(action="catalog.regulation.review").exists()
        fuel = file(self.p.acme, kind="fuel_dispenser")
        record = verify(self.p.gd_verifier, fuel, regulation="JJG 443-2015", on=days(-6),
                        valid_until=days(100))
        assert record.regulation_code == "JJG 443-2015"
        with pytest.raises(ValidationError):
            verify(self.p.gd_verifier, fuel, regulation="JJG 443-2015", on=days(-4),
                   valid_until=days(100))

    def test_an_edition_not_yet_in_force_is_refused(self):
        scale = file(self.p.acme)
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, scale, regulation="JJG 1204-2025", on=days(-10))
        assert "2027-01-08" in caught.value.message_dict["regulation_code"][0]

    def test_a_2008_record_names_its_own_edition(self):
        from tests.traceability.helpers import standard

        day = reference._date
        then = standard(self.p.gd_verifier.organisation, "WS-2012", cert_from=day("2010-01-01"),
                        calibrated_on=day("2011-06-01"), due_on=day("2013-06-01"))
        taxi = file(self.p.acme, kind="taximeter")
        record = verify(self.p.gd_verifier, taxi, regulation="JJG 517-2009", standard=then,
                        on=day("2012-06-01"), valid_until=day("2013-06-01"))
        assert record.regulation_code == "JJG 517-2009"
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, taxi, regulation="JJG 517-1998", standard=then,
                   on=day("2012-07-01"), valid_until=day("2013-06-01"))
        assert "JJG 517-2009" in caught.value.message_dict["regulation_code"][0]


class UnconfirmedTests(PersonaTestCase):
    def test_an_unconfirmed_date_never_refuses_until_a_national_administrator_confirms_it(self):
        # JJG 1162-2019 is graded low (number and dates from recollection): say the data gave a
        # date after the verification; it is shown but refuses nothing.
        Regulation.objects.filter(code="JJG 1162-2019").update(effective_on=days(30))
        reg = Regulation.objects.get(code="JJG 1162-2019")
        assert not reg.confirmed
        thermometer = file(self.p.acme, kind="clinical_thermometer_electronic", use="medical")
        verify(self.p.gd_verifier, thermometer, regulation="JJG 1162-2019", on=days(-20),
               valid_until=days(300))
        admin = self.client_as("admin")
        response = admin.post("/admin/catalog/regulation/", {
            "action": "confirm", "_selected_action": [reg.pk]})
        assert response.status_code == 302
        reg.refresh_from_db()
        assert reg.confirmed and reg.reviewed_by == self.p.admin
        assert LedgerEntry.objects.filter(action="catalog.confirm", object_id=str(reg.pk)).exists()
        with pytest.raises(ValidationError):
            verify(self.p.gd_verifier, thermometer, regulation="JJG 1162-2019", on=days(-10),
                   valid_until=days(300))

    def test_a_2020_entry_goes_from_unconfirmed_to_confirmed_and_only_staff_see_the_mark(self):
        entry = CatalogueEntry.objects.get(version__code="2020", name_zh="加油机")
        assert entry.confidence == "low" and not entry.confirmed
        staff = self.client_as("gd_clerk").get("/catalogue/versions/2020/").content.decode()
        public = self.client_as("anonymous").get("/catalogue/versions/2020/").content.decode()
        assert "unconfirmed" in staff and "unconfirmed" not in public
        assert self.client_as("gd_clerk").post("/admin/catalog/catalogueentry/", {
            "action": "confirm", "_selected_action": [entry.pk]}).status_code in (302, 403)
        entry.refresh_from_db()
        assert not entry.confirmed  # a provincial clerk may not
        self.client_as("admin").post("/admin/catalog/catalogueentry/", {
            "action": "confirm", "_selected_action": [entry.pk]})
        entry.refresh_from_db()
        assert entry.confirmed
        assert LedgerEntry.objects.filter(action="catalog.confirm",
                                          object_id=str(entry.pk)).count() == 1


class CatalogueAsDataTests(PersonaTestCase):
    def test_jjg_14_is_the_non_self_indicating_scale_of_its_own_kind(self):
        regs = Regulation.objects.filter(code="JJG 14-2016")
        assert {r.kind.code for r in regs} == {"scale_non_self_indicating", "weighbridge"}
        assert {r.title_zh for r in regs} == {"非自行指示秤"}
        assert PeriodRule.objects.get(code="scale-14-2016").kind.code == "scale_non_self_indicating"

    def test_a_reload_changes_nothing_and_leaves_a_reviewed_value_alone(self):
        assert reference.load_current_catalogue() == 0
        rule = PeriodRule.objects.get(code="heat-225")
        PeriodRule.objects.filter(pk=rule.pk).update(life_years=10, confidence="high",
                                                     reviewed_at=timezone.now())
        call_command("load_reference", stdout=io.StringIO())
        rule.refresh_from_db()
        assert rule.life_years == 10

    def test_a_kind_added_by_data_alone_is_filed(self):
        data = json.loads(reference.KINDS.read_text(encoding="utf-8"))
        data["kinds"].append({
            "code": "belt_weigher", "name_zh": "皮带秤", "name_en": "Belt weigher",
            "items": {"1987": 10, "2020": "自动衡器"}, "mode": "periodic",
            "mode_confidence": "medium", "size_param": "", "utility_meter": False, "uses": [],
            "sources": ["1987 明细目录 item 10 (秤: 皮带秤)"]})
        path = self.tmp / "instrument_kinds.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        original, reference.KINDS = reference.KINDS, path
        try:
            call_command("load_reference", stdout=io.StringIO())
        finally:
            reference.KINDS = original
        kind = InstrumentKind.objects.get(code="belt_weigher")
        assert kind.name_zh == "皮带秤" and kind.catalogue_items == {"1987": 10, "2020": "自动衡器"}
        instrument = file(self.p.acme, kind="belt_weigher")
        assert instrument.kind == kind
        page = self.client_as("anonymous").get("/catalogue/kinds/belt_weigher/")
        assert page.status_code == 200 and "皮带秤" in page.content.decode()

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.tmp = tmp_path


class CatalogueChangeTests(PersonaTestCase):
    def test_every_instrument_records_the_catalogue_version_in_force_when_filed(self):
        assert file(self.p.acme, kind="pressure_gauge", use="safety").catalogue_version == "2020"
        rows = [row(self.p, serial_number="V-1", kind="weight", regulation_code="JJG 99-2022",
                    certificate_no="V-C1", valid_until=days(300).isoformat())]
        importing.import_file(as_csv(rows), "csv", actor=self.p.gd_verifier)
        from jiliang.registry.models import Instrument

        assert Instrument.objects.get(serial_number="V-1").catalogue_version == "2020"

    def test_a_kind_that_left_is_on_the_impact_list_and_off_the_overdue_lists_its_history_kept(self):
        from jiliang.registry import selectors as registry

        gauge = file(self.p.acme, kind="pressure_gauge", use="safety", first_use_on=days(-200))
        verify(self.p.gd_verifier, gauge, regulation="JJG 52-2013", on=days(-190),
               valid_until=days(-20))
        clerk = self.p.gd_clerk
        assert gauge.pk in registry.due_list(clerk).values_list("pk", flat=True)
        impact = self.client_as("gd_clerk").get("/catalogue/versions/2020/impact/")
        assert impact.status_code == 200 and "压力表" not in impact.content.decode()
        # The national administrator enters what the official 2020 table says: 压力表 is not
        # listed for compulsory verification (the admin marks the entry reviewed, audited).
        response = self.client_as("admin").post("/admin/catalog/catalogueentry/add/", {
            "version": CatalogueEntry.objects.filter(version__code="2020").first().version_id,
            "name_zh": "压力表", "name_en": "", "types": "[]", "supervision": "",
            "listed": "false", "status": "", "confidence": "high", "note": "",
            "sources": "[\"市场监管总局公告2020年第42号 附件\"]",
            "kind": InstrumentKind.objects.get(code="pressure_gauge").pk})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert LedgerEntry.objects.filter(action="admin.add", object_type__contains="catalogue").exists()
        body = self.client_as("gd_clerk", language="zh-hans").get(
            "/catalogue/versions/2020/impact/").content.decode()
        assert "压力表" in body and ("广州市" in body or "天河区" in body)
        assert "压力表" not in self.client_as("bj_clerk").get(
            "/catalogue/versions/2020/impact/").content.decode().split('id="impact"')[1]
        assert gauge.pk not in registry.due_list(clerk).values_list("pk", flat=True)
        assert VerificationRecord.objects.filter(instrument=gauge).count() == 1
        assert self.client_as("acme").get("/catalogue/versions/2020/impact/").status_code == 403


class TypeApprovalTests(PersonaTestCase):
    def approve(self, number="CPA 24-F101", model="ACS-30E"):
        from jiliang.licensing.services import licence_record

        return licence_record(
            actor=self.p.gd_clerk, type_code="type_approval", holder=self.p.orgs["acme"],
            number=number, issued_on=days(-400),
            particulars={"origin": "domestic", "instrument_name": "电子计价秤", "model": model,
                         "category_letter": "F"})

    def test_a_type_approval_number_is_validated_and_shown_on_the_public_check(self):
        with pytest.raises(ValidationError) as caught:
            file(self.p.acme, type_approval_no="型批2024-1")
        assert "CPA" in caught.value.message_dict["type_approval_no"][0]
        self.approve()
        scale = file(self.p.acme, model="ACS-30E", type_approval_no="cpa 24-f101")
        assert scale.type_approval_no == "CPA 24-F101"
        page = self.client_as("anonymous", language="zh-hans").get(
            f"/registry/i/{scale.public_code}/").content.decode()
        assert "CPA 24-F101" in page and "ACS-30E" in page and "型式批准" in page

    def test_an_instrument_without_a_valid_approval_is_flagged_for_the_bureau(self):
        from jiliang.catalog import type_approval

        self.approve()
        approved = file(self.p.acme, type_approval_no="CPA 24-F101")
        same_model = file(self.p.acme, model="acs-30e", type_approval_no="CPA 24-F101")
        other_model = file(self.p.acme, model="ACS-15", type_approval_no="CPA 24-F101")
        unknown = file(self.p.acme, type_approval_no="CPA 24-F999")
        none = file(self.p.acme)
        other_kind = file(self.p.acme, kind="pressure_gauge", use="safety")  # no type approval
        flagged = set(type_approval.flagged(self.p.gd_clerk).values_list("pk", flat=True))
        assert {unknown.pk, none.pk, other_model.pk} <= flagged
        assert not {approved.pk, same_model.pk, other_kind.pk} & flagged
        assert not type_approval.flagged(self.p.bj_clerk).filter(pk=none.pk).exists()
        page = self.client_as("gd_clerk").get("/catalogue/type-approval-flags/")
        assert page.status_code == 200 and unknown.serial_number in page.content.decode()
        assert self.client_as("acme").get("/catalogue/type-approval-flags/").status_code == 403

    def test_a_sampling_record_links_to_the_approved_model_and_records_the_key_part_check(self):
        from jiliang.supervision import services as supervision
        from tests.supervision.helpers import campaign, task

        licence = self.approve(model="ACS-15")
        assert licence.particulars["model"] == "ACS-15"
        sampling = task(self.p, campaign(self.p, kind="product_sampling", products=()))
        base = {"actor": self.p.gd_clerk, "task": sampling, "manufacturer_name": "艾克米公司",
                "product": "电子计价秤", "sampled_on": days(-3),
                "items": [{"item": "示值误差", "passed": True}]}
        with pytest.raises(ValidationError) as caught:  # not the approved model
            supervision.product_sample_record(**base, model="ACS-30", sample_number="S-1",
                                              type_approval_no="CPA 24-F101")
        assert "model" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:  # no approval under that number
            supervision.product_sample_record(**base, model="ACS-15", sample_number="S-1",
                                              type_approval_no="CPA 24-F555")
        assert "type_approval_no" in caught.value.message_dict
        sample = supervision.product_sample_record(
            **base, model="ACS-15", sample_number="S-2", type_approval_no="CPA 24-F101",
            key_parts_consistent=False, key_parts_note="称重传感器型号与批准的不一致")
        assert sample.type_approval_no == licence.number and sample.conclusion == "fail"
        page = self.client_as("gd_clerk").get(f"/supervision/samples/{sample.pk}/")
        assert page.status_code == 200 and "称重传感器型号与批准的不一致" in page.content.decode()


class TypeEvaluationTests(PersonaTestCase):
    def test_institutions_outlines_and_re_evaluations_are_kept_and_audited(self):
        from jiliang.catalog import selectors
        from jiliang.catalog.models import EvaluationOutline, TypeEvaluationInstitution

        admin = self.client_as("admin")
        institute = self.p.orgs["gd_institute"]
        response = admin.post("/admin/catalog/typeevaluationinstitution/add/", {
            "organisation": institute.pk, "classes": '["weighbridge", "pressure_gauge"]',
            "authorised_from": "2021-01-01", "authorised_until": "", "basis": "市场监管总局授权（演示）",
            "reviews-TOTAL_FORMS": "1", "reviews-INITIAL_FORMS": "0",
            "reviews-MIN_NUM_FORMS": "0", "reviews-MAX_NUM_FORMS": "1000",
            "reviews-0-reviewed_on": days(-30).isoformat(), "reviews-0-result": "passed",
            "reviews-0-note": "复查合格"})
        assert response.status_code == 302, response.content.decode()[:2000]
        inst = TypeEvaluationInstitution.objects.get(organisation=institute)
        assert LedgerEntry.objects.filter(action="catalog.type_evaluation.review").exists()
        assert selectors.type_evaluation_institutions("weighbridge", days(0)) == [inst]
        assert selectors.type_evaluation_institutions("taximeter", days(0)) == []
        inst.reviews.create(reviewed_on=days(-1), result="revoked")
        assert selectors.type_evaluation_institutions("weighbridge", days(0)) == []
        response = admin.post("/admin/catalog/evaluationoutline/add/", {
            "kind": InstrumentKind.objects.get(code="weighbridge").pk, "code": "",
            "title": "电子汽车衡型式评价大纲", "status": "drafting",
            "status_on": days(-10).isoformat(), "note": ""})
        assert response.status_code == 302
        assert EvaluationOutline.objects.get(title="电子汽车衡型式评价大纲").status == "drafting"
        assert self.client_as("gd_clerk").get(
            "/admin/catalog/evaluationoutline/").status_code in (302, 403)
