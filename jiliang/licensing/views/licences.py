"""Pages of licences: the register, the head's acts, change and renewal, recording."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.forms import scope_organisations
from jiliang.core.models import Organisation
from jiliang.core.pdf import pdf_response
from jiliang.core.web import apply_errors, page_of, roles_required
from jiliang.licensing import conf, documents, permissions, selectors, services
from jiliang.licensing.forms import (
    LicenceActionForm,
    ParticularsForm,
    RecordForm,
)
from jiliang.licensing.labels import label
from jiliang.licensing.models import LicenceStatus, Purpose
from jiliang.licensing.notices import notice_text
from jiliang.licensing.views.common import field_names, list_query, particular_rows, type_rows
from jiliang.rules import licensing as rules

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
        "types": type_rows(), "statuses": LicenceStatus.choices, "type": type_code,
        "status": status, "q": q,
        "query": list_query({"type": type_code, "status": status, "q": q}),
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
    holder = permissions.is_holder(user, licence)
    applications = licence.applications.all()
    if not holder:
        applications = applications.exclude(state="draft")  # a draft is the holder's own
    window = None
    if lt.get("renewal") and licence.valid_until:
        window = lt.renewal_window(licence.valid_until, opens_days=conf.renewal_opens_days())
    particulars = particular_rows(lt, licence.particulars)
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
            apply_errors(form, error, names=field_names())
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
    if not permissions.is_holder(user, licence):
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
            apply_errors(form, error, names=field_names())
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
    form = scope_organisations(
        RecordForm(data, initial={"type_code": request.GET.get("type_code", "")}), request.user)
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
                apply_errors(form, error, names=field_names())
                apply_errors(particulars, ValidationError({
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


