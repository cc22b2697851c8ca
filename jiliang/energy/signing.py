"""Ed25519 signatures of reading batches: the shared signed-batch interface
(``jiliang.core.signed_batches``) with the energy gateways' context.

A gateway signs, with the unit's private key, the text

    jiliang-energy-batch/1\\n<unit code>\\n<batch id>\\n<SHA-256 of the body, hex>

so the signature binds the unit, the batch id and the exact bytes of the body,
whatever carries them (HTTP or MQTT). Keys and signatures travel as base64.
"""

from __future__ import annotations

from jiliang.core import signed_batches
from jiliang.core.signed_batches import (  # noqa: F401  (the energy app's names for them)
    BadKeyError,
    fingerprint,
    keypair_from_seed,
    new_keypair,
    public_key_clean,
)

CONTEXT = b"jiliang-energy-batch/1"


def signed_text(unit_code: str, batch_id: str, body: bytes) -> bytes:
    return signed_batches.signed_text(CONTEXT, unit_code, batch_id, body)


def sign(private_key: str, unit_code: str, batch_id: str, body: bytes) -> str:
    return signed_batches.sign(private_key, CONTEXT, unit_code, batch_id, body)


def verify(public_key: str, unit_code: str, batch_id: str, body: bytes, signature: str) -> bool:
    return signed_batches.verify(public_key, CONTEXT, unit_code, batch_id, body, signature)
