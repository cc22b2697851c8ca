"""The public check never dead-ends: the printed label code in any case and spacing, a
certificate number, a serial with its owner, and advice when nothing matches."""

from __future__ import annotations

from jiliang.registry.models import PublicLookup
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file, verify


def spellings(code: str) -> list[str]:
    """The ways a person types a 16-character code read off a label."""
    groups = [code[i:i + 4] for i in range(0, 16, 4)]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)  # typed with a Chinese IME
    return [code, code.lower(), " ".join(groups), "-".join(groups), f"  {code.lower()}  ",
            " ".join(groups).lower(), full_width, code[:8] + " " + code[8:].lower()]


class LabelCodeTests(PersonaTestCase):
    def setUp(self):
        self.inst = file(self.p.acme, serial="LOOK-1")
        self.record = verify(self.p.gd_verifier, self.inst, on=days(-10), number="JD-2026-0042")
        self.anonymous = self.client_as("anonymous", language="en")

    def test_the_instrument_code_is_found_in_every_case_and_spacing(self):
        for typed in spellings(self.inst.public_code):
            response = self.anonymous.get("/registry/check/", {"q": typed})
            assert response.status_code == 302, typed
            assert response["Location"] == f"/registry/i/{self.inst.public_code}/", typed
            page = self.anonymous.get(response["Location"])
            assert "Verified:" in page.content.decode()

    def test_the_certificate_code_is_found_in_every_case_and_spacing(self):
        for typed in spellings(self.record.public_code):
            response = self.anonymous.get("/registry/check/", {"q": typed})
            assert response["Location"] == f"/registry/c/{self.record.public_code}/", typed

    def test_the_code_pages_accept_what_a_person_types_too(self):
        spaced = " ".join(self.inst.public_code[i:i + 4] for i in range(0, 16, 4)).lower()
        assert self.anonymous.get(f"/registry/i/{spaced}/").status_code == 200

    def test_a_certificate_number_is_found_whatever_its_case_and_spaces(self):
        for typed in ("JD-2026-0042", "jd-2026-0042", " JD-2026-0042 ", "JD -2026-0042",
                      "ＪＤ-2026-0042"):
            body = self.anonymous.get("/registry/check/", {"q": typed}).content.decode()
            assert f"/registry/c/{self.record.public_code}/" in body, typed

    def test_a_serial_is_found_with_its_owner_and_only_with_it(self):
        alone = self.anonymous.get("/registry/check/", {"q": "look-1"}).content.decode()
        assert 'id="needs-owner"' in alone and self.inst.public_code not in alone
        owner = self.p.orgs["acme"]
        for who in (owner.name, owner.name[2:6], owner.credit_code.lower()):
            body = self.anonymous.get("/registry/check/", {"q": " look-1", "owner": who})
            assert f"/registry/i/{self.inst.public_code}/" in body.content.decode(), who
        wrong = self.anonymous.get("/registry/check/", {"q": "LOOK-1", "owner": "别的公司"})
        assert 'id="not-found"' in wrong.content.decode()

    def test_nothing_found_says_what_to_do(self):
        body = self.anonymous.get("/registry/check/", {"q": "ZZZZ"}).content.decode()
        assert 'id="not-found"' in body and "12315" in body and "never contains 0, 1, I or O" in body
        assert PublicLookup.objects.filter(page="check", found=False).exists()

    def test_a_long_query_is_cut_not_refused(self):
        response = self.anonymous.get("/registry/check/", {"q": "X" * 5000, "owner": "Y" * 5000})
        assert response.status_code == 200
