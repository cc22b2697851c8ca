"""The case pages, documents, export, API and the public decisions, as each persona."""

from __future__ import annotations

import datetime
import io
import json

from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from jiliang.enforcement import services
from jiliang.enforcement.models import Case
from tests.base import PersonaTestCase
from tests.enforcement.helpers import DISCOVERED, OPENED, failed_lot


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@override_settings(JILIANG_ENFORCEMENT_STATEMENT_DAYS=3)
class PagesTest(PersonaTestCase):
    def _decided(self, *, person=False):
        if person:
            case = services.open_case(
                self.p.gd_clerk, party_kind="person", party_name="欧阳娜娜",
                party_id_number="440106199001011234", discovered_on=DISCOVERED,
                summary="使用未经检定的电子秤", on=OPENED)
        else:
            case = services.open_case(self.p.gd_clerk, finding=failed_lot(self.p), on=OPENED)
        case = services.case_act(actor=self.p.gd_clerk, case=case, action="notify", payload={
            "proposed_fine": "5000", "proposed_measures": "责令改正",
            "facts": "当事人欧阳娜娜（身份证号440106199001011234）" if person else "净含量不足"},
            on=datetime.date(2025, 10, 9))
        return services.case_act(actor=self.p.gd_head, case=case, action="decide", payload={
            "fine": "5000", "decision_text": "罚款人民币5000元"}, on=datetime.date(2025, 10, 20))

    def test_a_clerk_opens_a_case_from_the_failed_lot_page(self):
        lot = failed_lot(self.p)
        client = self.client_as("gd_clerk", language="zh-hans")
        page = client.get(reverse("supervision:netcontent-detail", args=[lot.pk]))
        new = reverse("enforcement:case-new") + f"?kind=net_content_fail&finding={lot.pk}"
        self.assertContains(page, new.replace("&", "&amp;"))
        form = client.get(new)
        self.assertContains(form, lot.notice_number)
        self.assertContains(form, "本部署设定")  # the opening period is a setting, said so
        response = client.post(new, {"party_kind": "organisation", "bases": [
            "prepackaged_order_70"], "articles": ""})
        case = Case.objects.get(finding_id=lot.pk)
        self.assertRedirects(response, reverse("enforcement:case-detail", args=[case.pk]))
        detail = client.get(reverse("enforcement:case-detail", args=[case.pk]))
        self.assertContains(detail, "国家市场监督管理总局令第70号")
        self.assertContains(detail, "系统中没有该法规的条款")
        page = client.get(reverse("supervision:netcontent-detail", args=[lot.pk]))
        self.assertContains(page, case.number)
        self.assertNotContains(page, new.replace("&", "&amp;"))

    def test_steps_on_the_page_and_a_refusal_named_in_the_users_language(self):
        case = services.open_case(self.p.gd_clerk, finding=failed_lot(self.p), on=OPENED)
        client = self.client_as("gd_clerk", language="zh-hans")
        url = reverse("enforcement:case-act", args=[case.pk, "notify"])
        response = client.post(url, {"notify-version": case.version, "notify-proposed_fine": "x",
                                     "notify-proposed_measures": "责令改正",
                                     "notify-facts": "净含量不足"}, follow=True)
        self.assertContains(response, "拟罚款")
        case.refresh_from_db()
        self.assertEqual(case.state, "investigating")
        client.post(url, {"notify-version": case.version, "notify-proposed_fine": "5000",
                          "notify-proposed_measures": "责令改正", "notify-facts": "净含量不足"})
        case.refresh_from_db()
        self.assertEqual(case.state, "notified")
        detail = client.get(reverse("enforcement:case-detail", args=[case.pk]))
        self.assertContains(detail, 'id="act-record_statement"')
        self.assertNotContains(detail, 'id="act-decide"')  # the head's step
        head = self.client_as("gd_head").get(reverse("enforcement:case-detail", args=[case.pk]))
        self.assertContains(head, 'id="act-decide"')

    def test_the_notice_and_the_decision_are_pdfs_with_the_partys_rights(self):
        case = self._decided()
        client = self.client_as("gd_clerk", language="zh-hans")
        notice = client.get(reverse("enforcement:case-notice", args=[case.pk]))
        self.assertEqual(notice["Content-Type"], "application/pdf")
        text = _pdf_text(notice.content)
        self.assertIn(case.number, text)
        self.assertIn("陈述", text)
        self.assertIn("2025-10-13", text)  # 3 working days from 9 Oct: 10, 11 (Sat), 13
        decision = _pdf_text(client.get(reverse("enforcement:case-decision",
                                                args=[case.pk])).content)
        self.assertIn(case.decision_number, decision)
        self.assertIn("5,000.00", decision)

    def test_the_public_finds_a_published_decision_without_personal_data(self):
        case = self._decided(person=True)
        anonymous = self.client_as("anonymous", language="zh-hans")
        self.assertEqual(anonymous.get(reverse("enforcement:public-detail",
                                               args=[case.pk])).status_code, 404)
        services.case_act(actor=self.p.gd_clerk, case=case, action="publish")
        listing = anonymous.get(reverse("enforcement:public-list"))
        self.assertContains(listing, case.decision_number)
        self.assertContains(listing, "欧***")
        detail = anonymous.get(reverse("enforcement:public-detail", args=[case.pk]))
        pdf = _pdf_text(anonymous.get(reverse("enforcement:public-decision",
                                              args=[case.pk])).content)
        api = anonymous.get(f"/api/v1/enforcement/public/decisions/{case.pk}").json()
        for body in (detail.content.decode(), listing.content.decode(), pdf, json.dumps(
                api, ensure_ascii=False)):
            self.assertNotIn("欧阳娜娜", body)
            self.assertNotIn("440106199001011234", body)
        self.assertEqual(api["party"], "欧***")
        self.assertIn(reverse("enforcement:public-detail", args=[case.pk]),
                      anonymous.get("/sitemap.xml").content.decode())
        self.assertContains(anonymous.get(reverse("portal:home")),
                            reverse("enforcement:public-list"))


class ScopedOutputsTest(PersonaTestCase):
    def setUp(self):
        self.case = services.open_case(self.p.gd_clerk, finding=failed_lot(self.p), on=OPENED)

    def test_another_provinces_clerk_sees_it_on_no_page_export_or_api(self):
        detail = reverse("enforcement:case-detail", args=[self.case.pk])
        self.assertEqual(self.client_as("gd_clerk").get(detail).status_code, 200)
        bj = self.client_as("bj_clerk")
        self.assertEqual(bj.get(detail).status_code, 404)
        self.assertNotContains(bj.get(reverse("enforcement:case-list")), self.case.number)
        book = load_workbook(io.BytesIO(bj.get(reverse("enforcement:case-list")
                                                + "?format=xlsx").content))
        self.assertEqual(book.active.max_row, 1)  # the headers only
        mine = load_workbook(io.BytesIO(self.client_as("gd_clerk").get(
            reverse("enforcement:case-list") + "?format=xlsx").content))
        self.assertEqual([c.value for c in mine.active[2]][0], self.case.number)
        api = self.api_as("bj_clerk")
        self.assertEqual(api.get("/api/v1/enforcement/cases").json()["count"], 0)
        self.assertEqual(api.get(f"/api/v1/enforcement/cases/{self.case.pk}").status_code, 404)
        self.assertEqual(self.api_as("gd_clerk").get(
            f"/api/v1/enforcement/cases/{self.case.pk}").json()["number"], self.case.number)
        self.assertEqual(self.client_as("acme").get(detail).status_code, 403)

    def test_the_api_opens_a_case_and_takes_a_step_with_the_version_seen(self):
        api = self.api_as("gz_clerk")
        response = api.post("/api/v1/enforcement/cases", json.dumps({
            "party_kind": "person", "party_name": "张三", "discovered_on": "2025-09-26",
            "summary": "短秤", "bases": ["metrology_law"]}), content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        case = response.json()
        self.assertEqual(case["region_code"], "440100")
        act = f"/api/v1/enforcement/cases/{case['id']}/actions/record_evidence"
        stale = api.post(act, json.dumps({"version": case["version"] + 1,
                                          "payload": {"note": "笔录"}}),
                         content_type="application/json")
        self.assertEqual(stale.status_code, 400)
        self.assertEqual(stale.json()["errors"][0]["field"], "version")
        done = api.post(act, json.dumps({"version": case["version"], "payload": {"note": "笔录"}}),
                        content_type="application/json")
        self.assertEqual(done.json()["version"], case["version"] + 1)
        bad = api.post("/api/v1/enforcement/cases", json.dumps({
            "party_kind": "person", "party_name": "李四", "summary": "x"}),
            content_type="application/json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.json()["errors"][0]["field"], "discovered_on")
