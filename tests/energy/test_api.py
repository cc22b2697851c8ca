from decimal import Decimal

from jiliang.energy import signing
from jiliang.energy.models import BatchRefusal, Reading
from tests.base import PersonaTestCase
from tests.energy.factories import PRIVATE, at, body, make_meter, make_unit, series


class BatchApiTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)
        make_meter(cls.unit, "E-01")

    def post(self, data: bytes, batch_id: str, *, fmt="json", signature=None, who="acme"):
        client = self.api_as(who)
        return client.post(
            f"/api/v1/energy/units/{self.unit.code}/batches", data,
            content_type="text/csv" if fmt == "csv" else "application/json",
            HTTP_X_BATCH_ID=batch_id,
            HTTP_X_SIGNATURE=signature if signature is not None else signing.sign(
                PRIVATE, self.unit.code, batch_id, data))

    def test_a_signed_json_batch_is_taken_and_a_repeat_changes_nothing(self):
        data = body(series("E-01", at(1), 6))
        first = self.post(data, "api-1")
        assert first.status_code == 201, first.content
        assert first.json()["accepted"] == 6
        again = self.post(data, "api-1")
        assert again.status_code == 200 and again.json()["repeated"] is True
        assert Reading.objects.filter(unit_id=self.unit.pk).count() == 6

    def test_a_csv_batch_is_taken(self):
        response = self.post(body(series("E-01", at(2), 3), "csv"), "api-csv", fmt="csv")
        assert response.status_code == 201 and response.json()["accepted"] == 3

    def test_a_bad_signature_is_refused_with_its_reason(self):
        data = body(series("E-01", at(1), 2))
        response = self.post(data, "api-2", signature=signing.sign(PRIVATE, "OTHER", "api-2",
                                                                   data))
        assert response.status_code == 403
        assert response.json()["errors"][0]["field"] == "signature"
        assert BatchRefusal.objects.filter(unit=self.unit, channel="http").count() == 1
        assert not Reading.objects.filter(unit_id=self.unit.pk).exists()

    def test_only_the_units_own_enterprise_may_send(self):
        data = body(series("E-01", at(1), 2))
        # another's unit answers as an unknown one would: codes are not found out by trying
        assert self.post(data, "api-3", who="gd_clerk").status_code == 404
        assert self.post(data, "api-3", who="anonymous").status_code == 401

    def test_bad_rows_come_back_named_and_the_good_ones_stay(self):
        data = body(series("E-01", at(1), 2) + [("NOPE", at(1, 1), "1")])
        response = self.post(data, "api-4")
        assert response.status_code == 201
        out = response.json()
        assert (out["accepted"], out["rejected"]) == (2, 1)
        assert out["errors"][0]["field"] == "meter" and out["errors"][0]["row"] == 3

    def test_the_months_energy_names_its_basis(self):
        self.post(body(series("E-01", at(1), 97, step="100")), "api-5")
        response = self.api_as("acme").get(f"/api/v1/energy/units/{self.unit.pk}/energy",
                                            {"month": "2026-01"})
        assert response.status_code == 200
        out = response.json()
        assert out["edition"] == "gbt2589-2020" and out["electricity_basis"] == "equivalent"
        # 96 intervals of 100 kWh on the 1st, at 0.1229 kgce/kWh
        assert Decimal(out["total_tce"]) == Decimal("1.17984")

    def test_a_month_that_does_not_exist_is_a_400(self):
        response = self.api_as("acme").get(f"/api/v1/energy/units/{self.unit.pk}/energy",
                                            {"month": "2026-13"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "month"
