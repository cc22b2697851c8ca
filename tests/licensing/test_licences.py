"""Licences after issue: renewal, change, revocation, expiry, reminders, and the registry's
question (contracts item 2: authorisation_covers)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.licensing import selectors, services
from jiliang.licensing.models import LicenceEvent, Notice, Purpose
from tests.base import PersonaTestCase
from tests.licensing.helpers import AUTHORISATION, D, accepted, act, attach_required

STANDARD = {"competent_level": "provincial", "standard_name": "电子天平检定装置",
            "measuring_range": "(0~220)g", "uncertainty": "U=0.1mg, k=2"}


class RenewalTests(PersonaTestCase):
    def setUp(self):
        # A standard's certificate valid until 2026-03-31: the renewal window closes 6 months
        # before (2025-09-30) and opens 90 days before that (2025-07-02).
        self.licence = services.licence_record(
            actor=self.p.gd_clerk, type_code="measurement_standard_assessment",
            holder=self.p.orgs["acme"], number="[2021]粤量标证字第0001号",
            issued_on=D(2021, 4, 1), valid_until=D(2026, 3, 31), particulars=STANDARD,
            regime="now")

    def renewal(self, on):
        return services.application_create(actor=self.p.acme, type_code="",
                                           purpose=Purpose.RENEWAL, licence=self.licence, on=on)

    def test_renewal_inside_the_window_is_granted_for_a_new_term(self):
        app = self.renewal(D(2025, 9, 10))
        attach_required(app, self.p.acme)
        app = act(app, self.p.acme, "submit", D(2025, 9, 10))
        app = act(app, self.p.gd_clerk, "accept", D(2025, 9, 11))
        app = act(app, self.p.gd_head, "approve", D(2025, 9, 25))
        self.licence.refresh_from_db()
        assert self.licence.valid_until == D(2031, 3, 31)
        assert LicenceEvent.objects.filter(licence=self.licence, kind="renewed").exists()

    def test_renewal_outside_the_window_is_refused_with_the_window(self):
        with pytest.raises(ValidationError) as late:
            self.renewal(D(2025, 10, 1))
        assert "2025-09-30" in late.value.message_dict["purpose"][0]
        with pytest.raises(ValidationError) as early:
            self.renewal(D(2025, 7, 1))
        assert "2025-07-02" in early.value.message_dict["purpose"][0]

    def test_a_renewal_undecided_at_expiry_counts_as_granted(self):
        app = self.renewal(D(2025, 9, 10))
        attach_required(app, self.p.acme)
        app = act(app, self.p.acme, "submit", D(2025, 9, 10))
        app = act(app, self.p.gd_clerk, "accept", D(2025, 9, 11))
        app = act(app, self.p.gd_clerk, "stop_clock", D(2025, 9, 12), stop_kind="assessment",
                  working_days=80, reasons="复查考核")
        done = services.licensing_daily(on=D(2026, 4, 1))
        app.refresh_from_db()
        self.licence.refresh_from_db()
        assert done["deemed_renewed"] == 1 and done["expired"] == 0
        assert app.state == "approved" and self.licence.status == "valid"
        assert self.licence.valid_until == D(2031, 3, 31)
        event = LicenceEvent.objects.get(licence=self.licence, kind="renewed")
        assert "第五十条" in event.reasons  # Art. 50, in the default language

    def test_holders_are_reminded_when_the_window_opens_and_before_it_closes(self):
        assert services.licensing_daily(on=D(2025, 7, 1))["reminded"] == 0
        assert services.licensing_daily(on=D(2025, 7, 10))["reminded"] == 1
        assert services.licensing_daily(on=D(2025, 7, 11))["reminded"] == 0
        assert services.licensing_daily(on=D(2025, 9, 5))["reminded"] == 1
        kinds = list(Notice.objects.filter(licence=self.licence).values_list("kind", flat=True))
        assert sorted(kinds) == ["renewal_closing", "renewal_open"]

    def test_a_licence_not_renewed_expires_and_the_expiry_is_published(self):
        done = services.licensing_daily(on=D(2026, 4, 1))
        self.licence.refresh_from_db()
        assert done["expired"] == 1 and self.licence.status == "expired"
        assert self.licence.ended_on == D(2026, 4, 1)
        assert LicenceEvent.objects.filter(licence=self.licence, kind="expired").exists()
        assert Notice.objects.filter(licence=self.licence, kind="expired").count() == 1
        assert services.licensing_daily(on=D(2026, 4, 2))["expired"] == 0

    def test_a_certificate_found_expired_years_later_is_published_but_not_announced(self):
        # An old certificate put on file from the archives: the daily task marks it expired
        # and publishes it; its holder gets no notice of news years old.
        done = services.licensing_daily(on=D(2029, 4, 1))
        self.licence.refresh_from_db()
        assert done["expired"] == 1 and self.licence.status == "expired"
        assert LicenceEvent.objects.filter(licence=self.licence, kind="expired").exists()
        assert not Notice.objects.filter(licence=self.licence, kind="expired").exists()

    def test_the_licence_page_shows_a_renewal_draft_to_its_holder_only(self):
        app = self.renewal(D(2025, 8, 1))
        assert app.state == "draft"
        link = f"/licensing/applications/{app.pk}/"
        url = f"/licensing/licences/{self.licence.pk}/"
        assert link in self.client_as("acme").get(url).content.decode()
        page = self.client_as("gd_clerk").get(url)
        assert page.status_code == 200 and link not in page.content.decode()

    def test_a_change_updates_the_licence_and_is_published(self):
        app = services.application_create(
            actor=self.p.acme, type_code="", purpose=Purpose.CHANGE, licence=self.licence,
            particulars=dict(STANDARD, measuring_range="(0~520)g"), on=D(2025, 5, 6))
        attach_required(app, self.p.acme)
        act(app, self.p.acme, "submit", D(2025, 5, 6))
        app = act(app, self.p.gd_clerk, "accept", D(2025, 5, 7))
        act(app, self.p.gd_head, "approve", D(2025, 5, 8))
        self.licence.refresh_from_db()
        assert self.licence.particulars["measuring_range"] == "(0~520)g"
        assert LicenceEvent.objects.filter(licence=self.licence, kind="changed").exists()


class RevocationTests(PersonaTestCase):
    def granted(self):
        app = accepted(self.p)
        return act(app, self.p.gd_head, "approve", D(2025, 10, 9)).licence

    def test_a_revocation_needs_the_head_and_reasons_and_appears_on_the_public_list(self):
        licence = self.granted()
        with pytest.raises(PermissionDenied):
            services.licence_act(actor=self.p.gd_clerk, licence=licence, action="revoke",
                                 version=licence.version, reasons="x")
        with pytest.raises(ValidationError):
            services.licence_act(actor=self.p.gd_head, licence=licence, action="revoke",
                                 version=licence.version, reasons=" ")
        licence = services.licence_act(actor=self.p.gd_head, licence=licence, action="revoke",
                                       version=licence.version, reasons="以欺骗手段取得",
                                       on=D(2025, 11, 3))
        assert licence.status == "revoked" and licence.ended_on == D(2025, 11, 3)
        page = self.client_as("anonymous").get("/licensing/public/?kind=revoked")
        body = page.content.decode()
        assert page.status_code == 200
        assert licence.number in body and "以欺骗手段取得" in body
        query = self.client_as("anonymous").get(
            "/licensing/public/query/", {"number": licence.number}, follow=True)
        assert "Revoked by the issuing bureau on 2025-11-03" in query.content.decode()

    def test_a_record_of_a_type_approval_must_read_cpa_yy_x_nnn(self):
        with pytest.raises(ValidationError) as caught:
            services.licence_record(
                actor=self.p.gd_clerk, type_code="type_approval", holder=self.p.orgs["acme"],
                number="CPA99-F166", issued_on=D(1999, 5, 1),
                particulars={"origin": "domestic", "instrument_name": "案秤", "model": "A",
                             "category_letter": "F"})
        assert "CPA YY-Xnnn" in caught.value.message_dict["number"][0]
        ok = services.licence_record(
            actor=self.p.gd_clerk, type_code="type_approval", holder=self.p.orgs["acme"],
            number="cpa 99-f166", issued_on=D(1999, 5, 1),
            particulars={"origin": "domestic", "instrument_name": "案秤", "model": "A",
                         "category_letter": "F"})
        assert ok.number == "CPA 99-F166"


class AuthorisationCoversTests(PersonaTestCase):
    """Contracts item 2: what the registry asks before it files a verification record."""

    def setUp(self):
        app = accepted(self.p, applicant=self.p.gd_verifier, type_code="metrology_authorization",
                       particulars=AUTHORISATION)
        self.licence = act(app, self.p.gd_head, "approve", D(2025, 10, 9)).licence
        self.institute = self.p.orgs["gd_institute"]

    def covers(self, kind, region, on, institution=None):
        return selectors.authorisation_covers(
            institution_id=(institution or self.institute).pk, kind_code=kind,
            region_code=region, on=on)

    def test_an_authorisation_in_force_covers_its_kinds_in_its_region(self):
        assert self.licence.scope_kinds == ["electricity_meter", "taximeter"]
        assert self.licence.scope_region == "440100"
        assert self.covers("taximeter", "440106", D(2025, 10, 10)) is True
        assert self.covers("electricity_meter", "440100", D(2030, 10, 8)) is True

    def test_outside_its_kinds_region_or_time_it_does_not(self):
        assert self.covers("water_meter", "440106", D(2025, 10, 10)) is False
        assert self.covers("taximeter", "440300", D(2025, 10, 10)) is False
        assert self.covers("taximeter", "440106", D(2025, 10, 8)) is False
        assert self.covers("taximeter", "440106", D(2030, 10, 9)) is False  # 5 years on

    def test_an_institution_without_authorisations_on_file_gets_none(self):
        assert self.covers("taximeter", "110105", D(2025, 10, 10),
                           institution=self.p.orgs["bj_institute"]) is None

    def test_a_revoked_authorisation_covers_only_the_time_before(self):
        services.licence_act(actor=self.p.gd_head, licence=self.licence, action="revoke",
                             version=self.licence.version, reasons="超范围检定",
                             on=D(2026, 1, 5))
        assert self.covers("taximeter", "440106", D(2026, 1, 4)) is True
        assert self.covers("taximeter", "440106", D(2026, 1, 5)) is False
