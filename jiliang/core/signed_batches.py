"""Signed batches from machines: one interface for every ingest path.

Gateways (an energy unit's, an instrument platform's) send batches of rows signed with their
Ed25519 key over the text

    <context>\\n<sender code>\\n<batch id>\\n<SHA-256 of the body, hex>

so the signature binds what kind of batch it is, who sends it, the batch id and the exact bytes
of the body, whatever carries them (HTTP or MQTT). Keys and signatures travel as base64.

The rows a batch brings are links of a hash chain (``jiliang.audit.chain``), loaded in bulk with
``load_chained``: COPY on PostgreSQL, streamed while Python hashes the next rows, and one
``executemany`` on SQLite. The energy readings (``jiliang.energy.ingest``) and the instrument
events (``jiliang.monitoring.ingest``) both go through here.

Over MQTT, ``MqttWorker`` is the one subscriber both ingest workers are made of (energy's
``jiliang.energy.mqtt``, the instrument events' ``jiliang.monitoring.mqtt``): QoS 1, a persistent
session, shared subscriptions (``$share/<group>/...``) for several workers, the broker's
credentials (``broker_settings``), and an answer on an acknowledgement topic for every message.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import gc
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils.translation import gettext as _
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

log = logging.getLogger(__name__)
COPY_CHUNK = 200  # rows a COPY write: the server loads one chunk while Python hashes the next
NULL = "\\N"  # COPY's null


@dataclass
class RowError:
    """A refused row of a batch: its number, the field and why."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


class BadKeyError(ValueError):
    """A public key that is not 32 bytes of base64 or hex."""


class BatchRefusedError(ValidationError):
    """A batch refused as a whole; ``reason`` is stable, ``status`` the HTTP status to answer."""

    def __init__(self, field_name: str, message: str, *, reason: str, status: int = 400):
        super().__init__({field_name: [message]})
        self.reason = reason
        self.status = status


def signed_text(context: bytes, sender: str, batch_id: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return b"\n".join([context, sender.encode(), batch_id.encode(), digest.encode()])


def new_keypair() -> tuple[str, str]:
    """(private key, public key) as base64."""
    key = SigningKey.generate()
    return _b64(bytes(key)), _b64(bytes(key.verify_key))


def keypair_from_seed(seed: bytes) -> tuple[str, str]:
    key = SigningKey(hashlib.sha256(seed).digest())
    return _b64(bytes(key)), _b64(bytes(key.verify_key))


def sign(private_key: str, context: bytes, sender: str, batch_id: str, body: bytes) -> str:
    key = SigningKey(base64.b64decode(private_key))
    return _b64(key.sign(signed_text(context, sender, batch_id, body)).signature)


def verify(public_key: str, context: bytes, sender: str, batch_id: str, body: bytes,
           signature: str) -> bool:
    try:
        key = VerifyKey(base64.b64decode(public_key))
        key.verify(signed_text(context, sender, batch_id, body),
                   base64.b64decode(signature, validate=True))
    except (BadSignatureError, binascii.Error, ValueError, TypeError):
        return False
    return True


def public_key_clean(text: str) -> str:
    """A public key given as base64 or hex, returned as base64; BadKeyError if it is not one."""
    text = (text or "").strip()
    raw = None
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise BadKeyError(text)
    return _b64(raw)


def fingerprint(public_key: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a batch is taken (usable as a decorator).

    A batch's tens of thousands of parsed events and rows are freed by their reference counts,
    but while they live they set off collections that free nothing, and the full ones walk every
    object of the process: ~25 % of an instrument-event batch's time in
    ``bench/tamper_ingest.py``. Cyclic garbage made meanwhile is collected after. The collector
    is process-wide: only the caller that turned it off turns it back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# --- what a batch's rows share -----------------------------------------------------------------

VALUE_Q = Decimal("0.001")
VALUE_MAX = Decimal("999999999999.999")  # numeric(15, 3); 15 digits are all SQLite's REAL keeps
# A value as gateways send it: ASCII digits, at most 12 before the point and 3 after it, so
# within VALUE_MAX as it is; anything else takes the general checks.
PLAIN_DECIMAL = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,3})?\Z").match


def register_value(raw) -> Decimal | str:
    """A register value quantized to 3 decimals, or why it is refused."""
    if type(raw) is str and PLAIN_DECIMAL(raw):
        return Decimal(raw).quantize(VALUE_Q)
    try:
        if type(raw) is str:
            if not raw.isascii():  # Decimal() would read other scripts' digits
                raise InvalidOperation
            value = Decimal(raw)
        elif isinstance(raw, float | bool):
            raise InvalidOperation  # a binary float cannot carry a register exactly
        else:
            value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return _("Give the register value as a decimal number (in a string in JSON).")
    if not value.is_finite() or value < 0 or value > VALUE_MAX:
        return _("A register value lies between 0 and 999 999 999 999.999.")
    quantized = value.quantize(VALUE_Q)
    if value != quantized:
        return _("A register value has at most 3 decimals.")
    return quantized


def batch_time(raw, latest: datetime.datetime,
               times: dict[str, tuple[datetime.datetime, str]]) -> tuple[datetime.datetime, str] | str:
    """(time in UTC, its canonical text in the chain) of a row's time, remembered in ``times`` by
    its text (a batch's rows share a few times); or why it is refused."""
    try:
        at = datetime.datetime.fromisoformat(str(raw).strip())
    except (TypeError, ValueError):
        return _("Give the time as ISO 8601, e.g. 2026-01-01T08:15:00+08:00.")
    if at.tzinfo is None:
        return _("The time needs its UTC offset, e.g. +08:00.")
    at = at.astimezone(datetime.UTC)
    if at > latest:
        return _("The time is later than the server's clock.")
    known = (at, at.isoformat(timespec="microseconds"))
    if type(raw) is str:
        times[raw] = known
    return known


# --- hash-chained bulk loads ----------------------------------------------------------------

def copies() -> bool:
    """True where ``load_chained`` COPYs: its rows then give their columns as COPY text."""
    return connection.vendor == "postgresql"


def copy_text(value: str) -> str:
    """Free text as a COPY field (backslash, tab and line breaks escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                 .replace("\r", "\\r"))
    return value


def load_chained(*, table: str, columns: Iterable[str], head, chain_key: str,
                 rows: Iterable[tuple[str, object]]) -> None:
    """Link ``rows`` into the chain ``chain_key`` after ``head`` and insert them into ``table``.

    ``columns`` start with chain_key, chain_seq, prev_hash and row_hash; each row is
    (payload, rest): the payload is the row's ``canonical_json(chain_payload())`` text, and rest
    its other columns, as one tab-joined COPY text where ``copies()`` (PostgreSQL) and as a
    tuple of values elsewhere. ``head`` (a locked ``ChainHead``, see ``chain_lock``) is moved
    to the last link, also when the load fails half-way (the transaction then rolls back).
    """
    columns = list(columns)
    assert columns[:4] == ["chain_key", "chain_seq", "prev_hash", "row_hash"], columns
    seq, prev = head.last_seq, head.last_hash
    sha256 = hashlib.sha256
    try:
        if not copies():
            def params():
                nonlocal seq, prev
                for payload, rest in rows:
                    digest = sha256(f"{prev}\n{payload}".encode()).hexdigest()
                    seq += 1
                    yield (chain_key, seq, prev, digest, *rest)
                    prev = digest

            sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
                   f"VALUES ({', '.join(['%s'] * len(columns))})")
            with connection.cursor() as cursor:
                cursor.executemany(sql, params())
            return
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        # Small chunks: the socket takes each at once, so the server loads one while this
        # thread hashes and formats the next (large ones make the two take turns).
        with connection.cursor() as cursor, connection.wrap_database_errors, \
                cursor.cursor.copy(sql) as copy:
            chunk: list[str] = []
            append = chunk.append
            for payload, rest in rows:
                digest = sha256(f"{prev}\n{payload}".encode()).hexdigest()
                seq += 1
                append(f"{chain_key}\t{seq}\t{prev}\t{digest}\t{rest}\n")
                prev = digest
                if len(chunk) >= COPY_CHUNK:
                    copy.write("".join(chunk))
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))
    finally:
        head.last_seq, head.last_hash = seq, prev


# --- carried over MQTT ----------------------------------------------------------------------

def _setting(name: str, default: str) -> str:
    if hasattr(settings, name):
        return str(getattr(settings, name))
    return os.environ.get(name, default)


def broker_settings() -> dict:
    """The MQTT broker the ingest workers sign in to, and how: a user name and password
    (JILIANG_MQTT_USERNAME, JILIANG_MQTT_PASSWORD or a file holding it,
    JILIANG_MQTT_PASSWORD_FILE) and/or TLS with a client certificate (JILIANG_MQTT_CA_FILE,
    JILIANG_MQTT_CERT_FILE, JILIANG_MQTT_KEY_FILE), at JILIANG_MQTT_HOST:JILIANG_MQTT_PORT."""
    password = _setting("JILIANG_MQTT_PASSWORD", "")
    password_file = _setting("JILIANG_MQTT_PASSWORD_FILE", "")
    if password_file and not password:
        with open(password_file, encoding="utf-8") as handle:
            password = handle.read().strip()
    return {"host": _setting("JILIANG_MQTT_HOST", "127.0.0.1"),
            "port": int(_setting("JILIANG_MQTT_PORT", "1883")),
            "username": _setting("JILIANG_MQTT_USERNAME", ""), "password": password,
            "ca_file": _setting("JILIANG_MQTT_CA_FILE", ""),
            "cert_file": _setting("JILIANG_MQTT_CERT_FILE", ""),
            "key_file": _setting("JILIANG_MQTT_KEY_FILE", "")}


def sender_of(topic_name: str, prefix: str, kind: str) -> str | None:
    """The sender's code of the topic ``<prefix>/<code>/<kind>``; None for any other topic."""
    parts = topic_name[len(prefix) + 1:].split("/") if topic_name.startswith(prefix + "/") \
        else []
    return parts[0] if len(parts) == 2 and parts[1] == kind and parts[0] else None


def answered(topic_name: str, prefix: str, kind: str, take: Callable[[str], object]) -> dict:
    """The answer to one message on ``<prefix>/<sender>/<kind>``: ``take(sender)`` ingests it
    and gives a result with ``as_dict()``. Never raises (a worker must not die of one bad
    message): a refusal is answered with its reason, anything else logged."""
    sender = sender_of(topic_name, prefix, kind)
    if sender is None:
        return {"ok": False, "reason": "topic", "message": f"not a {kind} topic: {topic_name}"}
    close_old_connections()
    try:
        return {"ok": True, **take(sender).as_dict()}
    except BatchRefusedError as refused:
        return {"ok": False, "reason": refused.reason,
                "message": "; ".join(m for ms in refused.message_dict.values() for m in ms)}
    except Exception:  # noqa: BLE001 - logged; the worker carries on with the next message
        log.exception("MQTT ingest failed on %s", topic_name)
        return {"ok": False, "reason": "error", "message": "internal error"}
    finally:
        close_old_connections()


class MqttWorker:
    """Subscribes to ``subscription`` and ingests what arrives, answering every message.

    A subclass says what it subscribes to (``prefix``, ``subscription``) and gives
    ``ingest(topic, payload) -> dict``, which must not raise (see ``answered``); the answer goes
    out as JSON with QoS 1 on ``<prefix>/<sender>/ack``. The session
    is persistent (MQTT 3.1.1: clean session off; MQTT 5: clean start off and a session that
    never expires), so the broker keeps QoS 1 messages while the worker restarts. With ``share``
    the worker joins the shared subscription ``$share/<share>/<subscription>``: the broker hands
    each message to one worker of the group. A broker that refuses the credentials stops the
    worker, its reason code in ``refused``.
    """

    protocol = mqtt.MQTTv311
    prefix = ""
    subscription = ""

    def __init__(self, *, host: str, port: int, client_id: str, credentials: dict,
                 share: str | None = None) -> None:
        self.host, self.port, self.client_id, self.share = host, int(port), client_id, share
        self.credentials = {k: credentials.get(k, "") for k in (
            "username", "password", "ca_file", "cert_file", "key_file")}
        self.handled = 0
        self.refused: int | None = None  # the broker's reason code when it refused us

    def ingest(self, topic_name: str, payload: bytes) -> dict:
        raise NotImplementedError

    def ack_topic(self, topic_name: str) -> str:
        """``<prefix>/<sender>/ack`` for a message on ``<prefix>/<sender>/...``."""
        return f"{self.prefix}/{topic_name[len(self.prefix) + 1:].split('/')[0]}/ack"

    @property
    def topic_filter(self) -> str:
        return f"$share/{self.share}/{self.subscription}" if self.share else self.subscription

    def authenticate(self, client) -> None:
        """User name and password, and TLS with a client certificate, as configured: the broker
        takes only clients it knows (README, "Broker credentials")."""
        c = self.credentials
        if c["username"]:
            client.username_pw_set(c["username"], c["password"] or None)
        if c["ca_file"] or c["cert_file"]:
            client.tls_set(ca_certs=c["ca_file"] or None, certfile=c["cert_file"] or None,
                           keyfile=c["key_file"] or None)

    def connect(self) -> mqtt.Client:
        if self.protocol == mqtt.MQTTv5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties

            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                                 protocol=mqtt.MQTTv5)
            self.authenticate(client)
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 0xFFFFFFFF  # kept while the worker is away
            client.connect(self.host, self.port, keepalive=30, clean_start=False,
                           properties=properties)
            return client
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             clean_session=False)
        self.authenticate(client)
        client.connect(self.host, self.port, keepalive=30)
        return client

    def run(self, stop: threading.Event | None = None,
            ready: threading.Event | None = None) -> None:
        stop = stop or threading.Event()

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
            result = self.ingest(message.topic, message.payload)
            self.handled += 1
            c.publish(self.ack_topic(message.topic),
                      json.dumps(result, ensure_ascii=False, default=str), qos=1)

        client = self.connect()
        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        try:
            while not stop.is_set():
                client.loop(timeout=0.2)
        finally:
            client.disconnect()
            connection.close()
