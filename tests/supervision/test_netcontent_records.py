"""Net-content records: judged by the rule set in force on the sampling date, kept whole."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from jiliang.audit.chain import chain_verify
from jiliang.supervision.models import NetContentRecord
from tests.base import PersonaTestCase
from tests.supervision.helpers import PACKER_SZ, campaign, sample, task

TIE = ["124.15"] + ["131"] * 9  # 130 g: short by 5.85 g, a tie of T


class NetContentRecordTests(PersonaTestCase):
    def setUp(self):
        self.c = campaign(self.p, year=2024, products=())
        self.t = task(self.p, self.c)

    def refused(self, **kw) -> dict:
        with pytest.raises(ValidationError) as caught:
            sample(self.p, self.t, **kw)
        return caught.value.message_dict

    def test_the_full_figures_are_kept_with_the_record(self):
        r = sample(self.p, self.t, values=["498", "499", "497", "498", "499", "498", "497",
                                          "498", "499", "497"])
        f = r.figures
        assert (r.verdict, f["failed"], f["n"], f["T"], f["lambda"]) == (
            "fail", ["mean"], 10, "15", "1.028")
        assert (f["mean"], f["s"], f["mean_limit"]) == ("498.000", "0.816", "499.161")
        assert f["classes"] == ["ok"] * 10 and f["shortfalls"][0] == "2"
        assert r.rule_set == "jjf1070-2005" and not f["stand_in"]
        assert r.notice_number.startswith("NC44-")

    def test_a_sample_is_judged_by_the_rule_set_in_force_on_its_date(self):
        c = campaign(self.p, year=2025, products=(), title="2025")
        t = task(self.p, c)
        r = sample(self.p, t, sampled_on=datetime.date(2025, 5, 1))
        assert r.rule_set == "jjf1070-2005"
        assert r.figures["in_force"] == "jjf1070-2023" and r.figures["stand_in"] is True
        page = self.client_as("gd_clerk").get(reverse("supervision:netcontent-detail",
                                                      args=[r.pk])).content.decode()
        assert "JJF 1070-2023" in page and "instead" in page  # the stand-in is said, in words
        assert "SUPERVISION_NETCONTENT" not in page
        with (override_settings(SUPERVISION_NETCONTENT_FALLBACK_RULE_SET=None),
              pytest.raises(ValidationError) as caught):
            sample(self.p, t, sampled_on=datetime.date(2025, 5, 2))
        assert "sampled_on" in caught.value.message_dict

    def test_the_rounding_of_t_is_a_setting_and_decides_the_tie(self):
        assert sample(self.p, self.t, nominal="130", values=TIE).verdict == "fail"
        with override_settings(SUPERVISION_NETCONTENT_T_ROUNDING={"jjf1070-2005": "up"}):
            r = sample(self.p, self.t, nominal="130", values=TIE)
        assert r.verdict == "pass" and r.figures["T"] == "5.9" and r.figures["t_rounding"] == "up"

    def test_each_refusal_names_its_field_and_rule(self):
        assert "50" in self.refused(lot_size=100)["values"][0]  # a lot of 100 takes 50 units
        assert "nominal" in self.refused(nominal="60", unit="kg")
        assert "values_unit" in self.refused(values_unit="mL")
        assert "values" in self.refused(values=["500"] * 9 + ["five hundred"])
        assert "unit" in self.refused(unit="pound")
        assert "packer_credit_code" in self.refused(packer="91440101MA5ABCDE1X")
        assert "sampled_on" in self.refused(sampled_on=datetime.date(2024, 1, 1))
        assert "sampled_on" in self.refused(sampled_on=datetime.date.today()
                                            + datetime.timedelta(days=2))
        c = campaign(self.p, year=2024, products=("大米",), title="rice")
        with pytest.raises(ValidationError) as caught:
            sample(self.p, task(self.p, c), product="食用油")
        assert "product" in caught.value.message_dict

    def test_a_reinspection_is_linked_to_the_first(self):
        first = sample(self.p, self.t, values=["470"] + ["505"] * 9)
        again = sample(self.p, self.t, reinspection_of=first.notice_number)
        assert again.reinspection_of == first and again.verdict == "pass"
        with pytest.raises(ValidationError) as caught:
            sample(self.p, self.t, packer=PACKER_SZ, reinspection_of=first.notice_number)
        assert "reinspection_of" in caught.value.message_dict
        page = self.client_as("gd_clerk").get(reverse("supervision:netcontent-detail",
                                                      args=[first.pk])).content.decode()
        assert again.notice_number in page

    def test_records_are_chained_and_verify(self):
        for _ in range(3):
            sample(self.p, self.t)
        reports = chain_verify(NetContentRecord)
        assert [(r.key, r.links, r.ok) for r in reports] == [("44", 3, True)]

    def test_the_result_notice_carries_the_figures(self):
        r = sample(self.p, self.t, values=["470"] + ["505"] * 9)
        response = self.client_as("gd_clerk").get(reverse("supervision:netcontent-notice",
                                                          args=[r.pk]))
        text = "\n".join(page.extract_text() for page in
                         PdfReader(io.BytesIO(response.content)).pages)
        assert r.notice_number in text and "JJF 1070-2005" in text and "470" in text

    def test_the_result_notice_speaks_the_law_and_names_the_bureau(self):
        r = sample(self.p, self.t, values=["470"] + ["505"] * 9)
        response = self.client_as("gd_clerk", language="zh-hans").get(
            reverse("supervision:netcontent-notice", args=[r.pk]))
        text = "\n".join(page.extract_text() for page in
                         PdfReader(io.BytesIO(response.content)).pages)
        flat = text.replace("\n", "")
        assert "定量包装商品净含量计量检验规则" in flat
        assert "复检" in flat and "《定量包装商品计量监督管理办法》" in flat
        assert r.campaign.organiser.name in flat and "计量管理系统" not in flat
        assert not re.search(r"[A-Z]{3,}_[A-Z_]{3,}", text), text
        assert "样本平均实际含量 q" in flat

    def test_an_inspector_records_a_sample_on_the_web(self):
        client = self.client_as("gd_clerk")
        url = reverse("supervision:netcontent-create", args=[self.t.pk])
        form = {"packer_credit_code": "91440101MA5ABCDE1M", "packer_name": "某厂",
                "product": "大米", "nominal": "500", "unit": "g", "lot_size": "30",
                "values": "501 502, 499\n500 501 502 503 500 499 501", "values_unit": "",
                "place": "超市", "sampled_on": "2024-05-20", "tare_method": "each"}
        response = client.post(url, form)
        assert response.status_code == 302
        record = NetContentRecord.objects.get()
        assert record.verdict == "pass" and record.values[:3] == ["501", "502", "499"]
        form["values"] = "501 502"
        response = client.post(url, form)
        assert response.status_code == 200
        assert 'data-field="values"' in response.content.decode()
