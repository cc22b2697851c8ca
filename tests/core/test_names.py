"""Control characters are refused in names, wherever a name is typed, naming the field."""

import json

from django.urls import reverse

from jiliang.core.demo import credit_code
from tests.base import PersonaTestCase


class NameTest(PersonaTestCase):
    def test_the_organisation_form_names_the_field_in_chinese(self):
        client = self.client_as("gd_clerk", language="zh-hans")
        response = client.post(reverse("core:organisation-create"), {
            "kind": "enterprise", "name": "广州\x07某公司", "region_code": "440106",
            "credit_code": credit_code("91440106MA5CTRL01")})
        self.assertEqual(response.status_code, 200)
        self.assertIn("name", response.context["form"].errors)
        self.assertContains(response, "U+0007")
        self.assertContains(response, "控制字符")

    def test_the_api_refuses_a_bidirectional_override_in_a_name(self):
        api = self.api_as("gd_clerk")
        org = self.p.orgs["acme"]
        response = api.patch(f"/api/v1/organisations/{org.pk}",
                             json.dumps({"name": "acme\u202eexe.jpg"}),
                             content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"][0]["field"], "name")
        org.refresh_from_db()
        self.assertNotIn("\u202e", org.name)

    def test_a_user_name_with_a_control_character_is_refused(self):
        api = self.api_as("gd_head")
        org = self.p.orgs["gd_bureau"]
        response = api.post(f"/api/v1/organisations/{org.pk}/users", json.dumps(
            {"username": "clerk\x1b2", "password": "granted-pass-7", "role": "bureau_clerk"}),
            content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"][0]["field"], "username")
