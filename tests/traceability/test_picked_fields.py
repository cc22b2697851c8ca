"""A comparison's organiser, pilot and participant, and the standard a standard is traced to or a
participant uses, are typed with look-ups checked against the scope, not picked from lists capped
at 500 entries: the 501st organisation or standard can be named, one outside the scope cannot."""

from __future__ import annotations

from jiliang.core.demo import credit_code
from jiliang.core.models import Organisation, OrgKind, Region
from jiliang.traceability import services
from jiliang.traceability.models import Category, Comparison, Participant, Standard
from tests.base import PersonaTestCase
from tests.registry.helpers import days
from tests.traceability.helpers import national, standard

MANY = 501  # one more than the lists the forms used to offer


def _comparison(code: str) -> dict:
    return {"code": code, "title": "砝码比对", "measurand": "质量", "unit": "g", "method": "En",
            "artefact": "1 kg 砝码", "protocol": "按 JJF 1117", "starts_on": days(1).isoformat(),
            "ends_on": days(60).isoformat()}


class PickedFieldTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        region = Region.objects.get(code="440106")
        # Names sort before the demo institute's, so "the first 500 by name" never reached it.
        cls.labs = Organisation.objects.bulk_create([Organisation(
            kind=OrgKind.TECHNICAL_INSTITUTION, name=f"一{i:04d} 检测所", region=region,
            region_code=region.code, credit_code=credit_code(f"12440106{i:09d}"))
            for i in range(MANY)])
        cls.last_lab = Organisation.objects.get(name=f"一{MANY - 1:04d} 检测所")
        gd = cls.p.orgs["gd_institute"]
        Standard.objects.bulk_create([Standard(
            code=f"AA-{i:04d}", name="砝码标准装置", category=Category.WORKING, owner=gd,
            region_code=gd.region_code, province_code="44", measurand="质量",
            uncertainty="F1") for i in range(MANY)])
        cls.gd_std = standard(gd, "ZZ-GD-WS", name="电子秤检定装置")
        cls.bj_std = standard(cls.p.orgs["bj_institute"], "ZZ-BJ-WS", name="北京电子秤检定装置")

    def test_the_organiser_is_a_bureau_named_by_its_division_code_or_name(self):
        client = self.client_as("gd_clerk")
        page = client.get("/traceability/comparisons/new/").content.decode()
        assert 'name="organiser"' in page and "/organisations/pick/" in page
        assert "<select name=\"organiser" not in page and self.last_lab.name not in page
        gd_bureau, gz_bureau = self.p.orgs["gd_bureau"], self.p.orgs["gz_bureau"]
        by_code = client.post("/traceability/comparisons/new/", {
            **_comparison("PF-1"), "organiser": "440000", "pilot": self.last_lab.credit_code})
        assert by_code.status_code == 302, by_code.context["form"].errors
        made = Comparison.objects.get(code="PF-1")
        assert (made.organiser, made.pilot) == (gd_bureau, self.last_lab)
        by_name = client.post("/traceability/comparisons/new/", {
            **_comparison("PF-2"), "organiser": gz_bureau.name, "pilot": self.last_lab.name})
        assert by_name.status_code == 302, by_name.context["form"].errors
        assert Comparison.objects.get(code="PF-2").organiser == gz_bureau

    def test_a_bureau_half_typed_is_asked_for_by_its_full_name_not_a_credit_code(self):
        client = self.client_as("gd_clerk")
        gz_bureau = self.p.orgs["gz_bureau"]
        half = client.post("/traceability/comparisons/new/", {
            **_comparison("PF-4"), "organiser": gz_bureau.name[:-1],
            "pilot": self.last_lab.credit_code})
        error = half.context["form"].errors["organiser"][0]
        assert gz_bureau.name in error and "full name" in error and "credit code" not in error

    def test_an_organiser_or_pilot_outside_the_scope_is_refused_on_its_field(self):
        client = self.client_as("gd_clerk")
        bj_bureau, bj = self.p.orgs["bj_bureau"], self.p.orgs["bj_institute"]
        refused = client.post("/traceability/comparisons/new/", {
            **_comparison("PF-3"), "organiser": bj_bureau.name, "pilot": bj.credit_code})
        assert refused.status_code == 200
        errors = refused.context["form"].errors
        assert "No organisation you may see matches" in errors["organiser"][0]
        assert "No organisation you may see matches" in errors["pilot"][0]
        # a division code outside the scope names no bureau either
        by_code = client.post("/traceability/comparisons/new/", {
            **_comparison("PF-3"), "organiser": "110000", "pilot": self.last_lab.credit_code})
        assert by_code.context["form"].errors["organiser"]
        assert not Comparison.objects.filter(code="PF-3").exists()

    def test_the_look_up_finds_a_bureau_only_where_the_field_asks_for_one(self):
        client = self.client_as("gd_clerk")
        kinds = "verification_institution,technical_institution,provincial_bureau,city_bureau"
        by_code = client.get("/organisations/pick/", {"field": "organiser", "organiser": "4401",
                                                      "kinds": kinds}).content.decode()
        assert self.p.orgs["gz_bureau"].name in by_code
        assert self.p.orgs["gd_bureau"].name not in by_code
        by_name = client.get("/organisations/pick/", {"field": "organiser", "organiser": "广东省",
                                                      "kinds": kinds}).content.decode()
        assert f'value="{self.p.orgs["gd_bureau"].name}"' in by_name
        # a field asking for institutions (or any kind) is not offered a bureau it cannot take
        for asked in ("technical_institution,verification_institution", ""):
            page = client.get("/organisations/pick/", {"field": "pilot", "pilot": "广东省",
                                                       "kinds": asked}).content.decode()
            assert self.p.orgs["gd_bureau"].name not in page
            assert self.p.orgs["gd_institute"].name in page
        assert "北京" not in client.get("/organisations/pick/", {
            "field": "organiser", "organiser": "北京", "kinds": kinds}).content.decode()

    def test_a_participant_and_its_standard_beyond_the_500th_can_be_enrolled(self):
        c = services.comparison_create(
            actor=None, code="PF-C", title="砝码比对", organiser=self.p.orgs["gd_bureau"],
            pilot=self.p.orgs["gd_institute"], measurand="质量", method="En", protocol="按协议",
            artefact="1 kg 砝码", starts_on=days(1), ends_on=days(60))
        client = self.client_as("gd_clerk")
        url = f"/traceability/comparisons/{c.pk}/participants/new/"
        page = client.get(url).content.decode()
        assert 'name="standard"' in page and "/traceability/standards/pick/" in page
        assert "ZZ-GD-WS" not in page
        gd = self.p.orgs["gd_institute"]
        refused = client.post(url, {"institution": self.p.orgs["bj_institute"].credit_code,
                                    "lab_code": "B", "standard": "ZZ-BJ-WS"})
        assert refused.status_code == 200
        errors = refused.context["form"].errors
        assert errors["institution"] and "ZZ-BJ-WS" in errors["standard"][0]
        enrolled = client.post(url, {"institution": gd.credit_code, "lab_code": "A",
                                     "standard": "ZZ-GD-WS"})
        assert enrolled.status_code == 302, enrolled.context["form"].errors
        assert Participant.objects.get(comparison=c, lab_code="A").standard == self.gd_std

    def test_the_upstream_standard_is_named_by_code_within_the_scope(self):
        client = self.client_as("gd_clerk")
        form = {"code": "PF-S1", "name": "电子秤检定装置", "category": "working",
                "measurand": "质量", "uncertainty": "MPE ±0.5 e",
                "owner": self.p.orgs["gd_institute"].credit_code}
        refused = client.post("/traceability/standards/new/", {**form, "upstream": "ZZ-BJ-WS"})
        assert refused.status_code == 200 and refused.context["form"].errors["upstream"]
        assert not Standard.objects.filter(code="PF-S1").exists()
        for upstream in ("ZZ-GD-WS", national().code):
            code = f"PF-{upstream}"
            filed = client.post("/traceability/standards/new/", {**form, "code": code,
                                                                 "upstream": upstream})
            assert filed.status_code == 302, filed.context["form"].errors
            assert Standard.objects.get(code=code).upstream.code == upstream

    def test_the_standard_look_up_offers_only_the_scope(self):
        client = self.client_as("gd_clerk")

        def pick(purpose: str, q: str) -> str:
            return client.get("/traceability/standards/pick/", {
                "field": "f", "f": q, "purpose": purpose}).content.decode()

        assert "ZZ-GD-WS" in pick("upstream", "ZZ") and "ZZ-BJ-WS" not in pick("upstream", "ZZ")
        assert "NAT-TEST" in pick("upstream", national().code)
        assert "NAT-TEST" not in pick("participant", "NAT")
        assert "ZZ-GD-WS" in pick("participant", "电子秤")
        assert pick("nonsense", "ZZ").strip() == ""
        assert client.get("/traceability/standards/pick/?field=f&f=ZZ&purpose=upstream",
                          secure=True).status_code == 200
        self.client.logout()
        assert self.client.get("/traceability/standards/pick/").status_code == 302

    def test_a_calibration_names_its_higher_standard_by_code_never_itself(self):
        client = self.client_as("gd_clerk")
        url = f"/traceability/standards/{self.gd_std.pk}/calibrations/new/"
        assert 'name="higher_standard"' in client.get(url).content.decode()
        record = {"certificate_no": "PF-CAL-1", "calibrated_on": days(-1).isoformat(),
                  "due_on": days(360).isoformat(), "result": "ok"}
        for refused in ("ZZ-GD-WS", "ZZ-BJ-WS"):
            response = client.post(url, {**record, "higher_standard": refused})
            assert response.status_code == 200
            assert response.context["form"].errors["higher_standard"]
        done = client.post(url, {**record, "higher_standard": "AA-0500"})
        assert done.status_code == 302, done.context["form"].errors
        assert self.gd_std.calibrations.get(certificate_no="PF-CAL-1").higher_standard.code == \
            "AA-0500"
