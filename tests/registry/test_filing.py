"""Filing (备案): who may file what, the rules, duplicates."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiliang.audit.models import LedgerEntry
from jiliang.registry import services
from jiliang.registry.models import Instrument
from tests.base import PersonaTestCase
from tests.registry.helpers import days, file


class FilingTests(PersonaTestCase):
    def test_an_enterprise_files_its_own_instrument_which_is_due_for_first_verification(self):
        inst = file(self.p.acme, serial="SC-1", first_use_on=days(-3))
        assert inst.owner == self.p.orgs["acme"] and inst.province_code == "44"
        assert inst.due_action == "first" and inst.next_due_on == days(-3)
        assert len(inst.public_code) == 16
        assert LedgerEntry.objects.filter(action="registry.instrument.file",
                                          object_id=str(inst.pk)).exists()

    def test_a_duplicate_filing_is_refused_with_a_link_to_the_record_that_exists(self):
        first = file(self.p.acme, serial="DUP-1")
        with pytest.raises(services.DuplicateInstrumentError) as caught:
            file(self.p.gd_clerk, owner=self.p.orgs["acme"], serial="DUP-1")
        message = caught.value.message_dict["serial_number"][0]
        assert f"/registry/instruments/{first.pk}/" in message
        assert Instrument.objects.filter(serial_number="DUP-1").count() == 1
        page = self.client_as("acme").post("/registry/instruments/new/", {
            "kind_code": "scale_digital_indicating", "use": "trade", "serial_number": "DUP-1",
            "region_code": "440106"})
        assert page.status_code == 200
        assert f'href="/registry/instruments/{first.pk}/"' in page.content.decode()

    def test_the_same_serial_of_another_kind_or_owner_is_another_instrument(self):
        file(self.p.acme, serial="SAME-1")
        file(self.p.acme, serial="SAME-1", kind="taximeter")
        file(self.p.bj_clerk, owner=self.p.orgs["bj_enterprise"], serial="SAME-1", region="110108")
        assert Instrument.objects.filter(serial_number="SAME-1").count() == 3

    def test_an_enterprise_cannot_file_for_another_owner_nor_a_bureau_outside_its_region(self):
        with pytest.raises(PermissionDenied):
            file(self.p.acme, owner=self.p.orgs["bj_enterprise"], region="110108")
        with pytest.raises(PermissionDenied):
            file(self.p.gd_clerk, owner=self.p.orgs["bj_enterprise"], region="110108")
        with pytest.raises(PermissionDenied):
            file(self.p.gd_verifier, owner=self.p.orgs["acme"])

    def test_the_rules_of_the_catalogue_are_checked_field_by_field(self):
        cases = [
            ({"kind": "water_meter"}, "nominal_size"),
            ({"kind": "gas_meter", "nominal_size": "4"}, "medium"),
            ({"kind": "taximeter", "use": "medical"}, "use"),
            ({"kind": "no_such_kind"}, "kind"),
            ({"region": "449999"}, "region_code"),
            ({"region": "440000"}, "region_code"),
            ({"first_use_on": days(3)}, "first_use_on"),
        ]
        for extra, field in cases:
            with pytest.raises(ValidationError) as caught:
                file(self.p.acme, **extra)
            assert field in caught.value.message_dict, (extra, caught.value.message_dict)

    def test_the_owner_or_the_bureau_changes_particulars_and_status_but_not_others(self):
        inst = file(self.p.acme, serial="CH-1")
        services.instrument_update(actor=self.p.acme, instrument=inst, address="新地址")
        services.instrument_set_status(actor=self.p.gz_clerk, instrument=inst, status="stopped")
        with pytest.raises(PermissionDenied):
            services.instrument_set_status(actor=self.p.bj_clerk, instrument=inst, status="in_use")
        inst = services.instrument_set_status(actor=self.p.acme, instrument=inst, status="scrapped")
        with pytest.raises(ValidationError):
            services.instrument_set_status(actor=self.p.acme, instrument=inst, status="in_use")
