"""The signed-batch endpoint for instrument events and the tamper rules run at ingest."""

import datetime
import gc
from decimal import Decimal
from unittest import mock

import pytest
from django.test import override_settings

from jiliang.audit.chain import chain_verify
from jiliang.core.signed_batches import BatchRefusedError
from jiliang.monitoring.models import Alert, Event, EventRefusal
from jiliang.monitoring.services import sign
from tests.base import PersonaTestCase
from tests.monitoring.helpers import OTHER_PRIVATE, ago, body, dispenser, event, gateway, send
from tests.registry.helpers import days, file, verify


class BatchTests(PersonaTestCase):
    def setUp(self):
        self.owner = self.p.orgs["acme"]
        self.gw = gateway(self.owner)
        self.inst = dispenser(self.p.acme)

    def test_a_signed_batch_is_taken_and_chained(self):
        result = send(self.gw, [event(self.inst, "event_counter", ago(2), 10),
                                event(self.inst, "event_counter", ago(1), 10)])
        assert result.batch.accepted == 2 and result.batch.rejected == 0
        assert Event.objects.filter(instrument_id=self.inst.pk).count() == 2
        assert all(r.ok for r in chain_verify(Event))

    def test_the_collector_is_held_off_during_a_batch_and_restored_after(self):
        from jiliang.monitoring import services

        seen = []
        devices_of = services.ingest.devices_of

        def spy(organisation_id):
            seen.append(gc.isenabled())
            return devices_of(organisation_id)

        with mock.patch.object(services.ingest, "devices_of", spy):
            send(self.gw, [event(self.inst, "event_counter", ago(1), 10)])
        assert seen == [False] and gc.isenabled()
        with pytest.raises(BatchRefusedError):  # refused: back on all the same
            send(self.gw, [event(self.inst, "event_counter", ago(1), 10)], previous="0" * 64)
        assert gc.isenabled()
        gc.disable()
        try:  # turned off by someone else: left off
            send(self.gw, [event(self.inst, "event_counter", ago(1, hours=1), 10)])
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_a_bad_signature_is_refused_and_kept(self):
        data = body(self.gw, [event(self.inst, "event_counter", ago(1), 3)])
        with pytest.raises(BatchRefusedError) as refused:
            from jiliang.monitoring import services

            services.batch_ingest(gateway_code=self.gw.code, batch_id="x-1", body=data,
                                  signature=sign(OTHER_PRIVATE, self.gw.code, "x-1", data))
        assert refused.value.status == 403 and refused.value.reason == "bad_signature"
        assert EventRefusal.objects.filter(gateway=self.gw, reason="bad_signature").exists()
        assert not Event.objects.exists()

    def test_a_broken_chain_of_batches_is_refused(self):
        send(self.gw, [event(self.inst, "event_counter", ago(3), 1)])
        with pytest.raises(BatchRefusedError) as refused:
            send(self.gw, [event(self.inst, "event_counter", ago(2), 1)], previous="0" * 64)
        assert refused.value.status == 409 and refused.value.reason == "broken_chain"
        assert "previous" in refused.value.message_dict
        assert EventRefusal.objects.filter(reason="broken_chain").count() == 1
        assert Event.objects.count() == 1

    def test_a_repeat_changes_nothing_and_a_reused_id_is_refused(self):
        data = body(self.gw, [event(self.inst, "event_counter", ago(1), 4)])
        first = send(self.gw, [], batch_id="same", raw=data)
        again = send(self.gw, [], batch_id="same", raw=data)
        assert again.repeated and again.batch.pk == first.batch.pk
        with pytest.raises(BatchRefusedError) as refused:
            send(self.gw, [event(self.inst, "event_counter", ago(1), 5)], batch_id="same")
        assert refused.value.status == 409

    def test_bad_rows_are_reported_and_good_rows_kept(self):
        other = file(self.p.acme, kind="scale_digital_indicating")
        result = send(self.gw, [
            event(self.inst, "event_counter", ago(1), 7),
            event(self.inst, "event_counter", ago(1), "7.5"),
            event(self.inst, "k_constant", ago(1), 1000),  # a taxi meter's event
            {"instrument": "NOSUCHCODE", "kind": "event_counter", "time": "x"},
            event(other, "calibration_counter", ago(1), 2),
            {"instrument": self.inst.public_code, "kind": "event_counter",
             "time": "2026-01-01T00:00:00", "value": "1"},
            {"instrument": self.inst.public_code, "kind": ["event_counter"],  # not a text
             "time": ago(1).isoformat(), "value": "1"},
        ])
        fields = sorted(e["field"] for e in result.batch.errors)
        assert result.batch.accepted == 2
        assert fields == ["instrument", "kind", "kind", "time", "value"]

    def test_odd_numbers_are_a_row_error_on_their_field_and_plain_ones_are_read_exactly(self):
        result = send(self.gw, [
            event(self.inst, "event_counter", ago(3), "²"),  # a digit to str.isdigit, not int()
            event(self.inst, "event_counter", ago(3), "١٢"),  # Arabic-Indic digits
            event(self.inst, "totaliser", ago(3), "1.5", sales="٣"),
            event(self.inst, "totaliser", ago(3), "12.3456"),
            event(self.inst, "event_counter", ago(2), "0012"),
            event(self.inst, "totaliser", ago(2), "999999999999.999", sales="7"),
            event(self.inst, "totaliser", ago(1), "1000000000000", sales="7"),  # one too many
        ])
        assert sorted(e["field"] for e in result.batch.errors) == ["sales", "value", "value",
                                                                   "value", "value"]
        stored = dict(Event.objects.filter(instrument_id=self.inst.pk)
                      .values_list("kind", "value"))
        assert stored == {"event_counter": 12, "totaliser": Decimal("999999999999.999")}

    def test_another_owners_gateway_is_not_found(self):
        with pytest.raises(BatchRefusedError) as refused:
            send(self.gw, [event(self.inst, "event_counter", ago(1), 1)],
                 actor=self.p.gd_verifier)
        assert refused.value.status == 404


class CounterJumpTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme)

    def test_a_counter_jump_without_a_verification_raises_an_alert_with_its_evidence(self):
        send(self.gw, [event(self.inst, "event_counter", ago(5), 41)])
        result = send(self.gw, [event(self.inst, "event_counter", ago(4), 42)])
        alert = Alert.objects.get()
        assert result.batch.alerts == 1 and alert.rule == "counter_jump"
        assert alert.params["before"] == 41 and alert.params["after"] == 42
        link = Event.objects.get(chain_key=str(self.gw.pk), chain_seq=alert.evidence["chain"]["seq"])
        assert alert.evidence["chain"]["row_hash"] == link.row_hash and link.value == 42
        assert alert.evidence["batch"]["sha256"] == result.batch.body_sha256
        assert alert.region_code == self.inst.region_code and alert.state == "open"

    def test_a_verification_in_between_starts_the_counter_afresh(self):
        send(self.gw, [event(self.inst, "event_counter", ago(20), 41)])
        verify(self.p.gd_verifier, self.inst, on=days(-10), regulation="JJG 443-2023")
        send(self.gw, [event(self.inst, "event_counter", ago(5), 43)])
        assert not Alert.objects.exists()
        send(self.gw, [event(self.inst, "event_counter", ago(4), 44)])
        assert Alert.objects.get().params == {"before": 43, "after": 44, "step": 1,
                                              "allowed": 0}

    def test_a_counter_that_went_down_is_a_jump(self):
        send(self.gw, [event(self.inst, "event_counter", ago(5), 41),
                       event(self.inst, "event_counter", ago(4), 3)])
        assert Alert.objects.get().params["step"] == -38

    def test_events_sent_out_of_order_are_judged_and_chained_in_time_order(self):
        result = send(self.gw, [event(self.inst, "event_counter", ago(3), 42),
                                event(self.inst, "event_counter", ago(5), 41),
                                event(self.inst, "event_counter", ago(4), 42)])  # the jump
        assert result.batch.accepted == 3
        assert list(Alert.objects.values_list("params__before", "params__after")) == [(41, 42)]
        chained = Event.objects.filter(chain_key=str(self.gw.pk)).order_by("chain_seq")
        times = [e.occurred_at for e in chained]
        assert times == sorted(times) and all(r.ok for r in chain_verify(Event))

    @override_settings(JILIANG_TAMPER_COUNTER_STEP=2)
    def test_the_step_at_its_boundary(self):
        send(self.gw, [event(self.inst, "event_counter", ago(9), 10),
                       event(self.inst, "event_counter", ago(8), 11),   # below: +1
                       event(self.inst, "event_counter", ago(7), 13),   # at: +2
                       event(self.inst, "event_counter", ago(6), 16)])  # above: +3
        assert list(Alert.objects.values_list("params__step", flat=True)) == [3]

    def test_a_scales_calibration_counter_is_judged_the_same_way(self):
        scale = file(self.p.acme, kind="scale_digital_indicating")
        send(self.gw, [event(scale, "calibration_counter", ago(3), 5),
                       event(scale, "calibration_counter", ago(2), 6)])
        assert Alert.objects.get().instrument_id == scale.pk


@override_settings(JILIANG_TAMPER_VERIFICATION_DAYS=3)
class ParameterChangeTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme)
        verify(self.p.gd_verifier, self.inst, on=days(-30), regulation="JJG 443-2023")

    def change_on(self, day_offset: int):
        when = datetime.datetime.combine(days(day_offset), datetime.time(12),
                                         datetime.timezone(datetime.timedelta(hours=8)))
        send(self.gw, [event(self.inst, "pulser_change", when, detail="脉冲当量 0.01→0.0098")])

    def test_a_change_within_the_days_of_a_verification_is_not_an_alert(self):
        self.change_on(-28)  # 2 days after: below
        self.change_on(-27)  # 3 days after: at
        assert not Alert.objects.exists()

    def test_a_change_past_the_days_is_an_alert(self):
        self.change_on(-26)  # 4 days after: above
        alert = Alert.objects.get()
        assert alert.rule == "parameter_change" and alert.params == {"days": 3}
        assert "0.0098" in alert.evidence["event"]["detail"]

    def test_a_taxi_meters_k_constant_and_a_meters_cover_are_parameter_changes(self):
        taxi = file(self.p.acme, kind="taximeter")
        meter = file(self.p.acme, kind="electricity_meter")
        send(self.gw, [event(taxi, "k_constant", ago(1), 1000),
                       event(meter, "cover_open", ago(1)),
                       event(meter, "magnetic_field", ago(1))])
        assert sorted(Alert.objects.values_list("rule", flat=True)) == [
            "magnetic_field", "parameter_change", "parameter_change"]


@override_settings(JILIANG_TAMPER_TOTALISER_TOLERANCE_PERCENT="0.5")
class TotaliserTests(PersonaTestCase):
    def setUp(self):
        self.gw = gateway(self.p.orgs["acme"])
        self.inst = dispenser(self.p.acme)
        send(self.gw, [event(self.inst, "totaliser", ago(10), "100000.000", "50000.000")])

    def dispensed(self, litres: str, sold: str, when):
        from jiliang.monitoring.models import DeviceState

        state = DeviceState.objects.get(instrument_id=self.inst.pk)
        from decimal import Decimal

        send(self.gw, [event(self.inst, "totaliser", when, state.totaliser + Decimal(litres),
                             state.sales + Decimal(sold))])

    def test_the_tolerance_at_its_boundary(self):
        self.dispensed("1004.990", "1000", ago(9))  # 0.499 %: below
        self.dispensed("1005.000", "1000", ago(8))  # 0.5 %: at
        assert not Alert.objects.exists()
        self.dispensed("1005.010", "1000", ago(7))  # 0.501 %: above
        alert = Alert.objects.get()
        assert alert.rule == "totaliser_sales" and alert.params["percent"] == "0.50"
        assert alert.params["dispensed"] == "1005.010" and alert.params["sold"] == "1000.000"

    def test_volume_dispensed_with_no_sales_at_all_is_an_alert(self):
        self.dispensed("20", "0", ago(9))
        assert Alert.objects.get().params["percent"] is None
