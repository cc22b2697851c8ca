"""What the energy pages share."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core.web import errors_onto

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




def form_page(request, form, act: Callable[[dict], object], *, to: str | Callable[[object], str],
              success: str | Callable[[object], str], refusals: bool = True, **context):
    """A page of ``energy/form.html``: on a valid POST, ``act(form.cleaned_data)`` (a service),
    then the ``success`` message and a redirect ``to`` (either may be worked out from what
    ``act`` returned); otherwise the form again, with the service's errors on it. With
    ``refusals=False`` a refused act is a 403 rather than an error on the form."""
    if request.method == "POST" and form.is_valid():
        with errors_onto(form, refusals=refusals):
            done = act(form.cleaned_data)
            messages.success(request, success(done) if callable(success) else success)
            return redirect(to(done) if callable(to) else to)
    return render(request, "energy/form.html", {"form": form, **context})
