"""A batch published on the local MQTT broker lands in the database through the ingest worker."""

import json
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest

from jiliang.energy import mqtt, signing
from jiliang.energy.models import BatchRefusal, Reading
from tests.energy.factories import OTHER_PRIVATE, PRIVATE, at, body, make_meter, make_unit, series

BROKER = ("127.0.0.1", 1883)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def broker():
    """The local Mosquitto; when it is not running, one started for these tests."""
    if _listening(*BROKER):
        yield BROKER
        return
    binary = shutil.which("mosquitto")
    assert binary, "no MQTT broker on 127.0.0.1:1883 and no mosquitto binary to start one"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([binary, "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if _listening("127.0.0.1", port):
                break
            time.sleep(0.1)
        yield ("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def worker(broker, settings):
    """The ingest worker in a thread, on a topic prefix of its own."""
    prefix = f"jiliang-test/{uuid.uuid4().hex[:12]}"
    settings.JILIANG_MQTT_PREFIX = prefix
    stop, ready = threading.Event(), threading.Event()
    w = mqtt.Worker(host=broker[0], port=broker[1], prefix=prefix,
                    client_id=f"jiliang-test-{uuid.uuid4().hex[:8]}")
    thread = threading.Thread(target=w.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(10), "the worker did not subscribe"
    yield broker, prefix
    stop.set()
    thread.join(10)


def _publish(broker, topic: str, payload: bytes, acks: str) -> dict:
    import paho.mqtt.client as paho

    got: list[dict] = []
    done = threading.Event()
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:8]}")
    client.on_message = lambda _c, _u, m: (got.append(json.loads(m.payload)), done.set())
    client.connect(broker[0], broker[1])
    client.loop_start()
    try:
        client.subscribe(acks, qos=1)
        time.sleep(0.2)
        client.publish(topic, payload, qos=1).wait_for_publish(10)
        assert done.wait(20), "no acknowledgement from the worker"
    finally:
        client.loop_stop()
        client.disconnect()
    return got[0]


@pytest.mark.django_db(transaction=True)
def test_a_batch_published_on_the_broker_lands_in_the_database(worker):
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    unit = make_unit(build_personas())
    make_meter(unit, "E-01")
    (host, port), prefix = worker
    data = body(series("E-01", at(3), 8))
    signature = signing.sign(PRIVATE, unit.code, "mqtt-1", data)
    ack = _publish((host, port), mqtt.topic(unit.code, prefix),
                   mqtt.envelope("mqtt-1", data, "json", signature),
                   mqtt.topic(unit.code, prefix, "ack"))
    assert ack["ok"] and ack["accepted"] == 8
    assert Reading.objects.filter(unit_id=unit.pk).count() == 8

    forged = signing.sign(OTHER_PRIVATE, unit.code, "mqtt-2", data)
    ack = _publish((host, port), mqtt.topic(unit.code, prefix),
                   mqtt.envelope("mqtt-2", data, "json", forged),
                   mqtt.topic(unit.code, prefix, "ack"))
    assert not ack["ok"] and ack["reason"] == "bad_signature"
    assert BatchRefusal.objects.filter(unit=unit, channel="mqtt", reason="bad_signature").exists()
    assert Reading.objects.filter(unit_id=unit.pk).count() == 8
