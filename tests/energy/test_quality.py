"""Each data-quality check, as the unit's pages and the bureau's lists see it."""

import datetime
from decimal import Decimal
from unittest import mock

from django.utils import timezone, translation

from jiliang.energy import selectors, services
from jiliang.energy.models import DailyEnergy
from tests.base import PersonaTestCase
from tests.energy.factories import at, make_meter, make_unit, send, series

DAY = datetime.date(2026, 1, 1)


class QualityTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)
        cls.main = make_meter(cls.unit, "E-01")
        cls.sub1 = make_meter(cls.unit, "E-11", level="L2", sub_unit="A", parent=cls.main)
        cls.sub2 = make_meter(cls.unit, "E-12", level="L2", sub_unit="B", parent=cls.main)

    def quality(self):
        return {q.meter.management_no: q for q in
                selectors.unit_quality(self.unit, DAY, DAY)["meters"]}

    def test_an_incomplete_day_with_a_gap_is_found(self):
        rows = series("E-01", at(1), 96)
        send(self.unit, "q-1", rows[:40] + rows[50:])  # 86 of 96: 89.6 %
        q = self.quality()["E-01"]
        assert (q.received, q.expected, q.complete, q.days_incomplete) == (86, 96, False, 1)
        detail = selectors.meter_day_detail(self.p.acme, self.main, DAY)
        assert [(g.missing, timezone.localtime(g.start).strftime("%H:%M"))
                for g in detail["gaps"]] == [(10, "10:00")]

    def test_a_decreasing_register_is_counted(self):
        send(self.unit, "q-1", [("E-01", at(1, 0, 0), "100"), ("E-01", at(1, 0, 15), "90"),
                                ("E-01", at(1, 0, 30), "95")])
        assert self.quality()["E-01"].decreases == 1
        day = DailyEnergy.objects.get(meter=self.main, day=DAY)
        assert day.consumption == Decimal("5")  # the fall is not counted as consumption

    def test_readings_off_the_time_grid_are_counted(self):
        send(self.unit, "q-1", [("E-01", at(1, 0, 0), "1"), ("E-01", at(1, 0, 17), "2")])
        assert self.quality()["E-01"].misaligned == 1

    def test_readings_of_a_lapsed_meter_are_counted_and_listed_for_the_bureau(self):
        make_meter(self.unit, "E-13", level="L2", sub_unit="C",
                   last_verified_on=datetime.date(2024, 1, 1),
                   valid_until=datetime.date(2025, 12, 31))
        today = timezone.localdate()
        start = datetime.datetime.combine(today - datetime.timedelta(days=2), datetime.time(),
                                          timezone.get_current_timezone())
        send(self.unit, "q-1", series("E-13", start, 8))
        lapsed = selectors.supervision(self.p.gd_clerk)["lapsed"]
        assert [(r["unit"], r["lapsed"]) for r in lapsed] == [(self.unit, 8)]
        assert selectors.supervision(self.p.bj_clerk)["lapsed"] == []

    def test_the_main_meter_is_balanced_against_its_sub_meters(self):
        send(self.unit, "q-1", series("E-01", at(1), 5, step="10")
             + series("E-11", at(1), 5, step="4.9") + series("E-12", at(1), 5, step="4.9"))
        balance = selectors.unit_quality(self.unit, DAY, DAY)["balances"][0]
        assert (balance["main"], balance["subs"]) == (Decimal("40"), Decimal("39.2"))
        assert balance["ok"] is True and balance["deviation"] == Decimal("2.00")
        services.unit_update(actor=self.p.gd_clerk, unit=self.unit,
                             balance_tolerance_percent=Decimal("1"))
        self.unit.refresh_from_db()
        assert selectors.unit_quality(self.unit, DAY, DAY)["balances"][0]["ok"] is False

    def test_a_balance_without_a_tolerance_says_so(self):
        services.unit_update(actor=self.p.gd_clerk, unit=self.unit,
                             balance_tolerance_percent=None)
        self.unit.refresh_from_db()
        with translation.override("en"):
            balance = selectors.unit_quality(self.unit, DAY, DAY)["balances"][0]
        assert balance["ok"] is None and "tolerance" in balance["problem"]

    def test_the_monthly_report_is_checked_against_the_daily_sums(self):
        send(self.unit, "q-1", series("E-01", at(1), 97, step="10"))  # 960 kWh on the 1st
        services.monthly_report_submit(actor=self.p.acme, unit=self.unit, month=DAY,
                                       carrier="electricity", quantity=Decimal("1000"),
                                       quantity_unit="kWh")
        check = selectors.monthly_checks(self.unit, DAY, datetime.date(2026, 1, 31))[0]
        assert check["daily"] == Decimal("960") and check["ok"] is True  # 4 %
        services.monthly_report_submit(actor=self.p.acme, unit=self.unit, month=DAY,
                                       carrier="electricity", quantity=Decimal("1020"),
                                       quantity_unit="kWh")
        assert selectors.monthly_checks(self.unit, DAY, datetime.date(2026, 1, 31))[0]["ok"] \
            is False  # 5.9 %

    def test_a_unit_whose_data_stopped_is_listed(self):
        send(self.unit, "q-1", series("E-01", at(1), 2))
        stopped = selectors.supervision(self.p.gd_clerk)["stopped"]
        assert self.unit in stopped

    def test_the_bureau_counts_every_stopped_unit_beyond_the_ones_listed(self):
        other = make_unit(self.p, "acme", code="SECOND-UNIT")
        make_meter(other, "E-01")
        send(self.unit, "q-1", series("E-01", at(1), 2))
        with mock.patch.object(selectors.region, "STOPPED_SHOWN", 1):
            found = selectors.supervision(self.p.gd_clerk)
            assert len(found["stopped"]) == 1 and found["stopped_count"] == 2
            assert selectors.supervision_counts(self.p.gd_clerk)["stopped"] == 2

    def test_the_bureau_list_draws_the_completeness_line_exactly(self):
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        short = {("E-01", 2): 87, ("E-12", 3): 86}  # 90.6 % passes, 89.6 % does not
        for back in range(7, 0, -1):
            start = datetime.datetime.combine(today - datetime.timedelta(days=back),
                                              datetime.time(), tz)
            send(self.unit, f"w-{back}", [r for no in ("E-01", "E-11", "E-12")
                                          for r in series(no, start, short.get((no, back), 96),
                                                          first=str(10000 - back * 1000))])
        failed = selectors.supervision(self.p.gd_clerk)["failed"]
        assert [(r["unit"], r["incomplete_days"], r["decreases"]) for r in failed] == [
            (self.unit, 1, 0)]

    def test_a_meter_that_sent_nothing_counts_as_incomplete(self):
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        for back in range(7, 0, -1):
            start = datetime.datetime.combine(today - datetime.timedelta(days=back),
                                              datetime.time(), tz)
            send(self.unit, f"w-{back}", [r for no in ("E-01", "E-11")
                                          for r in series(no, start, 96,
                                                          first=str(10000 - back * 1000))])
        self.unit.meters.update(created_at=timezone.now() - datetime.timedelta(days=30))
        failed = selectors.supervision(self.p.gd_clerk)["failed"]
        assert [(r["unit"], r["incomplete_days"]) for r in failed] == [(self.unit, 7)]
