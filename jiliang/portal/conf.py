"""The public window's settings, each with its default (README: "The public window")."""

from __future__ import annotations

from django.conf import settings


def max_upload_bytes() -> int:
    """The largest attachment or photo accepted (JILIANG_PORTAL_MAX_UPLOAD_MB, default 10)."""
    return int(getattr(settings, "JILIANG_PORTAL_MAX_UPLOAD_MB", 10) * 1024 * 1024)


def feed_size() -> int:
    return int(getattr(settings, "JILIANG_PORTAL_FEED_SIZE", 50))


def complaint_working_days() -> int:
    """The time limit for handling a complaint, in working days (JILIANG_COMPLAINT_WORKING_DAYS,
    default 15): the administration checks it against the measures in force."""
    return int(getattr(settings, "JILIANG_COMPLAINT_WORKING_DAYS", 15))


def complaints_per_hour() -> int:
    """Complaints accepted from one network address in an hour (JILIANG_COMPLAINTS_PER_HOUR)."""
    return int(getattr(settings, "JILIANG_COMPLAINTS_PER_HOUR", 5))


MAX_PHOTOS = 3
