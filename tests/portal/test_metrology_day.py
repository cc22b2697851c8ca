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
        assert event.organiser == self.p.gz_clerk.organisation
        wmd.event_add(actor=self.p.bj_clerk, day=day, region_code="110108", title="进社区",
                      on=datetime.date(2026, 5, 19), place="海淀区某社区")
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
