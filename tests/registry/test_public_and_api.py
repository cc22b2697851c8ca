"""The public pages (plain words, no personal data, each view logged) and the API."""

from jiliang.registry.models import Instrument, PublicLookup, VerificationRecord
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, signers, verify
from tests.traceability.helpers import default_standard, standard


class PublicPageTests(PersonaTestCase):
    def test_the_instrument_page_says_in_plain_words_what_its_state_means(self):
        inst = file(self.p.acme, serial="PUB-1")
        anonymous = self.client_as("anonymous", language="en")
        assert "No verification" in anonymous.get(f"/registry/i/{inst.public_code}/").content.decode()
        verify(self.p.gd_verifier, inst, on=days(-10))
        body = anonymous.get(f"/registry/i/{inst.public_code}/").content.decode()
        assert "Verified:" in body and "广东省计量科学研究院" in body and "广州艾克米衡器有限公司" in body
        assert "张伟" not in body  # no personal data: the verifier's name stays off the page
        verify(self.p.gd_verifier, inst, on=days(-1), conclusion="fail")
        body = anonymous.get(f"/registry/i/{inst.public_code}/").content.decode()
        assert "Failed:" in body and "certificate is cancelled" in body
        old = file(self.p.acme, serial="PUB-2")
        verify(self.p.gd_verifier, old, on=days(-500))
        assert "Overdue:" in anonymous.get(f"/registry/i/{old.public_code}/").content.decode()
        # counted per day and object: 4 look-ups, 2 rows
        counts = dict(PublicLookup.objects.filter(page="instrument").values_list("code", "count"))
        assert counts == {inst.public_code: 3, old.public_code: 1}
        for _ in range(3):
            assert anonymous.get("/registry/i/NOSUCHCODE000000/").status_code == 404
            assert anonymous.get("/registry/i/OTHERCODE0000000/").status_code == 404
        missed = PublicLookup.objects.get(page="instrument", found=False)
        assert (missed.code, missed.count) == ("", 6)  # unknown codes add to one count
        assert PublicLookup.objects.count() == 3

    def test_the_public_page_is_chinese_by_default(self):
        inst = file(self.p.acme, serial="PUB-3")
        verify(self.p.gd_verifier, inst, on=days(-10))
        body = self.client.get(f"/registry/i/{inst.public_code}/").content.decode()
        assert "有效期至" in body or "有效期" in body

    def test_the_certificate_check_finds_a_certificate_by_its_number(self):
        inst = file(self.p.acme, serial="PUB-4")
        verify(self.p.gd_verifier, inst, number="CHECK-77")
        page = self.client_as("anonymous").get("/registry/check/?number=CHECK-77")
        assert page.status_code == 200 and "CHECK-77" in page.content.decode()
        missing = self.client_as("anonymous", language="en").get("/registry/check/?number=NOPE")
        assert "Nothing on file matches." in missing.content.decode()


class ApiTests(PersonaTestCase):
    def test_an_enterprise_files_and_an_institution_submits_through_the_api(self):
        acme = self.api_as("acme")
        response = acme.post("/api/v1/registry/instruments", {
            "kind_code": "taximeter", "use": "trade", "serial_number": "API-1",
            "region_code": "440106"}, content_type="application/json")
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["public_url"].endswith(f"/registry/i/{created['public_code']}/")
        again = acme.post("/api/v1/registry/instruments", {
            "kind_code": "taximeter", "use": "trade", "serial_number": "API-1",
            "region_code": "440106"}, content_type="application/json")
        assert again.status_code == 400
        assert again.json()["errors"][0]["field"] == "serial_number"
        assert f"/registry/instruments/{created['id']}/" in again.json()["detail"]
        verifier = self.api_as("gd_verifier")
        people = signers(self.p.orgs["gd_institute"])
        payload = {
            "instrument_code": created["public_code"], "verified_on": days(-5).isoformat(),
            "verification_type": "first", "regulation_code": "JJG 517-2016",
            "standard_id": default_standard(self.p.orgs["gd_institute"]).pk,
            "conclusion": "pass", "certificate_no": "API-C-1",
            **{f"{role}_id": person.pk for role, person in people.items()}}
        response = verifier.post("/api/v1/registry/verifications", payload,
                                 content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["valid_until"] is not None
        lapsed = standard(self.p.orgs["gd_institute"], "API-LAPSED", cert_until=days(-6))
        expired = dict(payload, certificate_no="API-C-2", standard_id=lapsed.pk,
                       verified_on=days(-4).isoformat(), verification_type="subsequent")
        refused = verifier.post("/api/v1/registry/verifications", expired,
                                content_type="application/json")
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == "standard"
        assert "not in force" in refused.json()["errors"][0]["message"]
        assert acme.post("/api/v1/registry/verifications", payload,
                         content_type="application/json").status_code == 403

    def test_lists_are_scoped_and_the_public_endpoints_need_no_token(self):
        inst = file(self.p.acme, serial="API-2")
        verify(self.p.gd_verifier, inst, on=days(-400), number="API-C-3")
        assert [i["serial_number"] for i in self.api_as("gd_clerk").get(
            "/api/v1/registry/due").json()["items"]] == ["API-2"]
        assert self.api_as("bj_clerk").get("/api/v1/registry/due").json()["items"] == []
        assert self.api_as("bj_clerk").get(
            f"/api/v1/registry/instruments/{inst.pk}").status_code == 404
        public = self.client_as("anonymous").get(
            f"/api/v1/registry/public/instruments/{inst.public_code}")
        assert public.status_code == 200 and public.json()["overdue"] is True
        record = VerificationRecord.objects.get(certificate_no="API-C-3")
        cert = self.client_as("anonymous").get(
            f"/api/v1/registry/public/certificates/{record.public_code}")
        assert cert.json()["state"] == "expired"
        rates = self.api_as("gd_clerk").get(f"/api/v1/registry/rates?year={days(-400).year}")
        assert rates.status_code == 200 and rates.json()[0]["verified"] == 1
        assert self.api_as("acme").get("/api/v1/registry/rates").status_code == 403
        assert Instrument.objects.count() == 1
