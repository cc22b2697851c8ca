"""Signed checkpoints of the hash chains' heads: tamper evidence beyond the database.

Whoever holds the database can edit a chained row and recompute every later link and the
chain's head: the chain verifies again. A checkpoint, signed daily with an Ed25519 key kept
outside the database and published, fixes each head (chain, key, link number, hash) as it was
that day. A chain recomputed afterwards no longer has that hash at that link.

The signed text is canonical JSON (sorted keys, no spaces) of
``{"context": "jiliang-checkpoint/1", "day": "YYYY-MM-DD", "heads": [[chain, key, seq, hash],
...]}`` with the heads sorted; keys and signatures travel as base64.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

CONTEXT = "jiliang-checkpoint/1"

Head = tuple[str, str, int, str]  # chain, key, link number, hash of that link


def signed_text(day: str, heads: Iterable[Head]) -> bytes:
    rows = sorted([str(c), str(k), int(s), str(h)] for c, k, s, h in heads)
    return json.dumps({"context": CONTEXT, "day": day, "heads": rows}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def new_key() -> bytes:
    """A new private key (32 bytes of seed)."""
    return bytes(SigningKey.generate())


def public_key(private: bytes) -> str:
    return base64.b64encode(bytes(SigningKey(private).verify_key)).decode()


def sign(private: bytes, day: str, heads: Iterable[Head]) -> str:
    return base64.b64encode(SigningKey(private).sign(signed_text(day, heads)).signature).decode()


def verify(public: str, day: str, heads: Iterable[Head], signature: str) -> bool:
    try:
        key = VerifyKey(base64.b64decode(public, validate=True))
        key.verify(signed_text(day, heads), base64.b64decode(signature, validate=True))
    except (BadSignatureError, binascii.Error, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Mismatch:
    chain: str
    key: str
    seq: int
    day: str
    reason: str


def compare(day: str, heads: Iterable[Head],
            link_hash: Callable[[str, str, int], str | None]) -> list[Mismatch]:
    """Each head of a checkpoint against the chains as they are now: ``link_hash(chain, key,
    seq)`` gives the hash the chain holds at that link today (None: no such link)."""
    found = []
    for chain, key, seq, expected in heads:
        if int(seq) == 0:
            continue
        now = link_hash(chain, key, int(seq))
        if now is None:
            found.append(Mismatch(chain, key, int(seq), day,
                                  f"link {seq} signed on {day} is no longer in the chain"))
        elif now != expected:
            found.append(Mismatch(chain, key, int(seq), day,
                                  f"link {seq} differs from the one signed on {day}: the chain "
                                  f"was changed and recomputed after that checkpoint"))
    return found
