"""Readings over MQTT: a topic per unit on the broker, and the ingest worker that subscribes.

A gateway publishes, with QoS 1, to ``<prefix>/<unit code>/readings`` a JSON envelope::

    {"batch_id": "...", "format": "json" | "csv", "body": "<the batch body>",
     "signature": "<base64 Ed25519 signature, see jiliang.energy.signing>"}

The worker takes each message through the same service as the HTTP API
(``services.batch_ingest``: signature, idempotency, chain, aggregates) and answers
on ``<prefix>/<unit code>/ack``. Its session is persistent (clean_session off), so
the broker keeps QoS 1 messages while the worker restarts; a batch delivered twice
is a repeat and changes nothing.

Several workers share the load with a shared subscription (``share="group"``: the topic
filter ``$share/<group>/<prefix>/+/readings``): the broker hands each message to one
member of the group (Mosquitto 2, EMQX, HiveMQ; see docs/scaling.md).
"""

from __future__ import annotations

import json
import logging
import threading

import paho.mqtt.client as mqtt
from django.db import close_old_connections, connection

from jiliang.core.params import json_loads
from jiliang.energy import conf, services
from jiliang.energy.models import EnergyUnit

log = logging.getLogger(__name__)


def topic(unit_code: str, prefix: str | None = None, kind: str = "readings") -> str:
    return f"{prefix or conf.mqtt()['prefix']}/{unit_code}/{kind}"


def envelope(batch_id: str, body: bytes, fmt: str, signature: str) -> bytes:
    return json.dumps({"batch_id": batch_id, "format": fmt, "body": body.decode("utf-8"),
                       "signature": signature}, ensure_ascii=False).encode("utf-8")


def handle(topic_name: str, payload: bytes, prefix: str) -> dict:
    """Ingest one message; never raises (a worker must not die of one bad message)."""
    parts = topic_name[len(prefix) + 1:].split("/") if topic_name.startswith(prefix + "/") \
        else []
    if len(parts) != 2 or parts[1] != "readings":
        return {"ok": False, "reason": "topic", "message": f"not a readings topic: {topic_name}"}
    unit_code = parts[0]
    close_old_connections()
    try:
        try:
            data = json_loads(payload)
            batch_id = str(data["batch_id"])
            fmt = str(data.get("format") or "json")
            body = str(data["body"]).encode("utf-8")
            signature = str(data.get("signature") or "")
        except (ValueError, KeyError, TypeError):
            raise services.batch_refusal_record(
                unit=EnergyUnit.objects.filter(code=unit_code).first(),
                unit_code=unit_code, batch_id="", channel="mqtt", field_name="body",
                reason="unreadable", message="the message is not a batch envelope "
                "{batch_id, format, body, signature}") from None
        result = services.batch_ingest(unit_code=unit_code, batch_id=batch_id, body=body,
                                       content_type=fmt if fmt in ("json", "csv") else "json",
                                       signature=signature, channel="mqtt")
        return {"ok": True, **result.as_dict()}
    except services.BatchRefusedError as refused:
        return {"ok": False, "reason": refused.reason,
                "message": "; ".join(m for ms in refused.message_dict.values() for m in ms)}
    except Exception:  # noqa: BLE001 - logged; the worker carries on with the next message
        log.exception("energy MQTT ingest failed on %s", topic_name)
        return {"ok": False, "reason": "error", "message": "internal error"}
    finally:
        close_old_connections()


class Worker:
    """Subscribes to every unit's readings topic and ingests what arrives."""

    def __init__(self, *, host: str | None = None, port: int | None = None,
                 prefix: str | None = None, client_id: str = "jiliang-energy-ingest",
                 share: str | None = None) -> None:
        settings = conf.mqtt()
        self.host = host or settings["host"]
        self.port = int(port or settings["port"])
        self.prefix = prefix or settings["prefix"]
        self.client_id = client_id
        self.share = share
        self.handled = 0
        self.credentials = {k: settings[k] for k in ("username", "password", "ca_file",
                                                     "cert_file", "key_file")}
        self.refused: int | None = None  # the broker's reason code when it refused us

    def authenticate(self, client) -> None:
        """User name and password, and TLS with a client certificate, as configured: the broker
        takes only clients it knows (README, "Broker credentials")."""
        c = self.credentials
        if c["username"]:
            client.username_pw_set(c["username"], c["password"] or None)
        if c["ca_file"] or c["cert_file"]:
            client.tls_set(ca_certs=c["ca_file"] or None, certfile=c["cert_file"] or None,
                           keyfile=c["key_file"] or None)

    @property
    def topic_filter(self) -> str:
        readings = f"{self.prefix}/+/readings"
        return f"$share/{self.share}/{readings}" if self.share else readings

    def run(self, stop: threading.Event | None = None,
            ready: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             clean_session=False)

        def on_connect(c, _userdata, _flags, reason_code, _properties):
            if reason_code == 0:
                c.subscribe(self.topic_filter, qos=1)
            else:  # bad credentials, not authorised: say so and stop
                self.refused = reason_code.value if hasattr(reason_code, "value") else reason_code
                log.error("the MQTT broker refused the ingest worker: %s", reason_code)
                stop.set()

        def on_subscribe(_c, _userdata, _mid, _codes, _properties):
            if ready is not None:
                ready.set()

        def on_message(c, _userdata, message):
            result = handle(message.topic, message.payload, self.prefix)
            self.handled += 1
            unit_code = message.topic[len(self.prefix) + 1:].split("/")[0]
            c.publish(topic(unit_code, self.prefix, "ack"),
                      json.dumps(result, ensure_ascii=False, default=str), qos=1)

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        self.authenticate(client)
        client.connect(self.host, self.port, keepalive=30)
        try:
            while not stop.is_set():
                client.loop(timeout=0.2)
        finally:
            client.disconnect()
            connection.close()
