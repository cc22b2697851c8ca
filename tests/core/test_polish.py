"""Small things a clerk notices: the icon, the admin's title, the language menu, the bar's order,
and a 403 that is not logged as a fault."""

import re

from tests.base import PersonaTestCase


class PolishTests(PersonaTestCase):
    def test_the_favicon_is_served(self):
        response = self.client.get("/favicon.ico")
        assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
        assert "favicon.svg" in self.client.get("/").content.decode()

    def test_the_admin_is_titled_in_chinese(self):
        page = self.client_as("admin", language="zh-hans").get("/admin/").content.decode()
        assert "计量管理系统 · 后台管理" in page and "Django" not in page.split("<body")[1]

    def test_each_language_is_offered_in_its_own_name(self):
        page = self.client_as("anonymous", language="zh-hans").get("/").content.decode()
        assert ">English</option>" in page and "英语" not in page

    def test_home_leads_the_public_bar(self):
        page = self.client.get("/").content.decode()
        bar = page.split('id="nav"')[1].split("</ul>")[0]
        links = re.findall(r'class="nav-link[^"]*" href="([^"]+)"', bar)
        assert len(links) > 1 and links[0] == "/"

    def test_a_403_is_logged_as_one_line_without_a_traceback(self):
        with self.assertLogs("django.request", level="WARNING") as logs:
            response = self.client_as("acme").get("/ledger/")
        assert response.status_code == 403
        assert logs.records and all(r.exc_info is None for r in logs.records)
        assert "Traceback" not in "\n".join(logs.output)
