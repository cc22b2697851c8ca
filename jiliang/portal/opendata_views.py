"""Open statistics (charts and tables) and open data (CSV, JSON, schemas, a DCAT catalogue)."""

from __future__ import annotations

import json
from functools import cached_property, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from jiliang.core.caching import public_cache, rows_cache
from jiliang.core.hooks import optional
from jiliang.core.params import BadParameter, query_int, query_page
from jiliang.core.tabular import csv_bytes
from jiliang.core.web import public
from jiliang.portal import conf, opendata, selectors
from jiliang.portal.public import label


def cacheable(view):
    """Public, cached by the server per version (``public_cache``) and by browsers and proxies
    for ``JILIANG_OPEN_DATA_MAX_AGE`` seconds."""
    cached = public_cache(version=opendata.version)(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = cached(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=conf.open_data_max_age())
        return response

    return wrapped


def _dataset(slug: str) -> opendata.Dataset:
    found = opendata.dataset(slug)
    if found is None:
        raise Http404
    return found


def _base() -> str:
    return settings.JILIANG_PUBLIC_URL.rstrip("/")


def _url(name: str, q: opendata.Query | None = None, **kwargs) -> str:
    url = reverse(name, kwargs=kwargs or None)
    return f"{url}?{urlencode(q.params)}" if q is not None else url


def _meta(ds: opendata.Dataset) -> dict:
    return {"slug": ds.slug, "title": str(ds.title), "description": str(ds.description),
            "kind": ds.kind, "updated": ds.updated_on(),
            "fields": [(f.name, f.type, str(f.title)) for f in ds.fields],
            "page": reverse("portal:dataset", kwargs={"slug": ds.slug}),
            "csv": reverse("portal:dataset-csv", kwargs={"slug": ds.slug}),
            "json": reverse("portal:dataset-json", kwargs={"slug": ds.slug}),
            "schema_url": reverse("portal:dataset-schema", kwargs={"slug": ds.slug})}


def _licence() -> str:
    return label(conf.open_data_licence())


def _threshold_words() -> str:
    return _("To keep any single enterprise from being identified, a figure that counts fewer "
             "than %(n)s records is not published (shown as “—”), nor are the figures "
             "derived from it; totals add up the figures shown. The administration sets this "
             "threshold.") % {"n": conf.min_cell()}


# --- the statistics page ---------------------------------------------------------------------

# Codes are in the downloads; the page's tables show the names.
HIDDEN_ON_PAGE = frozenset({"province_code", "kind_code", "type_code", "tier", "suppressed"})


def _chart_data(rows: dict[str, list[dict]], q: opendata.Query) -> dict:
    short_province_name = optional("registry", "selectors").short_province_name

    def num(value):
        return float(value) if value is not None else None

    rates = rows["verification-rates"]
    by_province = opendata.totals(rates, "province", ("due", "due_verified", "verified",
                                                      "passed"))
    by_kind = opendata.totals(rates, "kind", ("due", "due_verified", "verified", "passed"))
    net = rows["net-content-pass-rates"]
    lic = rows["licensing-decisions"]
    lic_by_type = opendata.totals(lic, "licence_type", ("granted", "decided", "on_time"))
    units = rows["energy-units"]
    tiers = sorted({r["tier_name"] for r in units})
    provinces = sorted({r["province"] for r in units})
    cell = {(r["province"], r["tier_name"]): r["units"] for r in units}
    threshold = conf.min_cell()

    def shown(part, whole):
        return num(opendata.rate(part, whole)) if whole >= threshold else None

    return {
        "labels": {"inspection": _("Inspection rate (%)"), "pass": _("Pass rate (%)"),
                   "granted": _("Licences granted"), "on_time": _("Decided on time (%)"),
                   "units": _("Units")},
        "map": [{"name": short_province_name(name), "value": shown(t["due_verified"], t["due"]),
                 "pass": shown(t["passed"], t["verified"])} for name, t in by_province.items()]
        if not q.province else [],
        "kinds": list(by_kind),
        "kind_inspection": [shown(t["due_verified"], t["due"]) for t in by_kind.values()],
        "kind_pass": [shown(t["passed"], t["verified"]) for t in by_kind.values()],
        "net_products": [f"{r['year']} {r['product']}" for r in net],
        "net_pass": [num(r["pass_rate"]) for r in net],
        "licence_types": list(lic_by_type),
        "licence_granted": [t["granted"] for t in lic_by_type.values()],
        "licence_on_time": [shown(t["on_time"], t["decided"]) for t in lic_by_type.values()],
        "unit_provinces": provinces,
        "unit_series": [{"name": tier, "data": [cell.get((p, tier)) for p in provinces]}
                        for tier in tiers],
    }


class _Statistics:
    """The page's figures, worked out when the template first reads them: a page whose
    content is kept (``rows_cache``) reads none."""

    def __init__(self, q: opendata.Query):
        self.q = q

    @cached_property
    def _worked_out(self) -> tuple[dict, dict]:
        sections, rows = [], {}
        for ds in opendata.datasets():
            if ds.kind != opendata.STATISTIC:
                continue
            rows[ds.slug] = opendata.statistic_rows(ds, self.q)
            shown = [f for f in ds.fields if f.name not in HIDDEN_ON_PAGE]
            sections.append({**_meta(ds), "columns": [str(f.title) for f in shown],
                             "cells": [[row.get(f.name) for f in shown] for row in rows[ds.slug]],
                             "csv_q": _url("portal:dataset-csv", self.q, slug=ds.slug),
                             "json_q": _url("portal:dataset-json", self.q, slug=ds.slug)})
        for slug in ("verification-rates", "net-content-pass-rates", "licensing-decisions",
                     "energy-units", "energy-audits"):
            rows.setdefault(slug, [])
        return {s["slug"].replace("-", "_"): s for s in sections}, _chart_data(rows, self.q)

    @property
    def sections(self) -> dict:
        return self._worked_out[0]

    @property
    def chart(self) -> dict:
        return self._worked_out[1]

    @cached_property
    def provinces(self) -> list[tuple[str, str]]:
        return selectors.provinces()


@public
@cacheable
def statistics(request):
    """Open statistics: rates, net content, licensing, energy units, each with its download.
    The same for every visitor: a signed-in one (whose layout ``public_cache`` does not keep)
    gets the content kept per query, language and version."""
    q = opendata.parse_query(request.GET)
    return render(request, "portal/statistics.html", {
        "q": q, "stats": _Statistics(q), "threshold_words": _threshold_words(),
        "licence": _licence(), "from_value": q.params["from"], "to_value": q.params["to"],
        **rows_cache(request, opendata.version, per_viewer=False),
    })


# --- open data --------------------------------------------------------------------------------


@public
@cacheable
def open_data(request):
    """The catalogue page: every dataset, its schema link, its downloads, its licence."""
    return render(request, "portal/open_data.html", {
        "datasets": [_meta(ds) for ds in opendata.datasets()], "licence": _licence(),
        "threshold_words": _threshold_words(),
        "catalog": reverse("portal:open-data-catalog"),
        "max_page_size": conf.OPEN_DATA_MAX_PAGE_SIZE, "max_months": opendata.MAX_MONTHS,
    })


@public
@cacheable
def dataset_page(request, slug: str):
    ds = _dataset(slug)
    return render(request, "portal/dataset.html", {
        "ds": _meta(ds), "licence": _licence(), "threshold_words": _threshold_words(),
        "statistic": ds.kind == opendata.STATISTIC, "max_months": opendata.MAX_MONTHS,
        "page_size": conf.OPEN_DATA_PAGE_SIZE, "max_page_size": conf.OPEN_DATA_MAX_PAGE_SIZE,
    })


def _paging(request) -> tuple[int, int]:
    page = query_page(request)
    size = query_int(request, "page_size", lo=1, hi=conf.OPEN_DATA_MAX_PAGE_SIZE,
                     default=conf.OPEN_DATA_PAGE_SIZE)
    if page * size > conf.OPEN_DATA_MAX_ROWS:
        raise BadParameter("page", _("Pages reach at most %(n)s rows into a list; narrow the "
                                     "period with “from” and “to”.")
                           % {"n": conf.OPEN_DATA_MAX_ROWS})
    return page, size


def _json_error(error: BadParameter) -> JsonResponse:
    return JsonResponse({"detail": error.message,
                         "errors": [{"field": error.name, "message": error.message}]},
                        status=400, json_dumps_params={"ensure_ascii": False})


@public
@cacheable
def dataset_json(request, slug: str):
    ds = _dataset(slug)
    try:
        q = opendata.parse_query(request.GET)
        page, size = _paging(request)
    except BadParameter as error:
        return _json_error(error)
    rows, more = opendata.page_rows(ds, q, page=page, size=size)
    params = dict(q.params)
    following = None
    if more:
        following = f"{_base()}{reverse('portal:dataset-json', kwargs={'slug': ds.slug})}?" \
            + urlencode({**params, "page": page + 1, "page_size": size})
    body = {
        "dataset": ds.slug, "title": str(ds.title), "description": str(ds.description),
        "licence": conf.open_data_licence(), "updated": ds.updated_on().isoformat(),
        "language": get_language(), "parameters": params,
        "schema": opendata.schema(ds),
        "suppression": ({"threshold": conf.min_cell(), "note": _threshold_words()}
                        if ds.kind == opendata.STATISTIC else None),
        "page": page, "page_size": size, "next": following,
        "items": [{name: opendata.json_value(row.get(name)) for name in ds.names}
                  for row in rows],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
                            content_type="application/json; charset=utf-8")
    return response


@public
@cacheable
def dataset_csv(request, slug: str):
    """The rows as CSV, every cell written by ``core/tabular.py`` (never a formula)."""
    ds = _dataset(slug)
    q = opendata.parse_query(request.GET)
    page, size = _paging(request)
    rows, _more = opendata.page_rows(ds, q, page=page, size=size)
    body = csv_bytes(ds.names, ([row.get(name) for name in ds.names] for row in rows))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"{ds.slug}-{q.params['from']}-{q.params['to']}"
    if q.province:
        name += f"-{q.province}"
    if ds.kind != opendata.STATISTIC:
        name += f"-p{page}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True,
                                                                 filename=f"{name}.csv")
    return response


@public
@cacheable
def dataset_schema(request, slug: str):
    ds = _dataset(slug)
    body = {**opendata.schema(ds), "name": ds.slug, "title": str(ds.title)}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@public
@cacheable
def catalog(request):
    """The datasets as a DCAT catalogue in JSON-LD (W3C DCAT 2)."""
    base = _base()
    licence = base + reverse("portal:open-data") + "#licence"
    entries = []
    for ds in opendata.datasets():
        page = base + reverse("portal:dataset", kwargs={"slug": ds.slug})
        with override("zh-hans"):
            zh = {"title": str(ds.title), "description": str(ds.description),
                  "keywords": [str(k) for k in ds.keywords]}
        with override("en"):
            en = {"title": str(ds.title), "description": str(ds.description)}
        distributions = []
        for fmt, media in (("CSV", "text/csv"), ("JSON", "application/json")):
            url = base + reverse(f"portal:dataset-{fmt.lower()}", kwargs={"slug": ds.slug})
            distributions.append({
                "@type": "dcat:Distribution", "@id": url, "dcat:downloadURL": {"@id": url},
                "dcat:accessURL": {"@id": page}, "dcat:mediaType": media, "dct:format": fmt,
                "dct:license": {"@id": licence},
                "dct:conformsTo": {"@id": base + reverse("portal:dataset-schema",
                                                         kwargs={"slug": ds.slug})}})
        entries.append({
            "@type": "dcat:Dataset", "@id": page, "dct:identifier": ds.slug,
            "dct:title": [{"@language": "zh", "@value": zh["title"]},
                          {"@language": "en", "@value": en["title"]}],
            "dct:description": [{"@language": "zh", "@value": zh["description"]},
                                {"@language": "en", "@value": en["description"]}],
            "dcat:keyword": [{"@language": "zh", "@value": k} for k in zh["keywords"]],
            "dct:modified": {"@value": ds.updated_on().isoformat(), "@type": "xsd:date"},
            "dct:license": {"@id": licence}, "dcat:landingPage": {"@id": page},
            "dct:accessRights": "public", "dct:spatial": "CN",
            "dcat:distribution": distributions})
    with override("zh-hans"):
        title = _("Open data of legal metrology")
    with override("en"):
        title_en = _("Open data of legal metrology")
    body = {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "xsd": "http://www.w3.org/2001/XMLSchema#",
                     "foaf": "http://xmlns.com/foaf/0.1/"},
        "@id": base + reverse("portal:open-data-catalog"), "@type": "dcat:Catalog",
        "dct:title": [{"@language": "zh", "@value": title},
                      {"@language": "en", "@value": title_en}],
        "dct:language": ["zh", "en"], "foaf:homepage": {"@id": base + reverse("portal:open-data")},
        "dct:license": {"@id": licence}, "dcat:dataset": entries,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1),
                            content_type="application/ld+json; charset=utf-8")
    return response
