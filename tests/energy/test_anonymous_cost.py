"""What a stranger can make the system write: refusals limited per client and minute, one answer
for "unknown unit" and "not yours", and a broker that takes only the clients it knows."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.cache import cache

from jiliang.core import ratelimit
from jiliang.energy import mqtt, signing
from jiliang.energy.models import BatchRefusal
from tests.base import PersonaTestCase
from tests.energy.factories import PRIVATE, at, body, make_meter, make_unit, series


@contextmanager
def one_minute():
    """The allowance counts per clock minute: hold the limiter's clock inside one minute, so a
    run that crosses a minute's end does not start a fresh allowance half-way."""
    held = (time.time() // 60) * 60 + 30
    with mock.patch.object(ratelimit, "time", SimpleNamespace(time=lambda: held)):
        yield


class RefusalTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.unit = make_unit(cls.p)
        make_meter(cls.unit, "E-01")

    def setUp(self):
        super().setUp()
        cache.clear()

    def post(self, code: str, batch_id: str, *, who: str = "acme", signature: str | None = None):
        data = body(series("E-01", at(1), 2))
        client = self.api_as(who)
        return client.post(f"/api/v1/energy/units/{code}/batches", data,
                           content_type="application/json", HTTP_X_BATCH_ID=batch_id,
                           HTTP_X_SIGNATURE=signature if signature is not None
                           else signing.sign(PRIVATE, code, batch_id, data))

    def test_an_unknown_unit_and_another_enterprises_unit_get_the_same_answer(self):
        unknown = self.post("91440106MA59NOSUCH", "b-1", who="gd_verifier")
        not_yours = self.post(self.unit.code, "b-1", who="gd_verifier")
        assert unknown.status_code == not_yours.status_code == 404
        assert unknown.json()["errors"][0]["field"] == not_yours.json()["errors"][0]["field"]
        assert unknown.json()["detail"].replace("91440106MA59NOSUCH", "X") == \
            not_yours.json()["detail"].replace(self.unit.code, "X")

    def test_refusals_are_kept_up_to_the_limit_per_client_and_minute_then_only_answered(self):
        with self.settings(JILIANG_ENERGY_REFUSALS_PER_MINUTE=5), one_minute():
            statuses = [self.post(f"91440106MA59NOSU{i:02d}", f"p-{i}").status_code
                        for i in range(8)]
            assert statuses == [404] * 5 + [429] * 3
            assert BatchRefusal.objects.filter(reason="unknown_unit").count() == 5
            # bad signatures count against the same client
            assert self.post(self.unit.code, "s-1", signature="AAAA").status_code == 429
            # another client has its own allowance
            other = self.post("91440106MA59NOSU99", "q-1", who="gd_clerk")
            assert other.status_code == 404 and "429" not in other.content.decode()
        assert BatchRefusal.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_unknown_codes_over_mqtt_share_one_allowance(settings):
    cache.clear()
    settings.JILIANG_ENERGY_REFUSALS_PER_MINUTE = 3
    data = body(series("E-01", at(1), 2))
    with one_minute():
        acks = [mqtt.handle(f"jiliang/energy/NOSUCH{i}/readings",
                            mqtt.envelope(f"m-{i}", data, "json", "AAAA"), "jiliang/energy")
                for i in range(6)]
    assert [a["reason"] for a in acks] == ["unknown_unit"] * 3 + ["rate_limited"] * 3
    assert BatchRefusal.objects.count() == 3


class PublicLookupCountTests(PersonaTestCase):
    def test_the_public_check_counts_per_day_and_object(self):
        from jiliang.registry.models import PublicLookup

        anonymous = self.client_as("anonymous")
        for i in range(20):
            anonymous.get("/registry/check/", {"q": f"NO-SUCH-{i}"})
        rows = list(PublicLookup.objects.filter(page="check").values_list("code", "found",
                                                                           "count"))
        assert rows == [("", False, 20)]


# --- the broker ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def locked_broker(tmp_path_factory):
    """A Mosquitto that takes only the clients in its password file (as the README says to
    configure it)."""
    binary, passwd = shutil.which("mosquitto"), shutil.which("mosquitto_passwd")
    if not (binary and passwd):
        pytest.skip("mosquitto and mosquitto_passwd are not installed")
    folder = tmp_path_factory.mktemp("mosquitto")
    passwords = folder / "passwd"
    subprocess.run([passwd, "-b", "-c", str(passwords), "jiliang-ingest", "s3cret-ingest"],
                   check=True)
    port = _free_port()
    config = folder / "mosquitto.conf"
    # Started as root, mosquitto would drop to its own user, who cannot read the test's files.
    as_root = "user root\n" if os.geteuid() == 0 else ""
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\n"
                      f"password_file {passwords}\n{as_root}")
    log = (folder / "mosquitto.log").open("w")
    process = subprocess.Popen([binary, "-v", "-c", str(config)], stdout=log, stderr=log)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _run(port: int, settings, **credentials) -> mqtt.Worker:
    settings.JILIANG_MQTT_USERNAME = credentials.get("username", "")
    settings.JILIANG_MQTT_PASSWORD = credentials.get("password", "")
    worker = mqtt.Worker(host="127.0.0.1", port=port, prefix=f"t/{uuid.uuid4().hex[:8]}",
                         client_id=f"jiliang-test-{uuid.uuid4().hex[:8]}")
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, ready), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not ready.is_set() and worker.refused is None and time.monotonic() < deadline:
        time.sleep(0.05)
    subscribed = ready.is_set()
    stop.set()
    thread.join(10)
    worker.subscribed = subscribed
    return worker


def test_the_worker_signs_in_to_a_broker_that_refuses_strangers(locked_broker, settings):
    good = _run(locked_broker, settings, username="jiliang-ingest", password="s3cret-ingest")
    assert good.subscribed and good.refused is None
    wrong = _run(locked_broker, settings, username="jiliang-ingest", password="guess")
    assert not wrong.subscribed and wrong.refused is not None
    anonymous = _run(locked_broker, settings)
    assert not anonymous.subscribed and anonymous.refused is not None


def test_the_password_can_come_from_a_file(tmp_path, settings):
    from jiliang.energy import conf

    secret = tmp_path / "mqtt-password"
    secret.write_text("from-a-file\n")
    settings.JILIANG_MQTT_PASSWORD_FILE = str(secret)
    if hasattr(settings, "JILIANG_MQTT_PASSWORD"):
        del settings.JILIANG_MQTT_PASSWORD
    assert conf.mqtt()["password"] == "from-a-file"
