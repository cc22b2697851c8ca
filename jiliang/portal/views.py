from __future__ import annotations

from xml.sax.saxutils import escape

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.web import errors_onto, page_of, public, roles_required, upload_response
from jiliang.portal import conf, permissions, selectors, services, sitemap
from jiliang.portal.forms import ApproveForm, AttachmentForm, NewsForm, ReturnForm
from jiliang.portal.public import label
from jiliang.rules import news as rules
from jiliang.rules.identifiers import PROVINCE_CODES

PROVINCE_COOKIE = "jl_province"


def _province(request) -> str:
    """The visitor's chosen province: from the query, else remembered in a cookie."""
    code = request.GET.get("province", request.COOKIES.get(PROVINCE_COOKIE, ""))
    return code if code in PROVINCE_CODES else ""


@public
def home(request):
    """The public window of the management system (work plan 七.1, 七.3).

    Each app may offer ``portal_links``: the look-ups it opens to the public.
    """
    links = []
    for app_label in settings.JILIANG_APPS:
        config = apps.get_app_config(app_label.rsplit(".", 1)[-1])
        links.extend(getattr(config, "portal_links", ()))
    province = _province(request)
    response = render(request, "portal/home.html", {
        "links": links, "province": province, "provinces": selectors.provinces(),
        "national": selectors.live_items(national=True)[:5],
        "local": selectors.live_items(province=province)[:5] if province else [],
    })
    if "province" in request.GET:
        response.set_cookie(PROVINCE_COOKIE, province, max_age=365 * 86400, samesite="Lax")
    return response


@public
def robots_txt(request):
    lines = sitemap.robots_lines(settings.JILIANG_PUBLIC_URL)
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public
def sitemap_xml(request):
    """sitemaps.org 0.9: every public page, at its stable URL."""
    base = settings.JILIANG_PUBLIC_URL.rstrip("/")
    today = timezone.localdate().isoformat()
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"<url><loc>{escape(base + url)}</loc><lastmod>{today}</lastmod></url>"
             for url in sitemap.page_urls()]
    body.append("</urlset>")
    return HttpResponse("\n".join(body), content_type="application/xml; charset=utf-8")


# --- news and notices: public -----------------------------------------------------------------


def _kinds():
    return [(code, label(name)) for code, name in rules.kinds().items()]


@public
def news_list(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in rules.kinds() else ""
    scope = request.GET.get("from", "")
    province = scope if scope in PROVINCE_CODES else ""
    national = True if scope == "national" else None
    qs = selectors.live_items(kind=kind, province=province, national=national)
    return render(request, "portal/news_list.html", {
        "page": page_of(request, qs, size=20), "kinds": _kinds(), "kind": kind,
        "scope": scope if (province or national) else "", "provinces": selectors.provinces(),
        "feed": reverse("portal:news-feed", kwargs={
            "region": province or ("national" if national else "all"), "kind": kind or "all"}),
    })


@public
def news_detail(request, pk: int):
    item = selectors.public_item(pk)
    return render(request, "portal/news_detail.html", {
        "item": item, "corrections": selectors.live_corrections(item),
        "kind": label(item.kind_label), "english": request.LANGUAGE_CODE.startswith("en"),
        "featured": (request.user.is_authenticated
                     and permissions.may_feature(request.user, item)
                     and item.features.filter(
                         region_code=permissions.publishing_region(request.user)).exists()),
        "may_feature": request.user.is_authenticated and permissions.may_feature(
            request.user, item),
    })


@public
def news_file(request, pk: int, file_pk: int):
    return _download(selectors.public_attachment(selectors.public_item(pk), file_pk))


def _download(attachment) -> HttpResponse:
    # attachments are capped (JILIANG_PORTAL_MAX_UPLOAD_MB)
    return upload_response(attachment.file, attachment.content_kind,
                           filename=attachment.original_name)


@public
def news_feed(request, region: str, kind: str):
    """Atom feed per publishing region (all, national, or a province) and kind."""
    if kind != "all" and kind not in rules.kinds():
        raise Http404
    if region not in ("all", "national") and region not in PROVINCE_CODES:
        raise Http404
    qs = selectors.live_items(kind="" if kind == "all" else kind,
                              province=region if region in PROVINCE_CODES else "",
                              national=True if region == "national" else None)
    base = settings.JILIANG_PUBLIC_URL.rstrip("/")
    title = _("Metrology news and notices")
    if region != "all":
        title += " · " + (_("national administration") if region == "national"
                          else selectors.region_names([region])[region])
    if kind != "all":
        title += " · " + label(rules.kinds()[kind])
    feed = Atom1Feed(title=title, link=base + reverse("portal:news-list"),
                     description=title, language="zh-cn",
                     feed_url=base + request.path)
    for item in qs[:conf.feed_size()]:
        link = base + item.get_absolute_url()
        prefix = _("Correction") + "：" if item.corrects_id else ""
        feed.add_item(title=prefix + item.title_zh, link=link, description=item.body_zh[:500],
                      unique_id=link, pubdate=item.publish_at, updateddate=item.publish_at,
                      categories=[label(item.kind_label)])
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


# --- news and notices: the bureau's desk ------------------------------------------------------


@roles_required(bureau=True)
def news_desk(request):
    state = request.GET.get("state", "")
    state = state if state in rules.workflow().states else ""
    page = page_of(request, selectors.news_desk(request.user, state=state))
    flow = rules.workflow()
    return render(request, "portal/news_desk.html", {
        "page": page, "state": state,
        "states": [(s, label(spec["label"])) for s, spec in flow.states.items()],
        "labels": {s: label(spec["label"]) for s, spec in flow.states.items()},
        "kinds": dict(_kinds()), "now": timezone.now(),
    })


@roles_required(bureau=True)
def news_create(request):
    form = NewsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            item = services.news_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The draft is saved."))
            return redirect("portal:news-edit", pk=item.pk)
    return render(request, "portal/news_form.html", {"form": form, "item": None})


@roles_required(bureau=True)
def news_edit(request, pk: int):
    item = selectors.news_for(request.user, pk)
    editable = permissions.may_edit(request.user, item)
    initial = {f: getattr(item, f) for f in ("kind", "title_zh", "body_zh", "title_en", "body_en")}
    form = NewsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only a draft of your own bureau can be changed."))
        if form.is_valid():
            with errors_onto(form):
                services.news_update(actor=request.user, item=item, **form.cleaned_data)
                messages.success(request, _("The draft is saved."))
                return redirect("portal:news-edit", pk=item.pk)
    flow = rules.workflow()
    actions = [(t.action, label(t.label)) for t in flow.available(item.state)
               if permissions.may_act(request.user, item, t.action)]
    return render(request, "portal/news_form.html", {
        "form": form if editable else None, "item": item, "actions": actions,
        "state": label(flow.states[item.state]["label"]), "live": permissions.is_live(item),
        "approve_form": ApproveForm(initial={"publish_at": timezone.localtime().strftime(
            "%Y-%m-%dT%H:%M")}),
        "return_form": ReturnForm(), "attach_form": AttachmentForm() if editable else None,
        "may_correct": permissions.may_correct(request.user, item),
        "kind": label(item.kind_label),
    })


@require_POST
@roles_required(bureau=True)
def news_act(request, pk: int, action: str):
    item = selectors.news_for(request.user, pk)
    if action not in rules.workflow().transitions:
        raise Http404
    form = {"approve": ApproveForm, "return": ReturnForm}.get(action)
    bound = form(request.POST) if form else None
    if bound is not None and not bound.is_valid():
        for field, errors in bound.errors.items():
            messages.error(request, f"{bound.fields[field].label}: {' '.join(errors)}")
        return redirect("portal:news-edit", pk=item.pk)
    data = bound.cleaned_data if bound is not None else {}
    try:
        services.news_act(actor=request.user, item=item, action=action, **data)
    except ValidationError as error:
        for errors in error.message_dict.values():
            messages.error(request, " ".join(errors))
    else:
        messages.success(request, _("Done."))
    return redirect("portal:news-edit", pk=item.pk)


@require_POST
@roles_required(bureau=True)
def news_attach(request, pk: int):
    item = selectors.news_for(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.news_attach(actor=request.user, item=item, upload=form.cleaned_data["file"])
        except ValidationError as error:
            for errors in error.message_dict.values():
                messages.error(request, " ".join(errors))
        else:
            messages.success(request, _("The attachment is added."))
    else:
        messages.error(request, _("Choose a file to upload; this one is empty."))
    return redirect("portal:news-edit", pk=item.pk)


@roles_required(bureau=True)
def news_desk_file(request, pk: int, file_pk: int):
    item = selectors.news_for(request.user, pk)
    return _download(selectors.public_attachment(item, file_pk))


@require_POST
@roles_required(bureau=True)
def news_correct(request, pk: int):
    item = selectors.news_for(request.user, pk)
    correction = services.news_create(
        actor=request.user, corrects=item, kind=item.kind, title_zh=item.title_zh,
        body_zh=item.body_zh, title_en=item.title_en, body_en=item.body_en)
    messages.success(request, _("A correction is drafted: change what was wrong, then submit it."))
    return redirect("portal:news-edit", pk=correction.pk)


@require_POST
@roles_required(bureau=True)
def news_feature(request, pk: int):
    item = selectors.public_item(pk)
    services.news_feature(actor=request.user, item=item, on=request.POST.get("on") != "0")
    return redirect("portal:news-detail", pk=item.pk)
