import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiliang.audit.chain import canonical_value
from jiliang.audit.models import LedgerEntry
from jiliang.energy import ingest, services, signing
from jiliang.energy.models import BatchRefusal, DailyEnergy, Reading, ReadingBatch
from jiliang.rules.chain import canonical_json
from tests.base import PersonaTestCase
from tests.energy.factories import OTHER_PRIVATE, at, body, make_meter, make_unit, send, series


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the services' back, as a DBA with raw SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


class IngestTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)
        cls.main = make_meter(cls.unit, "E-01")
        cls.sub = make_meter(cls.unit, "E-02", level="L2", sub_unit="轧钢车间",
                             parent=cls.main)

    def counts(self):
        return (Reading.objects.count(), DailyEnergy.objects.count(),
                LedgerEntry.objects.count(), ReadingBatch.objects.count())

    def test_a_signed_batch_is_accepted_chained_and_aggregated(self):
        rows = series("E-01", at(1), 96) + series("E-02", at(1), 96, step="1")
        result = send(self.unit, "b-1", rows)
        assert (result.batch.accepted, result.batch.rejected, result.repeated) == (192, 0, False)
        day = DailyEnergy.objects.get(meter=self.main, day=datetime.date(2026, 1, 1))
        # 96 readings from 00:00: 95 intervals of 2.5 kWh fall on the 1st
        assert day.readings == 96 and day.consumption == Decimal("237.5")
        assert day.lapsed == day.misaligned == day.decreases == 0
        assert day.last_value == Decimal("1237.500")
        assert "all chains verify" in self._verify()

    def test_the_next_midnight_closes_the_day_before(self):
        send(self.unit, "b-1", series("E-01", at(1, 23, 30), 3))  # 23:30, 23:45, 00:00
        days = {d.day: d for d in DailyEnergy.objects.filter(meter=self.main)}
        assert days[datetime.date(2026, 1, 1)].consumption == Decimal("5")
        assert days[datetime.date(2026, 1, 2)].consumption == Decimal("0")
        assert days[datetime.date(2026, 1, 2)].readings == 1

    def test_a_csv_batch_is_accepted(self):
        result = send(self.unit, "csv-1", series("E-01", at(1), 4), fmt="csv")
        assert result.batch.accepted == 4 and result.batch.content_type == "csv"

    def test_a_repeated_batch_changes_nothing(self):
        rows = series("E-01", at(1), 8)
        send(self.unit, "b-1", rows)
        before = self.counts()
        again = send(self.unit, "b-1", rows)
        assert again.repeated and again.batch.accepted == 8
        assert self.counts() == before

    def test_the_same_readings_under_a_new_batch_id_add_nothing(self):
        rows = series("E-01", at(1), 8)
        send(self.unit, "b-1", rows)
        readings, days = Reading.objects.count(), list(DailyEnergy.objects.values_list(
            "consumption", "readings"))
        result = send(self.unit, "b-2", rows)
        assert (result.batch.accepted, result.batch.duplicates) == (0, 8)
        assert Reading.objects.count() == readings
        assert list(DailyEnergy.objects.values_list("consumption", "readings")) == days

    def test_a_batch_id_reused_for_other_readings_is_refused(self):
        send(self.unit, "b-1", series("E-01", at(1), 2))
        with pytest.raises(services.BatchRefusedError) as refused:
            send(self.unit, "b-1", series("E-01", at(2), 2))
        assert refused.value.reason == "batch_id_reused"

    def test_a_bad_signature_is_refused_and_reported(self):
        before = self.counts()
        with pytest.raises(services.BatchRefusedError) as refused:
            send(self.unit, "b-1", series("E-01", at(1), 4), key=OTHER_PRIVATE)
        assert refused.value.reason == "bad_signature"
        assert "signature" in refused.value.message_dict
        assert self.counts() == before
        refusal = BatchRefusal.objects.get()
        assert (refusal.unit, refusal.reason, refusal.batch_id) == (self.unit, "bad_signature",
                                                                    "b-1")

    def test_an_unsigned_batch_is_refused(self):
        data = body(series("E-01", at(1), 2))
        with pytest.raises(services.BatchRefusedError) as refused:
            services.batch_ingest(unit_code=self.unit.code, batch_id="b-1", body=data,
                                  content_type="json", signature="", channel="http")
        assert refused.value.reason == "unsigned"

    def test_a_body_changed_after_signing_is_refused(self):
        data = body(series("E-01", at(1), 2))
        signature = signing.sign(signing.keypair_from_seed(b"jiliang-energy-tests")[0],
                                 self.unit.code, "b-1", data)
        with pytest.raises(services.BatchRefusedError):
            services.batch_ingest(unit_code=self.unit.code, batch_id="b-1",
                                  body=data.replace(b"1000", b"1001"), content_type="json",
                                  signature=signature, channel="http")

    def test_bad_rows_are_reported_and_the_good_rows_kept(self):
        rows = series("E-01", at(1), 3) + [("E-99", at(1, 1), "5")]
        data = body(rows).replace(b'"1002.5"', b'"twelve"')
        result = send(self.unit, "b-1", [], raw=data)
        assert (result.batch.accepted, result.batch.rejected) == (2, 2)
        fields = sorted(e["field"] for e in result.batch.errors)
        assert fields == ["meter", "value"]

    def test_a_value_in_other_digits_or_past_the_bound_is_a_row_error_on_value(self):
        rows = [("E-01", at(1), "١٢"), ("E-01", at(1, 1), "1000000000000"),
                ("E-01", at(1, 2), "12.5")]
        result = send(self.unit, "b-1", rows)
        assert (result.batch.accepted, result.batch.rejected) == (1, 2)
        assert [e["field"] for e in result.batch.errors] == ["value", "value"]
        assert list(Reading.objects.values_list("value", flat=True)) == [Decimal("12.500")]

    def test_a_reading_from_the_future_or_without_offset_is_refused(self):
        future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        data = body([("E-01", future, "1")]).replace(b"+00:00", b"")
        result = send(self.unit, "b-1", [], raw=body([("E-01", future, "1")]))
        assert result.batch.rejected == 1 and result.batch.errors[0]["field"] == "time"
        result = send(self.unit, "b-2", [], raw=data)
        assert result.batch.rejected == 1 and "+08:00" in result.batch.errors[0]["message"]

    def test_an_older_reading_rebuilds_the_days_it_touches(self):
        rows = series("E-01", at(1), 8)
        send(self.unit, "b-1", rows[:3] + rows[4:])  # 00:45 missing
        day = DailyEnergy.objects.get(meter=self.main, day=datetime.date(2026, 1, 1))
        assert (day.readings, day.consumption) == (7, Decimal("17.5"))
        send(self.unit, "b-2", rows[3:4])
        day = DailyEnergy.objects.get(meter=self.main, day=datetime.date(2026, 1, 1))
        assert (day.readings, day.consumption) == (8, Decimal("17.5"))
        assert "all chains verify" in self._verify()

    def test_the_fast_chain_payload_is_the_canonical_one(self):
        send(self.unit, "b-1", series("E-01", at(1), 2))
        reading = Reading.objects.order_by("chain_seq").first()
        text = ingest.payload_text(reading.batch_id, reading.meter_id,
                                   canonical_value(reading, "read_at"),
                                   canonical_value(reading, "value"))
        assert text == canonical_json(reading.chain_payload())

    def test_an_update_of_a_reading_in_the_database_is_named(self):
        send(self.unit, "b-1", series("E-01", at(1), 10))
        victim = Reading.objects.filter(chain_key=str(self.unit.pk)).order_by("chain_seq")[4]
        _tamper("UPDATE energy_reading SET value = value + 1 WHERE id = %s", [victim.pk])
        report = self._verify()
        assert report.startswith("BROKEN")
        assert f"energy.Reading[{self.unit.pk}]" in report
        assert f"first broken at link {victim.chain_seq} (row id {victim.pk})" in report

    def _verify(self) -> str:
        out = StringIO()
        try:
            call_command("verify_ledger", stdout=out)
        except CommandError:
            return "BROKEN\n" + out.getvalue()
        return out.getvalue()
