"""Contract 3: energy and supervision read an instrument's status from the registry.

An electricity meter filed in the registry by its owner and found again in the owner's
energy-meter ledger, and a sphygmomanometer filed in the registry and found on a hospital
visit of a special inspection: both show what the registry knows, through the real apps.
"""

import datetime

from django.urls import reverse

from jiliang.energy import services as energy
from jiliang.energy.models import Finding
from jiliang.supervision import services as supervision
from jiliang.supervision.models import InstrumentSource
from tests.base import PersonaTestCase
from tests.energy.factories import make_meter, make_unit
from tests.registry.helpers import days, file, today, verify
from tests.supervision.helpers import campaign, task


class EnergyLedgerReadsTheRegistryTests(PersonaTestCase):
    def setUp(self):
        super().setUp()
        p = self.p
        self.filed = file(p.acme, kind="electricity_meter", use="trade", serial="EM-0001")
        # Passed 400 days ago with a one-year validity: overdue in the registry today.
        verify(p.gd_verifier, self.filed, regulation="JJG 596-2012", on=days(-400),
               valid_until=days(-35))
        self.unit = make_unit(p)
        # The enterprise's own ledger still says the meter is valid.
        self.meter = make_meter(self.unit, "M-01", serial_no="EM-0001",
                                valid_until=days(300))
        self.other = make_meter(self.unit, "M-02", serial_no="NOT-FILED")

    def test_the_ledger_and_the_meter_page_show_the_registry_status(self):
        client = self.client_as("gd_clerk")
        listing = client.get(reverse("energy:meter-list", args=[self.unit.pk])).content.decode()
        code = self.filed.public_code
        link = reverse("registry:public-instrument", args=[code])
        assert listing.count(link) == 1  # the filed meter only
        assert "overdue in the registry" in listing
        detail = client.get(reverse("energy:meter-detail", args=[self.meter.pk])).content.decode()
        assert link in detail and "in use" in detail and "overdue" in detail
        chinese = self.client_as("gd_clerk", language="zh-hans").get(
            reverse("energy:meter-detail", args=[self.meter.pk])).content.decode()
        assert "在用" in chinese
        assert code not in client.get(
            reverse("energy:meter-detail", args=[self.other.pk])).content.decode()

    def test_an_audit_finds_a_meter_overdue_in_the_registry(self):
        audit = energy.audit_open(actor=self.p.gd_clerk, unit=self.unit)
        energy.audit_complete(actor=self.p.gd_clerk, audit=audit)
        texts = list(Finding.objects.filter(audit=audit, meter=self.meter,
                                            kind=Finding.Kind.VALIDITY)
                     .values_list("text", flat=True))
        assert len(texts) == 1 and self.filed.public_code in texts[0]
        assert not Finding.objects.filter(audit=audit, meter=self.other,
                                          kind=Finding.Kind.VALIDITY).exists()

    def test_a_meter_of_another_owner_with_the_same_serial_is_not_matched(self):
        other_unit = make_unit(self.p, "bj_enterprise")
        twin = make_meter(other_unit, "B-01", serial_no="EM-0001")
        detail = self.client_as("bj_clerk").get(
            reverse("energy:meter-detail", args=[twin.pk])).content.decode()
        assert self.filed.public_code not in detail


class SpecialInspectionReadsTheRegistryTests(PersonaTestCase):
    def test_an_instrument_found_on_a_visit_takes_its_status_from_the_registry(self):
        p = self.p
        acme = p.orgs["acme"]
        filed = file(p.acme, kind="sphygmomanometer", use="medical", serial="BP-9")
        verify(p.gd_verifier, filed, regulation="JJG 270-2008", on=days(-400),
               valid_until=days(-35))
        year = today().year
        c = campaign(p, kind="special_inspection", products=(), year=year,
                     kind_codes=("sphygmomanometer",))
        t = task(p, c, "440100", institution=p.orgs["gd_institute"])
        visit = supervision.visit_record(
            actor=p.gd_verifier, task=t, institution_name=acme.name,
            institution_credit_code=acme.credit_code, visited_on=today(), region_code="440106")
        found = supervision.instrument_record(actor=p.gd_verifier, visit=visit,
                                              kind_code="sphygmomanometer", serial_number="BP-9")
        assert found.source == InstrumentSource.REGISTRY
        assert found.public_code == filed.public_code
        assert found.valid_until == days(-35) and found.verified_in_time is False
        assert found.conforms is True  # its last verification passed
        # Not filed: the inspector must say what was found on the spot.
        spot = supervision.instrument_record(actor=p.gd_verifier, visit=visit,
                                             kind_code="sphygmomanometer", serial_number="BP-X",
                                             valid_until=today() + datetime.timedelta(days=10))
        assert spot.source == InstrumentSource.ON_SPOT and spot.verified_in_time is True
        page = self.client_as("gd_clerk").get(
            reverse("supervision:visit-detail", args=[visit.pk])).content.decode()
        assert reverse("registry:public-instrument", args=[filed.public_code]) in page
