"""Organisations picked by name or credit code (issue 15): the look-up offers only the
organisations the user may see, and the forms accept only those, whatever is typed."""

import re

from jiliang.registry.models import Instrument
from tests.base import PersonaTestCase
from tests.registry.helpers import enterprise


class OrganisationPickerTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.market = enterprise("广州市海珠区选取测试市场", "440105", "91440105MA5PCK001")
        cls.twin = enterprise("广州市海珠区选取测试市场二号", "440105", "91440105MA5PCK002")
        cls.sz = enterprise("深圳市南山区选取测试市场", "440305", "91440305MA5PCK003")

    def pick(self, who: str, q: str, **extra) -> list[str]:
        response = self.client_as(who, language="zh-hans").get(
            "/organisations/pick/", {"field": "owner_credit_code", "owner_credit_code": q, **extra})
        assert response.status_code == 200
        return re.findall(r'<option value="([0-9A-Z]{18})">', response.content.decode())

    def test_the_look_up_finds_by_name_or_credit_code_within_scope(self):
        assert set(self.pick("gd_clerk", "选取测试")) == {
            self.market.credit_code, self.twin.credit_code, self.sz.credit_code}
        assert self.pick("gd_clerk", self.sz.credit_code[:12]) == [self.sz.credit_code]
        assert set(self.pick("gz_clerk", "选取测试")) == {self.market.credit_code,
                                                       self.twin.credit_code}
        assert self.pick("bj_clerk", "选取测试") == []
        assert self.pick("gd_clerk", "") == []

    def test_the_look_up_keeps_to_the_kinds_the_form_asks_for(self):
        institute = self.p.orgs["gd_institute"]
        kinds = "verification_institution,technical_institution"
        assert self.pick("gd_clerk", "计量", kinds=kinds) == [institute.credit_code]
        assert self.pick("gd_clerk", "选取测试", kinds=kinds) == []

    def test_the_look_up_is_for_signed_in_users(self):
        response = self.client.get("/organisations/pick/", {"field": "q", "q": "选取"})
        assert response.status_code == 302 and "/login/" in response["Location"]

    def file(self, who: str, owner: str) -> str:
        response = self.client_as(who, language="zh-hans").post("/registry/instruments/new/", {
            "owner_credit_code": owner, "kind_code": "scale_digital_indicating", "use": "trade",
            "serial_number": f"PICK-{owner[-4:]}-{who}", "region_code": "440105"})
        return response

    def test_a_bureau_files_for_an_owner_named_by_code_or_by_exact_name(self):
        response = self.file("gd_clerk", self.market.credit_code)
        assert response.status_code == 302
        response = self.file("gd_clerk", self.twin.name)
        assert response.status_code == 302
        owners = set(Instrument.objects.filter(serial_number__startswith="PICK-")
                     .values_list("owner__name", flat=True))
        assert owners == {self.market.name, self.twin.name}

    def test_an_owner_outside_scope_or_unknown_or_ambiguous_is_refused_naming_the_field(self):
        for who, owner, words in (
                ("bj_clerk", self.market.credit_code, "在您可查看的范围内"),
                ("gz_clerk", self.sz.name, "在您可查看的范围内"),
                ("gd_clerk", "不存在的公司", "在您可查看的范围内"),
                ("gd_clerk", "选取测试", "可能是多个单位"),
                ("gd_clerk", "深圳市南山区选取", "您是否指")):
            response = self.file(who, owner)
            html = response.content.decode()
            assert response.status_code == 200, (who, owner)
            assert 'data-field="owner_credit_code"' in html and words in html, (who, owner)
        assert not Instrument.objects.filter(serial_number__startswith="PICK-").exists()

    def test_the_form_offers_the_look_up(self):
        html = self.client_as("gd_clerk").get("/registry/instruments/new/").content.decode()
        assert 'list="id_owner_credit_code-options"' in html
        assert 'hx-get="/organisations/pick/"' in html
        assert '<datalist id="id_owner_credit_code-options">' in html

    def test_a_bureau_adds_people_only_to_an_institution_it_may_see(self):
        institute = self.p.orgs["bj_institute"]
        response = self.client_as("gd_clerk", language="zh-hans").post("/people/new/", {
            "organisation_credit_code": institute.credit_code, "name": "张三"})
        assert response.status_code == 200
        assert 'data-field="organisation_credit_code"' in response.content.decode()

    def test_a_bureau_puts_an_enterprise_in_its_scope_on_file_as_an_energy_unit(self):
        from jiliang.energy.forms import UnitForm
        from jiliang.energy.models import EnergyUnit

        form = UnitForm()
        data = {"annual_tce": "6000", "tce_edition": form.fields["tce_edition"].choices[0][0],
                "tce_basis": form.fields["tce_basis"].choices[0][0],
                "reading_interval_min": form.fields["reading_interval_min"].choices[0][0]}
        acme = self.p.orgs["acme"]
        refused = self.client_as("bj_clerk", language="zh-hans").post(
            "/energy/units/new/", {**data, "organisation": acme.credit_code})
        assert refused.status_code == 200 and "在您可查看的范围内" in refused.content.decode()
        # an institution is not an enterprise, even in scope
        refused = self.client_as("gd_clerk", language="zh-hans").post(
            "/energy/units/new/", {**data, "organisation": self.p.orgs["gd_institute"].name})
        assert refused.status_code == 200 and not EnergyUnit.objects.exists()
        done = self.client_as("gd_clerk").post("/energy/units/new/",
                                               {**data, "organisation": acme.name})
        assert done.status_code == 302
        assert EnergyUnit.objects.get().organisation == acme
