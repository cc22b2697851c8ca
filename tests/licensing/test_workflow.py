"""The application workflow, enforced by services.application_act, on the real database."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from jiliang.licensing import documents, services
from jiliang.licensing.models import ApplicationEvent, LicenceEvent, Notice
from jiliang.rules.deadlines import add_working_days
from tests.base import PersonaTestCase
from tests.licensing.helpers import AUTHORISATION, D, accepted, act, draft, submitted


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class WorkflowTests(PersonaTestCase):
    def test_acceptance_starts_a_twenty_working_day_clock_across_national_day(self):
        app = accepted(self.p, on=D(2025, 9, 26))
        assert app.state == "under_review" and app.voucher_number
        assert app.decision_due == D(2025, 10, 30)
        assert app.authority_code == "440000"

    def test_a_missing_materials_notice_is_sent_once(self):
        app = submitted(self.p.acme, on=D(2025, 9, 22))
        assert app.acceptance_due == D(2025, 9, 28)  # Sunday 28 September is a working day
        app = act(app, self.p.gd_clerk, "request_correction", D(2025, 9, 24),
                  missing=["drawings", "manual"], note="图纸未盖章")
        assert app.state == "correction_requested"
        notices = Notice.objects.filter(application=app, kind="correction")
        assert notices.count() == 1 and notices.get().params["materials"] == ["drawings",
                                                                               "manual"]
        app = act(app, self.p.acme, "answer_correction", D(2025, 9, 25))
        assert app.state == "submitted" and app.acceptance_due == D(2025, 10, 9)
        with pytest.raises(ValidationError) as caught:
            act(app, self.p.gd_clerk, "request_correction", D(2025, 9, 26), missing=["manual"])
        assert "只能办理一次" in str(caught.value)  # "only once"
        app = act(app, self.p.gd_clerk, "accept", D(2025, 9, 26))
        assert app.state == "under_review"
        assert "correction" in documents.available(app)
        assert "图纸未盖章" in pdf_text(documents.application_document(app, "correction"))

    def test_a_correction_notice_after_five_working_days_is_refused(self):
        app = submitted(self.p.acme, on=D(2025, 9, 22))
        with pytest.raises(ValidationError) as caught:
            act(app, self.p.gd_clerk, "request_correction", D(2025, 9, 30), missing=["manual"])
        assert "第三十二条" in caught.value.message_dict["missing"][0]  # Art. 32

    def test_silence_for_five_working_days_counts_as_acceptance_from_receipt(self):
        app = submitted(self.p.acme, on=D(2025, 9, 22))
        result = services.licensing_daily(on=D(2025, 9, 30))
        app.refresh_from_db()
        assert result["deemed_accepted"] == 1
        assert app.state == "under_review" and app.deemed_accepted
        assert app.accepted_on == D(2025, 9, 22)
        assert app.decision_due == add_working_days(D(2025, 9, 22), 20)

    def test_accept_review_with_a_stopped_clock_approve_and_certificate(self):
        app = accepted(self.p, on=D(2025, 9, 26))
        app = act(app, self.p.gd_clerk, "assign", D(2025, 9, 29), reviewer=str(self.p.gd_clerk.pk))
        app = act(app, self.p.gd_clerk, "record_opinion", D(2025, 9, 30),
                  opinion="资料齐全，需型式评价", recommendation="approve")
        app = act(app, self.p.gd_clerk, "stop_clock", D(2025, 10, 9), stop_kind="testing",
                  working_days=10, reasons="型式评价")
        assert app.state == "suspended" and app.decision_due is None
        assert Notice.objects.get(application=app, kind="clock_stopped").params[
            "working_days"] == 10
        app = act(app, self.p.gd_clerk, "resume_clock", D(2025, 10, 20), result="评价合格")
        assert app.state == "under_review"
        assert app.decision_due == D(2025, 11, 11)  # 8 working days later than without a stop
        app = act(app, self.p.gd_clerk, "propose", D(2025, 10, 21), recommendation="approve",
                  note="符合条件")
        assert app.state == "awaiting_decision"
        with pytest.raises(PermissionDenied):
            act(app, self.p.gd_clerk, "approve", D(2025, 10, 22))
        app = act(app, self.p.gd_head, "approve", D(2025, 10, 22))
        licence = app.licence
        assert app.state == "approved" and licence.number == "CPA 25-F101"
        assert licence.valid_until is None and licence.status == "valid"
        assert LicenceEvent.objects.filter(licence=licence, kind="granted").exists()
        text = pdf_text(documents.certificate(licence))
        assert "CPA 25-F101" in text and "广州艾克米衡器有限公司" in text
        assert "准予" in pdf_text(documents.application_document(app, "decision"))
        actions = list(ApplicationEvent.objects.filter(application=app)
                       .values_list("action", flat=True))
        assert actions == ["create", "submit", "accept", "assign", "record_opinion",
                           "stop_clock", "resume_clock", "propose", "approve"]

    def test_a_denial_states_the_reasons_and_the_remedies(self):
        app = accepted(self.p)
        with pytest.raises(ValidationError):
            act(app, self.p.gd_head, "deny", D(2025, 10, 9), reasons="")
        app = act(app, self.p.gd_head, "deny", D(2025, 10, 9), reasons="型式评价不合格")
        assert app.state == "denied" and app.licence is None
        notice = Notice.objects.get(application=app, kind="denied")
        assert notice.params["reasons"] == "型式评价不合格"
        text = pdf_text(documents.application_document(app, "decision"))
        assert "型式评价不合格" in text and "行政复议" in text

    def test_the_applicant_withdraws_before_the_decision_and_not_after(self):
        app = accepted(self.p)
        app = act(app, self.p.acme, "withdraw", D(2025, 10, 9))
        assert app.state == "withdrawn" and app.withdrawn_on == D(2025, 10, 9)
        with pytest.raises(ValidationError):
            act(app, self.p.gd_head, "approve", D(2025, 10, 10))
        done = accepted(self.p)
        done = act(done, self.p.gd_head, "approve", D(2025, 10, 9))
        with pytest.raises(ValidationError) as caught:
            act(done, self.p.acme, "withdraw", D(2025, 10, 10))
        assert "action" in caught.value.message_dict

    def test_the_head_extends_once_with_reasons_told(self):
        app = accepted(self.p, on=D(2025, 9, 26))
        with pytest.raises(PermissionDenied):
            act(app, self.p.gd_clerk, "extend", D(2025, 10, 20), reasons="复杂")
        app = act(app, self.p.gd_head, "extend", D(2025, 10, 20), reasons="需补充论证")
        assert app.decision_limit == 30 and app.decision_due == D(2025, 11, 13)
        assert Notice.objects.get(application=app, kind="extended").params["reasons"]
        with pytest.raises(ValidationError):
            act(app, self.p.gd_head, "extend", D(2025, 10, 21), reasons="again")

    def test_not_accepting_needs_reasons(self):
        app = submitted(self.p.acme)
        app = act(app, self.p.gd_clerk, "not_accept", D(2025, 9, 23), reasons="不属于本机关职权")
        assert app.state == "not_accepted"
        assert "不属于本机关职权" in pdf_text(documents.application_document(app, "not_accepted"))

    def test_only_the_deciding_bureau_acts(self):
        app = submitted(self.p.acme)
        for name in ("gz_clerk", "bj_clerk", "acme", "gd_verifier"):
            with pytest.raises(PermissionDenied):
                act(app, getattr(self.p, name), "accept", D(2025, 9, 23))
        assert submitted(self.p.acme).state == "submitted"

    def test_submission_needs_the_required_materials(self):
        app = draft(self.p.acme)
        with pytest.raises(ValidationError) as caught:
            act(app, self.p.acme, "submit", D(2025, 9, 22))
        assert "file" in caught.value.message_dict

    def test_a_closed_licence_takes_no_application_and_says_why(self):
        with pytest.raises(ValidationError) as caught:
            draft(self.p.acme, type_code="manufacture_repair_licence",
                  particulars={"activity": "manufacture", "instruments": "秤"})
        assert "2017-12-27" in caught.value.message_dict["type_code"][0]

    def test_an_enterprise_cannot_apply_for_an_institutions_licence(self):
        with pytest.raises(ValidationError) as caught:
            draft(self.p.acme, type_code="metrology_authorization", particulars=AUTHORISATION)
        assert "type_code" in caught.value.message_dict

    def test_an_authority_authorises_only_within_its_area(self):
        inst = self.p.gd_verifier
        bad = dict(AUTHORISATION, authorised_region="110000")
        with pytest.raises(ValidationError) as caught:
            draft(inst, type_code="metrology_authorization", particulars=bad)
        assert "authorised_region" in caught.value.message_dict

    def test_a_self_declaration_is_filed_and_published_at_once(self):
        app = draft(self.p.acme, type_code="c_mark_declaration", particulars={"products": "大米"})
        from tests.licensing.helpers import attach_required

        attach_required(app, self.p.acme)
        app = act(app, self.p.acme, "file", D(2025, 9, 22))
        assert app.state == "filed" and app.licence.number.startswith("440000CSM2025")
        assert LicenceEvent.objects.filter(licence=app.licence, kind="filed").exists()

    def test_a_deadline_into_2027_is_provisional_and_recounted_when_the_year_is_entered(self):
        from jiliang.core.models import HolidayYear
        from jiliang.core.services import holiday_year_enter
        from jiliang.licensing.models import Notice
        from jiliang.licensing.services import licensing_daily

        HolidayYear.objects.filter(year__gte=2027).delete()
        app = submitted(self.p.acme, on=D(2026, 12, 14))
        app = act(app, self.p.gd_clerk, "accept", D(2026, 12, 15))
        assert app.state == "under_review" and app.calendar_gap == "2027"
        provisional_due = app.decision_due
        assert provisional_due.year == 2027
        page = self.client_as("gd_clerk", language="zh-hans").get(f"/licensing/applications/{app.pk}/")
        assert provisional_due.isoformat() in page.content.decode()
        assert 'id="provisional"' in page.content.decode() and "暂定" in page.content.decode()
        listing = self.client_as("gd_clerk", language="zh-hans").get("/licensing/")
        assert "暂定" in listing.content.decode()
        # the notice gives Monday 4 January 2027 off as well: the date moves by a working day
        with self.captureOnCommitCallbacks(execute=True):
            holiday_year_enter(actor=self.p.admin, year=2027,
                               holidays=["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"],
                               workdays=[], source="国办发明电〔2026〕试例号")
        app.refresh_from_db()
        assert app.calendar_gap == "" and app.decision_due > provisional_due
        moved = Notice.objects.get(application=app, kind="due_moved")
        assert moved.params["old"] == provisional_due.isoformat()
        assert moved.params["due"] == app.decision_due.isoformat()
        page = self.client_as("acme").get(f"/licensing/applications/{app.pk}/")
        assert 'id="provisional"' not in page.content.decode()
        assert licensing_daily(on=D(2026, 12, 16))["recomputed"] == 0

    def test_only_the_national_administration_enters_the_holiday_notice(self):
        from django.core.exceptions import PermissionDenied

        from jiliang.core.services import holiday_year_enter

        with pytest.raises(PermissionDenied):
            holiday_year_enter(actor=self.p.gd_clerk, year=2027, holidays=["2027-01-01"],
                               workdays=[], source="x")
        with pytest.raises(ValidationError) as caught:
            holiday_year_enter(actor=self.p.admin, year=2027, holidays=["2027-01-01"],
                               workdays=["2027-01-05"], source="x")
        assert "workdays" in caught.value.message_dict


class ActionPayloadTests(PersonaTestCase):
    """A transition takes only the fields it declares: a payload cannot set the date, the
    actor or anything else of the act."""

    def _post(self, app, action: str, fields: dict):
        return self.api_as("acme").post(
            f"/api/v1/licensing/applications/{app.pk}/actions/{action}",
            {"version": app.version, "fields": fields}, content_type="application/json")

    def test_it_refuses_a_date_in_the_fields_and_logs_nothing(self):
        app = accepted(self.p)
        response = self._post(app, "withdraw", {"on": "2001-01-01"})
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["on"]
        app.refresh_from_db()
        assert app.state == "under_review"
        assert not ApplicationEvent.objects.filter(application=app, action="withdraw").exists()

    def test_it_answers_an_actor_in_the_fields_with_a_400_not_a_500(self):
        app = accepted(self.p)
        for name in ("actor", "application", "action", "version"):
            response = self._post(app, "withdraw", {name: None})
            assert response.status_code == 400, name
            assert response.json()["errors"][0]["field"] == name

    def test_the_event_of_an_api_act_is_dated_today(self):
        app = accepted(self.p)
        response = self._post(app, "withdraw", {"reasons": "不再需要"})
        assert response.status_code == 200
        event = ApplicationEvent.objects.get(application=app, action="withdraw")
        assert event.on == timezone.localdate() and event.note == "不再需要"

    def test_the_service_refuses_a_field_the_transition_does_not_take(self):
        app = accepted(self.p)
        with pytest.raises(ValidationError) as caught:
            act(app, self.p.gd_head, "approve", D(2025, 10, 9), decided_on="2001-01-01")
        assert "decided_on" in caught.value.message_dict


class TimeLimitWordsTests(PersonaTestCase):
    def test_the_extension_notice_names_the_types_extension(self):
        from django.utils import translation

        from jiliang.licensing.notices import notice_text

        app = accepted(self.p, on=D(2025, 9, 26))
        app = act(app, self.p.gd_head, "extend", D(2025, 10, 20), reasons="需补充论证")
        days = app.licence_type.limits()["extension"]
        notice = Notice.objects.get(application=app, kind="extended")
        assert notice.params["days"] == days
        with translation.override("en"):
            assert f"extended the time limit by {days} working days" in notice_text(notice)

    def test_the_acceptance_limit_on_the_page_is_the_types(self):
        app = submitted(self.p.acme)
        page = self.client_as("gd_clerk").get(f"/licensing/applications/{app.pk}/",
                                              HTTP_ACCEPT_LANGUAGE="en")
        days = app.licence_type.limits()["acceptance"]
        assert f"without a notice within {days} working days" in page.content.decode()
