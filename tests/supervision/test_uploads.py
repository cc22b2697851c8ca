"""Field sheets: the good rows are saved and judged, each bad row is reported and kept."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiliang.supervision.models import NetContentRecord, UploadBatch
from tests.base import PersonaTestCase
from tests.supervision.helpers import PACKER_GZ, PACKER_SZ, campaign, task

HEADER = ["包装者统一社会信用代码", "生产者（包装者）", "产品", "商标（品牌）", "标注净含量", "单位",
          "检验批量", "抽样地点", "行政区划代码", "抽样日期", "除去皮重方法", "实测值", "实测值单位"]
GOOD = "501 502 499 500 501 502 503 500 499 501"


def row(code=PACKER_GZ, name="广州示例食品有限公司", product="大米", nominal="500", unit="g",
        lot="30", values=GOOD, day="2024-05-20", region="", values_unit=""):
    return [code, name, product, "示例牌", nominal, unit, lot, "超市", region, day, "", values,
            values_unit]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class UploadTests(PersonaTestCase):
    def setUp(self):
        self.c = campaign(self.p)
        self.t = task(self.p, self.c)
        self.client = self.client_as("gd_clerk")
        self.url = reverse("supervision:upload", args=[self.t.pk])

    def post(self, data: bytes, name="sheet.xlsx"):
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, data)})

    def test_bad_rows_are_reported_one_by_one_and_the_good_ones_kept(self):
        rows = [
            row(),                                                # 2 good
            row(values="501 502 x 500 501 502 503 500 499 501"),  # 3 not a number
            row(code=PACKER_SZ, name="深圳某厂", lot="100"),       # 4 wrong sample size
            row(unit="pound"),                                    # 5 not a unit
            row(product="洗衣粉"),                                 # 6 not a product of the campaign
            row(nominal="1.5", unit="kg", values_unit="g",
                values=" ".join(["1490"] * 10)),                   # 7 good (fails on the mean)
            row(code="91440101MA5ABCDE1X"),                       # 8 bad check character
            row(nominal="60", unit="kg", values=" ".join(["60"] * 10)),  # 9 above 50 kg
        ]
        response = self.post(xlsx(rows))
        assert response.status_code == 302
        batch = UploadBatch.objects.get()
        assert (batch.rows_saved, batch.rows_refused) == (2, 6)
        by_row = {e["row"]: e for e in batch.errors}
        assert sorted(by_row) == [3, 4, 5, 6, 8, 9]
        assert by_row[3]["column"] == "Measured values" and "“x”" in by_row[3]["reason"]
        assert by_row[4]["column"] == "Measured values" and "50" in by_row[4]["reason"]
        assert by_row[5]["column"] == "Unit"
        assert by_row[6]["column"] == "Product"
        assert by_row[8]["column"] == "Packer's credit code"
        assert by_row[9]["column"] == "Nominal quantity"
        saved = NetContentRecord.objects.order_by("pk")
        assert [r.verdict for r in saved] == ["pass", "fail"]
        assert saved[1].figures["T"] == "0.022"

        page = self.client.get(response["Location"]).content.decode()
        assert "2 rows saved, 6 refused." in page
        errors = self.client.get(reverse("supervision:upload-errors", args=[batch.pk]))
        sheet = load_workbook(io.BytesIO(errors.content)).active
        listed = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert [r[0] for r in listed] == [3, 4, 5, 6, 8, 9]
        assert "深圳某厂" in listed[1]  # the refused row comes back with its values

    def test_english_headers_and_a_gb18030_csv_are_read(self):
        header = ["Packer's credit code", "Packer", "Product", "Brand", "Nominal quantity",
                  "Unit", "Lot size", "Place of sampling", "Division code", "Sampled on",
                  "Tare method", "Measured values", "Unit of the values"]
        lines = [",".join(header), ",".join(f'"{c}"' for c in row(values=GOOD.replace(" ", ";")))]
        data = "\n".join(lines).encode("gb18030")
        response = self.post(data, name="sheet.csv")
        assert response.status_code == 302
        assert UploadBatch.objects.get().rows_saved == 1

    def test_a_sheet_without_the_required_columns_is_refused(self):
        response = self.post(xlsx([row()], header=["产品", "品牌"]))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-field="file"' in body and "Measured values" in body
        assert not NetContentRecord.objects.exists()

    def test_a_file_that_is_not_a_spreadsheet_is_refused(self):
        response = self.post(b"%PDF-1.4 not a sheet", name="sheet.xlsx")
        assert response.status_code == 200 and 'data-field="file"' in response.content.decode()
        response = self.post(b"PK\x03\x04broken zip", name="sheet.xlsx")
        assert response.status_code == 200

    def test_the_template_lists_the_columns_with_an_example(self):
        response = self.client.get(reverse("supervision:upload-template"))
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [c.value for c in sheet[1]]
        assert "Measured values" in header and "Lot size" in header
        assert sheet.max_row == 2


class OtherSheetTests(PersonaTestCase):
    def test_an_energy_label_sheet_keeps_the_good_rows(self):
        c = campaign(self.p, kind="energy_label", products=())
        t = task(self.p, c)
        header = ["Producer or seller", "Product", "Brand", "Model", "Checked on", "Finding",
                  "Labelled grade", "Measured grade", "Handling"]
        rows = [
            ["某商场", "空调", "A", "K1", "2024-05-01", "correct", "1", "", ""],       # 2 good
            ["某商场", "冰箱", "B", "R1", "2024-05-01", "false_claim", "2", "1", "fine"],  # 3
            ["某商场", "电视", "C", "T1", "2024-05-01", "sideways", "", "", ""],       # 4
            ["某商场", "洗衣机", "D", "W1", "2024-05-01", "not_labelled", "", "", "rectify"],
        ]
        response = self.client_as("gd_clerk").post(
            reverse("supervision:upload", args=[t.pk]),
            {"file": SimpleUploadedFile("labels.xlsx", xlsx(rows, header))})
        assert response.status_code == 302
        batch = UploadBatch.objects.get()
        assert (batch.kind, batch.rows_saved, batch.rows_refused) == ("energy_label", 2, 2)
        assert [(e["row"], e["column"]) for e in batch.errors] == [
            (3, "Measured grade"), (4, "Finding")]
        assert sorted(c.label_checks.values_list("product", flat=True)) == ["洗衣机", "空调"]

    def test_the_instruments_of_a_visit_come_from_a_sheet(self):
        import datetime

        from jiliang.supervision import services

        p = self.p
        c = campaign(p, kind="special_inspection", products=(), kind_codes=("ecg",))
        t = task(p, c)
        visit = services.visit_record(actor=p.gd_clerk, task=t, institution_name="某医院",
                                      visited_on=datetime.date(2024, 5, 1))
        header = ["Instrument kind", "Serial number", "Verified in time", "Valid until",
                  "Conforms"]
        rows = [["ecg", "E1", "yes", "", "yes"], ["ecg", "E2", "", "2024-04-01", ""],
                ["ecg", "E3", "perhaps", "", ""], ["taximeter", "T1", "yes", "", ""],
                ["ecg", "E1", "yes", "", ""]]
        response = self.client_as("gd_clerk").post(
            reverse("supervision:visit-upload", args=[visit.pk]),
            {"file": SimpleUploadedFile("instruments.xlsx", xlsx(rows, header))})
        assert response.status_code == 302
        batch = UploadBatch.objects.get()
        assert (batch.kind, batch.rows_saved, batch.visit) == ("instruments", 2, visit)
        assert [(e["row"], e["column"]) for e in batch.errors] == [
            (4, "Verified in time"), (5, "Instrument kind"), (6, "Serial number")]
        found = {i.serial_number: i.verified_in_time for i in visit.instruments.all()}
        assert found == {"E1": True, "E2": False}  # E2 expired before the visit
        errors = self.client_as("gd_clerk").get(reverse("supervision:upload-errors",
                                                        args=[batch.pk]))
        sheet = load_workbook(io.BytesIO(errors.content)).active
        assert [c.value for c in sheet[1]][3:5] == ["Instrument kind", "Serial number"]
        template = self.client_as("gd_clerk").get(
            reverse("supervision:upload-template") + "?kind=instruments")
        assert load_workbook(io.BytesIO(template.content)).active["A1"].value == \
            "Instrument kind"


class SheetCostTests(PersonaTestCase):
    """A sheet is read in a fixed number of queries and logged once, whatever its length."""

    HEADER = ["Instrument kind", "Serial number", "Verified in time", "Conforms"]

    def setUp(self):
        import datetime

        from jiliang.supervision import services

        self.c = campaign(self.p, kind="special_inspection", products=(), kind_codes=("ecg",))
        self.t = task(self.p, self.c)
        self.visit = services.visit_record(actor=self.p.gd_clerk, task=self.t,
                                           institution_name="某医院",
                                           visited_on=datetime.date(2024, 5, 1))

    def upload(self, rows, name="instruments.xlsx"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import translation

        from jiliang.supervision import services

        with translation.override("en"), CaptureQueriesContext(connection) as queries:
            batch = services.instrument_import(
                actor=self.p.gd_clerk, visit=self.visit,
                upload=SimpleUploadedFile(name, xlsx(rows, self.HEADER)))
        return batch, len(queries)

    def test_it_reads_a_long_sheet_in_as_many_queries_as_a_short_one(self):
        from jiliang.audit.models import LedgerEntry

        _batch, short = self.upload([["ecg", f"A{i}", "yes", "yes"] for i in range(3)])
        logged = LedgerEntry.objects.count()
        batch, long = self.upload([["ecg", f"B{i}", "yes", "合格"] for i in range(60)])
        assert batch.rows_saved == 60 and long == short
        assert LedgerEntry.objects.count() == logged + 1  # one entry for the sheet
        entry = LedgerEntry.objects.order_by("-pk").first()
        assert entry.action == "instruments.import" and len(entry.after["ids"]) == 60

    def test_a_verdict_does_not_answer_whether_it_was_verified_in_time(self):
        batch, _queries = self.upload([["ecg", "E1", "合格", ""], ["ecg", "E2", "yes", "pass"]])
        assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Verified in time")]
        assert self.visit.instruments.get().conforms is True

    def test_the_visit_page_shows_the_instruments_a_page_at_a_time(self):
        self.upload([["ecg", f"S{i:03d}", "yes", i % 2 and "yes" or "no"] for i in range(60)])
        client = self.client_as("gd_clerk")
        url = reverse("supervision:visit-detail", args=[self.visit.pk])
        first, second = client.get(url), client.get(url + "?page=2")
        assert "S000" in first.content.decode() and "S059" not in first.content.decode()
        assert "S059" in second.content.decode()
        assert first.context["rates"]["total"] == 60  # the rates count every instrument
