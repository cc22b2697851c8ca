"""Pages of applications: the lists and queues, applying, one application and its acts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.lists import sort_by
from jiliang.core.middleware import max_body
from jiliang.core.params import MAX_ID, bounded_int
from jiliang.core.pdf import pdf_response
from jiliang.core.web import apply_errors, page_of, upload_response
from jiliang.licensing import conf, documents, permissions, selectors, services
from jiliang.licensing.forms import (
    ActionForm,
    ParticularsForm,
    UploadForm,
)
from jiliang.licensing.labels import label
from jiliang.licensing.notices import provisional_words
from jiliang.licensing.views.common import (
    calendar_words,
    field_names,
    list_query,
    queue_labels,
    type_rows,
)
from jiliang.rules import licensing as rules

# --- lists -------------------------------------------------------------------------------


APPLICATION_COLUMNS = {
    "number": ("number",), "type": ("type_code",), "applicant": ("applicant__name",),
    "state": ("state",), "due": ("decision_due",), "changed": ("updated_at",),
}


@login_required
def application_list(request):
    user = request.user
    queue = request.GET.get("queue", "") if user.is_bureau else ""
    state = request.GET.get("state", "")
    type_code = request.GET.get("type", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.application_list(user, queue=queue, state=state, type_code=type_code, q=q)
    # a working queue opens on the nearest decision date; the whole list on the latest change
    default = "due" if queue in ("due_soon", "late", "to_review", "to_decide") else "-changed"
    qs, sort = sort_by(request, qs, APPLICATION_COLUMNS, default,
                       keep=("queue", "state", "type", "q"))
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
        "queues": [(key, name, counts.get(key, 0)) for key, name in queue_labels()],
        "types": type_rows(), "states": sorted(states.items()), "sort": sort,
        "query": list_query({"queue": queue, "state": state, "type": type_code, "q": q,
                             "sort": sort.value}),
        "may_apply": permissions.applies_at_all(user),
    })



@login_required
def apply(request):
    user = request.user
    if not permissions.applies_at_all(user):
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
    if not permissions.may_apply_for(user, lt):
        raise PermissionDenied(_("Enterprises and institutions apply; bureaus decide."))
    form = ParticularsForm(request.POST or None, licence_type=lt, org_kind=user.organisation.kind)
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_create(actor=user, type_code=type_code,
                                               particulars=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error, names=field_names())
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
    if not permissions.may_edit(request.user, app):
        raise PermissionDenied(_("Only the applicant changes its draft."))
    lt = app.licence_type
    form = ParticularsForm(request.POST or None, licence_type=lt, initial=app.particulars,
                           org_kind=app.applicant.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(actor=request.user, application=app,
                                        version=bounded_int(request.POST.get("version") or "0",
                                                            name="version", lo=0, hi=MAX_ID),
                                        particulars=form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error, names=field_names())
        else:
            messages.success(request, _("Saved."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/application_form.html", {
        "form": form, "lt": lt, "name": label(lt["name"]), "app": app,
    }, status=400 if form.errors else 200)


# --- one application ------------------------------------------------------------------------


def _detail_context(request, app, *, failed: tuple[str, object] | None = None,
                    upload_form=None) -> dict:
    """The selector's page of the application, with a form for each action it allows."""
    page = selectors.application_page(request.user, app, timezone.localdate())
    reviewers = list(selectors.reviewers_for(app)) if any(
        "reviewer" in t.requires for t in page["actions"]) else []
    actions = []
    for transition in page["actions"]:
        is_failed = bool(failed and failed[0] == transition.action)
        form = failed[1] if is_failed else ActionForm(
            initial={"version": app.version}, application=app, transition=transition,
            reviewers=reviewers)
        actions.append({"action": transition.action, "label": label(transition.label),
                        "article": transition.article, "form": form, "by": transition.by,
                        "open": is_failed,
                        "danger": transition.action in ("deny", "not_accept", "withdraw")})
    clock = page["clock"]
    return {
        **page, "actions": actions,
        "upload_form": upload_form or (UploadForm(application=app) if page["may_upload"]
                                       else None),
        "calendar_words": calendar_words(clock["gap"]),
        "provisional_words": provisional_words(clock["provisional"]) if clock["provisional"]
        else "",
        "documents": [(d, _document_label(d, app)) for d in documents.available(app)],
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
            apply_errors(form, error, names=field_names())
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
            apply_errors(form, error, names=field_names())
        else:
            messages.success(request, _("The file is attached."))
            return redirect("licensing:application-detail", pk=app.pk)
    return render(request, "licensing/application_detail.html",
                  _detail_context(request, app, upload_form=form), status=400)


@login_required
def attachment_download(request, pk: int, file_pk: int):
    app = selectors.application_detail(request.user, pk)
    attachment = selectors.attachment_detail(request.user, app, file_pk)
    # uploads are capped (JILIANG_LICENSING_MAX_UPLOAD_MB)
    return upload_response(attachment.file, attachment.content_kind, inline=True,
                           filename=f"{attachment.pk}.{attachment.content_kind}")


@login_required
def application_document(request, pk: int, doc: str):
    app = selectors.application_detail(request.user, pk)
    if doc not in documents.available(app):
        raise Http404
    return pdf_response(f"{app.number}-{doc}.pdf", documents.application_document(app, doc))


