import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from jiliang.energy import services
from jiliang.energy.models import DailyEnergy, Meter, MeterCalibration
from tests.base import PersonaTestCase
from tests.energy.factories import at, make_meter, make_unit, send, series

HEADER = ["管理编号", "计量器具名称", "器具类型", "准确度等级", "出厂编号", "级别", "能源种类",
          "计量单位", "检定日期", "有效期至", "状态"]


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class LedgerImportTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)

    def upload(self, data: bytes, name="ledger.xlsx", **extra):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.client_as("acme")
        return client.post(f"/energy/units/{self.unit.pk}/meters/import/",
                           {"file": SimpleUploadedFile(name, data), **extra})

    def test_good_rows_are_kept_and_bad_rows_named(self):
        data = workbook([
            ["E-001", "进线总表", "electricity_meter", "0.5S", "A1", "L1", "electricity", "kWh",
             "2025-06-01", "2027-05-31", "合格"],
            ["E-002", "车间表", "electricity_meter", "0.5X", "A2", "L2", "electricity", "kWh",
             "", "", "合格"],
            ["E-003", "蒸汽表", "heat_meter", "2", "A3", "L2", "steam", "GJ", "", "", "合格"],
            ["E-004", "水表", "water_meter", "2", "A4", "L9", "water", "t", "", "", "合格"],
        ])
        response = self.upload(data)
        assert response.status_code == 200
        body = response.content.decode()
        assert "import-errors" in body
        assert set(Meter.objects.filter(unit=self.unit).values_list("management_no", flat=True)) \
            == {"E-001"}
        result = response.context["result"]
        assert {(e.row, e.column) for e in result.errors} == {
            (3, "Accuracy class"), (4, "Register unit"), (5, "Level")}
        assert MeterCalibration.objects.filter(meter__management_no="E-001").exists()

    def test_steam_metered_in_heat_units_needs_the_heat_carrier(self):
        data = workbook([["E-003", "蒸汽表", "heat_meter", "2", "A3", "L2", "steam", "GJ", "", "",
                          "合格"]])
        result = self.upload(data).context["result"]
        assert "heat" in result.errors[0].reason

    def test_a_known_meter_is_updated_not_doubled(self):
        make_meter(self.unit, "E-001", name="旧名称")
        data = workbook([["E-001", "进线总表", "electricity_meter", "0.2S", "A1", "L1",
                          "electricity", "kWh", "", "", "停用"]])
        result = self.upload(data).context["result"]
        assert (result.created, result.updated, result.errors) == (0, 1, [])
        meter = Meter.objects.get(unit=self.unit, management_no="E-001")
        assert (meter.name, meter.accuracy_class, meter.status) == ("进线总表", "0.2S", "stopped")

    def test_the_errors_come_back_as_a_spreadsheet(self):
        data = workbook([["E-009", "", "electricity_meter", "", "A9", "L1", "electricity", "kWh",
                          "", "", ""]])
        response = self.upload(data, errors="xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")

    def test_a_file_that_is_not_a_spreadsheet_is_refused_by_its_content(self):
        response = self.upload(b"%PDF-1.4 not a ledger", name="ledger.xlsx")
        assert response.status_code == 200
        assert "file" in response.context["form"].errors

    def test_another_enterprise_cannot_import_into_the_ledger(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.client_as("gd_verifier")
        response = client.post(f"/energy/units/{self.unit.pk}/meters/import/",
                               {"file": SimpleUploadedFile("l.xlsx", workbook([]))})
        assert response.status_code == 404


class MeterEditTests(PersonaTestCase):
    def test_an_edit_that_keeps_the_classification_leaves_the_daily_figures_alone(self):
        unit = make_unit(self.p)
        meter = make_meter(unit, "E-01")
        send(unit, "edit-1", series("E-01", at(1), 4))
        assert DailyEnergy.objects.filter(meter=meter).exists()
        with CaptureQueriesContext(connection) as queries:
            services.meter_update(actor=None, meter=meter, name="总表", install_location="配电室")
        assert not [q for q in queries.captured_queries
                    if q["sql"].startswith('UPDATE "energy_dailyenergy"')]
        services.meter_update(actor=None, meter=meter, direction="out")
        assert set(DailyEnergy.objects.filter(meter=meter).values_list(
            "direction", flat=True)) == {"out"}
