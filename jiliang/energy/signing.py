"""Ed25519 signatures of reading batches.

A gateway signs, with the unit's private key, the text

    jiliang-energy-batch/1\\n<unit code>\\n<batch id>\\n<SHA-256 of the body, hex>

so the signature binds the unit, the batch id and the exact bytes of the body,
whatever carries them (HTTP or MQTT). Keys and signatures travel as base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

CONTEXT = b"jiliang-energy-batch/1"


class BadKeyError(ValueError):
    """A public key that is not 32 bytes of base64 or hex."""


def signed_text(unit_code: str, batch_id: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return b"\n".join([CONTEXT, unit_code.encode(), batch_id.encode(), digest.encode()])


def new_keypair() -> tuple[str, str]:
    """(private key, public key) as base64."""
    key = SigningKey.generate()
    return _b64(bytes(key)), _b64(bytes(key.verify_key))


def keypair_from_seed(seed: bytes) -> tuple[str, str]:
    key = SigningKey(hashlib.sha256(seed).digest())
    return _b64(bytes(key)), _b64(bytes(key.verify_key))


def sign(private_key: str, unit_code: str, batch_id: str, body: bytes) -> str:
    key = SigningKey(base64.b64decode(private_key))
    return _b64(key.sign(signed_text(unit_code, batch_id, body)).signature)


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


def verify(public_key: str, unit_code: str, batch_id: str, body: bytes, signature: str) -> bool:
    try:
        key = VerifyKey(base64.b64decode(public_key))
        key.verify(signed_text(unit_code, batch_id, body), base64.b64decode(signature,
                                                                           validate=True))
    except (BadSignatureError, binascii.Error, ValueError, TypeError):
        return False
    return True


def fingerprint(public_key: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
