"""The API: records judged with their figures, refusals naming the field, the judgement alone."""

from __future__ import annotations

import json

from jiliang.supervision.models import NetContentRecord
from tests.base import PersonaTestCase
from tests.supervision.helpers import PACKER_GZ, campaign, task


def body(**kw) -> str:
    data = {"packer_credit_code": PACKER_GZ, "packer_name": "某厂", "product": "大米",
            "nominal": "500", "unit": "g", "lot_size": 30, "place": "超市",
            "sampled_on": "2024-05-20", "values": [501] * 10}
    data.update(kw)
    return json.dumps(data)


class ApiTests(PersonaTestCase):
    def setUp(self):
        self.c = campaign(self.p)
        self.t = task(self.p, self.c, institution=self.p.orgs["gd_institute"])
        self.url = f"/api/v1/supervision/tasks/{self.t.pk}/net-content"

    def test_a_verifier_records_a_sample_and_gets_the_figures(self):
        api = self.api_as("gd_verifier")
        response = api.post(self.url, body(), content_type="application/json")
        assert response.status_code == 201
        data = response.json()
        assert data["verdict"] == "pass" and data["figures"]["T"] == "15"
        assert data["values"] == ["501"] * 10 and data["region_code"] == "440100"
        listed = api.get(f"/api/v1/supervision/net-content?campaign={self.c.pk}").json()
        assert listed["count"] == 1 and listed["items"][0]["notice_number"] == data[
            "notice_number"]

    def test_a_refusal_names_the_field_and_the_rule(self):
        api = self.api_as("gd_clerk")
        response = api.post(self.url, body(lot_size=100), content_type="application/json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["field"] == "values" and "50" in error["message"]
        response = api.post(self.url, body(values=[True] * 10), content_type="application/json")
        assert response.status_code == 422
        response = api.post(self.url, body(nominal="60", unit="kg"),
                            content_type="application/json",
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "nominal"
        assert not NetContentRecord.objects.exists()

    def test_the_judgement_alone_follows_the_command_line_contract(self):
        api = self.api_as("acme")
        payload = {"rule_set": "jjf1070-2005", "nominal": "500", "unit": "g", "lot_size": 1000,
                   "values": ["498.2"] * 80}
        data = api.post("/api/v1/supervision/net-content/judge", json.dumps(payload),
                        content_type="application/json").json()
        assert (data["verdict"], data["n"], data["lambda"], data["failed"]) == (
            "fail", 80, "0.295", ["mean"])
        payload.update(rule_set="", sampled_on="2025-03-01", lot_size=5, values=["500"] * 5)
        data = api.post("/api/v1/supervision/net-content/judge", json.dumps(payload),
                        content_type="application/json").json()
        assert data["stand_in"] is True and data["verdict"] == "pass"
        anonymous = self.api_as("anonymous").post("/api/v1/supervision/net-content/judge",
                                                  json.dumps(payload),
                                                  content_type="application/json")
        assert anonymous.status_code == 401

    def test_the_workflow_moves_through_the_api(self):
        api = self.api_as("gd_clerk")
        url = f"/api/v1/supervision/campaigns/{self.c.pk}/transition"
        response = api.post(url, json.dumps({"action": "report"}),
                            content_type="application/json")
        assert response.status_code == 200 and response.json()["status"] == "reporting"
        response = api.post(url, json.dumps({"action": "close"}),
                            content_type="application/json")
        assert response.status_code == 403
        report = api.get(f"/api/v1/supervision/campaigns/{self.c.pk}/report").json()
        assert report["completion"][0]["region_code"] == "440100"
