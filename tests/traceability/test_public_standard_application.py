"""社会公用计量标准 are applied for online like the others: a bureau files the assessment of its
own public standard, and the authority one level above decides it (计量法实施细则 第七条); the
grant gives the standard its certificate in the register."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.licensing import permissions
from jiliang.licensing import services as licensing
from jiliang.traceability import services
from tests.base import PersonaTestCase
from tests.licensing.helpers import TYPE_APPROVAL, D, act, attach_required

TYPE = "measurement_standard_assessment"
PARTICULARS = {"standard_name": "广州市电子秤检定装置", "measuring_range": "(0~60)kg",
               "uncertainty": "MPE ±0.5e"}


class PublicStandardApplicationTests(PersonaTestCase):
    def test_a_city_bureau_applies_and_the_province_decides_and_the_grant_certifies(self):
        gz = self.p.gz_clerk.organisation
        std = services.standard_register(
            actor=None, code="GZ-PS-SCALE", name=PARTICULARS["standard_name"],
            category="social_public", owner=gz, measurand="质量", uncertainty="MPE ±0.5e")
        app = licensing.application_create(actor=self.p.gz_clerk, type_code=TYPE,
                                           particulars=PARTICULARS, on=D(2025, 9, 20))
        assert (app.authority_level, app.authority_code) == ("provincial", "440000")
        assert "competent_level" not in app.particulars  # a bureau names no competent level
        assert permissions.is_applicant(self.p.gz_clerk, app)
        assert not permissions.is_applicant(self.p.gd_clerk, app)
        attach_required(app, self.p.gz_clerk)
        app = act(app, self.p.gz_clerk, "submit", D(2025, 9, 22))
        with pytest.raises(PermissionDenied):  # the applicant does not accept its own
            act(app, self.p.gz_clerk, "accept", D(2025, 9, 23))
        app = act(app, self.p.gd_clerk, "accept", D(2025, 9, 26))
        app = act(app, self.p.gd_head, "approve", D(2025, 10, 9))
        licence = app.licence
        assert licence.holder_id == gz.pk
        cert = std.certificates.get()
        assert cert.licence_id == licence.pk and cert.number == licence.number

    def test_a_provincial_bureau_is_decided_by_the_national_administration(self):
        app = licensing.application_create(actor=self.p.gd_clerk, type_code=TYPE,
                                           particulars=PARTICULARS, on=D(2025, 9, 20))
        assert (app.authority_level, app.authority_code) == ("national", "000000")
        assert not permissions.is_authority(self.p.gd_clerk, app.authority_code)
        assert permissions.is_authority(self.p.admin, app.authority_code)

    def test_a_bureau_applies_for_nothing_else_and_enterprises_still_name_the_level(self):
        with pytest.raises(ValidationError) as caught:
            licensing.application_create(actor=self.p.gz_clerk, type_code="type_approval",
                                         particulars=TYPE_APPROVAL, on=D(2025, 9, 20))
        assert "type_code" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            licensing.application_create(actor=self.p.acme, type_code=TYPE,
                                         particulars=PARTICULARS, on=D(2025, 9, 20))
        assert "competent_level" in caught.value.message_dict
        app = licensing.application_create(
            actor=self.p.acme, type_code=TYPE, on=D(2025, 9, 20),
            particulars={**PARTICULARS, "competent_level": "city"})
        assert (app.authority_level, app.authority_code) == ("city", "440100")

    def test_the_bureaus_pages_offer_the_application_without_the_level(self):
        client = self.client_as("gz_clerk")
        listing = client.get("/licensing/apply/")
        assert listing.status_code == 200
        form = client.get(f"/licensing/apply/{TYPE}/")
        body = form.content.decode()
        assert form.status_code == 200 and 'name="standard_name"' in body
        assert 'name="competent_level"' not in body
        response = client.post(f"/licensing/apply/{TYPE}/", PARTICULARS)
        assert response.status_code == 302
        draft = client.get(response["Location"])
        assert draft.status_code == 200 and "广州市电子秤检定装置" in draft.content.decode()
        assert client.get("/licensing/").content.decode().count("/licensing/apply/") >= 1
