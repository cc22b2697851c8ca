"""What the registry's pages share: today's date, the list filters and their query string,
the instruments workbook, the failed items typed one a line."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.core.lists import OwnerFilter, owner_filter, region_filter
from jiliang.core.web import xlsx_response
from jiliang.registry import permissions

VERIFIERS = permissions.VERIFIER_ROLES


def local_today() -> datetime.date:
    return timezone.localdate()


def owner_filter_of(request) -> OwnerFilter:
    return owner_filter(request.user, request.GET.get("owner"))


def list_query(request, *keys: str) -> str:
    return urlencode({k: request.GET.get(k, "") for k in keys if request.GET.get(k)}) + "&"


def filters_context(request) -> dict:
    """The list's filters as typed, and what they stand for: an owner by credit code, name or
    id, a region by name or code. A value that stands for nothing is said (``filter_errors``)
    and the list shows nothing rather than everything."""
    owner, region = owner_filter_of(request), region_filter(request.GET.get("region"))
    return {
        "kinds": InstrumentKind.objects.order_by("code"), "uses": Use.choices,
        "kind": request.GET.get("kind", ""), "use": request.GET.get("use", ""),
        "region": request.GET.get("region", "").strip(), "owner": request.GET.get("owner", ""),
        "owner_ids": owner.ids, "owner_names": owner.names, "region_prefix": region.prefix,
        "region_name": region.name,
        "filter_errors": [e for e in (owner.error, region.error) if e],
    }


def filtered(qs, f: dict):
    return qs.none() if f["filter_errors"] else qs


def instruments_xlsx(filename: str, qs, title: str):
    rows = ((i.public_code, i.kind.name, i.get_use_display(), i.serial_number, i.owner.name,
             i.region_code, i.address, i.get_status_display(), i.last_verified_on,
             i.get_last_conclusion_display() if i.last_conclusion else "", i.valid_until,
             i.next_due_on, i.get_due_action_display() if i.due_action else "")
            for i in qs[:100_000].iterator(chunk_size=2000))
    return xlsx_response(filename, [
        _("Public code"), pgettext("instrument", "Kind"), _("Use"), _("Serial number"), _("Owner"), _("Division code"),
        _("Address"), _("Status"), _("Last verified"), _("Conclusion"), _("Valid until"),
        _("Next due"), pgettext("action", "Due")], rows, title=title)


def failed_items_from(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
