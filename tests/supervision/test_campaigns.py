"""A campaign from plan to publication, its workflow, and who may see and do what."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiliang.audit.models import LedgerEntry
from jiliang.supervision import selectors, services
from jiliang.supervision.models import CampaignStatus
from tests.base import PersonaTestCase
from tests.supervision.helpers import PACKER_GZ, PACKER_SZ, campaign, sample, task

FAILING = ["498", "499", "497", "498", "499", "498", "497", "498", "499", "497"]


class CampaignLifeTests(PersonaTestCase):
    def test_a_campaign_goes_from_plan_to_publication(self):
        p = self.p
        c = campaign(self.p, start=False)
        assert c.status == CampaignStatus.PLANNED
        t = task(p, c, "440100", target=2)
        task(p, c, "440300", target=1)
        with pytest.raises(ValidationError):  # nothing is recorded before field work starts
            sample(p, t)
        services.campaign_transition(actor=p.gd_clerk, campaign=c, action="start")
        sample(p, t)
        sample(p, t, packer=PACKER_SZ, packer_name="深圳某包装厂", values=FAILING)
        services.campaign_transition(actor=p.gd_clerk, campaign=c, action="report")

        # The clerk may not release; the head does, and the portal shows the failing packer.
        public = self.client_as("anonymous")
        with pytest.raises(PermissionDenied):
            services.campaign_release(actor=p.gd_clerk, campaign=c)
        assert public.get(reverse("supervision:published-detail", args=[c.pk])).status_code == 404
        services.campaign_release(actor=p.gd_head, campaign=c, note="审定")
        page = public.get(reverse("supervision:published-detail", args=[c.pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert "深圳某包装厂" in body and "广州示例食品有限公司" not in body
        assert c.title in public.get(reverse("supervision:published-list")).content.decode()

        services.campaign_transition(actor=p.gd_head, campaign=c, action="close")
        c.refresh_from_db()
        assert c.status == CampaignStatus.CLOSED
        steps = [(e.action, e.from_status, e.to_status) for e in c.events.all()]
        assert steps == [("start", "planned", "running"), ("report", "running", "reporting"),
                         ("release", "reporting", "reporting"), ("close", "reporting", "closed")]
        logged = set(LedgerEntry.objects.filter(object_type="supervision.campaign",
                                                object_id=str(c.pk)).values_list("action",
                                                                                 flat=True))
        assert {"campaign.plan", "campaign.start", "campaign.report", "campaign.release",
                "campaign.close"} <= logged
        report = selectors.campaign_report(p.gd_clerk, c)
        assert [(r["region_code"], r["target"], r["done"]) for r in report["completion"]] == [
            ("440100", 2, 2), ("440300", 1, 0)]
        assert report["overall"]["rate"] == 50

    def test_the_workflow_refuses_a_step_out_of_order(self):
        c = campaign(self.p, start=False)
        with pytest.raises(ValidationError) as caught:
            services.campaign_transition(actor=self.p.gd_head, campaign=c, action="close")
        assert "action" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.campaign_transition(actor=self.p.gd_clerk, campaign=c, action="fly")

    def test_only_a_head_closes_or_reopens(self):
        c = campaign(self.p)
        services.campaign_transition(actor=self.p.gd_clerk, campaign=c, action="report")
        with pytest.raises(PermissionDenied):
            services.campaign_transition(actor=self.p.gd_clerk, campaign=c, action="close")
        services.campaign_transition(actor=self.p.gd_head, campaign=c, action="reopen")
        assert c.__class__.objects.get(pk=c.pk).status == CampaignStatus.RUNNING

    def test_results_are_released_only_after_field_work(self):
        c = campaign(self.p)
        with pytest.raises(ValidationError):
            services.campaign_release(actor=self.p.gd_head, campaign=c)

    def test_the_workflow_buttons_post_the_step_on_the_web(self):
        c = campaign(self.p, start=False)
        client = self.client_as("gd_clerk")
        page = client.get(reverse("supervision:campaign-detail", args=[c.pk])).content.decode()
        assert 'data-action="start"' in page and 'data-action="release"' not in page
        response = client.post(reverse("supervision:campaign-transition", args=[c.pk]),
                               {"action": "start", "note": "go"})
        assert response.status_code == 302
        c.refresh_from_db()
        assert c.status == CampaignStatus.RUNNING

    def test_a_national_campaign_is_planned_only_nationally(self):
        with pytest.raises(ValidationError):
            campaign(self.p, level="national")
        c = campaign(self.p, level="national", actor=self.p.admin)
        assert c.region_code == "" and c in selectors.campaign_list(self.p.bj_clerk)

    def test_a_campaign_continues_an_earlier_one_of_its_kind(self):
        first = campaign(self.p, year=2022)
        second = campaign(self.p, year=2023, continues=first)
        assert selectors.campaign_chain(self.p.gd_clerk, second) == [first, second]
        with pytest.raises(ValidationError):
            campaign(self.p, year=2021, continues=second)


class ScopeTests(PersonaTestCase):
    """bj_clerk cannot see or edit Guangdong's records: pages, exports, API."""

    def setUp(self):
        p = self.p
        self.c = campaign(p)
        self.t = task(p, self.c, "440100", institution=p.orgs["gd_institute"])
        self.r = sample(p, self.t, values=FAILING)

    def test_bj_clerk_gets_no_guangdong_page_export_or_record(self):
        client = self.client_as("bj_clerk")
        for name, pk in (("campaign-detail", self.c.pk), ("campaign-report", self.c.pk),
                         ("campaign-tracking", self.c.pk), ("record-export", self.c.pk),
                         ("task-detail", self.t.pk), ("netcontent-create", self.t.pk),
                         ("upload", self.t.pk), ("netcontent-detail", self.r.pk),
                         ("netcontent-notice", self.r.pk)):
            response = client.get(reverse(f"supervision:{name}", args=[pk]))
            assert response.status_code == 404, name
        for name in ("campaign-transition", "campaign-release", "campaign-edit", "task-create"):
            response = client.post(reverse(f"supervision:{name}", args=[self.c.pk]),
                                   {"action": "report"})
            assert response.status_code in (403, 404), name
        self.c.refresh_from_db()
        assert self.c.status == CampaignStatus.RUNNING
        history = client.get(reverse("supervision:packer-history", args=[PACKER_GZ]))
        assert self.r.notice_number not in history.content.decode()
        assert self.c.title not in client.get(
            reverse("supervision:campaign-list")).content.decode()

    def test_bj_clerk_gets_nothing_of_guangdong_from_the_api(self):
        api = self.api_as("bj_clerk")
        assert api.get(f"/api/v1/supervision/net-content/{self.r.pk}").status_code == 404
        assert api.get("/api/v1/supervision/net-content").json()["count"] == 0
        assert api.get(f"/api/v1/supervision/campaigns/{self.c.pk}").status_code == 404
        response = api.post(f"/api/v1/supervision/tasks/{self.t.pk}/net-content",
                            json.dumps({}), content_type="application/json")
        assert response.status_code in (404, 422)
        response = api.post(f"/api/v1/supervision/campaigns/{self.c.pk}/transition",
                            json.dumps({"action": "report"}), content_type="application/json")
        assert response.status_code == 404

    def test_bj_clerk_cannot_record_or_assign_in_guangdong(self):
        with pytest.raises(PermissionDenied):
            sample(self.p, self.t, actor=self.p.bj_clerk)
        with pytest.raises(PermissionDenied):
            task(self.p, self.c, "440300", actor=self.p.bj_clerk)

    def test_a_national_campaign_shows_each_bureau_only_its_own_records(self):
        p = self.p
        c = campaign(p, level="national", actor=p.admin, title="national")
        gz = task(p, c, "440100", actor=p.gd_clerk)
        bj = task(p, c, "110100", actor=p.bj_clerk)
        sample(p, gz, packer_name="广东包装者")
        from tests.supervision.helpers import PACKER_BJ
        sample(p, bj, actor=p.bj_clerk, packer=PACKER_BJ, packer_name="北京包装者")
        for name, mine, other in (("gd_clerk", "广东包装者", "北京包装者"),
                                  ("bj_clerk", "北京包装者", "广东包装者")):
            body = self.client_as(name).get(
                reverse("supervision:campaign-report", args=[c.pk])).content.decode()
            assert mine in body and other not in body
        assert selectors.campaign_report(p.admin, c)["overall"]["total"] == 2

    def test_gz_clerk_works_in_its_provinces_campaign_but_only_in_guangzhou(self):
        assert self.c in selectors.campaign_list(self.p.gz_clerk)
        sz = task(self.p, self.c, "440300")
        sample(self.p, self.t, actor=self.p.gz_clerk)
        with pytest.raises(PermissionDenied):
            sample(self.p, sz, actor=self.p.gz_clerk)

    def test_an_institution_records_for_its_own_tasks_only(self):
        p = self.p
        sample(p, self.t, actor=p.gd_verifier)
        other = task(p, self.c, "440300")
        with pytest.raises(PermissionDenied):
            sample(p, other, actor=p.gd_verifier)
        assert list(selectors.task_list(p.gd_verifier, campaign=self.c)) == [self.t]

    def test_the_packer_sees_its_own_results(self):
        p = self.p
        acme = p.orgs["acme"]
        own = sample(p, self.t, packer=acme.credit_code, packer_name=acme.name)
        client = self.client_as("acme")
        response = client.get(reverse("supervision:my-results"), follow=True)
        body = response.content.decode()
        assert own.notice_number in body and self.r.notice_number not in body
        assert client.get(reverse("supervision:netcontent-detail",
                                  args=[self.r.pk])).status_code == 404
        assert client.get(reverse("supervision:netcontent-notice",
                                  args=[own.pk])).status_code == 200


class CampaignFormTests(PersonaTestCase):
    """Kinds come from the catalogue and regions from the table of divisions, on the form and in
    the service behind it."""

    def post(self, **fields):
        data = {"title": "2026 医用计量器具专项检查", "kind": "special_inspection",
                "level": "provincial", "year": "2026", "starts_on": "2026-03-01",
                "field_deadline": "2026-06-30", "report_deadline": "2026-07-31", **fields}
        return self.client_as("gd_clerk", language="zh-hans").post(
            reverse("supervision:campaign-create"), data)

    def test_the_campaign_form_refuses_an_unknown_kind(self):
        response = self.post(kind_codes=["mars_rangefinder"])
        assert response.status_code == 200
        assert 'data-field="kind_codes"' in response.content.decode()
        with pytest.raises(ValidationError) as caught:
            campaign(self.p, kind="special_inspection", products=(), kind_codes=("火星测距仪",))
        assert "kind_codes" in caught.value.message_dict
        # a kind typed by its Chinese name (the API, an old campaign) is stored as its code
        c = campaign(self.p, kind="special_inspection", products=(), kind_codes=("燃油加油机",))
        assert c.kind_codes == ["fuel_dispenser"]

    def test_it_takes_kinds_ticked_from_the_catalogue_and_regions_from_the_tree(self):
        page = self.client_as("gd_clerk").get(reverse("supervision:campaign-create"))
        assert 'value="sphygmomanometer"' in page.content.decode()
        response = self.post(kind_codes=["sphygmomanometer", "ecg"], regions=["440100", "440300"])
        assert response.status_code == 302, response.content.decode()[:3000]
        from jiliang.supervision.models import Campaign

        c = Campaign.objects.get(title="2026 医用计量器具专项检查")
        assert c.kind_codes == ["sphygmomanometer", "ecg"] and c.regions == ["440100", "440300"]
        response = self.post(title="另一项", regions=["449999"])
        assert 'data-field="regions"' in response.content.decode()

    def test_the_region_look_up_finds_places_by_name_and_by_parent(self):
        client = self.client_as("gd_clerk")
        found = client.get(reverse("core:region-pick"), {"region_q": "天河"}).content.decode()
        assert 'value="440106"' in found
        within = client.get(reverse("core:region-pick"), {"parent": "440100"}).content.decode()
        assert 'value="440106"' in within and 'value="440300"' not in within
