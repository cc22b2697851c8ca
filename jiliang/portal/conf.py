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


def min_cell() -> int:
    """Open statistics withhold a cell that counts fewer records than this
    (JILIANG_OPEN_DATA_MIN_CELL, default 3): no standard in the reference data gives the number;
    the administration sets it, and the pages say so."""
    return max(1, int(getattr(settings, "JILIANG_OPEN_DATA_MIN_CELL", 3)))


def open_data_licence() -> dict[str, str]:
    """The terms of use printed with every dataset (JILIANG_OPEN_DATA_LICENCE_ZH / _EN): the
    administration's to set; the default asks only that the source be named."""
    return {
        "zh": getattr(settings, "JILIANG_OPEN_DATA_LICENCE_ZH",
                      "本数据可免费获取、使用和传播，使用时请注明数据来源。"),
        "en": getattr(settings, "JILIANG_OPEN_DATA_LICENCE_EN",
                      "Free to obtain, use and share; name the source when you use it."),
    }


def open_data_max_age() -> int:
    """Seconds a browser or proxy may keep a dataset (JILIANG_OPEN_DATA_MAX_AGE, default 3600)."""
    return int(getattr(settings, "JILIANG_OPEN_DATA_MAX_AGE", 3600))


OPEN_DATA_PAGE_SIZE = 500  # rows of a disclosure list per request, by default
OPEN_DATA_MAX_PAGE_SIZE = 1000
OPEN_DATA_MAX_ROWS = 100_000  # page × page size: deeper than this, narrow the period
