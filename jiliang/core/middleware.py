"""Request bodies are bounded by their declared length, before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

MB = 1024 * 1024
# A multipart body carries its file plus the form's other fields and the part headers.
FORM_OVERHEAD = 64 * 1024


def max_body(limit: int | Callable[[], int]) -> Callable:
    """Mark a view as taking bodies of at most ``limit`` bytes (its file limit; the form's
    overhead is allowed on top). ``limit`` may be a function read at request time (a setting)."""

    def decorator(view: Callable) -> Callable:
        view.jiliang_max_body = limit
        return view

    return decorator


def request_limit() -> int:
    """The largest body any request may declare (``JILIANG_MAX_REQUEST_MB``, default 51)."""
    return int(getattr(settings, "JILIANG_MAX_REQUEST_MB", 51)) * MB


class BodyLimitMiddleware:
    """Answers 413 when a request's ``Content-Length`` exceeds what its view takes (the view's
    ``max_body``, else ``JILIANG_MAX_REQUEST_MB``), before the body is read: it sits before
    the CSRF check, which would read a form's body to find its token."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = _declared_length(request)
        if declared is None:
            return None
        limit = getattr(view_func, "jiliang_max_body", None)
        limit = (limit() if callable(limit) else limit) if limit is not None else None
        allowed = min(limit + FORM_OVERHEAD, request_limit()) if limit else request_limit()
        if declared <= allowed:
            return None
        return too_large(request, declared, allowed)


def _declared_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def too_large(request, declared: int, allowed: int) -> HttpResponse:
    message = _("The request is %(size)s MB; at most %(limit)s MB is taken here.") % {
        "size": round(declared / MB, 1), "limit": round(allowed / MB, 1)}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": [{"field": "", "message": message}]},
                            status=413)
    return render(request, "400.html", {"message": message, "title": _("Request too large")},
                  status=413)
