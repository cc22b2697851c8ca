"""Reports: completion, pass rates, three-year tracking, exports and the PDF with its charts."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from jiliang.supervision import selectors, services
from tests.base import PersonaTestCase
from tests.supervision.helpers import PACKER_GZ, PACKER_SZ, campaign, sample, task

PASS = ["501"] * 10
FAIL = ["499"] * 10  # every unit within T, the mean below Qn − λ·0 = Qn


class TrackingTests(PersonaTestCase):
    """Guangzhou and Shenzhen, rice and oil, followed over 2021-2023."""

    # (year, city, product, packer, verdict) for every first inspection
    PLAN = [
        (2021, "440100", "大米", PACKER_GZ, FAIL), (2021, "440100", "大米", PACKER_SZ, PASS),
        (2021, "440100", "食用油", PACKER_GZ, PASS), (2021, "440300", "大米", PACKER_SZ, FAIL),
        (2022, "440100", "大米", PACKER_GZ, FAIL), (2022, "440100", "大米", PACKER_SZ, PASS),
        (2022, "440100", "食用油", PACKER_GZ, PASS), (2022, "440300", "大米", PACKER_SZ, PASS),
        (2023, "440100", "大米", PACKER_GZ, PASS), (2023, "440100", "大米", PACKER_SZ, PASS),
        (2023, "440100", "食用油", PACKER_GZ, PASS),
    ]

    def setUp(self):
        p = self.p
        self.campaigns = {}
        previous = None
        for year in (2021, 2022, 2023):
            c = campaign(p, year=year, continues=previous, title=f"{year} tracking")
            tasks = {city: task(p, c, city) for city in ("440100", "440300")}
            for y, city, product, packer, values in self.PLAN:
                if y == year:
                    sample(p, tasks[city], product=product, packer=packer, values=values)
            self.campaigns[year] = previous = c
        first_fail = selectors.netcontent_list(p.gd_clerk, verdict="fail",
                                               packer_code=PACKER_SZ).get()
        sample(p, first_fail.task, reinspection_of=first_fail, values=FAIL, packer=PACKER_SZ,
               sampled_on=datetime.date(2021, 6, 30))

    def test_the_three_year_table_spans_three_campaigns(self):
        data = selectors.tracking(self.p.gd_clerk, self.campaigns[2023])
        assert data["years"] == [2021, 2022, 2023]
        table = {(r["city_code"], r["product"]): [c and (c["passed"], c["total"])
                                                   for c in r["years"]]
                 for r in data["rows"]}
        # Shenzhen rice was not sampled in 2023: not followed every year, so left out.
        assert table == {("440100", "大米"): [(1, 2), (1, 2), (2, 2)],
                         ("440100", "食用油"): [(1, 1), (1, 1), (1, 1)]}
        everything = selectors.tracking(self.p.gd_clerk, self.campaigns[2023], every_year=False)
        assert len(everything["rows"]) == 3
        rice = next(s for s in data["series"] if s["name"] == "大米")
        assert rice["data"] == [50.0, 50.0, 100.0]  # all cities: 1/2, 1/2, 2/2
        all_rice = next(s for s in everything["series"] if s["name"] == "大米")
        assert all_rice["data"] == [33.3, 66.7, 100.0]  # with Shenzhen: 1/3, 2/3, 2/2
        # The Guangzhou packer failed in 2021 and 2022; the Shenzhen packer in 2021 and on its
        # re-inspection: both more than once. A re-inspection does not count as a first.
        repeat = {r["packer_credit_code"]: r["fails"] for r in data["repeat_failures"]}
        assert repeat == {PACKER_GZ: 2, PACKER_SZ: 2}

    def test_the_tracking_page_draws_the_chart_and_exports_the_table(self):
        client = self.client_as("gd_clerk")
        url = reverse("supervision:campaign-tracking", args=[self.campaigns[2023].pk])
        page = client.get(url).content.decode()
        assert "chart-tracking" in page and "echarts.min.js" in page and "广州市" in page
        book = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[1]][2:] == ["2021", "2022", "2023"]
        assert sheet.max_row == 3
        assert client.get(url + "?city=440300&all=1").status_code == 200

    def test_bj_clerk_sees_no_guangdong_rows_in_the_tracking(self):
        data = selectors.tracking(self.p.bj_clerk, self.campaigns[2023]) \
            if self.campaigns[2023] in selectors.campaign_list(self.p.bj_clerk) else None
        assert data is None  # a Guangdong campaign is not even visible

    def test_the_packer_history_page_shows_the_years(self):
        body = self.client_as("gd_clerk").get(
            reverse("supervision:packer-history", args=[PACKER_GZ])).content.decode()
        assert "2021" in body and "2023" in body and "50.0%" in body


class ReportTests(PersonaTestCase):
    def setUp(self):
        p = self.p
        self.c = campaign(p)
        gz = task(p, self.c, "440100", target=3)
        task(p, self.c, "440300", target=2)
        sample(p, gz, values=PASS)
        sample(p, gz, values=FAIL, product="食用油", packer=PACKER_SZ, packer_name="深圳某厂")

    def test_completion_and_pass_rates(self):
        report = selectors.campaign_report(self.p.gd_clerk, self.c)
        assert [(r["region"], r["done"], r["target"], r["rate"]) for r in report["completion"]] \
            == [("广东省广州市", 2, 3, Decimal("66.7")), ("广东省深圳市", 0, 2, 0)]
        assert {r["key"]: r["rate"] for r in report["by_product"]} == {"大米": 100, "食用油": 0}
        assert [r["key"] for r in report["by_region"]] == ["广东省广州市"]
        assert {r["credit_code"]: r["failed"] for r in report["by_packer"]} == {
            PACKER_GZ: 0, PACKER_SZ: 1}
        assert [r.packer_name for r in report["failing"]] == ["深圳某厂"]

    def test_every_table_exports_to_its_own_sheet(self):
        response = self.client_as("gd_clerk").get(
            reverse("supervision:campaign-report", args=[self.c.pk]) + "?format=xlsx")
        book = load_workbook(io.BytesIO(response.content))
        assert len(book.worksheets) == 5  # completion, product, region, packer, failing
        assert book.worksheets[4]["B2"].value == "深圳某厂"

    def test_the_pdf_report_has_its_charts_and_tables(self):
        response = self.client_as("gd_clerk").get(
            reverse("supervision:campaign-report", args=[self.c.pk]) + "?format=pdf")
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in
                         PdfReader(io.BytesIO(response.content)).pages)
        assert self.c.title in text and "深圳某厂" in text
        assert "Pass rate by product (%)" in text  # the chart's title, drawn in the PDF
        assert "Completion against targets by region" in text

    def test_the_report_page_draws_its_charts(self):
        body = self.client_as("gd_clerk").get(
            reverse("supervision:campaign-report", args=[self.c.pk])).content.decode()
        assert "chart-completion" in body and "echarts.min.js" in body
        assert 'data-table="by_packer"' in body

    def test_the_record_export_lists_the_figures(self):
        response = self.client_as("gd_clerk").get(
            reverse("supervision:record-export", args=[self.c.pk]))
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 3 and "T" in [c.value for c in sheet[1]]


class OtherCampaignTests(PersonaTestCase):
    def test_special_inspection_rates_per_institution_region_and_kind(self):
        p = self.p
        c = campaign(p, kind="special_inspection", products=(),
                     kind_codes=("sphygmomanometer", "ecg"))
        t = task(p, c, "440100", institution=p.orgs["gd_institute"])
        visit = services.visit_record(actor=p.gd_verifier, task=t, institution_name="某医院",
                                      visited_on=datetime.date(2024, 5, 1), region_code="440104")
        day = datetime.date(2024, 5, 1)
        for serial, until, conforms in (("A1", day + datetime.timedelta(days=30), True),
                                        ("A2", day + datetime.timedelta(days=30), False),
                                        ("A3", day - datetime.timedelta(days=1), None)):
            services.instrument_record(actor=p.gd_verifier, visit=visit,
                                       kind_code="sphygmomanometer", serial_number=serial,
                                       valid_until=until, conforms=conforms)
        services.instrument_record(actor=p.gd_verifier, visit=visit, kind_code="ecg",
                                   serial_number="E1", verified_in_time=True, conforms=True)
        report = selectors.campaign_report(p.gd_clerk, c)
        kinds = {r["code"]: (r["verified_rate"], r["conforming_rate"]) for r in report["by_kind"]}
        assert {r["key"] for r in report["by_kind"]} == {"心电图机（心、脑电图仪）",
                                                          "血压计、血压表（含无创自动测量血压计）"}
        assert kinds == {"ecg": (100, 100), "sphygmomanometer": (Decimal("66.7"), 50)}
        assert report["by_institution"][0]["total"] == 4
        assert report["by_region"][0]["key"] == "广东省广州市"
        assert report["overall"]["verified_rate"] == 75
        import pytest
        from django.core.exceptions import ValidationError
        with pytest.raises(ValidationError):  # not a kind of the campaign
            services.instrument_record(actor=p.gd_verifier, visit=visit, kind_code="taximeter",
                                       serial_number="T1", verified_in_time=True)
        with pytest.raises(ValidationError):  # the same instrument twice
            services.instrument_record(actor=p.gd_verifier, visit=visit, kind_code="ecg",
                                       serial_number="E1", verified_in_time=True)
        services.visit_update(actor=p.gd_clerk, visit=visit, findings="一台超期",
                              action="rectify", action_note="限期送检")
        assert [v.action for v in selectors.campaign_report(p.gd_clerk, c)["actions"]] == [
            "rectify"]
        page = self.client_as("gd_clerk").get(reverse("supervision:visit-detail",
                                                      args=[visit.pk])).content.decode()
        assert "A3" in page and "75.0%" in page

    def test_a_false_label_claim_needs_a_worse_measured_grade(self):
        import pytest
        from django.core.exceptions import ValidationError

        p = self.p
        c = campaign(p, kind="energy_label", products=())
        t = task(p, c)
        base = dict(actor=p.gd_clerk, task=t, enterprise_name="某商场", product="空调",
                    model="X1", checked_on=datetime.date(2024, 5, 1))
        with pytest.raises(ValidationError) as caught:
            services.label_check_record(**base, finding="false_claim", labelled_grade=2,
                                        measured_grade=1, handling="rectify")
        assert "measured_grade" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            services.label_check_record(**base, finding="not_labelled")
        assert "handling" in caught.value.message_dict
        services.label_check_record(**base, finding="false_claim", labelled_grade=1,
                                    measured_grade=3, handling="fine")
        services.label_check_record(**base, finding="correct", labelled_grade=2)
        report = selectors.campaign_report(p.gd_clerk, c)
        assert {r["finding"]: r["total"] for r in report["by_finding"]} == {
            "correct": 1, "not_labelled": 0, "forged": 0, "false_claim": 1}
        assert report["overall"]["rate"] == 50

    def test_a_product_sample_fails_when_an_item_fails(self):
        p = self.p
        c = campaign(p, kind="product_sampling", products=())
        t = task(p, c)
        sample_ = services.product_sample_record(
            actor=p.gd_clerk, task=t, manufacturer_name="某衡器厂", product="电子计价秤",
            model="ACS-15", sample_number="S1", sampled_on=datetime.date(2024, 6, 1),
            items=[{"item": "示值误差", "passed": True}, {"item": "偏载", "passed": "不合格"}])
        assert sample_.conclusion == "fail"
        services.campaign_transition(actor=p.gd_clerk, campaign=c, action="report")
        services.campaign_release(actor=p.gd_head, campaign=c)
        body = self.client_as("anonymous").get(
            reverse("supervision:published-detail", args=[c.pk])).content.decode()
        assert "某衡器厂" in body and "偏载" in body
