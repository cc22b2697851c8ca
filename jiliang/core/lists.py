"""What every list shares: filters that take the words a person types, and column sorting.

- ``owner_filter`` takes an organisation's credit code, its name (or part of it) or its id;
  ``region_filter`` a division code prefix or a region's name. A value that matches nothing
  is said on the page (``errors``), never silently ignored.
- ``sort_by`` orders a queryset by a column the page offers (``?sort=name``, ``?sort=-name``),
  always ending on the primary key so that paging is stable; an unknown column falls back to
  the list's default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiliang.core.models import Region
from jiliang.core.params import is_id
from jiliang.core.selectors import organisation_list
from jiliang.rules.identifiers import uscc_validate

MAX_NAME_MATCHES = 200  # organisations a typed name may stand for in one filter


@dataclass
class OwnerFilter:
    """The organisations a typed owner stands for (``ids``), or why it stands for none."""

    raw: str = ""
    ids: list[int] | None = None  # None: no filter
    error: str = ""
    names: list[str] = field(default_factory=list)

    @property
    def single(self) -> int | None:
        return self.ids[0] if self.ids and len(self.ids) == 1 else None


def owner_filter(user, raw: str | None) -> OwnerFilter:
    """An owner typed as a credit code, a name or part of one, or an internal id."""
    raw = (raw or "").strip()[:200]
    if not raw:
        return OwnerFilter()
    orgs = organisation_list(user)
    if is_id(raw) and len(raw) < 18:
        found = orgs.filter(pk=int(raw))
    elif len(raw) == 18 and not _uscc_error(raw.upper()):
        found = orgs.filter(credit_code=raw.upper())
    else:
        exact = orgs.filter(name=raw)
        found = exact if exact.exists() else orgs.filter(name__contains=raw)
    rows = list(found.order_by("name", "pk").values_list("pk", "name")[:MAX_NAME_MATCHES])
    if not rows:
        return OwnerFilter(raw, [], _("No organisation you may see matches “%(value)s”.") % {
            "value": raw})
    return OwnerFilter(raw, [pk for pk, _name in rows], names=[name for _pk, name in rows])


def _uscc_error(code: str) -> bool:
    try:
        uscc_validate(code)
    except ValueError:
        return True
    return False


@dataclass
class RegionFilter:
    raw: str = ""
    prefix: str = ""
    error: str = ""
    name: str = ""


def region_prefix(code: str, level: int) -> str:
    """The GB/T 2260 prefix of a region: 2 digits a province, 4 a prefecture, 6 a county."""
    return code[: {1: 2, 2: 4}.get(level, 6)]


def region_filter(raw: str | None) -> RegionFilter:
    """A region typed as a division code (or its prefix) or by name (广州市, 天河区, 广东)."""
    raw = (raw or "").strip()[:64]
    if not raw:
        return RegionFilter()
    if raw.isascii() and raw.isdigit():
        if len(raw) > 6:
            return RegionFilter(raw, error=_("A division code has 6 digits."))
        region = Region.objects.filter(code=raw.ljust(6, "0")).first()
        return RegionFilter(raw, raw, name=region.name if region else "")
    matches = list(Region.objects.filter(name=raw).order_by("level", "code")[:2]) or list(
        Region.objects.filter(name__startswith=raw).order_by("level", "code")[:2])
    if not matches:
        return RegionFilter(raw, error=_("No region is called “%(value)s”.") % {"value": raw})
    region = matches[0]
    return RegionFilter(raw, region_prefix(region.code, region.level), name=region.name)


def filter_owner(qs: QuerySet, owner: OwnerFilter, field_name: str = "owner_id") -> QuerySet:
    if owner.ids is None:
        return qs
    if not owner.ids:
        return qs.none()
    return qs.filter(**{f"{field_name}__in": owner.ids})


def filter_region(qs: QuerySet, region: RegionFilter,
                  field_name: str = "region_code") -> QuerySet:
    if region.error:
        return qs.none()
    if region.prefix:
        return qs.filter(**{f"{field_name}__startswith": region.prefix})
    return qs


def text_search(q: str, *, exact: Sequence[str] = (), upper: Sequence[str] = (),
                contains: Sequence[str] = ()) -> Q:
    """One ``q`` over a list's columns: exact identifiers (serial, certificate number),
    upper-cased codes (public code, credit code) and names that contain the words."""
    q = q.strip()[:100]
    cond = Q(pk__in=[])
    for name in exact:
        cond |= Q(**{name: q})
    for name in upper:
        cond |= Q(**{name: q.upper()})
    for name in contains:
        cond |= Q(**{f"{name}__contains": q})
    return cond


@dataclass
class Sort:
    """The sort a list is in, and the links its column headings carry."""

    key: str
    descending: bool
    columns: Mapping[str, Sequence[str]]
    query: str = ""  # the list's other parameters, URL-encoded, ending in "&"

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    @property
    def next(self) -> dict[str, str]:
        """For each column, the ``sort`` its heading's link asks for (a second click reverses)."""
        return {key: (key if key == self.key and self.descending else
                      f"-{key}" if key == self.key else key) for key in self.columns}

    @property
    def arrows(self) -> dict[str, str]:
        return {key: ("▼" if self.descending else "▲") if key == self.key else ""
                for key in self.columns}

    @property
    def links(self) -> dict[str, str]:
        return {key: f"?{self.query}sort={value}" for key, value in self.next.items()}


def sort_by(request, qs: QuerySet, columns: Mapping[str, Sequence[str]], default: str,
            *, keep: Sequence[str] = ()) -> tuple[QuerySet, Sort]:
    """Order ``qs`` by the column ``?sort=`` names (``-`` for descending), the primary key last.

    ``columns`` maps a column's key to its model fields; ``default`` is a key, ``-`` allowed;
    ``keep`` names the list's other parameters, which the heading links carry.
    """
    raw = (request.GET.get("sort") or "").strip()
    key, descending = raw.lstrip("-"), raw.startswith("-")
    if key not in columns:
        key, descending = default.lstrip("-"), default.startswith("-")
    fields = [f"-{name}" if descending else name for name in columns[key]]
    pk = "-pk" if descending else "pk"
    query = urlencode({k: request.GET.get(k) for k in keep if request.GET.get(k)})
    return qs.order_by(*fields, pk), Sort(key, descending, columns,
                                          query + "&" if query else "")
