"""Values worked out once per request: a reference read (the catalogue's kinds that left
compulsory verification) that several selectors of one page need.

``RequestIdMiddleware`` opens a scope around each request; outside one (tasks, commands,
shells) nothing is kept and every call computes afresh. Only for what no write of the same
request changes: reference data loaded by commands, never a row the request itself writes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_kept: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_memo", default=None)


def per_request(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per request for ``key``."""
    kept = _kept.get()
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return kept[key]


@contextmanager
def request_scope() -> Iterator[None]:
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)
