"""The transition log and the public disclosures are tamper-evident (hash-chained)."""

import pytest
from django.db import DatabaseError, connection, transaction

from jiliang.audit.chain import chain_verify, chained_models
from jiliang.licensing.models import ApplicationEvent, LicenceEvent
from tests.base import PersonaTestCase
from tests.licensing.helpers import D, accepted, act


class ChainTests(PersonaTestCase):
    def setUp(self):
        self.licence = act(accepted(self.p), self.p.gd_head, "approve", D(2025, 10, 9)).licence

    def test_verify_ledger_covers_both_tables_and_finds_them_intact(self):
        assert {ApplicationEvent, LicenceEvent} <= set(chained_models())
        for model in (ApplicationEvent, LicenceEvent):
            reports = chain_verify(model)
            assert reports and all(r.ok for r in reports)
            assert reports[0].key == "44"

    def test_a_silent_change_to_a_disclosure_is_found(self):
        if connection.vendor == "postgresql":
            event = LicenceEvent.objects.get(licence=self.licence)
            with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
                  connection.cursor() as cursor):
                cursor.execute("UPDATE licensing_licenceevent SET reasons = 'x' WHERE id = %s",
                               [event.pk])
            return
        LicenceEvent.objects.filter(licence=self.licence).update(kind="revoked")
        report = chain_verify(LicenceEvent)[0]
        assert not report.ok and report.broken.seq == 1
