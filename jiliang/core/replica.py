"""Reads that may come from a streaming replica (``DATABASE_REPLICA_URL``).

The public pages, the feeds, the open statistics and the exports are read from the replica:
they are the bulk of the traffic and a second or two of replication lag does them no harm.
Everything else stays on the primary:

- every write (``db_for_write`` is always the primary) and every read inside a transaction;
- every request that is not a GET or HEAD, and every view not marked for the replica;
- a browser that has just written (its POST set a short-lived cookie): for
  ``JILIANG_REPLICA_PIN_SECONDS`` its pages read from the primary, so the list it is sent
  back to shows the row it just added.

Views are marked with ``public`` (``jiliang.core.web``) or ``replica_ok`` below; exports are
recognised by the project's convention (``?format=xlsx`` on a list, or a path in ``.xlsx``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "jl_primary"
_on_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("on_replica", default=False)


def replica_ok(view: Callable) -> Callable:
    """Mark a read-only view (an export, an open statistic) as servable from the replica."""
    view.jiliang_replica = True
    return view


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _on_replica.get() and replica_configured() and not connections["default"].in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaMiddleware:
    """Decides per request whether its reads may go to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _on_replica.set(False)
        try:
            response = self.get_response(request)
        finally:
            _on_replica.reset(token)
        if request.method not in ("GET", "HEAD", "OPTIONS") and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=getattr(
                settings, "JILIANG_REPLICA_PIN_SECONDS", 10), httponly=True, samesite="Lax")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (request.method in ("GET", "HEAD") and PIN_COOKIE not in request.COOKIES
                and replica_configured() and eligible(request, view_func)):
            _on_replica.set(True)
        return None


def eligible(request, view_func) -> bool:
    """A public page or feed, an open statistic, or an export."""
    return bool(getattr(view_func, "jiliang_public", False)
                or getattr(view_func, "jiliang_replica", False)
                or request.GET.get("format") == "xlsx" or request.path.endswith(".xlsx"))


def serving_from_replica() -> bool:
    """Whether the current request's reads go to the replica (for tests and logs)."""
    return _on_replica.get() and replica_configured()
