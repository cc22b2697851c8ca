"""The catalogue: kinds from the reference, effective-dated versions, province values."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.audit.models import LedgerEntry
from jiliang.catalog import selectors, services
from jiliang.catalog.models import CatalogueVersion, InstrumentKind, PeriodRule, Regulation
from jiliang.rules import verification as v
from tests.base import PersonaTestCase

CONTRACT_CODES = {
    "scale_digital_indicating", "taximeter", "fuel_dispenser", "vehicle_speed_meter",
    "electricity_meter", "water_meter", "gas_meter", "heat_meter", "sphygmomanometer", "ecg",
    "radiotherapy_dosimetry", "clinical_thermometer_glass", "breath_alcohol",
}


@pytest.mark.django_db
def test_the_thirteen_kinds_of_the_reference_keep_the_agreed_codes_and_every_1987_item_has_a_kind():
    codes = set(InstrumentKind.objects.values_list("code", flat=True))
    assert codes >= CONTRACT_CODES and {"pressure_gauge", "weight", "weighbridge"} <= codes
    v1987 = CatalogueVersion.objects.get(code="1987")
    # Every item but 汽车里程表 (item 28, removed in 2002) can be filed under a kind.
    assert list(v1987.entries.filter(kind=None).values_list("item_no", flat=True)) == [28]


@pytest.mark.django_db
def test_every_regulation_has_a_rule_and_every_rule_names_regulations_of_its_kind():
    for reg in Regulation.objects.select_related("kind"):
        assert any(reg.code in r.regulations for r in PeriodRule.objects.filter(kind=reg.kind)), \
            reg.code
    for rule in PeriodRule.objects.select_related("kind"):
        codes = set(Regulation.objects.filter(kind=rule.kind).values_list("code", flat=True))
        assert set(rule.regulations) <= codes, rule.code


@pytest.mark.django_db
def test_the_catalogue_versions_are_effective_dated():
    assert selectors.version_in_force(datetime.date(2008, 6, 1)).code == "1987"
    assert selectors.version_in_force(datetime.date(2025, 6, 1)).code == "2020"
    v1987 = CatalogueVersion.objects.get(code="1987")
    assert v1987.entries.count() == 55
    assert v1987.entries.get(item_no=28).status == "removed 2002"


@pytest.mark.django_db
def test_the_heat_meter_says_its_period_is_not_confirmed():
    kind = selectors.kind_detail("heat_meter")
    assert all(not r.confirmed for r in kind.rules.all())


class ProvinceValueTests(PersonaTestCase):
    def test_a_provincial_bureau_sets_the_value_its_province_uses_and_it_is_audited(self):
        rule = PeriodRule.objects.get(code="bp-270")
        services.province_period_set(actor=self.p.gd_clerk, province_code="44", rule=rule,
                                     value=12, note="粤市监计量〔2026〕1号")
        resolved = selectors.TermResolver().resolve(
            "sphygmomanometer", "JJG 270-2008", v.Facts(), "44")
        assert resolved.term.months == 12 and resolved.term.province_set
        unset = selectors.TermResolver().resolve("sphygmomanometer", "JJG 270-2008", v.Facts(), "11")
        assert not unset.term.known
        assert LedgerEntry.objects.filter(action="catalog.province_period.set",
                                          region_code="440000").exists()

    def test_another_province_or_a_city_may_not_set_it(self):
        rule = PeriodRule.objects.get(code="bp-270")
        for actor in (self.p.bj_clerk, self.p.gz_clerk, self.p.acme):
            with pytest.raises(PermissionDenied):
                services.province_period_set(actor=actor, province_code="44", rule=rule,
                                             value=12, note="x")

    def test_a_confirmed_value_cannot_be_overridden(self):
        rule = PeriodRule.objects.get(code="water-162-2019-dn25")
        with pytest.raises(ValidationError) as caught:
            services.province_period_set(actor=self.p.gd_clerk, province_code="44", rule=rule,
                                         value=10, note="x")
        assert "value" in caught.value.message_dict

    def test_the_page_shows_the_unconfirmed_rules_and_saves_a_value(self):
        client = self.client_as("gd_clerk")
        page = client.get("/catalogue/province-periods/")
        assert page.status_code == 200 and "heat-225" not in page.content.decode()
        rule = PeriodRule.objects.get(code="heat-225")
        response = client.post("/catalogue/province-periods/", {
            "rule": rule.pk, "value": "6", "note": "粤市监计量〔2026〕2号"})
        assert response.status_code == 302
        assert rule.province_values.get(province_code="44").value == 6
        bad = client.post("/catalogue/province-periods/", {"rule": rule.pk, "value": "999",
                                                          "note": "x"}, follow=True)
        assert "1 to 40" in bad.content.decode()

    def test_the_catalogue_is_public_and_marks_what_is_not_confirmed(self):
        page = self.client_as("anonymous").get("/catalogue/kinds/fuel_dispenser/")
        assert page.status_code == 200
        body = page.content.decode()
        # The public reads that the province sets the value; the research grade is the bureaus'.
        assert "JJG 443-2023" in body and "Each province sets the value it uses." in body
        assert "not confirmed" not in body and "onfidence" not in body
        staff = self.client_as("gd_clerk").get("/catalogue/kinds/fuel_dispenser/").content.decode()
        assert "not confirmed" in staff
        api = self.client_as("anonymous").get("/api/v1/catalog/kinds/water_meter")
        assert api.status_code == 200
        assert {r["code"] for r in api.json()["rules"]} >= {"water-162-2019-dn25"}
