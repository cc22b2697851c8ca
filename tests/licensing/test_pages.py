"""The applicant's and the officials' pages and the API, scoped by region."""

import json
import xml.etree.ElementTree as ET

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiliang.licensing.models import Application
from tests.base import PersonaTestCase
from tests.licensing.helpers import PDF, TYPE_APPROVAL, D, accepted, act, submitted


class ApplicantPagesTests(PersonaTestCase):
    def test_an_enterprise_applies_uploads_and_submits_through_the_pages(self):
        client = self.client_as("acme")
        page = client.get("/licensing/apply/")
        assert page.status_code == 200 and "2017-12-27" in page.content.decode()
        response = client.post("/licensing/apply/type_approval/", TYPE_APPROVAL)
        assert response.status_code == 302
        app = Application.objects.get(applicant=self.p.orgs["acme"])
        assert app.state == "draft" and app.authority_code == "440000"
        lt = app.licence_type
        for material in lt.materials:
            if material["required"]:
                upload = SimpleUploadedFile(f"{material['code']}.pdf", PDF)
                response = client.post(f"/licensing/applications/{app.pk}/upload/",
                                       {"material": material["code"], "file": upload})
                assert response.status_code == 302, response.content.decode()[:500]
        response = client.post(f"/licensing/applications/{app.pk}/act/submit/",
                               {"version": app.version})
        app.refresh_from_db()
        assert response.status_code == 302 and app.state == "submitted"
        detail = client.get(f"/licensing/applications/{app.pk}/").content.decode()
        assert app.number in detail and "working days left" in detail

    def test_an_upload_with_a_forged_extension_is_refused_with_a_message(self):
        client = self.client_as("acme")
        client.post("/licensing/apply/type_approval/", TYPE_APPROVAL)
        app = Application.objects.get(applicant=self.p.orgs["acme"])
        forged = SimpleUploadedFile("manual.pdf", b"MZ\x90\x00\x03 an executable, renamed")
        response = client.post(f"/licensing/applications/{app.pk}/upload/",
                               {"material": "manual", "file": forged})
        assert response.status_code == 400
        assert "not one of the accepted types" in response.content.decode()
        png_as_pdf = SimpleUploadedFile("photos.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
        response = client.post(f"/licensing/applications/{app.pk}/upload/",
                               {"material": "photos", "file": png_as_pdf})
        assert response.status_code == 400
        assert "named like another type of file" in response.content.decode()
        assert not app.attachments.exists()

    def test_a_bad_particular_is_named_on_the_form(self):
        response = self.client_as("acme").post("/licensing/apply/type_approval/",
                                               dict(TYPE_APPROVAL, category_letter="7"))
        assert response.status_code == 400
        assert 'data-field="category_letter"' in response.content.decode()

    def test_the_acceptance_voucher_is_a_pdf_for_the_applicant(self):
        app = accepted(self.p)
        response = self.client_as("acme").get(
            f"/licensing/applications/{app.pk}/documents/voucher.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert self.client_as("bj_clerk").get(
            f"/licensing/applications/{app.pk}/documents/voucher.pdf").status_code == 404

    def test_the_desk_shows_queues_to_officials_and_notices_to_applicants(self):
        accepted(self.p)
        assert "Licensing queues" in self.client_as("gd_clerk").get("/desk/").content.decode()
        desk = self.client_as("acme").get("/desk/").content.decode()
        assert "My licence applications" in desk and "is accepted" in desk


class ScopingTests(PersonaTestCase):
    def test_bj_clerk_never_sees_a_guangdong_application_by_page_or_api(self):
        app = submitted(self.p.acme)
        bj = self.client_as("bj_clerk")
        assert app.number not in bj.get("/licensing/").content.decode()
        for queue in ("to_accept", "to_review", "late"):
            assert app.number not in bj.get(f"/licensing/?queue={queue}").content.decode()
        assert bj.get(f"/licensing/applications/{app.pk}/").status_code == 404
        assert bj.post(f"/licensing/applications/{app.pk}/act/accept/",
                       {"version": app.version}).status_code == 404
        api = self.api_as("bj_clerk")
        listing = api.get("/api/v1/licensing/applications").json()
        assert listing["count"] == 0
        assert api.get(f"/api/v1/licensing/applications/{app.pk}").status_code == 404
        app.refresh_from_db()
        assert app.state == "submitted"

    def test_officials_do_not_see_an_applicants_draft(self):
        from tests.licensing.helpers import draft

        app = draft(self.p.acme)
        assert self.client_as("gd_clerk").get(
            f"/licensing/applications/{app.pk}/").status_code == 404
        assert self.client_as("acme").get(
            f"/licensing/applications/{app.pk}/").status_code == 200

    def test_gd_clerk_finds_it_in_the_queue_to_accept(self):
        app = submitted(self.p.acme)
        page = self.client_as("gd_clerk").get("/licensing/?queue=to_accept").content.decode()
        assert app.number in page
        api = self.api_as("gd_clerk").get("/api/v1/licensing/applications?queue=to_accept")
        assert [row["number"] for row in api.json()["items"]] == [app.number]

    def test_the_city_bureau_sees_its_regions_application_but_not_in_its_queues(self):
        app = submitted(self.p.acme)
        gz = self.client_as("gz_clerk")
        assert app.number in gz.get("/licensing/").content.decode()
        assert app.number not in gz.get("/licensing/?queue=to_accept").content.decode()
        response = gz.post(f"/licensing/applications/{app.pk}/act/accept/",
                           {"version": app.version})
        assert response.status_code == 403

    def test_the_late_queue_holds_what_the_daily_task_flagged(self):
        from jiliang.licensing.services import licensing_daily

        app = accepted(self.p, on=D(2025, 9, 26))
        licensing_daily(on=D(2025, 10, 28))
        app.refresh_from_db()
        assert app.flag == "at_risk"
        licensing_daily(on=D(2025, 10, 31))
        app.refresh_from_db()
        assert app.flag == "late"
        page = self.client_as("gd_clerk").get("/licensing/?queue=late").content.decode()
        assert app.number in page
        act(app, self.p.gd_head, "approve", D(2025, 11, 3))
        licensing_daily(on=D(2025, 11, 3))
        app.refresh_from_db()
        assert app.flag == ""


class PagerTests(PersonaTestCase):
    def test_the_pager_keeps_the_filters_url_encoded(self):
        response = self.client_as("gd_clerk").get("/licensing/", {"q": "A&page=9 电"})
        # the pager keeps the sort too (the default, newest change first)
        assert response.context["query"] == "queue=&state=&type=&q=A%26page%3D9+%E7%94%B5&sort=-changed&"
        response = self.client_as("gd_clerk").get("/licensing/licences/", {"q": "x&y"})
        assert response.context["query"] == "type=&status=&q=x%26y&"
        response = self.client.get("/licensing/public/", {"q": "#1", "from": "2025-01-01"})
        assert "q=%231&" in response.context["query"]
        assert "from=2025-01-01&" in response.context["query"]


class ApiTests(PersonaTestCase):
    def test_an_application_goes_through_the_api(self):
        acme = self.api_as("acme")
        created = acme.post("/api/v1/licensing/applications",
                            {"type_code": "type_approval", "particulars": TYPE_APPROVAL},
                            content_type="application/json")
        assert created.status_code == 201, created.content
        app_id = created.json()["id"]
        app = Application.objects.get(pk=app_id)
        for material in app.licence_type.materials:
            if material["required"]:
                response = acme.post(f"/api/v1/licensing/applications/{app_id}/attachments",
                                     {"material": material["code"],
                                      "file": SimpleUploadedFile("a.pdf", PDF)})
                assert response.status_code == 201, response.content
        forged = acme.post(f"/api/v1/licensing/applications/{app_id}/attachments",
                           {"material": "manual", "file": SimpleUploadedFile("a.pdf", b"MZ...")})
        assert forged.status_code == 400 and forged.json()["errors"][0]["field"] == "file"
        version = acme.get(f"/api/v1/licensing/applications/{app_id}").json()["version"]
        submitted_ = acme.post(f"/api/v1/licensing/applications/{app_id}/actions/submit",
                               {"version": version}, content_type="application/json")
        assert submitted_.status_code == 200 and submitted_.json()["state"] == "submitted"

    def test_a_bad_particular_comes_back_as_a_400_naming_the_field(self):
        response = self.api_as("acme").post(
            "/api/v1/licensing/applications",
            {"type_code": "type_approval", "particulars": dict(TYPE_APPROVAL, origin="mars")},
            content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "origin"

    def test_the_list_counts_each_clock_without_a_query_per_row(self):
        def queries(client, url: str) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        api, web = self.api_as("gd_clerk"), self.client_as("gd_clerk")
        accepted(self.p)
        # a first call stamps the token's last use (once a minute), a write the others skip
        queries(api, "/api/v1/licensing/applications")
        before = (queries(api, "/api/v1/licensing/applications"),
                  queries(web, "/licensing/"))
        for _n in range(3):
            accepted(self.p)
        after = (queries(api, "/api/v1/licensing/applications"),
                 queries(web, "/licensing/"))
        assert after == before


class PublicTests(PersonaTestCase):
    def granted(self):
        return act(accepted(self.p), self.p.gd_head, "approve", D(2025, 10, 9)).licence

    def test_the_service_guides_are_public(self):
        anon = self.client_as("anonymous")
        assert "Type approval" in anon.get("/licensing/guide/").content.decode()
        guide = anon.get("/licensing/guide/type_approval/").content.decode()
        assert "within 20 working days of acceptance" in guide
        assert anon.get("/licensing/guide/type_approval/sample.pdf")["Content-Type"] == \
            "application/pdf"
        closed = anon.get("/licensing/guide/manufacture_repair_licence/").content.decode()
        assert "2017-12-27" in closed

    def test_a_certificate_is_found_by_its_number_and_an_unknown_one_is_not(self):
        licence = self.granted()
        anon = self.client_as("anonymous")
        found = anon.get("/licensing/public/query/", {"number": " cpa  25-f101 "}, follow=True)
        body = found.content.decode()
        assert licence.number in body and "In force; it has no expiry date." in body
        missing = anon.get("/licensing/public/query/", {"number": "CPA 25-F999"})
        assert "No certificate with the number" in missing.content.decode()
        api = anon.get("/api/v1/licensing/public/certificates", {"number": licence.number})
        assert api.status_code == 200 and api.json()["in_force"] is True

    def test_the_public_list_filters_by_type_region_and_date(self):
        licence = self.granted()
        anon = self.client_as("anonymous")
        assert licence.number in anon.get("/licensing/public/?type=type_approval&region=44"
                                          ).content.decode()
        assert licence.number not in anon.get("/licensing/public/?region=11").content.decode()
        assert licence.number not in anon.get("/licensing/public/?from=2025-10-10"
                                              ).content.decode()
        assert licence.number in anon.get("/licensing/public/?from=2025-10-09&to=2025-10-09"
                                          ).content.decode()

    def test_the_feeds_carry_new_disclosures(self):
        licence = self.granted()
        anon = self.client_as("anonymous")
        atom = anon.get("/licensing/public/feed.atom")
        root = ET.fromstring(atom.content)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        titles = [e.text for e in root.findall("a:entry/a:title", ns)]
        assert any(licence.number in t for t in titles)
        feed = json.loads(anon.get("/licensing/public/feed.json").content)
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["items"][0]["_jiliang"]["number"] == licence.number

    def test_the_portal_home_links_to_the_public_lists(self):
        home = self.client_as("anonymous").get("/").content.decode()
        for path in ("/licensing/guide/", "/licensing/public/", "/licensing/public/query/"):
            assert path in home

    def test_the_track_page_shows_progress_without_the_applicant(self):
        app = accepted(self.p)
        page = self.client_as("anonymous").get(f"/licensing/public/track/{app.public_code}/")
        body = page.content.decode()
        assert page.status_code == 200 and app.voucher_number in body
        assert self.p.orgs["acme"].name not in body


class UnknownTypeTests(PersonaTestCase):
    def test_an_unknown_licence_type_is_a_400_naming_the_field(self):
        response = self.api_as("acme").post(
            "/api/v1/licensing/applications", {"type_code": "due", "particulars": {}},
            content_type="application/json")
        assert response.status_code == 400
        assert "type_code" in response.content.decode()
