"""Settings of the licensing app: Django settings first, then the environment, then defaults.

- JILIANG_LICENSING_RENEWAL_OPENS_DAYS (90): how many days before the last day to apply for
  renewal the renewal window opens and reminders start. The reference gives only the last day
  (e.g. 6 months before expiry for measurement standards); the opening is the bureau's choice,
  and the service guide says so.
- JILIANG_LICENSING_MAX_UPLOAD_MB (10): the largest upload accepted.
- JILIANG_LICENSING_AT_RISK_DAYS (3): working days left at which an application is flagged
  "at risk" by the daily task.
"""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return int(value)


def renewal_opens_days() -> int:
    return _int("JILIANG_LICENSING_RENEWAL_OPENS_DAYS", 90)


def max_upload_bytes() -> int:
    return _int("JILIANG_LICENSING_MAX_UPLOAD_MB", 10) * 1024 * 1024


def at_risk_days() -> int:
    return _int("JILIANG_LICENSING_AT_RISK_DAYS", 3)
