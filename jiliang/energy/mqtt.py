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

from jiliang.core import signed_batches
from jiliang.core.params import json_loads
from jiliang.core.signed_batches import MqttWorker
from jiliang.energy import conf, services
from jiliang.energy.models import EnergyUnit


def topic(unit_code: str, prefix: str | None = None, kind: str = "readings") -> str:
    return f"{prefix or conf.mqtt()['prefix']}/{unit_code}/{kind}"


def envelope(batch_id: str, body: bytes, fmt: str, signature: str) -> bytes:
    return json.dumps({"batch_id": batch_id, "format": fmt, "body": body.decode("utf-8"),
                       "signature": signature}, ensure_ascii=False).encode("utf-8")


def handle(topic_name: str, payload: bytes, prefix: str) -> dict:
    """Ingest one message on ``<prefix>/<unit code>/readings``; never raises."""

    def take(unit_code: str):
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
        return services.batch_ingest(unit_code=unit_code, batch_id=batch_id, body=body,
                                     content_type=fmt if fmt in ("json", "csv") else "json",
                                     signature=signature, channel="mqtt")

    return signed_batches.answered(topic_name, prefix, "readings", take)


class Worker(MqttWorker):
    """Subscribes to every unit's readings topic and ingests what arrives (the subscriber is
    the shared ``jiliang.core.signed_batches.MqttWorker``)."""

    def __init__(self, *, host: str | None = None, port: int | None = None,
                 prefix: str | None = None, client_id: str = "jiliang-energy-ingest",
                 share: str | None = None) -> None:
        settings = conf.mqtt()
        super().__init__(host=host or settings["host"], port=int(port or settings["port"]),
                         client_id=client_id, credentials=settings, share=share)
        self.prefix = prefix or settings["prefix"]
        self.subscription = f"{self.prefix}/+/readings"

    def ingest(self, topic_name: str, payload: bytes) -> dict:
        return handle(topic_name, payload, self.prefix)
