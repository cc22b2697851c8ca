"""Complaints and reports: filed by the public, tracked by number and code, handled by the
region's bureau within the working-day time limit, contact seen only by that bureau."""

from __future__ import annotations

import datetime
import io
import re
import tempfile

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from jiliang.audit.models import LedgerEntry
from jiliang.portal import complaints
from jiliang.portal.models import Complaint
from jiliang.rules.deadlines import add_working_days
from tests.base import PersonaTestCase
from tests.registry.helpers import file


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def form_data(page: str, **overrides) -> dict:
    """The form as a person fills it in, answering the question the page asks."""
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    a, b = (int(n) for n in re.search(r"(\d+)\D+?(\d+)\D*?[？?]", page).groups())
    assert signing.loads(token, salt="portal.complaint.challenge") == a + b
    data = {"category": "short_weight", "description": "买了一斤苹果，回家称只有八两。",
            "province": "44", "region_code": "440106", "address": "天河区某农贸市场12号摊位",
            "occurred_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "subject": "电子计价秤", "contact_name": "王小姐", "contact_phone": "13800000000",
            "contact_email": "", "answer": a + b, "token": token, "website": ""}
    data.update(overrides)
    return data


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="jiliang-complaints-"),
                   JILIANG_COMPLAINT_WORKING_DAYS=15)
class ComplaintTests(PersonaTestCase):
    def file_one(self, client=None, **overrides):
        client = client or self.client_as("anonymous", language="zh-hans")
        page = client.get("/complaints/new/").content.decode()
        return client.post("/complaints/new/", form_data(page, **overrides))

    def test_a_complaint_from_submission_to_closure(self):
        response = self.file_one(photos=[SimpleUploadedFile("p.png", png())])
        assert response.status_code == 200, response.content.decode()[-2000:]
        body = response.content.decode()
        number = re.search(r'id="tracking-number">(\w+)<', body).group(1)
        code = re.search(r'id="access-code">(\d+)<', body).group(1)
        complaint = Complaint.objects.get(tracking_number=number)
        # Assigned by region: the Guangzhou city bureau covers Tianhe (440106).
        assert complaint.handling_org == self.p.gz_clerk.organisation
        # The time limit, counted in working days on the holiday calendar.
        assert complaint.due_on == add_working_days(complaint.received_on, 15)
        assert complaint.photos.count() == 1 and complaint.code_hash != code
        # The complainant follows it by number and code (any case, any spaces).
        anonymous = self.client_as("anonymous", language="en")
        status = anonymous.post("/complaints/track/", {"tracking_number": number.lower(),
                                                       "code": f" {code} "})
        text = status.content.decode()
        assert status.status_code == 200 and "received, waiting to be handled" in text
        assert "王小姐" not in text and "13800000000" not in text
        wrong = anonymous.post("/complaints/track/", {"tracking_number": number,
                                                      "code": "000000" if code != "000000"
                                                      else "111111"})
        assert wrong.status_code == 404 and 'id="not-found"' in wrong.content.decode()
        # The bureau: Guangdong sees it but not the contact; Beijing does not see it.
        gd = self.client_as("gd_clerk")
        assert number in gd.get("/complaints/queue/").content.decode()
        assert number not in self.client_as("bj_clerk").get("/complaints/queue/").content.decode()
        assert self.client_as("bj_clerk").get(f"/complaints/queue/{complaint.pk}/").status_code \
            == 404
        page = gd.get(f"/complaints/queue/{complaint.pk}/").content.decode()
        assert "13800000000" not in page
        assert gd.post(f"/complaints/queue/{complaint.pk}/contact/").status_code == 403
        # The handling bureau takes it, reads the contact (ledgered), and closes it.
        gz = self.client_as("gz_clerk")
        gz.post(f"/complaints/queue/{complaint.pk}/take/")
        shown = gz.post(f"/complaints/queue/{complaint.pk}/contact/").content.decode()
        assert "13800000000" in shown and "王小姐" in shown
        viewed = LedgerEntry.objects.filter(action="portal.complaint.contact_view",
                                            object_id=str(complaint.pk))
        assert [e.actor_name for e in viewed] == ["gz_clerk"]
        submitted = LedgerEntry.objects.get(action="portal.complaint.submit",
                                            object_id=str(complaint.pk))
        assert "13800000000" not in str(submitted.after) and "王小姐" not in str(submitted.after)
        scale = file(self.p.acme, serial="COMPLAINT-1")
        closed = gz.post(f"/complaints/queue/{complaint.pk}/close/", {
            "outcome": "经现场检查，该秤示值超差，已责令停止使用。",
            "instrument_code": scale.public_code.lower(), "campaign": ""})
        assert closed.status_code == 302
        complaint.refresh_from_db()
        assert complaint.state == "closed" and complaint.instrument == scale
        final = anonymous.post("/complaints/track/", {"tracking_number": number, "code": code})
        assert "已责令停止使用" in final.content.decode()
        assert f"/registry/i/{scale.public_code}/" in final.content.decode()

    def test_an_anonymous_complaint_is_accepted(self):
        response = self.file_one(contact_name="", contact_phone="")
        assert response.status_code == 200
        complaint = Complaint.objects.get()
        assert complaint.anonymous
        page = self.client_as("gz_clerk").get(f"/complaints/queue/{complaint.pk}/")
        assert "contact/" not in page.content.decode()

    def test_a_wrong_answer_a_filled_trap_or_a_bad_photo_is_refused(self):
        client = self.client_as("anonymous", language="en")
        page = client.get("/complaints/new/").content.decode()
        data = form_data(page)
        data["answer"] = data["answer"] + 1
        wrong = client.post("/complaints/new/", data)
        assert wrong.status_code == 400 and 'data-field="answer"' in wrong.content.decode()
        trapped = self.file_one(client, website="http://spam.example")
        assert trapped.status_code == 400
        bad = self.file_one(client, photos=[SimpleUploadedFile("x.png", b"GIF89a not png")])
        assert bad.status_code == 400 and 'data-field="photos"' in bad.content.decode()
        future = self.file_one(client, occurred_on="2999-01-01")
        assert 'data-field="occurred_on"' in future.content.decode()
        assert not Complaint.objects.exists()

    @override_settings(JILIANG_COMPLAINTS_PER_HOUR=2)
    def test_one_address_is_limited_per_hour(self):
        client = self.client_as("anonymous", language="en")
        assert self.file_one(client).status_code == 200
        assert self.file_one(client).status_code == 200
        third = self.file_one(client)
        assert third.status_code == 429 and "Too many complaints" in third.content.decode()
        assert Complaint.objects.count() == 2

    def test_a_region_without_its_own_bureau_goes_to_the_province(self):
        assert complaints.handling_org_for("440305") == self.p.gd_clerk.organisation
        assert complaints.handling_org_for("440106") == self.p.gz_clerk.organisation

    def test_the_region_picker_lists_the_provinces_cities_and_counties(self):
        body = self.client_as("anonymous").get("/complaints/regions/?province=44").content
        text = body.decode()
        assert 'value="440106"' in text and "天河区" in text and 'value="110101"' not in text
