from jiliang.core.models import ApiToken
from jiliang.core.services import api_token_issue, api_token_revoke
from tests.base import PersonaTestCase


class ApiTests(PersonaTestCase):
    def test_the_api_requires_a_token_or_a_session(self):
        assert self.client_as("anonymous").get("/api/v1/organisations").status_code == 401

    def test_a_token_authenticates_and_only_its_hash_is_stored(self):
        token, key = api_token_issue(actor=self.p.acme, name="bench")
        assert key not in token.key_hash and ApiToken.objects.filter(key_hash=token.key_hash).exists()
        response = self.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200 and response.json()["username"] == "acme"

    def test_a_revoked_token_is_refused(self):
        token, key = api_token_issue(actor=self.p.acme, name="bench")
        api_token_revoke(actor=self.p.acme, token=token)
        response = self.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 401

    def test_schema_errors_name_the_field_in_the_users_language(self):
        response = self.api_as("gd_clerk", language="zh-hans").post(
            "/api/v1/organisations", {"kind": "enterprise"}, content_type="application/json")
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"name", "region_code"} <= fields
        assert "必填" in response.json()["detail"]

    def test_a_body_that_is_not_json_gets_a_4xx(self):
        response = self.api_as("gd_clerk").post(
            "/api/v1/organisations", "not json", content_type="application/json")
        assert 400 <= response.status_code < 500

    def test_a_body_that_is_not_a_json_object_is_refused_in_the_users_language(self):
        org = self.p.orgs["acme"]
        for body in ("[1, 2]", '"text"', "{broken"):
            response = self.api_as("gd_clerk", language="zh-hans").patch(
                f"/api/v1/organisations/{org.pk}", body, content_type="application/json")
            assert response.status_code == 400, body
            assert response.json()["detail"] == "请求内容不是有效的 JSON 对象。"

    def test_an_enterprise_may_not_register_organisations(self):
        response = self.api_as("acme").post("/api/v1/organisations", {
            "kind": "enterprise", "name": "x", "region_code": "440106",
            "credit_code": "91350100M000100Y43"}, content_type="application/json")
        assert response.status_code == 403

    def test_the_openapi_schema_and_docs_are_served(self):
        assert self.client.get("/api/v1/openapi.json").status_code == 200
        assert self.client.get("/api/v1/docs").status_code == 200
