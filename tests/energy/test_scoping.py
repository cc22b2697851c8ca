from django.http import Http404

from jiliang.energy import selectors
from tests.base import PersonaTestCase
from tests.energy.factories import at, make_meter, make_unit, send, series


class ScopingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.gd = make_unit(cls.p, "acme")
        cls.bj = make_unit(cls.p, "bj_enterprise")
        cls.gd_meter = make_meter(cls.gd, "E-01")
        cls.bj_meter = make_meter(cls.bj, "E-01")
        send(cls.gd, "s-1", series("E-01", at(1), 4))
        send(cls.bj, "s-1", series("E-01", at(1), 4))

    def test_units_are_scoped_by_region_and_owner(self):
        seen = {name: set(selectors.unit_list(getattr(self.p, name)).values_list("pk", flat=True))
                for name in ("admin", "gd_clerk", "gz_clerk", "bj_clerk", "acme", "gd_verifier")}
        assert seen["admin"] == {self.gd.pk, self.bj.pk}
        assert seen["gd_clerk"] == seen["gz_clerk"] == seen["acme"] == {self.gd.pk}
        assert seen["bj_clerk"] == {self.bj.pk}
        assert seen["gd_verifier"] == set()

    def test_readings_are_scoped_by_region(self):
        assert selectors.meter_readings(self.p.gd_clerk, self.gd_meter).count() == 4
        with self.assertRaises(Http404):
            selectors.meter_readings(self.p.gd_clerk, self.bj_meter)
        response = self.api_as("bj_clerk").get(
            f"/api/v1/energy/meters/{self.gd_meter.pk}/readings")
        assert response.status_code == 404
        response = self.api_as("bj_clerk").get(
            f"/api/v1/energy/meters/{self.bj_meter.pk}/readings")
        assert response.status_code == 200 and response.json()["count"] == 4

    def test_the_region_figures_hold_only_the_region(self):
        import datetime

        month = datetime.date(2026, 1, 1)
        gd = selectors.region_month_tce(self.p.gd_clerk, month)
        assert [row["unit"].pk for row in gd["units"]] == [self.gd.pk]
        assert [row["unit"].pk for row in selectors.region_month_tce(
            self.p.bj_clerk, month)["units"]] == [self.bj.pk]

    def test_the_region_table_holds_the_largest_units_and_the_total_all_of_them(self):
        import datetime

        send(self.bj, "s-2", series("E-01", at(2), 4, first="2000", step="100"))
        month = datetime.date(2026, 1, 1)
        everything = selectors.region_month_tce(self.p.admin, month)
        top = selectors.region_month_tce(self.p.admin, month, top=1)
        assert [row["unit"].pk for row in everything["units"]] == [self.bj.pk, self.gd.pk]
        assert [row["unit"].pk for row in top["units"]] == [self.bj.pk]
        assert top["total"] == everything["total"] and top["unit_count"] == 2

    def test_an_institution_sees_the_units_it_audits(self):
        from jiliang.energy import services

        services.audit_open(actor=self.p.gd_clerk, unit=self.gd, auditor=self.p.orgs[
            "gd_institute"])
        assert list(selectors.unit_list(self.p.gd_verifier)) == [self.gd]
        assert not selectors.letter_list(self.p.gd_verifier).exists()
