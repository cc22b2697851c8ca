"""The pages of what a case is about list it: an instrument, a campaign's report, an energy
unit, an organisation; and the net-content tracking counts penalty decisions."""

from __future__ import annotations

import datetime

from django.urls import reverse

from jiliang.enforcement import services
from tests.base import PersonaTestCase
from tests.enforcement.helpers import FAILING, OPENED
from tests.supervision import helpers as supervision


class LinksTest(PersonaTestCase):
    def test_an_overdue_instrument_lists_its_case_on_its_page(self):
        from tests.registry.helpers import file

        instrument = file(self.p.gd_clerk, owner=self.p.orgs["acme"])  # never verified
        case = services.open_case(self.p.gd_clerk, finding=instrument)
        self.assertEqual((case.finding_kind, case.instrument_id),
                         ("instrument_overdue", instrument.pk))
        url = reverse("registry:instrument-detail", args=[instrument.pk])
        self.assertContains(self.client_as("gd_clerk").get(url), case.number)
        # The enterprise sees its instrument, not the bureau's case.
        self.assertNotContains(self.client_as("acme").get(url), case.number)
        organisation = self.client_as("gd_clerk").get(
            reverse("core:organisation-detail", args=[self.p.orgs["acme"].pk]))
        self.assertContains(organisation, reverse("enforcement:case-list") +
                            f"?party={self.p.orgs['acme'].pk}")

    def test_an_energy_audit_finding_lists_its_case_on_the_units_page(self):
        from jiliang.energy import services as energy
        from tests.energy.factories import make_meter, make_unit

        unit = make_unit(self.p, "acme")
        make_meter(unit, "E-01")
        audit = energy.audit_open(actor=None, unit=unit, auditor=self.p.orgs["gd_bureau"])
        energy.audit_cell_set(actor=None, audit=audit, energy="electricity", level="L1",
                              required=5)
        audit = energy.audit_complete(actor=None, audit=audit)
        finding = audit.findings.first()
        self.assertIsNotNone(finding)
        case = services.open_case(self.p.gd_clerk, finding=finding)
        self.assertEqual((case.finding_kind, case.energy_unit_id), ("energy_audit", unit.pk))
        self.assertIn("energy_conservation_law", case.bases)
        page = self.client_as("gd_clerk").get(reverse("energy:unit-detail", args=[unit.pk]))
        self.assertContains(page, case.number)

    def test_the_report_lists_cases_and_the_tracking_counts_penalties(self):
        campaign = supervision.campaign(self.p, year=2024)
        task = supervision.task(self.p, campaign, "440100")
        lots = [supervision.sample(self.p, task, values=FAILING,
                                   sampled_on=datetime.date(2024, 5, day)) for day in (20, 21)]
        case = services.open_case(self.p.gd_clerk, finding=lots[0], on=OPENED)
        case = services.case_act(actor=self.p.gd_clerk, case=case, action="notify", payload={
            "proposed_fine": "3000", "proposed_measures": "责令改正", "facts": "净含量不足"},
            on=datetime.date(2025, 10, 9))
        services.case_act(actor=self.p.gd_head, case=case, action="decide", payload={
            "fine": "3000", "decision_text": "罚款3000元"}, on=datetime.date(2025, 10, 20))
        client = self.client_as("gd_clerk", language="en")
        report = client.get(reverse("supervision:campaign-report", args=[campaign.pk]))
        self.assertContains(report, case.number)
        tracking = client.get(reverse("supervision:campaign-tracking", args=[campaign.pk]))
        self.assertContains(tracking, "Penalty decisions")
        body = tracking.content.decode()
        row = body[body.index(supervision.PACKER_GZ):]
        row = row[:row.index("</tr>")]
        self.assertIn("<td>1</td>", row.replace(" ", ""))


class TamperAlertTest(PersonaTestCase):
    def test_a_case_opens_from_a_tamper_alert_offered_on_its_page(self):
        from jiliang.monitoring.models import Alert
        from tests.monitoring.helpers import ago, dispenser, event, gateway, send

        gw = gateway(self.p.orgs["acme"])
        instrument = dispenser(self.p.acme, serial="FD-CASE-1")
        send(gw, [event(instrument, "event_counter", ago(2), 1),
                  event(instrument, "event_counter", ago(1), 5)])
        alert = Alert.objects.get()
        client = self.client_as("gd_clerk")
        new = reverse("enforcement:case-new") + f"?kind=tamper_alert&finding={alert.pk}"
        self.assertContains(client.get(f"/monitoring/alerts/{alert.pk}/"),
                            new.replace("&", "&amp;"))
        case = services.open_case(self.p.gd_clerk, finding=alert)
        self.assertEqual((case.finding_kind, case.instrument_id, case.party_id),
                         ("tamper_alert", instrument.pk, self.p.orgs["acme"].pk))
        self.assertIn("metrology_law", case.bases)
        self.assertContains(client.get(f"/monitoring/alerts/{alert.pk}/"), case.number)
