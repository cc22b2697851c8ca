"""The public window's settings, each with its default (README: "The public window")."""

from __future__ import annotations

from django.conf import settings


def max_upload_bytes() -> int:
    """The largest attachment or photo accepted (JILIANG_PORTAL_MAX_UPLOAD_MB, default 10)."""
    return int(getattr(settings, "JILIANG_PORTAL_MAX_UPLOAD_MB", 10) * 1024 * 1024)


def feed_size() -> int:
    return int(getattr(settings, "JILIANG_PORTAL_FEED_SIZE", 50))
