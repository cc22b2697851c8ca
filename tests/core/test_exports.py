"""Exports: text is written as text (no formula from data), numbers, percentages and dates typed.

Every xlsx and csv the project writes goes through ``core.tabular``'s cell writers; the sweep
below requests every page of the resolver with ``format=xlsx`` over data whose names, serials
and brands start with ``=``, ``+``, ``-`` and ``@``, and opens every workbook that comes back.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiliang.core.tabular import Column, Percent, RowError, csv_bytes, errors_workbook, workbook
from jiliang.registry.models import Instrument
from tests.access import World
from tests.base import PersonaTestCase
from tests.registry.helpers import enterprise, file
from tests.supervision.helpers import campaign, sample, task
from tests.test_access_matrix import load_world, url_patterns

FORMULAS = ["=1+2", '=HYPERLINK("http://example.com","点我")', "+SUM(A1:A9)", "-2+3", "@cmd"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheets_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()
                if name.startswith("xl/worksheets/")}


def has_formula(data: bytes) -> bool:
    return any(re.search(r"<f[ >/]", xml) for xml in sheets_xml(data).values())


def test_text_that_looks_like_a_formula_is_written_as_text():
    data = workbook([("s", ["a"], [[text] for text in FORMULAS])])
    assert not has_formula(data)
    values = [r[0] for r in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2,
                                                                            values_only=True)]
    assert values == FORMULAS


def test_cells_are_typed_numbers_percentages_and_dates():
    when = timezone.make_aware(datetime.datetime(2026, 3, 4, 10, 30))
    data = workbook([("s", ["a", "b", "c", "d", "e", "f", "g", "h", "i"], [[
        Decimal("0.075"), Decimal("5.145600000"), Percent(Decimal("88.9")), 42,
        datetime.date(2026, 12, 4), when, Percent(None), "\x01控制", True]])])
    ws = load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(min_row=2))[0]
    t, tce, rate, count, day, moment, none, text, flag = cells
    assert (t.value, t.data_type, t.number_format) == (0.075, "n", "0.000")
    assert (tce.value, tce.number_format) == (5.1456, "0.000000000")
    assert (round(rate.value, 6), rate.number_format) == (0.889, "0.0%")
    assert (count.value, count.number_format) == (42, "0")
    assert day.is_date and day.value == datetime.datetime(2026, 12, 4)
    assert moment.is_date and moment.value == datetime.datetime(2026, 3, 4, 10, 30)
    assert none.value == "—" and text.value == "\ufffd控制" and flag.value is True
    assert str(Percent(Decimal("88.9"))) == "88.9%"  # what a page and a PDF show


def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted():
    data = csv_bytes(["name", "n"], [[text, Decimal("1.50")] for text in FORMULAS])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in FORMULAS]
    assert rows[1][1] == "1.50"


def test_an_errors_workbook_gives_the_typed_value_back_as_text():
    data = errors_workbook([RowError(2, "Serial", "duplicate")], rows={2: {"serial": "=1+2"}},
                           columns=[Column("serial", "Serial")])
    assert not has_formula(data)
    assert list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))[1] == (
        2, "Serial", "duplicate", "=1+2")


class ExportSweepTests(PersonaTestCase):
    def test_no_workbook_the_project_writes_has_a_formula_from_data(self):
        world = World(self.p)
        load_world(world)
        for i, text in enumerate(FORMULAS):
            org = enterprise(f"{text} 公司{i}", "440106", f"9144010600000{i:04d}")
            file(self.p.gd_clerk, owner=org, serial=text)
        c = campaign(self.p)
        t = task(self.p, c)
        for text in FORMULAS:
            sample(self.p, t, brand=text, packer_name=text)
        samples = {}
        for s in world.samples:
            samples.setdefault(s.name, s)
        workbooks, found = 0, set()
        for _route, name, _callback, has_params in url_patterns():
            if has_params and name not in samples:
                continue
            url = reverse(name, kwargs=samples[name].kwargs if has_params else None)
            for who in ("admin", "gd_clerk"):
                response = self.client_as(who).get(url, {"format": "xlsx"})
                if response.get("Content-Type") != XLSX:
                    continue
                workbooks += 1
                assert not has_formula(response.content), f"{url} as {who}"
                for xml in sheets_xml(response.content).values():
                    found.update(text for text in FORMULAS
                                 if text.replace('"', "&quot;") in xml or text in xml)
        assert workbooks >= 8, workbooks
        assert found == set(FORMULAS), found  # the data did reach the workbooks, as text
        assert Instrument.objects.filter(serial_number="=1+2").exists()

    def test_exports_carry_typed_cells(self):
        c = campaign(self.p)
        t = task(self.p, c)
        sample(self.p, t)
        sample(self.p, t, values=["480"] * 10)
        client = self.client_as("gd_clerk")
        records = load_workbook(io.BytesIO(client.get(
            reverse("supervision:record-export", args=[c.pk])).content)).active
        header = [cell.value for cell in next(records.iter_rows(max_row=1))]
        first = list(records.iter_rows(min_row=2, max_row=2))[0]
        by = dict(zip(header, first, strict=True))
        assert by["T"].data_type == "n" and by["T"].value == 15
        assert by["n"].data_type == "n" and by["n"].value == 10
        assert by["Sampled on"].is_date if "Sampled on" in by else True
        report = load_workbook(io.BytesIO(client.get(
            reverse("supervision:campaign-report", args=[c.pk]), {"format": "xlsx"}).content))
        rates = [cell for ws in report.worksheets for row in ws.iter_rows(min_row=2)
                 for cell in row if cell.number_format.endswith("%")]
        assert rates and all(cell.data_type == "n" for cell in rates)
        assert any(round(cell.value, 3) == 0.5 for cell in rates)  # 1 of 2 lots passed
