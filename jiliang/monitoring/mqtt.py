"""Instrument event batches over MQTT: a topic per gateway, and the ingest worker.

A gateway publishes, with QoS 1, to ``<prefix>/<gateway code>/batches`` a JSON envelope::

    {"batch_id": "...", "body": "<the batch body, as over HTTP>",
     "signature": "<base64 Ed25519 signature, as in the X-Signature header>"}

The worker takes it through the function the HTTP API calls (``services.batch_ingest``: the
signature, the chain of batches, the tamper rules, one event counted once) and answers on
``<prefix>/<gateway code>/ack`` with what the API answers in its body, plus ``ok`` (and
``reason`` and ``message`` when refused). The broker's access list lets a gateway publish under
its own code only; the signature is what the ingest trusts.

The subscriber is the energy ingest's (``jiliang.core.signed_batches.MqttWorker``), here on MQTT
5: several workers share the topic (``share``: ``$share/<group>/<prefix>/+/batches``) and each
batch goes to one of them. Since each batch names its predecessor, a gateway publishes the next
batch once the last one is acknowledged, as over HTTP.
"""

from __future__ import annotations

import json

import paho.mqtt.client as paho
from django.utils.translation import gettext as _

from jiliang.core import signed_batches
from jiliang.core.params import json_loads
from jiliang.core.signed_batches import MqttWorker
from jiliang.monitoring import conf, services
from jiliang.monitoring.models import Gateway


def topic(gateway_code: str, prefix: str | None = None, kind: str = "batches") -> str:
    return f"{prefix or conf.mqtt()['prefix']}/{gateway_code}/{kind}"


def envelope(batch_id: str, body: bytes, signature: str) -> bytes:
    return json.dumps({"batch_id": batch_id, "body": body.decode("utf-8"),
                       "signature": signature}, ensure_ascii=False).encode("utf-8")


def read_envelope(payload: bytes) -> tuple[str, bytes, str]:
    """(batch id, body, signature); ValueError when the message is not an envelope."""
    try:
        data = json_loads(payload)
        return (str(data["batch_id"]), str(data["body"]).encode("utf-8"),
                str(data.get("signature") or ""))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        raise ValueError("not an envelope") from None


def handle(topic_name: str, payload: bytes, prefix: str) -> dict:
    """Ingest one message on ``<prefix>/<gateway code>/batches``; never raises."""

    def take(gateway_code: str):
        try:
            batch_id, body, signature = read_envelope(payload)
        except ValueError:
            raise services.refusal_record(
                gateway=Gateway.objects.filter(code=gateway_code).first(),
                gateway_code=gateway_code, batch_id="", field_name="body", reason="unreadable",
                message=_("The message is not a batch envelope {batch_id, body, signature}.")
            ) from None
        return services.batch_ingest(gateway_code=gateway_code, batch_id=batch_id, body=body,
                                     signature=signature)

    return signed_batches.answered(topic_name, prefix, "batches", take)


class Worker(MqttWorker):
    """Subscribes to every gateway's batches topic and ingests what arrives."""

    protocol = paho.MQTTv5

    def __init__(self, *, host: str | None = None, port: int | None = None,
                 prefix: str | None = None, client_id: str = "jiliang-monitoring-ingest",
                 share: str | None = None) -> None:
        settings = conf.mqtt()
        super().__init__(host=host or settings["host"], port=int(port or settings["port"]),
                         client_id=client_id, credentials=settings, share=share)
        self.prefix = prefix or settings["prefix"]
        self.subscription = f"{self.prefix}/+/batches"

    def ingest(self, topic_name: str, payload: bytes) -> dict:
        return handle(topic_name, payload, self.prefix)
