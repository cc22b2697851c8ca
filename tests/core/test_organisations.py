from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.audit.models import LedgerEntry
from jiliang.core import services
from jiliang.core.models import Organisation, OrgKind
from tests.base import PersonaTestCase

GOOD_CODE = "91350100M000100Y43"


class OrganisationTests(PersonaTestCase):
    def test_a_clerk_of_beijing_cannot_see_a_guangdong_organisation(self):
        acme = self.p.orgs["acme"]
        page = self.client_as("bj_clerk").get(f"/organisations/{acme.pk}/")
        assert page.status_code == 404
        api = self.api_as("bj_clerk").get(f"/api/v1/organisations/{acme.pk}")
        assert api.status_code == 404

    def test_the_national_admin_sees_a_guangdong_organisation(self):
        acme = self.p.orgs["acme"]
        page = self.client_as("admin").get(f"/organisations/{acme.pk}/")
        assert page.status_code == 200 and acme.name in page.content.decode()
        api = self.api_as("admin").get(f"/api/v1/organisations/{acme.pk}")
        assert api.status_code == 200 and api.json()["credit_code"] == acme.credit_code

    def test_lists_hold_only_the_callers_region(self):
        body = self.api_as("gz_clerk").get("/api/v1/organisations?page_size=500").json()
        codes = {item["region_code"] for item in body["items"]}
        assert codes and all(code.startswith("4401") for code in codes)
        assert self.p.orgs["gd_bureau"].name not in str(body)  # 440000 is above Guangzhou

    def test_an_enterprise_sees_only_itself(self):
        body = self.api_as("acme").get("/api/v1/organisations").json()
        assert [item["id"] for item in body["items"]] == [self.p.orgs["acme"].pk]

    def test_an_invalid_credit_code_is_refused_naming_the_rule(self):
        with self.assertRaises(ValidationError) as caught:
            services.organisation_register(
                actor=self.p.gd_clerk, kind=OrgKind.ENTERPRISE, name="测试公司",
                region_code="440106", credit_code="91350100M000100Y44",
            )
        message = caught.exception.message_dict["credit_code"][0]
        assert "GB 32100-2015" in message and "3" in message

    def test_the_form_shows_the_credit_code_error_in_chinese(self):
        response = self.client_as("gd_clerk", language="zh-hans").post("/organisations/new/", {
            "kind": "enterprise", "name": "测试公司", "region_code": "440106",
            "credit_code": "9135010OM000100Y43",
        })
        assert response.status_code == 200
        assert "统一社会信用代码" in response.content.decode()
        assert not Organisation.objects.filter(name="测试公司").exists()

    def test_the_api_refuses_a_bad_credit_code_with_a_400_naming_the_field(self):
        response = self.api_as("gd_clerk").post("/api/v1/organisations", {
            "kind": "enterprise", "name": "测试公司", "region_code": "440106",
            "credit_code": "91350100M000100Y44",
        }, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "credit_code"

    def test_a_bureau_registers_within_its_region_and_the_ledger_records_it(self):
        org = services.organisation_register(
            actor=self.p.gd_clerk, kind=OrgKind.ENTERPRISE, name="好秤商行",
            region_code="440106", credit_code=GOOD_CODE,
        )
        entry = LedgerEntry.objects.get(action="organisation.register", object_id=str(org.pk))
        assert entry.actor_name == "gd_clerk" and entry.after["credit_code"] == GOOD_CODE
        assert entry.before is None

    def test_a_bureau_cannot_register_outside_its_region(self):
        with self.assertRaises(PermissionDenied):
            services.organisation_register(
                actor=self.p.bj_clerk, kind=OrgKind.ENTERPRISE, name="越界公司",
                region_code="440106", credit_code=GOOD_CODE,
            )

    def test_an_update_records_before_and_after(self):
        acme = self.p.orgs["acme"]
        services.organisation_update(actor=self.p.gz_clerk, organisation=acme, phone="020-1234")
        entry = LedgerEntry.objects.filter(action="organisation.update").latest("id")
        assert entry.before["phone"] == "" and entry.after["phone"] == "020-1234"

    def test_a_city_bureau_must_sit_at_a_prefecture(self):
        with self.assertRaises(ValidationError) as caught:
            services.organisation_register(
                actor=self.p.admin, kind=OrgKind.CITY_BUREAU, name="错误的局", region_code="440000",
            )
        assert "region_code" in caught.exception.message_dict

    def test_a_duplicate_credit_code_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            services.organisation_register(
                actor=self.p.gd_clerk, kind=OrgKind.ENTERPRISE, name="重复公司",
                region_code="440106", credit_code=self.p.orgs["acme"].credit_code,
            )
        assert "credit_code" in caught.exception.message_dict

    def test_the_organisation_list_exports_to_xlsx_within_scope(self):
        import io

        from openpyxl import load_workbook

        response = self.client_as("bj_clerk").get("/organisations/?format=xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        regions = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert regions and all(code.startswith("11") for code in regions)
