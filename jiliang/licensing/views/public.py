"""Public pages (no login): service guides, disclosures, the certificate query, feeds."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiliang.core.caching import public_cache
from jiliang.core.pdf import pdf_response
from jiliang.core.web import page_of, public
from jiliang.licensing import conf, documents, selectors, services
from jiliang.licensing.labels import label
from jiliang.licensing.views.common import list_query, particular_rows, type_rows
from jiliang.portal.public import official_sources
from jiliang.portal.selectors import provinces as public_provinces
from jiliang.rules import licensing as rules

# --- public: service guides, disclosures, queries, feeds --------------------------------------


@public
def guide_list(request):
    rows = []
    for code, lt in rules.licence_types().items():
        rows.append({"code": code, "name": label(lt["name"]), "open": lt.open_now,
                     "filing": lt.is_filing, "now": label(lt["regime"]["now"])})
    return render(request, "licensing/public/guide_list.html", {"rows": rows})


@public
def guide_detail(request, type_code: str):
    lt = rules.licence_types().get(type_code)
    if lt is None:
        raise Http404
    renewal = None
    if lt.get("renewal"):
        renewal = {"rule": label(services.renewal_rule_text(lt)),
                   "opens_days": conf.renewal_opens_days(), "note": lt["renewal"].get("note")}
    return render(request, "licensing/public/guide_detail.html", {
        "lt": lt, "name": label(lt["name"]), "who": label(lt["applicants"]["text"]),
        "conditions": [label(c) for c in lt.get("conditions", [])],
        "materials": [{"name": label(m["name"]), "types": ", ".join(m["types"]).upper(),
                       "required": m["required"]} for m in lt.materials],
        "particulars": [label(p["label"]) for p in lt.particulars],
        "limits": lt.limits(), "validity_now": lt.validity_years("now"), "validity_2008": lt.validity_years("2008"),
        "validity_note": (lt.get("validity") or {}).get("note", ""),
        "renewal": renewal, "published": label(lt.get("published")),
        "regime_2008": label(lt["regime"]["2008"]), "regime_now": label(lt["regime"]["now"]),
        "closed": services.closed_message(lt) if not lt.open_now else "",
        "levels": _level_words(lt), "statute": rules.statute(),
        "basis": [label(b) for b in lt.get("public_basis", ())],
        "official_sources": official_sources(lt.get("sources")),
    })


def _level_words(lt) -> str:
    words = {"national": pgettext("deciding level", "national"),
             "provincial": pgettext("deciding level", "provincial"),
             "city": pgettext("deciding level", "city"),
             "county": pgettext("deciding level", "county")}
    rule = lt["decide_level"]
    if isinstance(rule, str):
        return words[rule]
    field = next(p for p in lt.particulars if p["name"] == rule["by"])
    if not rule.get("map"):
        return _("%(levels)s, by “%(field)s”") % {
            "levels": ", ".join(label(c[1]) for c in field["choices"]),
            "field": label(field["label"])}
    return "; ".join(f"{label(c[1])}: {words[rule['map'][c[0]]]}" for c in field["choices"])


@public
def guide_sample(request, type_code: str):
    lt = rules.licence_types().get(type_code)
    if lt is None:
        raise Http404
    return pdf_response(f"{type_code}-sample.pdf", documents.sample_form(lt))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _public_filters(request) -> dict:
    get = request.GET
    region = get.get("region", "").strip()
    return {
        "kind": get.get("kind", "") if get.get("kind", "") in selectors.PUBLIC_KINDS else "",
        "type_code": get.get("type", "") if get.get("type", "") in rules.licence_types() else "",
        "region": region if region.isdigit() and len(region) <= 6 else "",
        "date_from": _date(get.get("from", "")), "date_to": _date(get.get("to", "")),
        "q": get.get("q", "").strip()[:60],
    }


def _event_row(event) -> dict:
    lt = rules.licence_types().get(event.type_code)
    summary = event.summary
    particulars = []
    if lt is not None:
        particulars = [(name, value) for name, value in particular_rows(
            lt, summary.get("particulars", {}), published_only=True) if value]
    return {"e": event, "kind": label(rules.event_labels().get(event.kind, event.kind)),
            "type": label(lt["name"]) if lt else event.type_code, "s": summary,
            "particulars": particulars, "code": event.licence.public_code}


@public
def public_list(request):
    filters = _public_filters(request)
    qs = selectors.public_events(**filters).select_related("licence")
    page = page_of(request, qs)
    get = request.GET
    return render(request, "licensing/public/list.html", {
        "page": page, "rows": [_event_row(e) for e in page], "types": type_rows(),
        "kinds": [(k, label(rules.event_labels()[k])) for k in selectors.PUBLIC_KINDS],
        "provinces": public_provinces(),
        "f": {k: get.get(k, "") for k in ("kind", "type", "region", "from", "to", "q")},
        "query": list_query({k: get.get(k, "") for k in ("kind", "type", "region", "from", "to",
                                                      "q")}),
    })


@public
def public_query(request):
    number = selectors.normalise_number(request.GET.get("number", ""))[:60]
    licence = selectors.licence_by_number(number) if number else None
    if licence is not None:
        return redirect(reverse("licensing:public-licence", kwargs={"code": licence.public_code})
                        + f"?number={number}")
    return render(request, "licensing/public/query.html", {"number": number,
                                                          "not_found": bool(number)})


@public
def public_licence(request, code: str):
    licence = selectors.licence_public(code)
    lt = licence.licence_type
    particulars = particular_rows(lt, licence.particulars, published_only=True)
    return render(request, "licensing/public/licence.html", {
        "licence": licence, "type_name": label(lt["name"]), "particulars": particulars,
        "status_words": selectors.licence_status_words(licence, timezone.localdate()),
        "in_force": licence.in_force_on(timezone.localdate()),
        "events": [(e, label(rules.event_labels().get(e.kind, e.kind)))
                   for e in selectors.licence_public_events(licence)],
        "authority": selectors.authority_name(licence.authority_code),
    })


@public
def public_track(request, code: str):
    """The progress of an application (办件查询): no applicant details, only the steps."""
    app = selectors.application_track(code)
    workflow = app.workflow
    return render(request, "licensing/public/track.html", {
        "app": app, "type_name": label(app.licence_type["name"]),
        "state_label": label(workflow.states[app.state]["label"]),
        "steps": [(e.on, services.action_label(app, e.action)) for e in
                  app.events.exclude(action__in=("create", "assign", "record_opinion"))
                  .order_by("at", "id")],
        "authority": selectors.authority_name(app.authority_code),
    })


FEED_SIZE = 50


def _feed_items():
    return [_event_row(e) for e in selectors.public_events().select_related("licence")[:FEED_SIZE]]


def _absolute(path: str) -> str:
    return settings.JILIANG_PUBLIC_URL.rstrip("/") + path


def _item_title(row) -> str:
    return f"{row['kind']}：{row['type']} {row['s'].get('number', '')} {row['s'].get('holder', '')}"


@public
@public_cache(version=selectors.disclosures_version)
def public_feed_atom(request):
    feed = Atom1Feed(title=_("Metrology licences: new disclosures"),
                     link=_absolute(reverse("licensing:public-list")),
                     description=_("Licences granted, changed, renewed, withdrawn, revoked and "
                                   "cancelled."),
                     feed_url=_absolute(reverse("licensing:public-feed-atom")), language="zh-cn")
    for row in _feed_items():
        event = row["e"]
        link = _absolute(reverse("licensing:public-licence", kwargs={"code": row["code"]}))
        feed.add_item(title=_item_title(row), link=link,
                      description=event.reasons or row["type"],
                      unique_id=f"{link}#event-{event.pk}", pubdate=event.at,
                      updateddate=event.at)
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


@public
@public_cache(version=selectors.disclosures_version)
def public_feed_json(request):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = []
    for row in _feed_items():
        event = row["e"]
        link = _absolute(reverse("licensing:public-licence", kwargs={"code": row["code"]}))
        items.append({
            "id": f"{link}#event-{event.pk}", "url": link, "title": _item_title(row),
            "content_text": event.reasons or row["type"],
            "date_published": event.at.isoformat(),
            "_jiliang": {"kind": event.kind, "on": event.on.isoformat(),
                         "number": row["s"].get("number"), "type_code": event.type_code,
                         "holder": row["s"].get("holder"), "region_code": event.region_code,
                         "valid_until": row["s"].get("valid_until")},
        })
    return JsonResponse({
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Metrology licences: new disclosures"),
        "home_page_url": _absolute(reverse("licensing:public-list")),
        "feed_url": _absolute(reverse("licensing:public-feed-json")),
        "items": items,
    }, json_dumps_params={"ensure_ascii": False})
