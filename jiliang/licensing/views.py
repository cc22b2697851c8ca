"""Pages of the licensing app: applicants, officials, and the public disclosure (公示)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jiliang.core.caching import public_cache
from jiliang.core.middleware import max_body
from jiliang.core.models import Organisation
from jiliang.core.params import MAX_ID, bounded_int
from jiliang.core.pdf import pdf_response
from jiliang.core.web import page_of, public, roles_required
from jiliang.licensing import conf, documents, permissions, selectors, services
from jiliang.licensing.forms import (
    ActionForm,
    LicenceActionForm,
    ParticularsForm,
    RecordForm,
    UploadForm,
)
from jiliang.licensing.models import LicenceStatus, Purpose
from jiliang.licensing.notices import notice_text, provisional_words
from jiliang.portal.public import official_sources
from jiliang.portal.selectors import provinces as public_provinces
from jiliang.rules import licensing as rules

label = services.label


def _field_names() -> dict[str, str]:
    """The fields a service may name that the form does not show, in the reader's words."""
    return {"action": _("Action"), "state": _("State"), "file": _("File"),
            "purpose": _("Purpose"), "type_code": _("Licence type"), "licence": _("Licence")}


def _errors(form, error: ValidationError) -> None:
    """A service's errors onto the form; the version (a hidden field) as a form-wide error."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields and field != "version" else None
            if target is None and field not in ("version", "__all__"):
                name = _field_names().get(field)
                errors = [f"{name}：{e}" if name else e for e in errors]
            form.add_error(target, errors)
    else:
        form.add_error(None, error.messages)


def _calendar_words(gap: str) -> str:
    return services.calendar_message(gap) if gap else ""


def _type_rows():
    return [{"code": code, "lt": lt, "name": label(lt["name"])}
            for code, lt in rules.licence_types().items()]


# --- lists -------------------------------------------------------------------------------


@login_required
def application_list(request):
    user = request.user
    queue = request.GET.get("queue", "") if user.is_bureau else ""
    state = request.GET.get("state", "")
    type_code = request.GET.get("type", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.application_list(user, queue=queue, state=state, type_code=type_code, q=q)
    page = page_of(request, qs)
    today = timezone.localdate()
    rows = []
    for app in page:
        clock = selectors.clock_info(app, today)
        rows.append({"app": app, "clock": clock, "type": label(app.licence_type["name"]),
                     "state": label(app.workflow.states[app.state]["label"])})
    states = {}
    for flow in rules.workflows().values():
        for name, spec in flow.states.items():
            states.setdefault(name, label(spec["label"]))
    counts = selectors.queue_counts(user) if user.is_bureau else {}
    return render(request, "licensing/application_list.html", {
        "page": page, "rows": rows, "queue": queue, "state": state, "type": type_code, "q": q,
        "queues": [(key, name, counts.get(key, 0)) for key, name in _queue_labels()],
        "types": _type_rows(), "states": sorted(states.items()),
        "query": _query({"queue": queue, "state": state, "type": type_code, "q": q}),
    })


def _particulars(lt, values, *, published_only: bool = False) -> list[tuple[str, object]]:
    """The particulars' (label, value) rows in the reader's language."""
    return lt.particular_rows(values, services.language(), published_only=published_only)


def _query(params: dict[str, str]) -> str:
    """The filters of a list, URL-encoded, for the pager to put before ``page=``."""
    return urlencode(params) + "&"


def _queue_labels() -> list[tuple[str, str]]:
    return [("to_accept", _("To accept")), ("to_review", _("To review")),
            ("to_decide", _("To decide")), ("due_soon", _("Due soon")), ("late", _("Late")),
            ("stopped", _("Clock stopped"))]


@login_required
def apply(request):
    user = request.user
    if user.is_bureau or user.organisation is None:
        raise PermissionDenied(_("Enterprises and institutions apply; bureaus decide."))
    org = user.organisation
    rows = []
    for code, lt in rules.licence_types().items():
        rows.append({
            "code": code, "name": label(lt["name"]), "open": lt.open_now,
            "allowed": lt.may_apply(org.kind, org.enterprise_roles),
            "who": label(lt["applicants"]["text"]),
            "closed": services.closed_message(lt) if not lt.open_now else "",
            "filing": lt.is_filing,
        })
    return render(request, "licensing/apply.html", {"rows": rows})


@login_required
def application_create(request, type_code: str):
    user = request.user
    try:
        lt = rules.licence_type(type_code)
    except rules.RuleError:
        raise Http404 from None
    if user.is_bureau or user.organisation is None:
        raise PermissionDenied(_("Enterprises and institutions apply; bureaus decide."))
    form = ParticularsForm(request.POST or None, licence_type=lt)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(actor=user, type_code=type_code,
                                               particulars=form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The draft is saved: upload the materials, then "
                                        "submit."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/application_form.html", {
        "form": form, "lt": lt, "name": label(lt["name"]),
        "closed": services.closed_message(lt) if not lt.open_now else "",
        "who": label(lt["applicants"]["text"]),
    }, status=400 if form.errors else 200)


@login_required
def application_edit(request, pk: int):
    app = selectors.application_detail(request.user, pk)
    if not permissions.is_applicant(request.user, app) or app.state != "draft":
        raise PermissionDenied(_("Only the applicant changes its draft."))
    lt = app.licence_type
    form = ParticularsForm(request.POST or None, licence_type=lt, initial=app.particulars)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(actor=request.user, application=app,
                                        version=bounded_int(request.POST.get("version") or "0",
                                                            name="version", lo=0, hi=MAX_ID),
                                        particulars=form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/application_form.html", {
        "form": form, "lt": lt, "name": label(lt["name"]), "app": app,
    }, status=400 if form.errors else 200)


# --- one application ------------------------------------------------------------------------


def _detail_context(request, app, *, failed: tuple[str, object] | None = None,
                    upload_form=None) -> dict:
    user = request.user
    lt = app.licence_type
    workflow = app.workflow
    today = timezone.localdate()
    attachments = list(app.attachments.all())
    by_material = {}
    for a in attachments:
        by_material.setdefault(a.material, []).append(a)
    checklist = [{"code": m["code"], "name": label(m["name"]), "types": m["types"],
                  "required": m["required"], "files": by_material.get(m["code"], []),
                  "missing": m["code"] in app.missing.get("materials", [])}
                 for m in lt.materials]
    actions = []
    for transition in workflow.available(app.state):
        if transition.by == "system" or not permissions.may_take(user, app, transition):
            continue
        if transition.once and app.events.filter(action=transition.action).exists():
            continue
        if failed and failed[0] == transition.action:
            form = failed[1]
        else:
            form = ActionForm(initial={"version": app.version}, application=app,
                              transition=transition, reviewers=selectors.reviewers_for(app))
        actions.append({"action": transition.action, "label": label(transition.label),
                        "article": transition.article, "form": form, "by": transition.by,
                        "open": bool(failed and failed[0] == transition.action),
                        "danger": transition.action in ("deny", "not_accept", "withdraw")})
    may_upload = permissions.is_applicant(user, app) and app.state in ("draft",
                                                                   "correction_requested")
    particulars = _particulars(lt, app.particulars)
    clock = selectors.clock_info(app, today)
    return {
        "app": app, "lt": lt, "type_name": label(lt["name"]),
        "state_label": label(workflow.states[app.state]["label"]),
        "particulars": particulars, "checklist": checklist, "actions": actions,
        "upload_form": upload_form or (UploadForm(application=app) if may_upload else None),
        "may_edit": permissions.is_applicant(user, app) and app.state == "draft",
        "clock": clock, "calendar_words": _calendar_words(clock["gap"]),
        "provisional_words": provisional_words(clock["provisional"]) if clock["provisional"] else "",
        "stops": list(app.stops.all()), "assignments": list(app.assignments.all()),
        "events": [{"e": e, "label": services.action_label(app, e.action)
                    if e.action != "create" else _("draft created"),
                    "to": label(workflow.states[e.to_state]["label"])
                    if e.to_state in workflow.states else e.to_state}
                   for e in app.events.order_by("at", "id")],
        "notices": [(n, notice_text(n)) for n in app.notices.all()[:20]]
        if permissions.is_applicant(user, app) else [],
        "documents": [(d, _document_label(d, app)) for d in documents.available(app)],
        "authority": selectors.authority_name(app.authority_code),
        "is_authority": permissions.is_authority(user, app.authority_code),
        "track_url": reverse("licensing:public-track", kwargs={"code": app.public_code}),
    }


def _document_label(doc: str, app) -> str:
    return {
        "voucher": _("Acceptance voucher (PDF)"),
        "correction": _("Notice to complete the materials (PDF)"),
        "not_accepted": _("Decision not to accept (PDF)"),
        "decision": _("Decision (PDF)"),
    }[doc]


@login_required
def application_detail(request, pk: int):
    app = selectors.application_detail(request.user, pk)
    return render(request, "licensing/application_detail.html", _detail_context(request, app))


@login_required
@require_POST
def application_act(request, pk: int, action: str):
    user = request.user
    app = selectors.application_detail(user, pk)
    transition = app.workflow.transitions.get(action)
    if transition is None or transition.by == "system":
        raise Http404
    if not permissions.may_take(user, app, transition):
        raise PermissionDenied(_("“%(action)s” is for %(who)s.") % {
            "action": label(transition.label), "who": permissions.role_words(transition.by)})
    form = ActionForm(request.POST, application=app, transition=transition,
                      reviewers=selectors.reviewers_for(app))
    if form.is_valid():
        try:
            services.application_act(actor=user, application=app, action=action,
                                     version=form.cleaned_data["version"], payload=form.payload())
        except ValidationError as error:
            _errors(form, error)
            if hasattr(error, "error_dict") and "version" in error.error_dict:
                messages.error(request, error.message_dict["version"][0])
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": label(transition.label)})
            return redirect("licensing:application-detail", pk=app.pk)
    app.refresh_from_db()
    return render(request, "licensing/application_detail.html",
                  _detail_context(request, app, failed=(action, form)), status=400)


@max_body(conf.max_upload_bytes)
@login_required
@require_POST
def attachment_upload(request, pk: int):
    app = selectors.application_detail(request.user, pk)
    if not permissions.is_applicant(request.user, app):
        raise PermissionDenied(_("Only the applicant uploads its materials."))
    form = UploadForm(request.POST, request.FILES, application=app)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, application=app,
                                    material=form.cleaned_data["material"],
                                    upload=form.cleaned_data["file"])
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The file is attached."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/application_detail.html",
                  _detail_context(request, app, upload_form=form), status=400)


@login_required
def attachment_download(request, pk: int, file_pk: int):
    app = selectors.application_detail(request.user, pk)
    attachment = selectors.attachment_detail(request.user, app, file_pk)
    try:
        with attachment.file.open("rb") as handle:
            content = handle.read()  # uploads are capped (JILIANG_LICENSING_MAX_UPLOAD_MB)
    except FileNotFoundError:
        raise Http404 from None
    types = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
    response = HttpResponse(content, content_type=types.get(attachment.content_kind,
                                                            "application/octet-stream"))
    response["Content-Disposition"] = f'inline; filename="{attachment.pk}.{attachment.content_kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def application_document(request, pk: int, doc: str):
    app = selectors.application_detail(request.user, pk)
    if doc not in documents.available(app):
        raise Http404
    return pdf_response(f"{app.number}-{doc}.pdf", documents.application_document(app, doc))


# --- licences ------------------------------------------------------------------------------


@login_required
def licence_list(request):
    type_code = request.GET.get("type", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.licence_list(request.user, type_code=type_code, status=status, q=q)
    page = page_of(request, qs)
    return render(request, "licensing/licence_list.html", {
        "page": page, "rows": [(lic, label(lic.licence_type["name"])) for lic in page],
        "types": _type_rows(), "statuses": LicenceStatus.choices, "type": type_code,
        "status": status, "q": q,
        "query": _query({"type": type_code, "status": status, "q": q}),
    })


def _licence_context(request, licence, *, failed=None) -> dict:
    user = request.user
    lt = licence.licence_type
    actions = []
    for action, spec in rules.licence_actions().items():
        if spec.get("kinds") and lt["kind"] not in spec["kinds"]:
            continue
        if not permissions.may_act_on_licence(user, licence, action):
            continue
        allowed = ("valid", "expired") if action == "cancel" else ("valid",)
        if licence.status not in allowed:
            continue
        form = failed[1] if failed and failed[0] == action else LicenceActionForm(
            initial={"version": licence.version})
        actions.append({"action": action, "label": label(spec["label"]),
                        "article": spec.get("article"), "ground": label(spec.get("ground")),
                        "form": form, "open": bool(failed and failed[0] == action)})
    holder = not user.is_bureau and user.organisation_id == licence.holder_id
    applications = licence.applications.all()
    if not holder:
        applications = applications.exclude(state="draft")  # a draft is the holder's own
    window = None
    if lt.get("renewal") and licence.valid_until:
        from jiliang.licensing import conf

        window = lt.renewal_window(licence.valid_until, opens_days=conf.renewal_opens_days())
    particulars = _particulars(lt, licence.particulars)
    return {
        "licence": licence, "lt": lt, "type_name": label(lt["name"]), "actions": actions,
        "particulars": particulars,
        "status_words": selectors.licence_status_words(licence, timezone.localdate()),
        "events": [(e, label(rules.event_labels().get(e.kind, e.kind)))
                   for e in selectors.licence_public_events(licence)],
        "holder": holder and licence.status == LicenceStatus.VALID and lt.open_now,
        "may_change": bool(lt.get("changes")), "window": window,
        "authority": selectors.authority_name(licence.authority_code),
        "applications": list(applications.order_by("-created_at")[:10]),
        "net_content_url": _net_content_url(licence),
    }


def _net_content_url(licence) -> str | None:
    """A C-mark enterprise's net-content history (work plan 五.7), when supervision is installed."""
    from django.apps import apps
    from django.urls import reverse

    code = licence.holder.credit_code
    if not licence.type_code.startswith("c_mark") or not code:
        return None
    if not apps.is_installed("jiliang.supervision"):
        return None
    return reverse("supervision:packer-history", kwargs={"credit_code": code})


@login_required
def licence_detail(request, pk: int):
    licence = selectors.licence_detail(request.user, pk)
    return render(request, "licensing/licence_detail.html", _licence_context(request, licence))


@login_required
@require_POST
def licence_act(request, pk: int, action: str):
    licence = selectors.licence_detail(request.user, pk)
    spec = rules.licence_actions().get(action)
    if spec is None:
        raise Http404
    if not permissions.may_act_on_licence(request.user, licence, action):
        raise PermissionDenied(_("Only the head of the issuing bureau does this."))
    form = LicenceActionForm(request.POST)
    if form.is_valid():
        try:
            services.licence_act(actor=request.user, licence=licence, action=action,
                                 version=form.cleaned_data["version"],
                                 reasons=form.cleaned_data["reasons"])
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": label(spec["label"])})
            return redirect("licensing:licence-detail", pk=licence.pk)
    licence.refresh_from_db()
    return render(request, "licensing/licence_detail.html",
                  _licence_context(request, licence, failed=(action, form)), status=400)


@login_required
def licence_certificate(request, pk: int):
    licence = selectors.licence_detail(request.user, pk)
    return pdf_response(f"certificate-{licence.pk}.pdf", documents.certificate(licence))


@login_required
def licence_apply(request, pk: int, purpose: str):
    """The holder applies for a change or a renewal of its licence."""
    licence = selectors.licence_detail(request.user, pk)
    if purpose not in (Purpose.CHANGE, Purpose.RENEWAL):
        raise Http404
    user = request.user
    if user.is_bureau or user.organisation_id != licence.holder_id:
        raise PermissionDenied(_("Only the holder applies about its licence."))
    lt = licence.licence_type
    form = ParticularsForm(request.POST or None, licence_type=lt, initial=licence.particulars)
    if purpose == Purpose.RENEWAL:
        form.fields.clear()
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(
                actor=user, type_code=licence.type_code, purpose=purpose, licence=licence,
                particulars=form.cleaned_data if purpose == Purpose.CHANGE else None)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(request, _("The draft is saved: upload the materials, then "
                                        "submit."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/licence_apply.html", {
        "licence": licence, "form": form, "purpose": purpose, "type_name": label(lt["name"]),
    }, status=400 if form.errors else 200)


@roles_required(bureau=True)
def licence_record(request):
    """A bureau puts on file a certificate it issued before the system."""
    data = request.POST or None
    form = RecordForm(data, initial={"type_code": request.GET.get("type_code", "")})
    code = (request.POST.get("type_code") or request.GET.get("type_code") or "").strip()
    lt = rules.licence_types().get(code)
    particulars = ParticularsForm(data, licence_type=lt) if lt else None
    if request.method == "POST" and form.is_valid() and particulars is not None \
            and particulars.is_valid():
        holder = Organisation.objects.filter(
            credit_code=form.cleaned_data["holder_credit_code"].strip().upper()).first()
        if holder is None or not request.user.scope.covers_region(holder.region_code):
            form.add_error("holder_credit_code", _("No organisation with this credit code is on "
                                                   "file in your region."))
        else:
            try:
                licence = services.licence_record(
                    actor=request.user, type_code=code, holder=holder,
                    number=form.cleaned_data["number"], issued_on=form.cleaned_data["issued_on"],
                    valid_until=form.cleaned_data["valid_until"],
                    particulars=particulars.cleaned_data, regime=form.cleaned_data["regime"])
            except ValidationError as error:
                _errors(form, error)
                _errors(particulars, ValidationError({
                    k: v for k, v in error.message_dict.items() if k in particulars.fields}))
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The certificate is on file."))
                return redirect("licensing:licence-detail", pk=licence.pk)
    return render(request, "licensing/record_form.html", {
        "form": form, "particulars": particulars, "code": code,
    }, status=400 if (form.errors or (particulars and particulars.errors)) else 200)


@login_required
def notice_list(request):
    qs = selectors.notice_list(request.user)
    page = page_of(request, qs)
    return render(request, "licensing/notices.html", {
        "page": page, "rows": [(n, notice_text(n)) for n in page], "query": "",
    })


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
    from jiliang.licensing import conf

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
        particulars = [(name, value) for name, value in _particulars(
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
        "page": page, "rows": [_event_row(e) for e in page], "types": _type_rows(),
        "kinds": [(k, label(rules.event_labels()[k])) for k in selectors.PUBLIC_KINDS],
        "provinces": public_provinces(),
        "f": {k: get.get(k, "") for k in ("kind", "type", "region", "from", "to", "q")},
        "query": _query({k: get.get(k, "") for k in ("kind", "type", "region", "from", "to",
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
    particulars = _particulars(lt, licence.particulars, published_only=True)
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
    from django.conf import settings

    return settings.JILIANG_PUBLIC_URL.rstrip("/") + path


def _item_title(row) -> str:
    return f"{row['kind']}：{row['type']} {row['s'].get('number', '')} {row['s'].get('holder', '')}"


@public
@public_cache(version=selectors.disclosures_version)
def public_feed_atom(request):
    from django.utils.feedgenerator import Atom1Feed

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
