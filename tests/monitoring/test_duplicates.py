"""An event counts once: replayed or overlapping batches, duplicates inside a batch, another
gateway of the same owner; the rules never fire twice for one event; the database holds it so."""

import pytest
from django.db import IntegrityError, transaction

from jiliang.audit.chain import chain_verify
from jiliang.core.signed_batches import BatchRefusedError
from jiliang.monitoring.models import Alert, DeviceState, Event, EventRefusal
from tests.base import PersonaTestCase
from tests.monitoring.helpers import ago, dispenser, event, gateway, send
from tests.registry.helpers import file


class DuplicateTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme)

    def test_a_replayed_event_counts_once_and_the_new_ones_beside_it_are_kept(self):
        t1, t2, t3 = ago(3), ago(2), ago(1)
        send(self.gw, [event(self.inst, "event_counter", t1, 5),
                       event(self.inst, "event_counter", t2, 5)])
        result = send(self.gw, [event(self.inst, "event_counter", t2, 5),   # overlap
                                event(self.inst, "event_counter", t3, 5)])
        batch = result.batch
        assert (batch.rows, batch.accepted, batch.duplicates, batch.rejected) == (2, 1, 1, 0)
        assert result.as_dict()["duplicates"] == 1
        assert Event.objects.filter(instrument_id=self.inst.pk).count() == 3
        assert all(r.ok for r in chain_verify(Event))

    def test_a_whole_batch_replayed_under_a_new_id_stores_nothing(self):
        events = [event(self.inst, "event_counter", ago(2), 7),
                  event(self.inst, "totaliser", ago(2), "1000.000", "900.000")]
        send(self.gw, events)
        again = send(self.gw, events).batch
        assert (again.accepted, again.duplicates, again.alerts) == (0, 2, 0)
        assert Event.objects.count() == 2

    def test_a_duplicate_inside_one_batch_counts_once(self):
        when = ago(1)
        result = send(self.gw, [event(self.inst, "event_counter", when, 9),
                                event(self.inst, "event_counter", when, 9),
                                event(self.inst, "totaliser", when, "10.000", "10.000")])
        assert (result.batch.accepted, result.batch.duplicates) == (2, 1)

    def test_the_rules_do_not_fire_twice_for_a_duplicate(self):
        meter = file(self.p.acme, kind="electricity_meter")
        jump = [event(self.inst, "event_counter", ago(5), 41),
                event(self.inst, "event_counter", ago(4), 42),
                event(self.inst, "pulser_change", ago(4), detail="脉冲当量变更"),
                event(meter, "magnetic_field", ago(4))]
        send(self.gw, jump)
        assert sorted(Alert.objects.values_list("rule", flat=True)) == [
            "counter_jump", "magnetic_field", "parameter_change"]
        result = send(self.gw, [*jump, event(self.inst, "event_counter", ago(3), 42)])
        assert (result.batch.duplicates, result.batch.accepted, result.batch.alerts) == (4, 1, 0)
        assert Alert.objects.count() == 3
        assert DeviceState.objects.get(instrument_id=self.inst.pk).counter == 42

    def test_an_older_event_after_newer_ones_is_new_and_its_neighbour_a_duplicate(self):
        older, newer = ago(3), ago(1)
        send(self.gw, [event(self.inst, "event_counter", newer, 3)])
        result = send(self.gw, [event(self.inst, "event_counter", older, 3),
                                event(self.inst, "event_counter", newer, 3)])
        assert (result.batch.accepted, result.batch.duplicates) == (1, 1)
        state = DeviceState.objects.get(instrument_id=self.inst.pk)
        assert state.last_event_at == newer  # the latest on file, not the batch's last
        assert Event.objects.count() == 2

    def test_an_event_sent_again_with_other_figures_is_refused_naming_the_field(self):
        when = ago(2)
        send(self.gw, [event(self.inst, "totaliser", when, "500.000", "400.000")])
        result = send(self.gw, [event(self.inst, "totaliser", when, "500.000", "401.000"),
                                event(self.inst, "event_counter", ago(1), 1)])
        assert (result.batch.accepted, result.batch.rejected, result.batch.duplicates) == (1, 1, 0)
        assert result.batch.errors[0]["field"] == "sales" and result.batch.errors[0]["row"] == 1
        assert Event.objects.filter(kind="totaliser").get().sales == 400

    def test_another_gateway_of_the_owner_reporting_the_same_event_stores_it_once(self):
        other = gateway(self.p.orgs["acme"])
        when = ago(1)
        send(self.gw, [event(self.inst, "pulser_change", when, detail="变更")])
        result = send(other, [event(self.inst, "pulser_change", when, detail="变更")])
        assert (result.batch.accepted, result.batch.duplicates) == (0, 1)
        assert Alert.objects.count() == 1

    def test_the_database_refuses_a_second_copy_of_an_event(self):
        send(self.gw, [event(self.inst, "event_counter", ago(1), 2)])
        first = Event.objects.get()
        copy = Event(chain_key="copy", chain_seq=1, prev_hash="0" * 64, row_hash="1" * 64,
                     gateway_id=first.gateway_id, batch_id=first.batch_id,
                     instrument_id=first.instrument_id, region_code=first.region_code,
                     occurred_at=first.occurred_at, kind=first.kind, value=first.value)
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save()
        Event.objects.bulk_create([copy], ignore_conflicts=True)
        assert Event.objects.count() == 1

    def test_an_event_another_writer_stored_meanwhile_is_a_409_not_a_500(self):
        # What the ingest cannot see coming (an instrument changing owners between two
        # batches): an event on file later than its state says. The constraint refuses the
        # batch, which is refused as a whole and kept, and can be sent again.
        send(self.gw, [event(self.inst, "event_counter", ago(3), 2)])
        first, when = Event.objects.get(), ago(1)
        Event(chain_key="elsewhere", chain_seq=1, prev_hash="0" * 64, row_hash="1" * 64,
              gateway_id=first.gateway_id, batch_id=first.batch_id, instrument_id=self.inst.pk,
              region_code=first.region_code, occurred_at=when, kind="event_counter",
              value=2).save()
        with pytest.raises(BatchRefusedError) as refused:
            send(self.gw, [event(self.inst, "event_counter", when, 2)])
        assert refused.value.status == 409 and refused.value.reason == "conflict"
        assert EventRefusal.objects.filter(gateway=self.gw, reason="conflict").exists()
        assert Event.objects.count() == 2
