"""Issue 13, "Done when": each refusal of the sign-off, in the form, the API and the import.

One institution of its own (广州测试计量检定所, 440100) with its people and an authorisation
for scales and taximeters in Guangzhou, so that no other test's data decides the outcome.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import translation

from jiliang.core.demo import credit_code
from jiliang.core.services import organisation_register, user_create
from jiliang.licensing.services import licence_record
from jiliang.people import services as people
from jiliang.registry import importing
from jiliang.registry.models import VerificationRecord
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file

SCALE, TAXI, WATER = "scale_digital_indicating", "taximeter", "water_meter"
SINCE = datetime.date(2015, 1, 1)
KEYS = [c.key for c in importing.COLUMNS]
TITLES = {c.key: c.title for c in importing.COLUMNS}

# name, qualification (kind, items, from, until) or None, on the signatory list
STAFF = [
    ("张三", ("verifier_certificate", [SCALE, TAXI, WATER], SINCE, None), False),
    ("李四", ("registration", [SCALE, TAXI, WATER], SINCE, None), False),
    ("王五", ("registration", [SCALE, TAXI, WATER], SINCE, None), True),
    ("赵六", None, False),  # no qualification
    ("钱七", ("verifier_certificate", [TAXI], SINCE, None), False),  # another item
    ("孙八", ("registration", [SCALE], SINCE, days(-100)), False),  # lapsed
    ("周九", ("registration", [SCALE, TAXI, WATER], SINCE, None), False),  # not a signatory
]


def institution(name: str, first17: str, username: str) -> tuple:
    org = organisation_register(actor=None, kind="verification_institution", name=name,
                                region_code="440100", credit_code=credit_code(first17))
    user = user_create(actor=None, username=username, password="x-x-x-x-x-1", organisation=org,
                       role="verifier", full_name=name)
    staff = {}
    for n, (person_name, q, signatory) in enumerate(STAFF):
        person = people.person_create(actor=None, organisation=org, name=person_name)
        if q:
            kind, items, start, until = q
            people.qualification_add(
                actor=None, person=person, kind=kind, number=f"{username}-{n}", items=items,
                valid_from=start, valid_until=until, issuer="广东省市场监督管理局",
                grade="2" if kind == "registration" else "")
        if signatory:
            people.signatory_add(actor=None, person=person, valid_from=SINCE)
        staff[person_name] = person
    return org, user, staff


class SignoffRefusalTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.org, cls.user, cls.staff = institution("广州测试计量检定所", "12440100MA5TEXT01",
                                                   "t_verifier")
        cls.bare, cls.bare_user, cls.bare_staff = institution(
            "广州无授权计量所", "12440100MA5TEXT02", "t_bare")
        cls.licence = licence_record(
            actor=p.gd_head, type_code="metrology_authorization", holder=cls.org,
            number="(粤)法计(2024)07001", issued_on=days(-400), valid_until=days(1000),
            regime="now", particulars={"authority_level": "provincial", "form": "legal_institution",
                                       "kinds": [SCALE, TAXI], "authorised_region": "440100"})
        cls.scale = file(p.acme, serial="S-1")
        cls.water = file(p.acme, kind=WATER, serial="W-1", nominal_size="20")
        sz = organisation_register(actor=None, kind="enterprise", name="深圳测试市场",
                                   region_code="440305", credit_code=credit_code("91440305MA5TEXT03"),
                                   enterprise_roles=["owner"])
        cls.shenzhen = file(p.gd_clerk, owner=sz, serial="SZ-1", region="440305")

    # --- the three channels ------------------------------------------------------------------

    @staticmethod
    def standard_of(username: str):
        """The institution's registered standard (traceability, issue 12): valid, every kind."""
        from jiliang.core.models import User
        from tests.traceability.helpers import default_standard

        return default_standard(User.objects.get(username=username).organisation)

    def values(self, *, inst=None, on=None, verifier="张三", checker="李四", approver="王五",
               staff=None, number="T-1"):
        inst = inst or self.scale
        regulation = {SCALE: "JJG 539-2016", WATER: "JJG 162-2019"}[inst.kind.code]
        return {"inst": inst, "on": on or days(-10), "regulation": regulation, "number": number,
                "people": {role: (staff or self.staff)[name] for role, name in
                           (("verifier", verifier), ("checker", checker), ("approver", approver))}}

    def by_api(self, v, user="t_verifier") -> dict[str, list[str]]:
        from jiliang.core.models import User
        from jiliang.core.services import api_token_issue

        _token, key = api_token_issue(actor=User.objects.get(username=user), name="t")
        response = self.client.post("/api/v1/registry/verifications", {
            "instrument_code": v["inst"].public_code, "verified_on": v["on"].isoformat(),
            "verification_type": "subsequent", "regulation_code": v["regulation"],
            "standard_id": self.standard_of(user).pk,
            "conclusion": "pass", "certificate_no": v["number"],
            **{f"{role}_id": p.pk for role, p in v["people"].items()}},
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_ACCEPT_LANGUAGE="en")
        if response.status_code == 201:
            return {}
        assert response.status_code == 400, response.content
        out: dict[str, list[str]] = {}
        for e in response.json()["errors"]:
            out.setdefault(e["field"], []).append(e["message"])
        return out

    def by_form(self, v, user="t_verifier") -> str:
        from django.test import Client

        from jiliang.core.models import User

        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.get(username=user))
        page = client.get(f"/registry/verifications/new/?code={v['inst'].public_code}")
        for person in v["people"].values():  # the pick lists offer the institution's people
            assert f'<option value="{person.pk}">{person.name}</option>' in page.content.decode()
        response = client.post("/registry/verifications/new/", {
            "instrument_code": v["inst"].public_code, "verified_on": v["on"].isoformat(),
            "verification_type": "subsequent", "regulation_code": v["regulation"],
            "standard_id": str(self.standard_of(user).pk),
            "conclusion": "pass", "certificate_no": v["number"],
            **{role: str(p.pk) for role, p in v["people"].items()}})
        if response.status_code == 302:
            return ""
        assert response.status_code == 200
        return response.content.decode().replace("&#x27;", "'")

    def by_import(self, v, org=None, user="t_verifier") -> list[tuple[str, str]]:
        from jiliang.core.models import User

        org = org or self.org
        row = dict.fromkeys(KEYS, "")
        inst = v["inst"]
        row.update(owner_credit_code=inst.owner.credit_code, kind=inst.kind.code, use="trade",
                   serial_number=f"IMP-{v['number']}", region_code=inst.region_code,
                   nominal_size=str(inst.nominal_size or ""),
                   institution_credit_code=org.credit_code, verified_on=v["on"].isoformat(),
                   regulation_code=v["regulation"],
                   standard_identifier=self.standard_of(user).code,
                   conclusion="pass", certificate_no=f"IMP-{v['number']}",
                   **{f"{role}_name": p.name for role, p in v["people"].items()})
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.title for c in importing.COLUMNS])
        writer.writerow([row[k] for k in KEYS])
        with translation.override("en"):
            result = importing.import_file(out.getvalue().encode(), "csv",
                                           actor=User.objects.get(username=user))
        return [(e.column, e.reason) for e in result.errors]

    def refused_everywhere(self, v, field: str, column: str, words: str, **who) -> None:
        """Refused by the API (field), the form (message on the page) and the import (column),
        each naming the rule; nothing recorded."""
        before = VerificationRecord.objects.count()
        errors = self.by_api(v, **who)
        assert any(words in m for m in errors.get(field, [])), errors
        assert words in self.by_form(v, **who)
        org = self.bare if who.get("user") == "t_bare" else None
        row_errors = self.by_import(v, org=org, **who)
        assert any(c == TITLES[column] and words in r for c, r in row_errors), row_errors
        assert VerificationRecord.objects.count() == before

    # --- Done when ---------------------------------------------------------------------------

    def test_three_qualified_people_of_an_authorised_institution_sign(self):
        v = self.values(number="OK-1")
        assert self.by_api(v) == {}
        record = VerificationRecord.objects.get(certificate_no="OK-1")
        assert (record.verifier_person, record.checker_person, record.approver_person) == (
            self.staff["张三"], self.staff["李四"], self.staff["王五"])
        assert record.approver_name == "王五" and record.authorisation_no == "(粤)法计(2024)07001"
        assert record.people_on_file
        assert self.by_form(self.values(number="OK-2", on=days(-5))) == ""
        assert self.by_import(self.values(number="OK-3", inst=self.water_free())) == []

    def water_free(self):
        return file(self.p.acme, serial=f"S-{VerificationRecord.objects.count()}")

    def test_an_unqualified_verifier_is_refused(self):
        self.refused_everywhere(self.values(verifier="赵六"), "verifier", "verifier_name",
                                "holds no verifier qualification")

    def test_a_qualification_for_another_item_is_refused(self):
        self.refused_everywhere(self.values(verifier="钱七"), "verifier", "verifier_name",
                                "cover other items")

    def test_a_lapsed_registration_is_refused(self):
        self.refused_everywhere(self.values(verifier="孙八"), "verifier", "verifier_name",
                                "was not in force on")

    def test_the_checker_being_the_verifier_is_refused(self):
        self.refused_everywhere(self.values(checker="张三"), "checker", "checker_name",
                                "another person than the verifier")

    def test_an_approver_not_on_the_signatory_list_is_refused(self):
        self.refused_everywhere(self.values(approver="周九"), "approver", "approver_name",
                                "list of authorised signatories")

    def test_outside_the_authorised_kind_is_refused(self):
        self.refused_everywhere(self.values(inst=self.water), "instrument",
                                "institution_credit_code", "does not cover this kind")

    def test_outside_the_authorised_area_is_refused(self):
        self.refused_everywhere(self.values(inst=self.shenzhen), "instrument",
                                "institution_credit_code", "authorised area")

    def test_outside_the_authorised_dates_is_refused(self):
        self.refused_everywhere(self.values(on=days(-500)), "instrument",
                                "institution_credit_code", "authorised dates")

    def test_an_institution_without_an_authorisation_is_refused(self):
        v = self.values(staff=self.bare_staff)
        self.refused_everywhere(v, "instrument", "institution_credit_code",
                                "no metrology authorisation on file", user="t_bare")
