"""The lists that sort through ``core.lists.sort_by``: licence applications, campaigns,
organisations and energy units sort by their column headings both ways, fall back to a stable
default for an unknown column, and keep their filters in the heading and pager links."""

import re

from jiliang.energy.models import EnergyUnit
from jiliang.supervision.models import CampaignKind
from tests.base import PersonaTestCase
from tests.energy.factories import make_unit
from tests.licensing.helpers import submitted
from tests.registry.helpers import enterprise
from tests.supervision.helpers import campaign


class ListSortingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.orgs = [enterprise(name, region, code) for name, region, code in (
            ("广州市甲排序测试公司", "440105", "91440105MA5PXC001"),
            ("深圳市乙排序测试公司", "440305", "91440305MA5PXC002"),
            ("佛山市丙排序测试公司", "440604", "91440604MA5PXC003"))]
        cls.campaigns = [campaign(p, year=year, title=title, kind=kind) for year, title, kind in (
            (2023, "乙：二〇二三年定量包装", CampaignKind.NET_CONTENT),
            (2025, "甲：二〇二五年专项检查", CampaignKind.SPECIAL_INSPECTION),
            (2024, "丙：二〇二四年定量包装", CampaignKind.NET_CONTENT))]
        cls.apps = [submitted(p.acme) for _ in range(3)]
        cls.units = [make_unit(p, "acme", annual_tce="12000"),
                     make_unit(p, "bj_enterprise", annual_tce="8000")]

    def page(self, url: str, who: str = "admin", **params) -> str:
        response = self.client_as(who, language="zh-hans").get(url, params)
        assert response.status_code == 200
        return response.content.decode()

    def column(self, html: str, pattern: str) -> list[str]:
        return re.findall(pattern, html)

    def assert_sorts(self, url, pattern, key, expected_ascending, *, default, who="admin",
                     **filters):
        ascending = self.column(self.page(url, who, sort=key, **filters), pattern)
        assert ascending == expected_ascending
        descending = self.column(self.page(url, who, sort=f"-{key}", **filters), pattern)
        assert descending == list(reversed(expected_ascending))
        plain = self.column(self.page(url, who, **filters), pattern)
        assert plain == default
        assert self.column(self.page(url, who, sort="nonsense", **filters), pattern) == default

    def test_organisations_sort_by_name_kind_region_and_credit_code(self):
        names = [o.name for o in self.orgs]
        pattern = r'<a href="/organisations/\d+/">([^<]*排序测试公司)</a>'
        by_region = [o.name for o in sorted(self.orgs, key=lambda o: o.region_code)]
        self.assert_sorts("/organisations/", pattern, "name", sorted(names), default=by_region,
                          q="排序测试")
        self.assert_sorts("/organisations/", pattern, "credit_code",
                          [o.name for o in sorted(self.orgs, key=lambda o: o.credit_code)],
                          default=by_region, q="排序测试")
        html = self.page("/organisations/", sort="-name", q="排序测试")
        # the headings keep the filter; the current one says which way it sorts
        assert 'aria-sort="descending"' in html
        assert "?q=%E6%8E%92%E5%BA%8F%E6%B5%8B%E8%AF%95&amp;sort=name" in html

    def test_campaigns_sort_by_year_and_title_newest_year_first_by_default(self):
        pattern = r'<a href="/supervision/campaigns/\d+/">([^<]*)</a>'
        titles = {c.year: c.title for c in self.campaigns}
        newest_first = [titles[y] for y in (2025, 2024, 2023)]
        self.assert_sorts("/supervision/campaigns/", pattern, "year", newest_first[::-1],
                          default=newest_first, who="gd_clerk")
        self.assert_sorts("/supervision/campaigns/", pattern, "title",
                          sorted(titles.values()), default=newest_first, who="gd_clerk")
        # a filter and a sort together
        html = self.page("/supervision/campaigns/", "gd_clerk", sort="title",
                         kind=CampaignKind.NET_CONTENT)
        assert self.column(html, pattern) == sorted(
            c.title for c in self.campaigns if c.kind == CampaignKind.NET_CONTENT)

    def test_applications_sort_by_number_latest_change_first_by_default(self):
        for app in self.apps:
            app.refresh_from_db()
        numbers = [a.number for a in self.apps]
        pattern = r'<a href="/licensing/applications/\d+/">([^<]+)</a>'
        latest_first = [a.number for a in sorted(self.apps, key=lambda a: (a.updated_at, a.pk),
                                                reverse=True)]
        self.assert_sorts("/licensing/", pattern, "number", sorted(numbers),
                          default=latest_first, who="gd_clerk")
        html = self.page("/licensing/", "gd_clerk", sort="applicant", q="艾克米")
        assert 'aria-sort="ascending"' in html and "q=%E8%89%BE%E5%85%8B%E7%B1%B3&amp;" in html

    def test_energy_units_sort_by_consumption_and_name(self):
        pattern = r'<a href="/energy/units/\d+/">([^<]+)</a>'
        units = list(EnergyUnit.objects.filter(pk__in=[u.pk for u in self.units]))
        by_tce = [u.name for u in sorted(units, key=lambda u: u.annual_tce)]
        by_region = [u.name for u in sorted(units, key=lambda u: u.region_code)]
        self.assert_sorts("/energy/units/", pattern, "tce", by_tce, default=by_region)
        self.assert_sorts("/energy/units/", pattern, "name", sorted(u.name for u in units),
                          default=by_region)
        # a clerk sorts within the province only
        assert self.column(self.page("/energy/units/", "gd_clerk", sort="-tce"), pattern) == [
            u.name for u in sorted(units, key=lambda u: u.annual_tce, reverse=True)
            if u.region_code.startswith("44")]
