"""Instrument event batches over MQTT (the local Mosquitto): a signed batch published lands in
the database through the same ingest as over HTTP, and two workers sharing the topic (an MQTT 5
shared subscription) ingest each event once."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest

from jiliang.audit.chain import chain_verify
from jiliang.monitoring import mqtt
from jiliang.monitoring.models import Alert, Event, EventBatch, EventRefusal
from jiliang.monitoring.services import sign
from tests.monitoring.helpers import OTHER_PRIVATE, PRIVATE, ago, dispenser, event, gateway

BROKER = ("127.0.0.1", 1883)


@pytest.fixture(scope="module")
def broker():
    try:
        socket.create_connection(BROKER, timeout=1).close()
    except OSError:
        pytest.skip("no MQTT broker answers on 127.0.0.1:1883 (start Mosquitto to run these)")
    return BROKER


@pytest.fixture
def people(db):
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    return build_personas()


class Workers:
    """Ingest workers in threads, on a topic prefix of their own (shared when more than one)."""

    def __init__(self, broker, count: int):
        self.prefix = f"jiliang-test/{uuid.uuid4().hex[:12]}"
        group = f"events-{uuid.uuid4().hex[:6]}" if count > 1 else None
        self.stop = threading.Event()
        self.workers, self.threads = [], []
        for n in range(count):
            ready = threading.Event()
            worker = mqtt.Worker(host=broker[0], port=broker[1], prefix=self.prefix, share=group,
                                 client_id=f"jiliang-test-{uuid.uuid4().hex[:8]}-{n}")
            thread = threading.Thread(target=worker.run, args=(self.stop, ready), daemon=True)
            thread.start()
            assert ready.wait(10), "a worker did not subscribe"
            self.workers.append(worker)
            self.threads.append(thread)

    def close(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


class Gateway:
    """A gateway on the broker: publishes a batch and waits for its acknowledgement."""

    def __init__(self, broker, prefix: str, gw):
        self.gw, self.prefix, self.previous = gw, prefix, "0" * 64
        self.last, self.sent = b"", 0
        self.acks: list[dict] = []
        self.got = threading.Condition()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5,
                                  client_id=f"gw-{uuid.uuid4().hex[:8]}")
        self.client.on_message = self.on_message
        self.client.connect(*broker)
        self.client.loop_start()
        self.client.subscribe(mqtt.topic(gw.code, prefix, "ack"), qos=1)
        time.sleep(0.3)

    def on_message(self, _c, _u, message):
        with self.got:
            self.acks.append(json.loads(message.payload))
            self.got.notify_all()

    def publish(self, payload: bytes) -> dict:
        with self.got:
            waiting = len(self.acks) + 1
        self.client.publish(mqtt.topic(self.gw.code, self.prefix), payload,
                            qos=1).wait_for_publish(10)
        with self.got:
            assert self.got.wait_for(lambda: len(self.acks) >= waiting, timeout=60), \
                "no acknowledgement from the workers"
            return self.acks[-1]

    def send(self, batch_id: str, events: list, key: str = PRIVATE) -> dict:
        body = json.dumps({"previous": self.previous, "events": events}).encode()
        self.last = mqtt.envelope(batch_id, body, sign(key, self.gw.code, batch_id, body))
        ack = self.publish(self.last)
        if ack["ok"]:
            self.previous = hashlib.sha256(body).hexdigest()
            self.sent += len(events)
        return ack

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.mark.django_db(transaction=True)
def test_a_signed_batch_published_on_the_broker_is_ingested_with_the_rules(broker, people):
    gw = gateway(people.orgs["acme"])
    inst = dispenser(people.acme)
    workers = Workers(broker, 1)
    sender = Gateway(broker, workers.prefix, gw)
    try:
        ack = sender.send("m-1", [event(inst, "event_counter", ago(2), 41),
                                  event(inst, "event_counter", ago(1), 42)])
        assert ack["ok"] and (ack["accepted"], ack["alerts"], ack["duplicates"]) == (2, 1, 0)
        assert Event.objects.filter(instrument_id=inst.pk).count() == 2
        assert Alert.objects.get().rule == "counter_jump"

        forged = sender.send("m-2", [event(inst, "event_counter", ago(0.5), 42)],
                             key=OTHER_PRIVATE)
        assert not forged["ok"] and forged["reason"] == "bad_signature"
        garbage = sender.publish(b"{not an envelope")
        assert not garbage["ok"] and garbage["reason"] == "unreadable"
        assert set(EventRefusal.objects.filter(gateway=gw).values_list("reason", flat=True)) \
            == {"bad_signature", "unreadable"}
        assert Event.objects.count() == 2
    finally:
        sender.close()
        workers.close()


@pytest.mark.django_db(transaction=True)
def test_two_workers_sharing_the_topic_ingest_each_event_once(broker, people):
    owner = people.orgs["acme"]
    gateways = [gateway(owner), gateway(owner)]
    instruments = [dispenser(people.acme) for _ in range(3)]
    times = [ago(hours=10 - h) for h in range(10)]
    workers = Workers(broker, 2)
    senders = [Gateway(broker, workers.prefix, gw) for gw in gateways]
    acks: list[dict] = []

    def report(sender: Gateway, offset: int):
        # Windows of four readings, each overlapping the gateway's previous window and the
        # other gateway's; both gateways report at once, each waiting for its acknowledgements.
        for k in range(4):
            window = times[2 * k + offset:2 * k + offset + 4]
            acks.append(sender.send(f"b-{k}", [event(i, "event_counter", t, 7)
                                               for t in window for i in instruments]))

    threads = [threading.Thread(target=report, args=(s, n)) for n, s in enumerate(senders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        # The last batch again, as a gateway that missed its acknowledgement would send it.
        again = senders[0].publish(senders[0].last)
    finally:
        for s in senders:
            s.close()
        workers.close()
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
    assert len(acks) == 8 and again["ok"] and again["repeated"]
    handled = [w.handled for w in workers.workers]
    assert sum(handled) == 9 and min(handled) > 0, handled  # each batch to one worker, both used
    assert Event.objects.count() == len(instruments) * len(times) == 30
    batches = EventBatch.objects.filter(gateway__in=gateways)
    assert batches.count() == 8 and sum(b.accepted for b in batches) == 30
    assert sum(b.duplicates for b in batches) == sum(s.sent for s in senders) - 30 == 63
    assert not Alert.objects.exists()  # the same counter throughout, judged once an event
    assert all(r.ok for r in chain_verify(Event))
