"""Due dates and the rates (受检率, 检定合格率)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.core.caching import FRAGMENT_SECONDS, fragment_key, rows_cache
from jiliang.core.lists import sort_by
from jiliang.core.params import query_year
from jiliang.core.replica import replica_ok
from jiliang.core.tabular import Percent
from jiliang.core.web import lazy_page_of, roles_required, xlsx_response
from jiliang.registry import selectors
from jiliang.registry.views.common import (
    filtered,
    filters_context,
    instruments_xlsx,
    list_query,
    local_today,
)
from jiliang.rules import verification as rules

# --- due dates and rates ----------------------------------------------------------------------


def _due_within(days: int) -> str:
    return _("due within %(days)s days") % {"days": days}


WINDOWS = [(rules.OVERDUE, gettext_lazy("overdue")),
           *((str(days), lazy(_due_within, str)(days)) for days in rules.DUE_SOON_DAYS)]


@login_required
def due_list(request):
    window = request.GET.get("window", rules.OVERDUE)
    if window not in rules.DUE_WINDOWS:
        window = rules.OVERDUE
    f = filters_context(request)
    q = request.GET.get("q", "").strip()[:100]
    qs = filtered(selectors.due_list(request.user, window=window, kind=f["kind"], use=f["use"],
                                      region=f["region_prefix"], owner=f["owner_ids"], q=q), f)
    keys = ("window", "kind", "use", "region", "owner", "q")
    qs, sort = sort_by(request, qs, DUE_COLUMNS, "next_due", keep=keys)
    if request.GET.get("format") == "xlsx":
        return instruments_xlsx(f"due-{window}.xlsx", qs, _("Due dates"))
    return render(request, "registry/due_list.html", {
        **f, "page": lazy_page_of(request, qs), "window": window, "windows": WINDOWS, "q": q,
        "today": local_today(), "sort": sort, "query": list_query(request, *keys, "sort"),
        "window_query": list_query(request, "kind", "use", "region", "owner", "q", "sort"),
        **rows_cache(request, selectors.public_check_version),
    })


DUE_COLUMNS = {
    "next_due": ("next_due_on",), "action": ("due_action",), "kind": ("kind__code",),
    "serial": ("serial_number",), "owner": ("owner__name",), "region": ("region_code",),
}


def _period(request) -> tuple[int, datetime.date, datetime.date]:
    today = local_today()
    year = query_year(request, lo=2000, hi=today.year + 5, default=today.year)
    return year, datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@replica_ok  # statistics from the maintained cells: a second of lag does them no harm
@roles_required(bureau=True)
def rates(request):
    """受检率 and 检定合格率 by kind, by region below the caller's, and by province (national)."""
    year, start, end = _period(request)
    kind, use = request.GET.get("kind", ""), request.GET.get("use", "")
    region = request.GET.get("region", "").strip()
    args = {"start": start, "end": end, "kind": kind, "use": use, "region": region}
    national = request.user.scope.everything and not region
    # The year's cells add up to a few hundred rows nationally, but reading them is the page's
    # cost (10^5 cells at 10^6 instruments): the sums are kept per scope, query and language
    # while the registry's version stays (cells plus an import's unfolded deltas: folding
    # them changes no sum).
    groups = cache.get_or_set(
        "rates:" + fragment_key(request, selectors.public_check_version),
        lambda: selectors.rates_by_groups(
            request.user, groups=("kind", "region", "use", "province"), **args),
        FRAGMENT_SECONDS)
    by_kind, by_region, by_use = groups["kind"], groups["region"], groups["use"]
    by_province = groups["province"] if national else []
    total = selectors.rates_total(by_kind)
    if request.GET.get("format") == "xlsx":
        def line(group, name, r):
            return (group, name, r["due"], r["due_verified"], Percent(r["inspection_rate"]),
                    r["verified"], r["passed"], Percent(r["pass_rate"]))

        rows = [line(str(pgettext("instrument", "Kind")), r["label"], r) for r in by_kind]
        rows += [line(str(_("Region")), f"{r['key']} {r['label']}", r) for r in by_region]
        rows += [line(str(_("Use")), r["label"], r) for r in by_use]
        return xlsx_response(f"rates-{year}.xlsx", [
            _("Group"), _("Name"), pgettext("count", "Due"), _("Verified in time"), _("Inspection rate (%)"),
            _("Verified"), _("Passed"), _("Pass rate (%)")], rows, title=str(year))
    chart = {
        "kinds": [r["label"] for r in by_kind],
        "inspection": [float(r["inspection_rate"]) if r["inspection_rate"] is not None else None
                       for r in by_kind],
        "pass": [float(r["pass_rate"]) if r["pass_rate"] is not None else None for r in by_kind],
        "map": [{"name": r["map_name"], "value": float(r["inspection_rate"])
                 if r["inspection_rate"] is not None else None,
                 "pass": float(r["pass_rate"]) if r["pass_rate"] is not None else None}
                for r in by_province],
        "labels": {"inspection": str(_("Inspection rate (%)")), "pass": str(_("Pass rate (%)"))},
    }
    return render(request, "registry/rates.html", {
        "year": year, "years": list(range(local_today().year - 5, local_today().year + 2)),
        "by_kind": by_kind, "by_region": by_region, "by_use": by_use, "by_province": by_province,
        "total": total, "chart": chart, "kinds": InstrumentKind.objects.order_by("code"),
        "uses": Use.choices, "kind": kind, "use": use, "region": region,
        "query": list_query(request, "year", "kind", "use", "region"),
    })
