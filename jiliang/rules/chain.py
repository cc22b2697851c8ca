"""Hash chains: each link carries the SHA-256 of the link before it.

Any record that must not change silently (ledger entries, verification
records, meter readings) is a link. Changing, removing or reordering a link
breaks every hash after it, so a recomputation names the first broken one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical_json(payload: Mapping[str, object]) -> str:
    """One byte-exact text for a payload whose values are str, int, bool, None, lists or dicts."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def link_hash(prev_hash: str, payload: Mapping[str, object]) -> str:
    data = prev_hash.encode() + b"\n" + canonical_json(payload).encode()
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Link:
    seq: int
    prev_hash: str
    hash: str


def link_all(
    payloads: Iterable[Mapping[str, object]], *, last_seq: int = 0, last_hash: str = GENESIS
) -> Iterator[Link]:
    """Chain payloads after (last_seq, last_hash), yielding each new link."""
    seq, prev = last_seq, last_hash
    for payload in payloads:
        seq += 1
        digest = link_hash(prev, payload)
        yield Link(seq, prev, digest)
        prev = digest


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def first_break(
    rows: Iterable[tuple[int, str, str, Mapping[str, object]]],
) -> Break | None:
    """Recompute a chain given as (seq, prev_hash, hash, payload) in seq order."""
    expected_seq, prev = 1, GENESIS
    for seq, prev_hash, digest, payload in rows:
        if seq != expected_seq:
            return Break(expected_seq, f"link {expected_seq} is missing (found {seq})")
        if prev_hash != prev:
            return Break(seq, "its previous-hash does not match the link before it")
        if link_hash(prev, payload) != digest:
            return Break(seq, "its content does not match its hash")
        expected_seq, prev = seq + 1, digest
    return None
