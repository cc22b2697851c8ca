"""What the energy pages share."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def month_of(request) -> datetime.date:
    raw = request.GET.get("month", "")
    try:
        return datetime.date.fromisoformat(f"{raw}-01") if len(raw) == 7 else \
            timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def forbid_unless(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("Your role does not give access to this page."))


