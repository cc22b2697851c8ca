"""World Metrology Day: the national administration sets the theme, bureaus fill in their
events (in their own region only), the public page shows them grouped and on the map."""

from __future__ import annotations

import datetime
import json
import re

from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.portal import metrology_day as wmd
from jiliang.portal.models import MetrologyDayEvent
from tests.base import PersonaTestCase


class MetrologyDayTests(PersonaTestCase):
    def test_an_event_a_bureau_fills_in_is_on_the_public_page_and_the_map(self):
        admin = self.client_as("admin")
        admin.post("/metrology-day/2026/manage/", {"what": "theme", "year": 2026,
                                                   "theme_zh": "测量与生活", "theme_en": ""})
        day = wmd.MetrologyDay.objects.get(year=2026)
        gz = self.client_as("gz_clerk")
        response = gz.post("/metrology-day/2026/manage/", {
            "what": "event", "title": "计量开放日", "region_code": "440106",
            "on": "2026-05-20", "place": "广州计量院", "description": ""})
        assert response.status_code == 302, response.content.decode()[-1500:]
        event = MetrologyDayEvent.objects.get(day=day)
        assert event.organiser == self.p.gz_clerk.organisation and event.state == "submitted"
        bj = wmd.event_add(actor=self.p.bj_clerk, day=day, region_code="110108", title="进社区",
                           on=datetime.date(2026, 5, 19), place="海淀区某社区")
        assert "计量开放日" not in self.client_as("anonymous").get("/metrology-day/").content.decode()
        # The Guangdong head approves the Guangzhou bureau's event through the manage page.
        head = self.client_as("gd_head")
        assert "计量开放日" in head.get("/metrology-day/2026/manage/").content.decode()
        head.post(f"/metrology-day/events/{event.pk}/act/approve/")
        wmd.event_act(actor=self.p.admin, event=bj, action="approve")
        page = self.client_as("anonymous").get("/metrology-day/").content.decode()
        assert "测量与生活" in page and "计量开放日" in page and "广州计量院" in page
        data = json.loads(re.search(r'id="wmd-data" type="application/json">(.*?)</script>',
                                    page).group(1))
        assert sorted((d["name"], d["value"]) for d in data["map"]) == [("北京", 1), ("广东", 1)]
        assert self.client_as("anonymous").get("/metrology-day/2026/").status_code == 200

    def test_a_bureau_adds_events_only_in_its_region_and_only_near_the_day(self):
        day = wmd.day_set(actor=self.p.admin, year=2026, theme_zh="主题")
        with self.assertRaises(PermissionDenied):
            wmd.event_add(actor=self.p.gz_clerk, day=day, region_code="110108", title="x",
                          on=datetime.date(2026, 5, 20), place="y")
        with self.assertRaises(ValidationError):
            wmd.event_add(actor=self.p.gz_clerk, day=day, region_code="440106", title="x",
                          on=datetime.date(2026, 12, 20), place="y")
        with self.assertRaises(PermissionDenied):
            wmd.day_set(actor=self.p.gd_clerk, year=2026, theme_zh="别的主题")
        page = self.client_as("gz_clerk").get("/metrology-day/2026/manage/").content.decode()
        assert 'value="440106"' in page and 'value="110108"' not in page


class MetrologyDayApprovalTests(PersonaTestCase):
    """Events are approved as news items are: by a head, never on their own entry, with
    reasons when returned; only approved events are public."""

    def setUp(self):
        self.day = wmd.day_set(actor=self.p.admin, year=2026, theme_zh="主题")
        self.event = wmd.event_add(actor=self.p.gz_clerk, day=self.day, region_code="440106",
                                   title="公平秤校准", on=datetime.date(2026, 5, 20),
                                   place="海珠区某市场")

    def public_titles(self) -> str:
        return self.client_as("anonymous").get("/metrology-day/2026/").content.decode()

    def test_a_clerk_cannot_approve_and_another_province_cannot_either(self):
        for user in (self.p.gz_clerk, self.p.gd_clerk, self.p.bj_clerk):
            with self.assertRaises(PermissionDenied):
                wmd.event_act(actor=user, event=self.event, action="approve")
        assert "公平秤校准" not in self.public_titles()

    def test_a_head_never_approves_an_event_of_their_own(self):
        own = wmd.event_add(actor=self.p.gd_head, day=self.day, region_code="440000",
                            title="开放日", on=datetime.date(2026, 5, 20), place="广州")
        with self.assertRaises(PermissionDenied):
            wmd.event_act(actor=self.p.gd_head, event=own, action="approve")

    def test_a_returned_event_says_why_and_is_public_once_resubmitted_and_approved(self):
        with self.assertRaises(ValidationError):
            wmd.event_act(actor=self.p.gd_head, event=self.event, action="return", reasons=" ")
        returned = wmd.event_act(actor=self.p.gd_head, event=self.event, action="return",
                                 reasons="地点写具体些")
        assert returned.state == "draft"
        page = self.client_as("gz_clerk").get("/metrology-day/2026/manage/").content.decode()
        assert "地点写具体些" in page
        self.client_as("gz_clerk").post(f"/metrology-day/events/{self.event.pk}/act/submit/")
        self.event.refresh_from_db()
        assert self.event.state == "submitted" and self.event.return_reasons == ""
        approved = wmd.event_act(actor=self.p.gd_head, event=self.event, action="approve")
        assert approved.approved_by == self.p.gd_head and approved.approved_at is not None
        assert "公平秤校准" in self.public_titles()
        with self.assertRaises(ValidationError):  # approved is final
            wmd.event_act(actor=self.p.gd_head, event=self.event, action="approve")
        from jiliang.audit.models import LedgerEntry

        actions = set(LedgerEntry.objects.filter(action__startswith="portal.wmd.event_")
                      .values_list("action", flat=True))
        assert {"portal.wmd.event_add", "portal.wmd.event_return", "portal.wmd.event_submit",
                "portal.wmd.event_approve"} <= actions
