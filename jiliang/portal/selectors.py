"""Reads of the public window: every function here returns only what is published."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jiliang.core.models import Region, User
from jiliang.portal import opendata, permissions
from jiliang.portal.models import NATIONAL, Complaint, NewsItem


@lru_cache(maxsize=1)
def _region_table() -> dict[str, str]:
    # The GB/T 2260 table changes with a data load, not while a process serves pages.
    return dict(Region.objects.values_list("code", "name"))


def region_names(codes) -> dict[str, str]:
    """Code → name; a 2- or 4-digit prefix names its province or prefecture."""
    table = _region_table() or {}
    if not table:
        _region_table.cache_clear()
    out = {}
    for code in codes:
        full = (code + "000000")[:6] if code and code.isdigit() else code
        out[code] = table.get(full, code)
    return out


def provinces() -> list[tuple[str, str]]:
    """(2-digit code, name) of every province-level division."""
    return [(r.code[:2], r.name) for r in Region.objects.filter(level=Region.Level.PROVINCE)
            .order_by("code")]


def sitemap_urls(cap: int):
    """The portal's own published pages, for the sitemap."""
    for pk in live_items().values_list("pk", flat=True)[:cap]:
        yield reverse("portal:news-detail", kwargs={"pk": pk})
    for ds in opendata.datasets():
        yield reverse("portal:dataset", kwargs={"slug": ds.slug})


# --- news and notices -------------------------------------------------------------------------


def news_desk(user: User, *, state: str = "") -> QuerySet:
    """The items a bureau works on: its region's (the national administration: all)."""
    qs = NewsItem.objects.select_related("created_by", "corrects").order_by("-created_at", "-id")
    if not user.scope.everything:
        if not user.is_bureau or user.scope.region_prefix is None:
            return qs.none()
        qs = qs.filter(region_code__startswith=user.scope.region_prefix).exclude(
            region_code=NATIONAL)
    if state:
        qs = qs.filter(state=state)
    return qs


def news_for(user: User, pk: int) -> NewsItem:
    item = NewsItem.objects.select_related("created_by", "approved_by", "corrects").filter(
        pk=pk).first()
    if item is None or not permissions.sees(user, item):
        raise Http404
    return item


def live_items(*, kind: str = "", province: str = "", national: bool | None = None) -> QuerySet:
    """Published items, newest first; ``province`` (2 digits): its bureaus' and what they
    feature; ``national``: only (or, False, no) items of the national administration."""
    qs = NewsItem.objects.filter(state="approved", publish_at__lte=timezone.now()).order_by(
        "-publish_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if national is True:
        qs = qs.filter(region_code=NATIONAL)
    elif national is False:
        qs = qs.exclude(region_code=NATIONAL)
    if province:
        qs = qs.filter(Q(region_code__startswith=province)
                       | Q(features__region_code__startswith=province)).distinct()
    return qs


def public_item(pk: int) -> NewsItem:
    item = live_items().select_related("corrects").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def live_corrections(item: NewsItem) -> list[NewsItem]:
    return list(live_items().filter(corrects=item).order_by("publish_at", "id"))


def public_attachment(item: NewsItem, pk: int):
    found = item.attachments.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# --- complaints ---------------------------------------------------------------------------------


def complaint_queue(user: User, *, state: str = "") -> QuerySet:
    """A bureau's queue: its region's complaints, the oldest time limit first."""
    qs = Complaint.objects.select_related("handling_org").order_by("state", "due_on", "id")
    qs = user.scope.filter(qs) if user.is_bureau else qs.none()
    if state:
        qs = qs.filter(state=state)
    return qs


def complaint_for(user: User, pk: int):
    found = Complaint.objects.select_related("handling_org", "handler", "instrument",
                                             "campaign").filter(pk=pk).first()
    if found is None or not permissions.sees_complaint(user, found):
        raise Http404
    return found


def region_options(province: str) -> list[tuple[str, str]]:
    """The cities and counties of a province, for the region picker: (code, name)."""
    if not (len(province) == 2 and province.isdigit()):
        return []
    rows = list(Region.objects.filter(code__startswith=province, level__gte=2)
                .order_by("code").values_list("code", "name", "level", "parent_id"))
    names = {code: name for code, name, _level, _parent in rows}
    out = []
    for code, name, level, parent in rows:
        if level == 3 and parent in names and names[parent] not in ("市辖区", "县"):
            name = f"{names[parent]} {name}"
        out.append((code, name))
    return out
