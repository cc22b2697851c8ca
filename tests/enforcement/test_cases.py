"""Cases from finding to published decision, on the real database through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from jiliang.audit.chain import chain_verify
from jiliang.audit.models import LedgerEntry
from jiliang.enforcement import findings, selectors, services
from jiliang.enforcement.models import Case, CaseEvent
from tests.base import PersonaTestCase
from tests.enforcement.helpers import (
    DISCOVERED,
    OPENED,
    case_from_lot,
    failed_lot,
    notified,
    passed_lot,
)

LIMITS = {"JILIANG_ENFORCEMENT_OPENING_DAYS": 5, "JILIANG_ENFORCEMENT_DECISION_DAYS": 10,
          "JILIANG_ENFORCEMENT_STATEMENT_DAYS": 3}


@override_settings(**LIMITS)
class OpeningTest(PersonaTestCase):
    def test_a_case_opens_from_a_failed_lot_with_its_limits_counted_over_the_holiday(self):
        lot = failed_lot(self.p)
        case = services.open_case(self.p.gd_clerk, finding=lot, on=OPENED)
        self.assertEqual(case.state, "investigating")
        self.assertEqual(case.finding_kind, "net_content_fail")
        self.assertEqual(case.finding_id, lot.pk)
        self.assertEqual(case.party_name, "广州示例食品有限公司")
        self.assertEqual(case.discovered_on, DISCOVERED)
        self.assertEqual(case.campaign_id, lot.campaign_id)
        self.assertEqual(case.region_code, "440000")  # the handling bureau's
        # A lot sampled in 2025 falls under Order 70 (in force from 2023-06-01), not Order 75.
        self.assertEqual(case.bases, ["prepackaged_order_70"])
        # 5 working days from Fri 26 Sep 2025: Sun 28 (adjusted working day), 29, 30 Sep, then
        # 1–8 October off, 9 and 10 October.
        self.assertEqual(case.opening_due_on, datetime.date(2025, 10, 10))
        self.assertFalse(case.opened_late)
        # 10 working days from 30 Sep: 9, 10, 11 (Saturday, adjusted), 13–17, 20, 21 October.
        self.assertEqual(case.decision_due_on, datetime.date(2025, 10, 21))
        self.assertEqual(case.provisional_years, "")
        self.assertTrue(case.number.startswith("CF44-2025-"))
        event = CaseEvent.objects.get(case=case)
        self.assertEqual((event.action, event.to_state), ("open", "investigating"))
        self.assertTrue(LedgerEntry.objects.filter(action="enforcement.case.open",
                                                   object_id=str(case.pk)).exists())

    def test_a_case_opened_after_its_limit_is_marked_late(self):
        case = case_from_lot(self.p, on=datetime.date(2025, 10, 13))
        self.assertTrue(case.opened_late)

    def test_a_lot_sampled_before_june_2023_falls_under_order_75(self):
        case = case_from_lot(self.p, sampled_on=datetime.date(2022, 5, 20),
                             on=datetime.date(2022, 5, 23))
        self.assertEqual(case.bases, ["prepackaged_order_75"])

    def test_it_refuses_a_passed_lot_and_a_second_case_on_one_lot(self):
        with self.assertRaises(ValidationError) as refused:
            services.open_case(self.p.gd_clerk, finding=passed_lot(self.p), on=OPENED)
        self.assertIn("finding", refused.exception.message_dict)
        lot = failed_lot(self.p)
        first = services.open_case(self.p.gd_clerk, finding=lot, on=OPENED)
        with self.assertRaises(ValidationError) as again:
            services.open_case(self.p.gz_clerk, finding=lot, on=OPENED)
        self.assertIn(first.number, again.exception.message_dict["finding"][0])

    def test_another_province_cannot_open_a_case_on_a_guangdong_lot(self):
        with self.assertRaises(PermissionDenied):
            services.open_case(self.p.bj_clerk, finding=failed_lot(self.p), on=OPENED)
        with self.assertRaises(PermissionDenied):
            services.open_case(self.p.acme, finding=failed_lot(self.p), on=OPENED)

    def test_a_case_opens_by_hand_against_a_natural_person(self):
        case = services.open_case(
            self.p.gz_clerk, party_kind="person", party_name="张三",
            party_id_number="440106199001011234", discovered_on=DISCOVERED,
            summary="集贸市场摊位使用未经检定的电子秤", bases=["metrology_law"],
            articles="第二十七条", on=OPENED)
        self.assertEqual((case.finding_kind, case.region_code), ("manual", "440100"))
        with self.assertRaises(ValidationError) as refused:
            services.open_case(self.p.gz_clerk, party_kind="person", party_name="李四",
                               discovered_on=DISCOVERED, summary="x", bases=["no_such_law"])
        self.assertIn("bases", refused.exception.message_dict)
        with self.assertRaises(ValidationError) as lapsed:
            services.open_case(self.p.gz_clerk, party_kind="person", party_name="李四",
                               discovered_on=DISCOVERED, summary="x",
                               bases=["prepackaged_order_75"])
        self.assertIn("bases", lapsed.exception.message_dict)

    def test_another_app_registers_a_kind_of_finding(self):
        lot = failed_lot(self.p)
        previous = findings.kinds().get("tamper_alert")
        try:
            findings.register(findings.FindingKind(
                "tamper_alert", "supervision.NetContentRecord",
                lambda r: findings.Facts(party=None, party_name="某加油站",
                                         region_code=r.region_code, discovered_on=r.sampled_on,
                                         summary="脉冲当量被改动")))
            case = services.open_case(self.p.gd_clerk, finding=lot, kind="tamper_alert",
                                      on=OPENED)
        finally:
            if previous is not None:
                findings.register(previous)
            else:
                findings.unregister("tamper_alert")
        self.assertEqual((case.finding_kind, case.party_name), ("tamper_alert", "某加油站"))
        self.assertIn("energy_metering_measures", case.bases)


@override_settings(**LIMITS, JILIANG_ENFORCEMENT_HEARING_THRESHOLD_ORGANISATION="10000",
                   JILIANG_ENFORCEMENT_HEARING_THRESHOLD_PERSON="2000")
class WorkflowTest(PersonaTestCase):
    def test_a_hearing_is_offered_when_the_fine_reaches_the_threshold_and_not_below(self):
        at = notified(self.p, case_from_lot(self.p), fine="10000")
        self.assertTrue(at.hearing_offered)
        self.assertEqual(at.hearing_threshold, Decimal("10000"))
        below = notified(self.p, case_from_lot(self.p), fine="9999.99")
        self.assertFalse(below.hearing_offered)
        with self.assertRaises(ValidationError) as refused:
            services.case_act(actor=self.p.gd_clerk, case=below, action="record_statement",
                              payload={"statement": "要求听证", "hearing_requested": True})
        self.assertIn("hearing_requested", refused.exception.message_dict)
        person = services.open_case(self.p.gd_clerk, party_kind="person", party_name="王五",
                                    discovered_on=DISCOVERED, summary="短秤", on=OPENED)
        self.assertTrue(notified(self.p, person, fine="2000").hearing_offered)

    def test_from_notice_to_decision_execution_publication_and_closure(self):
        case = notified(self.p, case_from_lot(self.p), on=datetime.date(2025, 10, 9))
        # 3 working days from Thu 9 Oct: 10, 11 (Saturday, adjusted), 13 October.
        self.assertEqual(case.statement_due_on, datetime.date(2025, 10, 13))
        decide = {"fine": "5000", "decision_text": "罚款人民币5000元"}
        with self.assertRaises(ValidationError) as early:
            services.case_act(actor=self.p.gd_head, case=case, action="decide", payload=decide,
                              on=datetime.date(2025, 10, 13))
        self.assertIn("2025-10-13", early.exception.message_dict["action"][0])
        with self.assertRaises(PermissionDenied):  # deciding is for the head
            services.case_act(actor=self.p.gd_clerk, case=case, action="decide",
                              payload=decide, on=datetime.date(2025, 10, 14))
        with self.assertRaises(ValidationError) as heavier:
            services.case_act(actor=self.p.gd_head, case=case, action="decide",
                              payload={**decide, "fine": "6000"}, on=datetime.date(2025, 10, 14))
        self.assertIn("fine", heavier.exception.message_dict)
        case = services.case_act(actor=self.p.gd_head, case=case, action="decide",
                                 payload=decide, on=datetime.date(2025, 10, 14))
        self.assertEqual((case.state, case.fine), ("decided", Decimal("5000.00")))
        self.assertFalse(selectors.published_cases().filter(pk=case.pk).exists())
        case = services.case_act(actor=self.p.gd_clerk, case=case, action="publish")
        self.assertTrue(selectors.published_cases().filter(pk=case.pk).exists())
        with self.assertRaises(ValidationError):
            services.case_act(actor=self.p.gd_clerk, case=case, action="publish")
        with self.assertRaises(ValidationError) as wrong:
            services.case_act(actor=self.p.gd_clerk, case=case, action="execute", payload={
                "execution_kind": "paid", "executed_on": "2025-10-20", "amount_paid": "4000"},
                on=datetime.date(2025, 10, 21))
        self.assertIn("amount_paid", wrong.exception.message_dict)
        case = services.case_act(actor=self.p.gd_clerk, case=case, action="execute", payload={
            "execution_kind": "paid", "executed_on": "2025-10-20", "amount_paid": "5000"},
            on=datetime.date(2025, 10, 21))
        case = services.case_act(actor=self.p.gd_head, case=case, action="close",
                                 on=datetime.date(2025, 10, 22))
        self.assertEqual((case.state, case.closed_on), ("closed", datetime.date(2025, 10, 22)))
        actions = list(case.events.values_list("action", flat=True))
        self.assertEqual(actions, ["open", "notify", "decide", "publish", "execute", "close"])
        self.assertTrue(all(report.ok for report in chain_verify(CaseEvent)))

    def test_the_head_extends_the_decision_limit_once_with_reasons(self):
        case = case_from_lot(self.p)
        with self.assertRaises(PermissionDenied):
            services.case_act(actor=self.p.gd_clerk, case=case, action="extend",
                              payload={"working_days": 5, "reasons": "需检测"})
        case = services.case_act(actor=self.p.gd_head, case=case, action="extend",
                                 payload={"working_days": 5, "reasons": "需检测"})
        # 10 + 5 working days from 30 Sep 2025: 21 October + 22, 23, 24, 27, 28.
        self.assertEqual(case.decision_due_on, datetime.date(2025, 10, 28))
        with self.assertRaises(ValidationError):
            services.case_act(actor=self.p.gd_head, case=case, action="extend",
                              payload={"working_days": 5, "reasons": "再延"})

    def test_a_stale_version_and_an_unknown_field_are_refused(self):
        case = case_from_lot(self.p)
        with self.assertRaises(ValidationError) as stale:
            services.case_act(actor=self.p.gd_clerk, case=case, action="record_evidence",
                              version=case.version + 1, payload={"note": "现场检查笔录"})
        self.assertIn("version", stale.exception.message_dict)
        with self.assertRaises(ValidationError) as unknown:
            services.case_act(actor=self.p.gd_clerk, case=case, action="record_evidence",
                              payload={"note": "x", "fine": "1"})
        self.assertIn("fine", unknown.exception.message_dict)

    def test_a_published_decision_masks_a_natural_person(self):
        case = services.open_case(
            self.p.gd_clerk, party_kind="person", party_name="欧阳娜娜",
            party_id_number="440106199001011234", party_address="广州市天河区某路1号",
            discovered_on=DISCOVERED, summary="使用未经检定的电子秤", on=OPENED)
        case = services.case_act(actor=self.p.gd_clerk, case=case, action="notify", payload={
            "proposed_fine": "500", "proposed_measures": "责令改正",
            "facts": "欧阳娜娜（身份证号440106199001011234，电话13800138000）在广州市天河区某路1号"
                     "使用未经检定的电子秤"}, on=OPENED)
        case = services.case_act(actor=self.p.gd_head, case=case, action="decide", payload={
            "fine": "500", "decision_text": "对欧阳娜娜罚款人民币500元"},
            on=datetime.date(2025, 10, 20))
        record = selectors.public_record(
            services.case_act(actor=self.p.gd_clerk, case=case, action="publish"))
        self.assertEqual(record["party"], "欧***")
        text = record["facts"] + record["decision"]
        for private in ("欧阳娜娜", "440106199001011234", "13800138000", "天河区某路1号"):
            self.assertNotIn(private, text)


class ScopingTest(PersonaTestCase):
    def test_only_the_handling_bureau_and_those_above_it_see_a_case(self):
        provincial = case_from_lot(self.p)
        city = case_from_lot(self.p, actor=self.p.gz_clerk)
        self.assertEqual(city.region_code, "440100")
        gd = set(selectors.case_list(self.p.gd_clerk).values_list("pk", flat=True))
        self.assertEqual(gd, {provincial.pk, city.pk})
        gz = set(selectors.case_list(self.p.gz_clerk).values_list("pk", flat=True))
        self.assertEqual(gz, {city.pk})
        self.assertEqual(set(selectors.case_list(self.p.admin).values_list("pk", flat=True)),
                         {provincial.pk, city.pk})
        for outsider in (self.p.bj_clerk, self.p.acme, self.p.gd_verifier, self.p.anonymous):
            self.assertFalse(selectors.case_list(outsider).exists())
        with self.assertRaises(Http404):
            selectors.case_get(self.p.bj_clerk, provincial.pk)
        with self.assertRaises(PermissionDenied):
            services.case_act(actor=self.p.bj_clerk, case=provincial, action="record_evidence",
                              payload={"note": "x"})
        # The province oversees the city's case but does not act on it.
        with self.assertRaises(PermissionDenied):
            services.case_act(actor=self.p.gd_clerk, case=city, action="record_evidence",
                              payload={"note": "x"})
        self.assertEqual(Case.objects.count(), 2)


class KindsTest(PersonaTestCase):
    def test_an_unknown_kind_is_a_clear_error_not_a_crash(self):
        with self.assertRaises(ValidationError) as refused:
            services.open_case(self.p.gd_clerk, kind="no_such_kind", party_kind="person",
                               party_name="张三", discovered_on=DISCOVERED, summary="x")
        self.assertIn("finding", refused.exception.message_dict)
        with self.assertRaises(findings.RuleError):
            findings.register(findings.FindingKind("no_such_kind", None))
