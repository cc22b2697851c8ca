"""Interference patterns in meter data (issue 18), kept apart from data-quality faults."""

import datetime

from jiliang.energy import interference, selectors, services
from tests.base import PersonaTestCase
from tests.energy.factories import at, make_meter, make_unit, send, series

DAY = datetime.date(2026, 1, 1)


def codes(unit, start=DAY, end=DAY + datetime.timedelta(days=9)):
    return [(s.pattern.code, s.meter.management_no, s.pattern.start.day)
            for s in interference.unit_interference(unit, start, end)["signs"]]


class InterferenceTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)
        cls.main = make_meter(cls.unit, "E-01")
        # Filed with the class: the ingest keeps a unit's ledger per process by its version.
        cls.lapsed = make_meter(cls.unit, "E-13", level="L2", sub_unit="C",
                                last_verified_on=datetime.date(2024, 1, 1),
                                valid_until=datetime.date(2025, 12, 31))

    def test_a_flat_line_over_days_is_a_sign_and_not_a_quality_fault(self):
        send(self.unit, "f-1", series("E-01", at(1), 96 * 4, step="0"))
        assert codes(self.unit) == [("flat_line", "E-01", 1)]
        quality = selectors.unit_quality(self.unit, DAY, DAY + datetime.timedelta(days=3))
        q = quality["meters"][0]
        assert q.complete and q.decreases == 0 and q.misaligned == 0 and q.lapsed == 0

    def test_a_gap_is_a_quality_fault_and_not_a_flat_line(self):
        rows = series("E-01", at(1), 96 * 3, step="0")
        send(self.unit, "f-2", rows[:96] + rows[96 + 20:])  # day 2 has 76 of 96
        assert codes(self.unit) == []
        q = selectors.unit_quality(self.unit, DAY, DAY + datetime.timedelta(days=2))["meters"][0]
        assert q.days_incomplete == 1

    def test_a_reading_below_the_previous_is_a_sign_unless_a_meter_change_was_filed(self):
        other = make_meter(self.unit, "E-02", level="L2", sub_unit="B")
        send(self.unit, "s-1", [("E-01", at(1, 0, 0), "100"), ("E-01", at(1, 0, 15), "3"),
                                ("E-02", at(2, 0, 0), "100"), ("E-02", at(2, 0, 15), "3")])
        services.meter_calibration_record(actor=None, meter=other, kind="verification",
                                          verified_on=DAY + datetime.timedelta(days=1),
                                          valid_until=datetime.date(2031, 1, 1))
        assert codes(self.unit) == [("unfiled_swap", "E-01", 1)]

    def test_a_daily_total_off_its_sub_meters_is_a_sign(self):
        make_meter(self.unit, "E-11", level="L2", sub_unit="A", parent=self.main)
        make_meter(self.unit, "E-12", level="L2", sub_unit="B", parent=self.main)
        send(self.unit, "b-1", series("E-01", at(1), 97, step="10")
             + series("E-11", at(1), 97, step="4") + series("E-12", at(1), 97, step="4"))
        signs = interference.unit_interference(self.unit, DAY, DAY)["signs"]
        assert [(s.pattern.code, s.pattern.params["deviation"]) for s in signs] == [
            ("sub_meter_balance", "20.00")]

    def test_readings_while_the_verification_had_lapsed_are_a_sign(self):
        send(self.unit, "l-1", series("E-13", at(1), 8))
        assert codes(self.unit) == [("lapsed_readings", "E-13", 1)]

    def test_the_units_page_shows_the_signs_apart_from_the_quality_checks(self):
        from django.utils import timezone

        start = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=5),
                                          datetime.time(), timezone.get_current_timezone())
        send(self.unit, "p-1", series("E-01", start, 96 * 4, step="0"))
        html = self.client_as("acme").get(f"/energy/units/{self.unit.pk}/").content.decode()
        quality, signs = html.split('id="interference"')
        assert "flat line over days" in signs and "flat line over days" not in quality
