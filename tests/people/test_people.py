"""People and their qualifications: scoping, conversion, CPD, public look-ups, the import, the
registration created by the licence, and a past date judged by the scope in force then."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from jiliang.licensing.models import Purpose
from jiliang.licensing.services import application_create
from jiliang.people import importing, selectors, services
from jiliang.people.models import Conversion, Person, Qualification
from jiliang.registry.models import VerificationRecord
from tests.base import PersonaTestCase
from tests.licensing.helpers import AUTHORISATION, accepted, act, attach_required
from tests.registry.helpers import file, verify

D = datetime.date


def person(org, name, **kw):
    return services.person_create(actor=None, organisation=org, name=name, **kw)


class ScopingTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.gd = person(cls.p.orgs["gd_institute"], "广东甲", id_card="44010619800101123X")
        cls.bj = person(cls.p.orgs["bj_institute"], "北京乙")

    def test_an_institution_sees_its_own_people_and_a_bureau_those_of_its_region(self):
        names = lambda user: set(selectors.people_list(user).values_list("name", flat=True))  # noqa: E731
        assert names(self.p.gd_verifier) == {"广东甲"}
        assert names(self.p.gd_clerk) == {"广东甲"}
        assert names(self.p.bj_clerk) == {"北京乙"}
        assert names(self.p.admin) == {"广东甲", "北京乙"}
        assert names(self.p.acme) == set()
        assert self.client_as("bj_clerk").get(f"/people/{self.gd.pk}/").status_code == 404
        assert self.api_as("gd_verifier").get(f"/api/v1/people/people/{self.bj.pk}").status_code \
            == 404

    def test_only_the_institution_or_its_bureau_keeps_its_people(self):
        with pytest.raises(PermissionDenied):
            person(self.p.orgs["gd_institute"], "x") if False else services.person_create(
                actor=self.p.bj_clerk, organisation=self.p.orgs["gd_institute"], name="x")
        with pytest.raises(PermissionDenied):
            services.person_create(actor=self.p.acme, organisation=self.p.orgs["gd_institute"],
                                   name="x")
        created = self.api_as("gd_verifier").post("/api/v1/people/people", {"name": "广东丙"},
                                                  content_type="application/json")
        assert created.status_code == 201
        assert created.json()["organisation_id"] == self.p.orgs["gd_institute"].pk

    def test_an_id_card_is_never_shown_in_full(self):
        assert self.gd.id_card_masked == "4401**********123X"
        assert "44010619800101123X" not in Person.objects.filter(pk=self.gd.pk).values_list(
            "id_card_hash", flat=True)[0]
        body = self.client_as("gd_verifier").get(f"/people/{self.gd.pk}/").content.decode()
        assert "4401**********123X" in body and "44010619800101123X" not in body
        api = self.api_as("gd_clerk").get(f"/api/v1/people/people/{self.gd.pk}").content.decode()
        assert "44010619800101123X" not in api and "id_card_hash" not in api
        with pytest.raises(ValidationError) as caught:
            person(self.p.orgs["gd_institute"], "又一个", id_card="44010619800101123X")
        assert "id_card" in caught.value.message_dict


class QualificationTests(PersonaTestCase):
    def test_a_verifier_certificate_converts_into_a_registration_under_the_rule(self):
        someone = person(self.p.orgs["gd_institute"], "转换人")
        cert = services.qualification_add(
            actor=None, person=someone, kind="verifier_certificate", number="(粤)计检员字第1号",
            items=["taximeter", "JJG 539"], valid_from=D(2012, 1, 1), valid_until=D(2026, 12, 31),
            issuer="广东省质量技术监督局")
        conversion = services.conversion_request(actor=self.p.gd_verifier, certificate=cert,
                                                 on=D(2024, 3, 1))
        with pytest.raises(PermissionDenied):  # the bureau decides
            services.conversion_decide(actor=self.p.gd_verifier, conversion=conversion,
                                       on=D(2024, 3, 1))
        refused = services.conversion_decide(actor=self.p.gd_clerk, conversion=conversion,
                                             on=D(2024, 3, 1))
        assert refused.state == Conversion.State.REFUSED
        assert "examination" in refused.reasons or "考试" in refused.reasons
        services.exam_record(actor=None, person=someone, subject="计量专业实务与案例分析",
                             sat_on=D(2023, 10, 1), passed=True)
        again = services.conversion_request(actor=None, certificate=cert, on=D(2024, 3, 2))
        done = services.conversion_decide(actor=self.p.gd_clerk, conversion=again,
                                          on=D(2024, 3, 2), number="粤2024000001", grade="2")
        assert done.state == Conversion.State.CONVERTED and done.rule
        reg = done.registration
        assert (reg.kind, reg.number, reg.items, reg.valid_from, reg.valid_until) == (
            "registration", "粤2024000001", ["JJG 539", "taximeter"], D(2024, 3, 2),
            D(2029, 3, 1))
        cert.refresh_from_db()
        assert (cert.status, cert.ended_on) == ("converted", D(2024, 3, 2))

    @override_settings(JILIANG_CPD_HOURS_PER_YEAR=30)
    def test_cpd_hours_below_the_annual_requirement_are_flagged(self):
        org = self.p.orgs["gd_institute"]
        short, enough = person(org, "学时不足"), person(org, "学时足够")
        for who in (short, enough):
            services.qualification_add(actor=None, person=who, kind="registration",
                                       number=f"REG-{who.pk}", items=["taximeter"],
                                       valid_from=D(2020, 1, 1), grade="2")
        services.cpd_record(actor=self.p.gd_verifier, person=short, year=2025, hours="24")
        services.cpd_record(actor=self.p.gd_verifier, person=enough, year=2025, hours="32.5")
        flagged = selectors.cpd_below(self.p.gd_clerk, 2025)
        assert [(row["person"].name, row["shortfall"]) for row in flagged] == [("学时不足", 6.0)]
        assert [r["below"] for r in selectors.cpd_rows(short)] == [True]
        assert selectors.cpd_below(self.p.bj_clerk, 2025) == []

    def test_without_a_known_requirement_nothing_is_flagged_and_the_page_says_so(self):
        assert selectors.cpd_requirement()[0] is None
        assert selectors.cpd_below(self.p.admin, 2025) == []
        body = self.client_as("gd_verifier", language="en").get("/people/").content.decode()
        assert "not set: no source consulted confirms" in body

    def test_the_registered_metrologist_licence_creates_the_registration(self):
        app = accepted(self.p, applicant=self.p.gd_verifier, type_code="registered_metrologist",
                       particulars={"level": "2", "person_name": "注册人",
                                    "qualification_no": "ZG-001", "items": "taximeter\nJJG 539"})
        licence = act(app, self.p.gd_head, "approve", D(2025, 10, 9)).licence
        reg = Qualification.objects.get(licence=licence)
        assert (reg.person.name, reg.person.organisation, reg.grade, reg.items, reg.number) == (
            "注册人", self.p.orgs["gd_institute"], "2", ["taximeter", "JJG 539"], licence.number)
        assert reg.valid_until == licence.valid_until


class PublicLookupTests(PersonaTestCase):
    def test_a_registration_look_up_shows_the_listed_fields_and_nothing_else(self):
        someone = person(self.p.orgs["gd_institute"], "公开人", id_card="440106198001011234")
        services.qualification_add(actor=None, person=someone, kind="registration",
                                   number="粤2020000123", items=["taximeter"],
                                   valid_from=D(2020, 1, 1), valid_until=D(2030, 1, 1),
                                   grade="2", speciality="力学", issuer="广东省市场监督管理局")
        data = self.client.get("/api/v1/people/public/registrations/粤2020000123").json()
        assert set(data) == {"number", "name", "grade", "speciality", "status", "in_force",
                             "valid_from", "valid_until"}
        assert data["name"] == "公开人" and data["speciality"] == "力学"
        page = self.client_as("anonymous").get("/people/public/registration/",
                                               {"number": "粤2020000123"}).content.decode()
        assert "公开人" in page and "力学" in page
        for private in ("4401", "广东省计量科学研究院", "taximeter", "广东省市场监督管理局"):
            assert private not in page.split('id="registration"')[1].split("</dl>")[0], private
        assert self.client.get("/api/v1/people/public/registrations/none").status_code == 404


class ImportTests(PersonaTestCase):
    def csv(self, rows) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.title for c in importing.COLUMNS])
        for row in rows:
            writer.writerow([row.get(c.key, "") for c in importing.COLUMNS])
        return out.getvalue().encode("utf-8-sig")

    def test_good_rows_are_kept_and_bad_rows_come_back_by_row_and_column(self):
        data = self.csv([
            {"name": "导入甲", "kind": "检定员证", "number": "IMP-1", "items": "taximeter、JJG 539",
             "valid_from": "2022-01-01", "valid_until": "2027-01-01", "cpd_year": "2025",
             "cpd_hours": "30"},
            {"name": "导入乙", "kind": "registration", "number": "IMP-2", "grade": "3",
             "items": "taximeter", "valid_from": "2022-01-01"},
            {"name": "导入丙", "cpd_year": "2025", "cpd_hours": "lots"},
            {"name": "导入丁", "organisation_credit_code": self.p.orgs["bj_institute"].credit_code},
        ])
        result = importing.import_people(data, "csv", actor=self.p.gd_verifier)
        titles = {c.key: c.title for c in importing.COLUMNS}
        assert [(e.row, e.column) for e in result.errors] == [
            (3, titles["grade"]), (4, titles["cpd_hours"]),
            (5, titles["organisation_credit_code"])]
        assert (result.people_added, result.qualifications_added, result.cpd_recorded) == (1, 1, 1)
        assert set(Person.objects.filter(name__startswith="导入").values_list("name", flat=True)) \
            == {"导入甲"}
        bureau = importing.import_people(self.csv([{"name": "导入戊"}]), "csv",
                                         actor=self.p.bj_clerk)
        assert bureau.errors[0].column == titles["organisation_credit_code"]
        assert importing.import_people(self.csv([{
            "name": "导入戊", "organisation_credit_code": self.p.orgs["gd_institute"].credit_code}]),
            "csv", actor=self.p.bj_clerk).errors[0].reason


class EffectiveDatedScopeTests(PersonaTestCase):
    """A change of the authorised scope keeps the old one for the dates before it."""

    def test_a_past_date_is_checked_against_the_scope_in_force_then(self):
        from jiliang.licensing.models import LicenceScope
        from tests.registry.helpers import signers

        signers(self.p.orgs["gd_institute"])
        # signers() filed a wide authorisation; end it so only the one below decides.
        from jiliang.licensing.models import Licence
        from jiliang.licensing.services import licence_act

        for wide in Licence.objects.filter(holder=self.p.orgs["gd_institute"]):
            licence_act(actor=self.p.admin, licence=wide, action="cancel",
                        version=wide.version, reasons="测试", on=D(2020, 1, 1))
        app = accepted(self.p, applicant=self.p.gd_verifier, type_code="metrology_authorization",
                       particulars=AUTHORISATION)  # taximeters and electricity meters, Guangzhou
        licence = act(app, self.p.gd_head, "approve", D(2025, 10, 9)).licence
        change = application_create(
            actor=self.p.gd_verifier, type_code="", purpose=Purpose.CHANGE, licence=licence,
            particulars=dict(AUTHORISATION, kinds=["electricity_meter"]), on=D(2025, 11, 1))
        attach_required(change, self.p.gd_verifier)
        act(change, self.p.gd_verifier, "submit", D(2025, 11, 3))
        change = act(change, self.p.gd_clerk, "accept", D(2025, 11, 4))
        act(change, self.p.gd_head, "approve", D(2025, 11, 10))
        assert list(LicenceScope.objects.filter(licence=licence).values_list(
            "effective_from", "kinds")) == [(D(2025, 10, 9), ["electricity_meter", "taximeter"]),
                                            (D(2025, 11, 10), ["electricity_meter"])]
        taxi = file(self.p.acme, kind="taximeter", serial="TX-SCOPE")
        before = verify(self.p.gd_verifier, taxi, regulation="JJG 517-2016", on=D(2025, 11, 9))
        assert before.authorisation_no == licence.number
        with pytest.raises(ValidationError) as caught:
            verify(self.p.gd_verifier, taxi, regulation="JJG 517-2016", on=D(2025, 11, 10))
        assert "授权范围" in caught.value.message_dict["instrument"][0]
        assert VerificationRecord.objects.filter(instrument=taxi).count() == 1


class LegacyRecordTests(PersonaTestCase):
    def test_a_record_kept_from_before_with_typed_names_stays_readable_and_is_flagged(self):
        """Records on file before the people register (typed names, no people): the page and
        the PDF show them, flagged "people not on file"."""
        import io as _io

        from pypdf import PdfReader

        from jiliang.audit.chain import chain_append

        record = verify(self.p.gd_verifier, file(self.p.acme, serial="OLD-1"), number="OLD-C-1")
        legacy = VerificationRecord(**{
            f.attname: getattr(record, f.attname) for f in VerificationRecord._meta.concrete_fields
            if f.attname not in ("id", "public_code", "chain_seq", "prev_hash", "row_hash",
                                 "verifier_person_id", "checker_person_id", "approver_person_id",
                                 "approver_name", "authorisation_no")})
        legacy.certificate_no, legacy.instrument = "OLD-C-0", file(self.p.acme, serial="OLD-2")
        legacy.verifier_name, legacy.checker_name = "老张", "老李"
        chain_append([legacy])
        assert not legacy.people_on_file and record.people_on_file
        page = self.client_as("gd_verifier", language="en").get(
            f"/registry/verifications/{legacy.pk}/").content.decode()
        assert "老张" in page and "people not on file" in page
        pdf = self.client_as("gd_verifier").get(f"/registry/verifications/{legacy.pk}/pdf/")
        text = PdfReader(_io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "老张" in text and "人员未在册" in text
        api = self.api_as("gd_verifier").get(f"/api/v1/registry/verifications/{legacy.pk}").json()
        assert api["people_on_file"] is False and api["verifier_person_id"] is None
