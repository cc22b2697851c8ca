"""Ingest scales out: two workers on one MQTT topic (a shared subscription on the local
Mosquitto) share the batches, each batch is ingested once, and a batch delivered again
changes nothing."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from django.db.models import Sum

from jiliang.energy import mqtt, signing
from jiliang.energy.models import DailyEnergy, Reading, ReadingBatch
from tests.energy.factories import PRIVATE, at, body, make_meter, make_unit, series
from tests.energy.test_mqtt import broker  # noqa: F401  (the fixture: the local Mosquitto)

BATCHES_PER_UNIT, ROWS = 10, 8


@pytest.fixture
def people(db):
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    return build_personas()


@pytest.mark.django_db(transaction=True)
def test_two_ingest_workers_share_one_topic_without_double_counting(broker, people):  # noqa: F811
    import paho.mqtt.client as paho

    host, port = broker
    prefix = f"jiliang-test/{uuid.uuid4().hex[:12]}"
    group = f"ingest-{uuid.uuid4().hex[:6]}"
    units = [make_unit(people), make_unit(people, code=f"U2-{group}")]
    for unit in units:
        make_meter(unit, "E-01")
    stop = threading.Event()
    workers, threads = [], []
    for n in range(2):
        ready = threading.Event()
        worker = mqtt.Worker(host=host, port=port, prefix=prefix, share=group,
                             client_id=f"jiliang-test-{group}-{n}")
        thread = threading.Thread(target=worker.run, args=(stop, ready), daemon=True)
        thread.start()
        assert ready.wait(10), "a worker did not subscribe"
        workers.append(worker)
        threads.append(thread)

    acks: list[dict] = []
    got = threading.Condition()

    def on_message(_c, _u, message):
        with got:
            acks.append(json.loads(message.payload))
            got.notify_all()

    gateway = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"gw-{group}")
    gateway.on_message = on_message
    gateway.connect(host, port)
    gateway.loop_start()
    try:
        gateway.subscribe(f"{prefix}/+/ack", qos=1)
        time.sleep(0.3)
        sent = []
        for k in range(BATCHES_PER_UNIT):
            for unit in units:
                data = body(series("E-01", at(3, hour=2 * k), ROWS, first=str(1000 + 20 * k)))
                batch_id = f"b-{k}"
                signature = signing.sign(PRIVATE, unit.code, batch_id, data)
                payload = mqtt.envelope(batch_id, data, "json", signature)
                gateway.publish(mqtt.topic(unit.code, prefix), payload, qos=1).wait_for_publish(10)
                sent.append((unit, payload))
        # One batch again, as a gateway that missed the acknowledgement would.
        gateway.publish(mqtt.topic(units[0].code, prefix), sent[0][1], qos=1).wait_for_publish(10)
        total = len(sent) + 1
        with got:
            assert got.wait_for(lambda: len(acks) >= total, timeout=120), \
                f"{len(acks)} of {total} acknowledgements"
    finally:
        gateway.loop_stop()
        gateway.disconnect()
        stop.set()
        for thread in threads:
            thread.join(10)

    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
    assert sum(a.get("repeated", False) for a in acks) == 1
    handled = [w.handled for w in workers]
    assert sum(handled) == total, handled          # each message went to one worker
    assert min(handled) > 0, handled               # and both took a share
    expected = len(units) * BATCHES_PER_UNIT * ROWS
    assert ReadingBatch.objects.filter(unit__in=units).count() == len(units) * BATCHES_PER_UNIT
    assert Reading.objects.filter(unit_id__in=[u.pk for u in units]).count() == expected
    assert DailyEnergy.objects.filter(unit__in=units).aggregate(n=Sum("readings"))["n"] == expected
