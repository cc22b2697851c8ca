"""xlsx import of standards, devices and reference-material lots: good rows land, bad rows are
named with their column and reason."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jiliang.traceability import importing, services
from jiliang.traceability.models import Device, MaterialLot, Standard
from tests.base import PersonaTestCase
from tests.traceability.helpers import national


def workbook(sheet: str, rows: list[dict]) -> bytes:
    columns = importing.SHEETS[sheet]
    wb = Workbook()
    wb.active.append([c.title for c in columns])
    for row in rows:
        wb.active.append([row.get(c.key, "") for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class RegisterImportTests(PersonaTestCase):
    def test_standards_devices_and_lots_land_and_bad_rows_are_named(self):
        gd = self.p.orgs["gd_institute"]
        national()
        base = {"name": "电子秤检定装置", "category": "working", "owner_credit_code": gd.credit_code,
                "measurand": "质量", "kinds": "scale_digital_indicating", "range_low": "0",
                "range_high": "3000", "range_unit": "kg", "uncertainty": "F1 级",
                "upstream_code": "NAT-TEST"}
        rows = [dict(base, code="IMP-S1"), dict(base, code="IMP-S2", category="工作计量标准"),
                dict(base, code="IMP-S3", category="national"),
                dict(base, code="IMP-S4", owner_credit_code="91440106MA59ACME10"),
                dict(base, code="IMP-S1"),
                dict(base, code="IMP-S5", range_unit="furlong"),
                dict(base, code="IMP-S6", owner_credit_code=self.p.orgs["bj_institute"].credit_code)]
        result = importing.import_sheet("standards", workbook("standards", rows), "xlsx",
                                        actor=self.p.gd_clerk)
        assert result.added == 2
        assert sorted(Standard.objects.filter(code__startswith="IMP-").values_list(
            "code", flat=True)) == ["IMP-S1", "IMP-S2"]
        by_row = {e.row: e.column for e in result.errors}
        assert by_row == {4: "类别", 5: "持有单位统一社会信用代码", 6: "标准编号", 7: "单位", 8: ""}
        assert Standard.objects.get(code="IMP-S1").upstream.code == "NAT-TEST"

        devices = importing.import_sheet("devices", workbook("devices", [
            {"standard_code": "IMP-S1", "name": "砝码组", "serial_number": "F1-001"},
            {"standard_code": "NO-SUCH", "name": "x", "serial_number": "1"}]), "xlsx",
            actor=self.p.gd_verifier)
        assert devices.added == 1 and [e.row for e in devices.errors] == [3]
        assert Device.objects.filter(standard__code="IMP-S1").count() == 1

        services.material_register(actor=None, number="GBW 08601", name="x", producer="y",
                                   values=[{"property": "p", "value": "1", "U": "0.1"}])
        lots = importing.import_sheet("lots", workbook("lots", [
            {"material_number": "GBW 08601", "holder_credit_code": gd.credit_code,
             "lot_no": "L1", "expires_on": "2027-01-31"},
            {"material_number": "GBW 08601", "holder_credit_code": gd.credit_code,
             "lot_no": "L2", "expires_on": "31/01/2027"}]), "xlsx", actor=self.p.gd_verifier)
        assert lots.added == 1 and [(e.row, e.column) for e in lots.errors] == [(3, "有效期至")]
        assert MaterialLot.objects.filter(lot_no="L1").exists()

    def test_the_page_takes_a_file_and_lists_the_errors(self):
        client = self.client_as("gd_clerk")
        assert client.get("/traceability/import/template/standards.xlsx").status_code == 200
        data = workbook("standards", [{"code": "PAGE-1", "name": "x", "category": "nonsense",
                                       "owner_credit_code": "x", "measurand": "m",
                                       "uncertainty": "u"}])
        upload = SimpleUploadedFile("standards.xlsx", data)
        response = client.post("/traceability/import/", {"sheet": "standards", "file": upload})
        body = response.content.decode()
        assert response.status_code == 200 and 'id="import-errors"' in body
        bad = client.post("/traceability/import/", {"sheet": "standards", "file": SimpleUploadedFile(
            "x.xlsx", b"not a workbook")})
        assert bad.status_code == 200 and 'id="import-error"' in bad.content.decode()
