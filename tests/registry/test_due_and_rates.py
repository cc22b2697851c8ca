"""Overdue and due-soon lists (scoped), reminders, rates, and the registry look-ups (contract 3)."""

import datetime
import io

from openpyxl import load_workbook

from jiliang.registry import selectors, services
from jiliang.registry.models import RateCell, Reminder
from jiliang.rules import verification as v
from tests.base import PersonaTestCase
from tests.registry.helpers import days, enterprise, file, today, verify


class DueListTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.gz_market = enterprise("广州市海珠区某市场", "440105", "91440105MA5TEMP01")
        cls.sz_market = enterprise("深圳市南山区某市场", "440305", "91440305MA5TEMP02")
        cls.overdue = {}
        for owner, region, who in ((p.orgs["acme"], "440106", "gz1"), (cls.gz_market, "440105", "gz2"),
                                   (cls.sz_market, "440305", "sz"),
                                   (p.orgs["bj_enterprise"], "110108", "bj")):
            actor = p.bj_clerk if region.startswith("11") else p.gd_clerk
            old = file(actor, owner=owner, region=region, serial=f"OVER-{who}")
            verify(p.gd_verifier, old, on=days(-400))  # valid until ~35 days ago
            soon = file(actor, owner=owner, region=region, serial=f"SOON-{who}")
            verify(p.gd_verifier, soon, on=v.add_months(days(20), -12))  # due in 20 days
            later = file(actor, owner=owner, region=region, serial=f"LATER-{who}")
            verify(p.gd_verifier, later, on=v.add_months(days(75), -12))  # due in 75 days
            cls.overdue[who] = old

    def serials(self, user, window="overdue", **filters):
        return {i.serial_number for i in selectors.due_list(user, window=window, **filters)}

    def test_overdue_lists_are_scoped_to_the_callers_region(self):
        assert self.serials(self.p.gd_clerk) == {"OVER-gz1", "OVER-gz2", "OVER-sz"}
        assert self.serials(self.p.bj_clerk) == {"OVER-bj"}
        assert self.serials(self.p.gz_clerk) == {"OVER-gz1", "OVER-gz2"}
        assert self.serials(self.p.acme) == {"OVER-gz1"}
        assert self.serials(self.p.admin) == {"OVER-gz1", "OVER-gz2", "OVER-sz", "OVER-bj"}
        assert self.serials(self.p.gd_verifier) == {
            "OVER-gz1", "OVER-gz2", "OVER-sz", "OVER-bj"}  # instruments it verified last

    def test_the_province_is_an_equality_an_index_can_order_by(self):
        sql = str(selectors.due_list(self.p.gd_clerk).query)
        assert '"province_code" = 44' in sql.replace("'", "") or "province_code" in sql
        assert "ORDER BY" in sql and "next_due_on" in sql.split("ORDER BY")[1]

    def test_due_soon_windows_and_filters(self):
        assert self.serials(self.p.gd_clerk, "30") == {"SOON-gz1", "SOON-gz2", "SOON-sz"}
        assert self.serials(self.p.gd_clerk, "60") == {"SOON-gz1", "SOON-gz2", "SOON-sz"}
        assert "LATER-sz" in self.serials(self.p.gd_clerk, "90")
        assert self.serials(self.p.gd_clerk, region="4403") == {"OVER-sz"}
        assert self.serials(self.p.gd_clerk, owner=self.gz_market.pk) == {"OVER-gz2"}
        assert self.serials(self.p.gd_clerk, kind="taximeter") == set()
        assert self.serials(self.p.gd_clerk, use="trade") == {"OVER-gz1", "OVER-gz2", "OVER-sz"}

    def test_the_page_and_its_xlsx_export_show_the_same_rows(self):
        client = self.client_as("gd_clerk")
        page = client.get("/registry/due/")
        assert page.status_code == 200 and "OVER-sz" in page.content.decode()
        assert "OVER-bj" not in page.content.decode()
        export = client.get("/registry/due/?window=overdue&format=xlsx")
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert {r[3] for r in rows[1:]} == {"OVER-gz1", "OVER-gz2", "OVER-sz"}

    def test_the_daily_task_reminds_owners_before_and_bureaus_after_once(self):
        made = services.reminders_create(on=today(), soon_days=30, slack_days=60)
        again = services.reminders_create(on=today(), soon_days=30, slack_days=60)
        assert made > 0 and again == 0
        owner = Reminder.objects.get(instrument__serial_number="SOON-gz1")
        assert owner.organisation == self.p.orgs["acme"] and owner.kind == "due_soon"
        bureau = Reminder.objects.get(instrument__serial_number="OVER-gz1")
        assert bureau.organisation == self.p.orgs["gz_bureau"] and bureau.kind == "overdue"
        assert Reminder.objects.get(instrument__serial_number="OVER-sz").organisation == \
            self.p.orgs["gd_bureau"]
        page = self.client_as("gz_clerk").get("/registry/reminders/")
        assert "OVER-gz1" in page.content.decode() and "OVER-sz" not in page.content.decode()

    def test_the_daily_task_is_registered(self):
        from jiliang.core.schedule import daily_task_paths

        assert "jiliang.registry.tasks.send_reminders" in daily_task_paths()

    def test_the_registry_look_ups_for_other_apps(self):
        acme = self.p.orgs["acme"]
        status = selectors.instrument_status(owner_id=acme.pk, serial_numbers=[
            "OVER-gz1", "SOON-gz1", "NOPE"], on=today())
        assert set(status) == {"OVER-gz1", "SOON-gz1"}
        assert status["OVER-gz1"]["overdue"] is True and status["SOON-gz1"]["overdue"] is False
        assert status["SOON-gz1"]["kind_code"] == "scale_digital_indicating"
        assert status["SOON-gz1"]["last_conclusion"] == "pass"
        assert isinstance(status["SOON-gz1"]["valid_until"], datetime.date)
        assert selectors.instruments_of_owner(owner_id=acme.pk).count() == 3
        assert not selectors.instruments_of_owner(owner_id=acme.pk, kind_codes=["taximeter"]).exists()


class RateTests(PersonaTestCase):
    def test_the_rates_follow_the_records_as_they_are_made(self):
        p = self.p
        year_ago = v.add_months(today(), -14)
        inst = [file(p.acme, serial=f"R-{i}") for i in range(4)]
        for i in inst:
            verify(p.gd_verifier, i, on=year_ago)
        due = v.add_months(year_ago, 12)
        verify(p.gd_verifier, inst[0], on=due - datetime.timedelta(days=3))  # in time
        verify(p.gd_verifier, inst[1], on=due + datetime.timedelta(days=3))  # late
        verify(p.gd_verifier, inst[2], on=due - datetime.timedelta(days=1), conclusion="fail")
        services.instrument_set_status(actor=p.acme, instrument=inst[3],
                                       status="scrapped", on=due - datetime.timedelta(days=30))
        cell = RateCell.objects.get(month=due.replace(day=1))
        assert cell.due == 3 and cell.due_verified == 2  # the scrapped one is not due
        rows = selectors.rates_by(p.gd_clerk, group="kind", start=due.replace(day=1), end=due)
        assert rows[0]["inspection_rate"] is not None
        total = sum(c.verified for c in RateCell.objects.all())
        assert total == 7 and sum(c.passed for c in RateCell.objects.all()) == 6
        assert selectors.rates_by(p.bj_clerk, group="kind", start=year_ago, end=today()) == []

    def test_a_rate_counts_deltas_a_bulk_import_has_not_folded_yet(self):
        file_ = file(self.p.acme, serial="RD-1")
        verify(self.p.gd_verifier, file_, on=days(-5))
        kind_id = file_.kind_id
        services.rates_add_deltas({("440106", kind_id, "trade", days(-5).replace(day=1)): [2, 1, 0, 0]})
        rows = selectors.rates_by(self.p.gd_clerk, group="kind", start=days(-5), end=today())
        assert rows[0]["verified"] == 3
        services.rates_fold()
        again = selectors.rates_by(self.p.gd_clerk, group="kind", start=days(-5), end=today())
        assert again[0]["verified"] == 3 and again[0]["passed"] == 2

    def test_the_rates_page_shows_tables_a_chart_and_for_the_nation_a_map(self):
        verify(self.p.gd_verifier, file(self.p.acme, serial="RP-1"), on=days(-5))
        page = self.client_as("gd_clerk").get(f"/registry/rates/?year={days(-5).year}")
        assert page.status_code == 200 and 'id="bars"' in page.content.decode()
        assert 'id="map"' not in page.content.decode()
        national = self.client_as("admin").get(f"/registry/rates/?year={days(-5).year}")
        assert 'id="map"' in national.content.decode() and "广东" in national.content.decode()
        export = self.client_as("gd_clerk").get(f"/registry/rates/?year={days(-5).year}&format=xlsx")
        assert export.status_code == 200
        assert self.client_as("acme").get("/registry/rates/").status_code == 403
