"""A standard found out of tolerance: the exact certificates it touched (its own and those of
the standards calibrated with it while in doubt), the task list, the notices, the public page."""

import pytest
from django.core.exceptions import ValidationError

from jiliang.traceability import services
from jiliang.traceability.models import ImpactCase, ImpactNotice
from tests.base import PersonaTestCase
from tests.registry.helpers import days, enterprise, file, verify
from tests.traceability.helpers import national, standard


class ImpactTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        gd = p.orgs["gd_institute"]
        cls.ps = standard(gd, "GD-PS-MASS", category="social_public", name="砝码标准装置")
        services.calibration_record(actor=None, standard=cls.ps, higher_standard=national(),
                                    certificate_no="NIM-365", calibrated_on=days(-365),
                                    due_on=days(365), result="ok")
        cls.ws_a = standard(gd, "GD-WS-A")
        services.calibration_record(actor=None, standard=cls.ws_a, higher_standard=cls.ps,
                                    certificate_no="PS-A-200", calibrated_on=days(-200),
                                    due_on=days(165), result="ok")
        cls.ws_b = standard(gd, "GD-WS-B")  # calibrated with the public standard before doubt
        services.calibration_record(actor=None, standard=cls.ws_b, higher_standard=cls.ps,
                                    certificate_no="PS-B-400", calibrated_on=days(-400),
                                    due_on=days(330), result="ok")
        cls.ws_c = standard(gd, "GD-WS-C")  # a grandchild: calibrated with A while in doubt
        services.calibration_record(actor=None, standard=cls.ws_c, higher_standard=cls.ws_a,
                                    certificate_no="A-C-120", calibrated_on=days(-120),
                                    due_on=days(245), result="ok")
        cls.sz = enterprise("深圳市影响测试市场", "440305", "91440305MA5MPACT1")
        v = p.gd_verifier
        cls.instruments = {}

        def rec(name, std, on, owner=None, region="440106"):
            inst = file(p.acme if owner is None else p.gd_clerk, owner=owner,
                        serial=f"IMP-{name}", region=region)
            cls.instruments[name] = inst
            return verify(v, inst, on=days(on), standard=std, number=f"IMP-{name}")

        rec("ps-100", cls.ps, -100)
        rec("ps-380", cls.ps, -380)  # before the last good calibration: not in doubt
        rec("a-150", cls.ws_a, -150)
        rec("a-250", cls.ws_a, -250)  # before A was calibrated with the public standard
        rec("b-100", cls.ws_b, -100)  # B was calibrated with it before the doubt began
        rec("c-60", cls.ws_c, -60, owner=cls.sz, region="440305")

    def out_of_tolerance(self):
        services.calibration_record(actor=None, standard=self.ps, higher_standard=national(),
                                    certificate_no="NIM-OUT", calibrated_on=days(-1),
                                    due_on=days(364), result="out")
        return ImpactCase.objects.get(standard=self.ps)

    def test_the_affected_list_is_exact_and_walks_the_subtree(self):
        case = self.out_of_tolerance()
        assert case.since == days(-365) and case.until == days(-1)
        listed = sorted(case.items.values_list("record__certificate_no", "standard__code"))
        assert listed == [("IMP-a-150", "GD-WS-A"), ("IMP-c-60", "GD-WS-C"),
                          ("IMP-ps-100", "GD-PS-MASS")]
        owners = {i.record.certificate_no: i.owner.name for i in case.items.select_related(
            "record", "owner")}
        assert owners["IMP-c-60"] == "深圳市影响测试市场"
        assert owners["IMP-ps-100"] == self.p.orgs["acme"].name

    def test_the_bureau_opens_the_tasks_each_owner_is_noticed_and_the_public_page_warns(self):
        case = self.out_of_tolerance()
        with pytest.raises(Exception):  # noqa: B017 - a clerk of another province may not
            services.impact_open_tasks(actor=self.p.bj_clerk, case=case)
        assert services.impact_open_tasks(actor=self.p.gd_clerk, case=case) == 2
        notices = dict(ImpactNotice.objects.filter(case=case).values_list(
            "organisation__name", "certificates"))
        assert notices == {self.p.orgs["acme"].name: 2, "深圳市影响测试市场": 1}
        with pytest.raises(ValidationError):
            services.impact_open_tasks(actor=self.p.gd_clerk, case=case)
        inst = self.instruments["a-150"]
        page = self.client_as("anonymous").get(f"/registry/i/{inst.public_code}/")
        assert 'id="under-review"' in page.content.decode()
        untouched = self.instruments["b-100"]
        page = self.client_as("anonymous").get(f"/registry/i/{untouched.public_code}/")
        assert 'id="under-review"' not in page.content.decode()
        # The owner sees its notice; re-verified with a sound standard, the warning goes.
        desk = self.client_as("acme").get("/traceability/impact/")
        assert "GD-PS-MASS" in desk.content.decode()
        verify(self.p.gd_verifier, inst, on=days(0), standard=self.ws_b, number="IMP-RE-1")
        page = self.client_as("anonymous").get(f"/registry/i/{inst.public_code}/")
        assert 'id="under-review"' not in page.content.decode()
        assert case.items.filter(resolved_by__isnull=False).count() == 1

    def test_a_standard_out_of_tolerance_serves_no_further_verification(self):
        self.out_of_tolerance()
        inst = file(self.p.acme, serial="IMP-after")
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, inst, on=days(0), standard=self.ps, number="IMP-after")
        assert "standard" in caught.value.message_dict

    def test_a_suspension_opens_a_case_too(self):
        services.standard_set_status(actor=self.p.gd_clerk, standard=self.ws_a,
                                     status="suspended", on=days(0))
        case = ImpactCase.objects.get(standard=self.ws_a)
        assert case.reason == "suspended"
        listed = sorted(case.items.values_list("record__certificate_no", flat=True))
        # A's certificates since its last good calibration (day −200), and C's since C was
        # calibrated with A.
        assert listed == ["IMP-a-150", "IMP-c-60"]

    def test_the_impact_api_is_scoped(self):
        case = self.out_of_tolerance()
        gd = self.api_as("gd_clerk").get(f"/api/v1/traceability/impact/{case.pk}/items")
        assert gd.status_code == 200 and gd.json()["count"] == 3
        bj = self.api_as("bj_clerk").get(f"/api/v1/traceability/impact/{case.pk}/items")
        assert bj.status_code == 404
        issued = self.api_as("gd_clerk").get(
            f"/api/v1/traceability/standards/{self.ps.pk}/issued?since={days(-365).isoformat()}")
        assert [r["certificate_no"] for r in issued.json()["items"]] == ["IMP-ps-100"]
