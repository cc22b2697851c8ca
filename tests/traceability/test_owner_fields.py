"""The standard's owner and a lot's holder are typed with the organisation look-up (credit code
or exact name), checked against the organisations the user may see, not picked from a list of
every organisation in the scope."""

from __future__ import annotations

from jiliang.traceability import services
from jiliang.traceability.models import MaterialLot, Standard
from tests.base import PersonaTestCase
from tests.registry.helpers import days

STANDARD = {"code": "OF-1", "name": "电子秤检定装置", "category": "working", "measurand": "质量",
            "uncertainty": "MPE ±0.5 e"}


class OwnerFieldTests(PersonaTestCase):
    def test_the_form_offers_the_look_up_not_a_list(self):
        page = self.client_as("gd_clerk").get("/traceability/standards/new/").content.decode()
        assert 'name="owner"' in page and "/organisations/pick/" in page
        assert '<select name="owner' not in page
        assert self.p.orgs["bj_institute"].name not in page

    def test_a_standard_is_filed_for_an_owner_by_credit_code_or_name(self):
        gd = self.p.orgs["gd_institute"]
        client = self.client_as("gd_clerk")
        by_code = client.post("/traceability/standards/new/", {**STANDARD,
                                                               "owner": gd.credit_code})
        assert by_code.status_code == 302
        assert Standard.objects.get(code="OF-1").owner == gd
        by_name = client.post("/traceability/standards/new/", {**STANDARD, "code": "OF-2",
                                                               "owner": gd.name})
        assert by_name.status_code == 302
        assert Standard.objects.get(code="OF-2").owner == gd

    def test_an_owner_outside_the_scope_is_refused_on_the_field(self):
        bj = self.p.orgs["bj_institute"]
        client = self.client_as("gd_clerk", language="en")
        response = client.post("/traceability/standards/new/", {**STANDARD,
                                                               "owner": bj.credit_code})
        assert response.status_code == 200
        assert "No organisation you may see matches" in response.content.decode()
        assert response.context["form"].errors["owner"]
        assert not Standard.objects.filter(code="OF-1").exists()

    def test_a_lot_is_added_for_a_holder_in_scope_only(self):
        gd, bj = self.p.orgs["gd_institute"], self.p.orgs["bj_institute"]
        rm = services.material_register(
            actor=self.p.gd_clerk, number="GBW(E) 130124", name="pH 标准缓冲溶液",
            producer="中国计量科学研究院", values=[{"property": "pH (25 ℃)", "value": "6.864",
                                           "unit": "", "U": "0.005", "k": "2"}],
            certificate_valid_until=days(700), shelf_life_months=24)
        client = self.client_as("gd_clerk", language="en")
        url = f"/traceability/materials/{rm.pk}/lots/new/"
        lot = {"lot_no": "OF-L1", "expires_on": days(200).isoformat()}
        refused = client.post(url, {**lot, "holder": bj.credit_code})
        assert refused.status_code == 200 and refused.context["form"].errors["holder"]
        assert client.post(url, {**lot, "holder": gd.credit_code}).status_code == 302
        assert MaterialLot.objects.get(lot_no="OF-L1").holder == gd
