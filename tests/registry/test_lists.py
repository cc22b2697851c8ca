"""Lists a clerk works from: owners and regions typed as a person knows them, sorting, search,
bulk "mark as read", the organisation's page and the desk's counters."""

import re

from jiliang.registry.models import Reminder
from jiliang.registry.services import reminders_create
from jiliang.rules import verification as v
from tests.base import PersonaTestCase
from tests.registry.helpers import days, enterprise, file, verify


def serials(html: str) -> list[str]:
    return re.findall(r'<td class="mono">([A-Z]+-[a-z0-9]+)</td>', html)


class ListTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.market = enterprise("广州市海珠区某市场", "440105", "91440105MA5TEMP01")
        cls.sz_market = enterprise("深圳市南山区某市场", "440305", "91440305MA5TEMP02")
        for owner, region, who, ago in ((p.orgs["acme"], "440106", "acme", 400),
                                        (cls.market, "440105", "market", 420),
                                        (cls.sz_market, "440305", "sz", 410)):
            old = file(p.gd_clerk, owner=owner, region=region, serial=f"OVER-{who}")
            verify(p.gd_verifier, old, on=days(-ago))
            soon = file(p.gd_clerk, owner=owner, region=region, serial=f"SOON-{who}")
            verify(p.gd_verifier, soon, on=v.add_months(days(20), -12))

    def due(self, who="gd_clerk", **params):
        response = self.client_as(who, language="zh-hans").get("/registry/due/", params)
        assert response.status_code == 200
        return response.content.decode()

    def test_the_owner_filter_takes_a_credit_code(self):
        html = self.due(owner=self.market.credit_code)
        assert serials(html) == ["OVER-market"]
        assert "filter-error" not in html

    def test_the_owner_filter_takes_a_name_or_part_of_one(self):
        assert serials(self.due(owner="广州市海珠区某市场")) == ["OVER-market"]
        assert sorted(serials(self.due(owner="某市场"))) == ["OVER-market", "OVER-sz"]

    def test_an_owner_that_matches_nothing_is_said_not_ignored(self):
        html = self.due(owner="不存在的公司")
        assert serials(html) == [] and "filter-error" in html and "不存在的公司" in html
        # an owner of another province is unknown to this clerk, not shown
        assert "filter-error" in self.due("bj_clerk", owner=self.market.credit_code)

    def test_the_region_filter_takes_a_name_or_a_code(self):
        assert serials(self.due(region="深圳市")) == ["OVER-sz"]
        assert serials(self.due(region="4403")) == ["OVER-sz"]
        assert sorted(serials(self.due(region="广州市"))) == ["OVER-acme", "OVER-market"]
        html = self.due(region="火星市")
        assert serials(html) == [] and "filter-error" in html

    def test_q_searches_serials_and_owners(self):
        assert serials(self.due(q="OVER-sz")) == ["OVER-sz"]
        assert serials(self.due(q=self.p.orgs["acme"].credit_code)) == ["OVER-acme"]

    def test_columns_sort_both_ways_with_a_stable_default(self):
        default = serials(self.due())
        assert default == ["OVER-market", "OVER-sz", "OVER-acme"]  # oldest due first
        assert serials(self.due(sort="-next_due")) == list(reversed(default))
        by_owner = serials(self.due(sort="owner"))
        names = {"OVER-acme": "广州艾克米衡器有限公司", "OVER-market": "广州市海珠区某市场",
                 "OVER-sz": "深圳市南山区某市场"}
        assert [names[s] for s in by_owner] == sorted(names[s] for s in by_owner)
        assert serials(self.due(sort="-owner")) == list(reversed(by_owner))
        assert serials(self.due(sort="nonsense")) == default
        html = self.due(sort="owner", owner="某市场")
        assert 'aria-sort="ascending"' in html and "owner=%E6%9F%90" in html

    def test_the_instrument_list_sorts_by_serial(self):
        html = self.client_as("gd_clerk").get("/registry/instruments/", {"sort": "serial"})
        found = serials(html.content.decode())
        assert found == sorted(found) and len(found) == 6

    def test_labels_print_for_an_owner_named_by_credit_code(self):
        response = self.client_as("gd_clerk").get("/registry/instruments/labels/",
                                                  {"owner": self.market.credit_code})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        response = self.client_as("gd_clerk").get("/registry/instruments/labels/",
                                                  {"owner": "某市场"})
        assert response.status_code == 302  # two owners match: the clerk is asked to choose

    def test_reminders_are_marked_read_in_bulk(self):
        reminders_create(on=days(0), soon_days=30, slack_days=60)
        mine = Reminder.objects.filter(organisation=self.p.orgs["acme"], read_at__isnull=True)
        assert mine.count() >= 1
        client = self.client_as("acme")
        page = client.get("/registry/reminders/", {"unread": "1"}).content.decode()
        assert "reminders-read" in page
        response = client.post("/registry/reminders/read/", {"all": "1"})
        assert response.status_code == 302 and not mine.exists()

    def test_the_organisation_page_links_to_what_is_filed_under_it(self):
        org = self.market
        html = self.client_as("gd_clerk").get(f"/organisations/{org.pk}/").content.decode()
        assert f"/registry/instruments/?owner={org.credit_code}" in html
        assert f"/registry/due/?owner={org.credit_code}" in html
        assert f"/supervision/packers/{org.credit_code}/" in html

    def test_the_desk_counters_link_to_their_lists(self):
        html = self.client_as("gd_clerk").get("/desk/").content.decode()
        assert '/registry/due/?window=overdue"' in html and '/registry/due/?window=30"' in html

    def test_the_ledger_filters_and_names_its_objects(self):
        client = self.client_as("gd_clerk", language="zh-hans")
        html = client.get("/ledger/", {"object_type": "registry.instrument"}).content.decode()
        assert "registry.instrument#" not in html and "计量器具" in html
        assert "filter-error" in client.get("/ledger/", {"since": "2026-13-01"}).content.decode()

    def test_the_desk_folds_repeated_changes_into_one_line(self):
        html = self.client_as("gd_clerk").get("/desk/").content.decode()
        assert "× " in html  # six instruments filed in a row by one clerk: one line
