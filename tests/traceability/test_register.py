"""The register: scoping, the chain on the page, the public look-up, a comparison from protocol to
published report, reference materials and touring standards."""


import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.registry.models import PublicLookup
from jiliang.traceability import services
from jiliang.traceability.models import Comparison, ImpactCase
from tests.base import PersonaTestCase
from tests.registry.helpers import days
from tests.traceability.helpers import national, standard


class RegisterTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        gd, bj = cls.p.orgs["gd_institute"], cls.p.orgs["bj_institute"]
        cls.ps = standard(gd, "GD-PS-1", category="social_public", name="广东省砝码标准装置",
                          cert="[2023]粤社量标证字第001号", kinds=["scale_digital_indicating"])
        cls.ws = standard(gd, "GD-WS-1", upstream=cls.ps, name="电子秤检定装置")
        cls.bj = standard(bj, "BJ-WS-1", name="北京电子秤检定装置")

    def test_bj_clerk_sees_no_guangdong_standard(self):
        page = self.client_as("bj_clerk").get("/traceability/standards/")
        body = page.content.decode()
        assert "BJ-WS-1" in body and "GD-PS-1" not in body and "GD-WS-1" not in body
        assert self.client_as("bj_clerk").get(
            f"/traceability/standards/{self.ws.pk}/").status_code == 404
        api = self.api_as("bj_clerk").get("/api/v1/traceability/standards")
        # The national primary standard's keeper is in Beijing: the Beijing bureau sees it.
        assert [s["code"] for s in api.json()["items"]] == ["BJ-WS-1", "NAT-TEST"]
        assert self.api_as("bj_clerk").get(
            f"/api/v1/traceability/standards/{self.ps.pk}").status_code == 404
        gd = self.api_as("gd_clerk").get("/api/v1/traceability/standards")
        assert {s["code"] for s in gd.json()["items"]} == {"GD-PS-1", "GD-WS-1"}
        own = self.api_as("gd_verifier").get("/api/v1/traceability/standards")
        assert {s["code"] for s in own.json()["items"]} == {"GD-PS-1", "GD-WS-1"}
        assert self.api_as("acme").get("/api/v1/traceability/standards").json()["items"] == []

    def test_the_page_shows_the_chain_as_a_list_and_a_graph(self):
        page = self.client_as("gd_verifier").get(f"/traceability/standards/{self.ws.pk}/")
        body = page.content.decode()
        chain = body[body.index('id="chain"'):body.index('id="chain-state"')]
        assert chain.index("GD-WS-1") < chain.index("GD-PS-1") < chain.index("NAT-TEST")
        assert 'id="chain-graph"' in body and '"chain-data"' in body
        detail = self.api_as("gd_verifier").get(f"/api/v1/traceability/standards/{self.ws.pk}")
        assert [n["code"] for n in detail.json()["chain"]] == ["GD-WS-1", "GD-PS-1", "NAT-TEST"]
        assert detail.json()["reaches_national"] is True

    def test_the_public_look_up_of_a_social_public_standard(self):
        page = self.client_as("anonymous", language="zh-hans").get(
            "/traceability/public/standards/?number=[2023]粤社量标证字第001号")
        body = page.content.decode()
        assert page.status_code == 200 and "广东省砝码标准装置" in body
        assert self.p.orgs["gd_institute"].name in body and "数字指示秤" in body
        api = self.client_as("anonymous").get(
            "/api/v1/traceability/public/standards?number=[2023]粤社量标证字第001号").json()
        assert api["in_force"] is True and api["name"] == "广东省砝码标准装置"
        # A working standard is not a public one: not found, and the look-up is logged.
        missing = self.client_as("anonymous").get(
            f"/traceability/public/standards/?number=[2024]量标证字{self.ws.code}")
        assert "电子秤检定装置" not in missing.content.decode()
        assert PublicLookup.objects.filter(page="standard", found=False).exists()
        services.standard_set_status(actor=self.p.gd_clerk, standard=self.ps, status="suspended")
        api = self.client_as("anonymous").get(
            "/api/v1/traceability/public/standards?number=[2023]粤社量标证字第001号").json()
        assert api["in_force"] is False and api["status"] == "suspended"

    def test_filing_and_assessing_follow_the_roles(self):
        gd = self.p.orgs["gd_institute"]
        with pytest.raises(PermissionDenied):
            services.standard_register(actor=self.p.bj_clerk, code="X-1", name="x",
                                       category="working", owner=gd, measurand="质量",
                                       uncertainty="u")
        with pytest.raises(PermissionDenied):
            services.standard_register(actor=self.p.gd_verifier, code="X-2", name="x",
                                       category="national", owner=gd, measurand="质量",
                                       uncertainty="u")
        own = services.standard_register(actor=self.p.gd_verifier, code="X-3", name="x",
                                         category="working", owner=gd, measurand="质量",
                                         uncertainty="u", range_low="0", range_high="30",
                                         range_unit="kg")
        with pytest.raises(PermissionDenied):  # the owner does not certify itself
            services.certificate_issue(actor=self.p.gd_verifier, standard=own, number="N-1",
                                       issuer="x", issued_on=days(-1), valid_until=days(100))
        services.certificate_issue(actor=self.p.gd_head, standard=own, number="N-1",
                                   issuer="广东省市场监督管理局", issued_on=days(-1),
                                   valid_until=days(1800))
        with pytest.raises(ValidationError) as caught:
            services.calibration_record(actor=self.p.gd_verifier, standard=self.ps,
                                        higher_standard=self.ws, certificate_no="LOOP",
                                        calibrated_on=days(-1), due_on=days(300), result="ok")
        assert "higher_standard" in caught.value.message_dict

    def test_a_comparison_from_protocol_to_published_report_and_follow_up(self):
        gd, bj = self.p.orgs["gd_institute"], self.p.orgs["bj_institute"]
        c = services.comparison_create(
            actor=self.p.gd_clerk, code="CMP-2025-01", title="1 kg 砝码比对",
            organiser=self.p.orgs["gd_bureau"], pilot=gd, measurand="质量", method="En",
            protocol="JJF 1117 比对规范；传递标准 1 kg 砝码，环形传递。", artefact="1 kg E2 砝码",
            starts_on=days(-60), ends_on=days(-10), unit="mg")
        a = services.participant_add(actor=self.p.gd_clerk, comparison=c, institution=gd,
                                     lab_code="A", standard=self.ws)
        b = services.participant_add(actor=self.p.gd_clerk, comparison=c, institution=bj,
                                     lab_code="B", standard=self.bj)
        with pytest.raises(PermissionDenied):  # a participant submits only its own result
            services.result_submit(actor=self.p.gd_verifier, participant=b, value="1", expanded_u="1")
        services.result_submit(actor=self.p.gd_verifier, participant=a, value="1000000.6",
                               expanded_u="1.0")
        services.result_submit(actor=self.p.gd_clerk, participant=b, value="1000002.0",
                               expanded_u="1.0")
        with pytest.raises(PermissionDenied):
            services.comparison_score(actor=self.p.bj_clerk, comparison=c,
                                      reference_value="1000000.0", reference_u="0.4")
        services.comparison_score(actor=self.p.gd_clerk, comparison=c,
                                  reference_value="1000000.0", reference_u="0.4")
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.score, a.verdict) == ("0.56", "satisfactory")
        assert (b.score, b.verdict) == ("1.86", "unsatisfactory")
        services.comparison_report(actor=self.p.gd_clerk, comparison=c,
                                   report="参加实验室 2 家，A 满意，B 不满意。")
        with pytest.raises(PermissionDenied):  # a clerk does not approve
            services.comparison_publish(actor=self.p.gd_clerk, comparison=c)
        assert "1 kg 砝码比对" not in self.client_as("anonymous").get(
            "/traceability/public/comparisons/").content.decode()
        services.comparison_publish(actor=self.p.gd_head, comparison=c)
        assert c.state == Comparison.State.PUBLISHED
        public = self.client_as("anonymous").get("/traceability/public/comparisons/")
        assert "1 kg 砝码比对" in public.content.decode()
        # Follow-up of B: the Beijing bureau suspends its own standard, the organiser cannot.
        with pytest.raises(PermissionDenied):
            services.follow_up(actor=self.p.gd_clerk, participant=b, action="复查",
                               suspend_standard=True)
        services.follow_up(actor=self.p.gd_clerk, participant=b, action="要求整改并复测")
        b.refresh_from_db()
        assert b.follow_up == "要求整改并复测"
        services.follow_up(actor=None, participant=b, action="暂停使用", suspend_standard=True)
        self.bj.refresh_from_db()
        assert self.bj.status == "suspended"
        assert ImpactCase.objects.filter(standard=self.bj, reason="suspended").exists()
        # The pages show it to the participants, not to others.
        assert self.client_as("bj_clerk").get(
            f"/traceability/comparisons/{c.pk}/").status_code == 200
        assert self.client_as("acme").get(
            f"/traceability/comparisons/{c.pk}/").status_code == 404

    def test_reference_materials_lots_and_records(self):
        gd = self.p.orgs["gd_institute"]
        rm = services.material_register(
            actor=self.p.gd_clerk, number="GBW(E) 130123", name="pH 标准缓冲溶液",
            producer="中国计量科学研究院", values=[{"property": "pH (25 ℃)", "value": "6.864",
                                           "unit": "", "U": "0.005", "k": "2"}],
            certificate_valid_until=days(700), shelf_life_months=24)
        with pytest.raises(ValidationError):
            services.material_register(actor=self.p.gd_clerk, number="ABC 1", name="x",
                                       producer="y", values=[{"property": "p", "value": "1",
                                                              "U": "-1"}])
        lot = services.lot_add(actor=self.p.gd_verifier, material=rm, holder=gd, lot_no="L-1",
                               expires_on=days(200))
        old = services.lot_add(actor=self.p.gd_verifier, material=rm, holder=gd, lot_no="L-0",
                               expires_on=days(-20))
        from tests.registry.helpers import file, verify

        inst = file(self.p.acme, serial="RM-1")
        record = verify(self.p.gd_verifier, inst, on=days(-5), standard=self.ws, number="RM-C1",
                        reference_lot_ids=[lot.pk])
        assert list(record.reference_lots.all()) == [lot]
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, inst, on=days(-4), standard=self.ws, number="RM-C2",
                   reference_lot_ids=[old.pk])
        assert "reference_lots" in caught.value.message_dict

    def test_a_touring_standard_is_booked_without_overlaps(self):
        gd = self.p.orgs["gd_institute"]
        mobile = standard(gd, "GD-MOBILE-1", mobile=True, name="大型电力变压器现场检定车")
        services.booking_add(actor=self.p.gd_verifier, standard=mobile, site="500 kV 变电站",
                             region_code="440113", starts_on=days(3), ends_on=days(5),
                             purpose="电能计量装置现场检定")
        with pytest.raises(ValidationError) as caught:
            services.booking_add(actor=self.p.gd_verifier, standard=mobile, site="另一站",
                                 region_code="440113", starts_on=days(5), ends_on=days(6),
                                 purpose="x")
        assert "starts_on" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.booking_add(actor=self.p.gd_verifier, standard=self.ws, site="x",
                                 region_code="440113", starts_on=days(1), ends_on=days(1),
                                 purpose="x")
        page = self.client_as("gd_verifier").get(f"/traceability/standards/{mobile.pk}/")
        assert "500 kV 变电站" in page.content.decode()

    def test_national_standards_are_nodes_of_their_own(self):
        nat = national()
        assert nat.upstream_id is None and nat.is_national
        with pytest.raises(ValidationError):
            services.certificate_issue(actor=None, standard=nat, number="NAT-C", issuer="x",
                                       issued_on=days(-1), valid_until=days(10))


class LicenceTests(PersonaTestCase):
    def test_a_standards_assessment_renewal_renews_the_standards_certificate(self):
        from jiliang.licensing import services as licensing
        from jiliang.licensing.models import Purpose
        from tests.licensing.helpers import D, act, attach_required

        acme = self.p.orgs["acme"]
        std = services.standard_register(
            actor=self.p.acme, code="ACME-HIGHEST-1", name="电子天平检定装置",
            category="enterprise_highest", owner=acme, measurand="质量", uncertainty="U=0.1mg, k=2")
        licence = licensing.licence_record(
            actor=self.p.gd_clerk, type_code="measurement_standard_assessment", holder=acme,
            number="[2021]粤量标证字第0001号", issued_on=D(2021, 4, 1), valid_until=D(2026, 3, 31),
            particulars={"competent_level": "provincial", "standard_name": "电子天平检定装置",
                         "measuring_range": "(0~220)g", "uncertainty": "U=0.1mg, k=2"},
            regime="now")
        app = licensing.application_create(actor=self.p.acme, type_code="",
                                           purpose=Purpose.RENEWAL, licence=licence,
                                           on=D(2025, 9, 10))
        attach_required(app, self.p.acme)
        app = act(app, self.p.acme, "submit", D(2025, 9, 10))
        app = act(app, self.p.gd_clerk, "accept", D(2025, 9, 11))
        act(app, self.p.gd_head, "approve", D(2025, 9, 25))
        cert = std.certificates.get()
        assert cert.valid_until == D(2031, 3, 31) and cert.issued_on == D(2025, 9, 25)
        assert cert.number.startswith("[2021]粤量标证字第0001号") and cert.licence_id == licence.pk
