from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core import selectors, services
from jiliang.core.forms import OrganisationEditForm, OrganisationForm, TokenForm, UserForm
from jiliang.core.models import OrgKind, Region
from jiliang.core.web import (
    apply_errors,
    errors_onto,
    page_of,
    public,
    roles_required,
    xlsx_response,
)


@login_required
def desk(request):
    """The signed-in user's home: what their role does, and each app's panels for it."""
    panels = []
    for label in settings.JILIANG_APPS:
        config = apps.get_app_config(label.rsplit(".", 1)[-1])
        hook = getattr(config, "desk_panels", None)
        if hook is not None:
            panels.extend(hook(request))
    scope = request.user.scope
    return render(request, "core/desk.html", {"panels": panels, "scope": scope})


@login_required
def organisation_list(request):
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "").strip()
    q = request.GET.get("q", "").strip()
    qs = selectors.organisation_list(request.user, kind=kind, region=region, q=q)
    if request.GET.get("format") == "xlsx":
        rows = (
            (o.name, o.get_kind_display(), o.region_code, o.region.name, o.credit_code or "",
             o.address, o.contact, o.phone)
            for o in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            "organisations.xlsx",
            [_("Name"), _("Kind"), _("Division code"), _("Region"),
             _("Unified social credit code"), _("Address"), _("Contact"), _("Phone")],
            rows, title=_("Organisations"),
        )
    return render(request, "core/organisation_list.html", {
        "page": page_of(request, qs), "kinds": OrgKind.choices,
        "kind": kind, "region": region, "q": q,
    })


@login_required
def organisation_detail(request, pk: int):
    org = selectors.organisation_detail(request.user, pk)
    return render(request, "core/organisation_detail.html", {
        "org": org,
        "members": selectors.organisation_members(request.user, org),
        "can_manage": request.user.is_bureau and request.user.scope.covers_region(org.region_code),
    })


@roles_required(bureau=True)
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form, permission_field="region_code"):
            org = services.organisation_register(actor=request.user, **form.cleaned_data)
            warning = services.credit_code_warning(org.credit_code)
            if warning:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s is on file.") % {"name": org.name})
            return redirect("core:organisation-detail", pk=org.pk)
    return render(request, "core/organisation_form.html", {"form": form})


@roles_required(bureau=True)
def organisation_edit(request, pk: int):
    org = selectors.organisation_detail(request.user, pk)
    initial = {f: getattr(org, f) for f in ("kind", "name", "region_code", "credit_code",
                                             "enterprise_roles", "address", "contact", "phone",
                                             "is_active")}
    form = OrganisationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        with errors_onto(form):
            services.organisation_update(actor=request.user, organisation=org, **data)
            messages.success(request, _("Saved."))
            return redirect("core:organisation-detail", pk=org.pk)
    return render(request, "core/organisation_form.html", {"form": form, "org": org})


@roles_required(bureau=True)
def user_create(request, pk: int):
    org = selectors.organisation_detail(request.user, pk)
    form = UserForm(request.POST or None, organisation=org)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            services.user_create(actor=request.user, organisation=org, **form.cleaned_data)
            messages.success(request, _("The account is ready."))
            return redirect("core:organisation-detail", pk=org.pk)
    return render(request, "core/user_form.html", {"form": form, "org": org})


@public
def region_list(request):
    parent = request.GET.get("parent") or None
    q = request.GET.get("q", "").strip()
    current = selectors.region_detail(parent) if parent else None
    qs = selectors.region_list(parent=parent, level=None if (parent or q) else 1, q=q)
    return render(request, "core/region_list.html", {
        "page": page_of(request, qs, size=100), "current": current, "q": q,
        "levels": dict(Region.Level.choices),
    })


@login_required
def ledger(request):
    if not request.user.is_bureau:
        raise PermissionDenied(_("The ledger is for bureaus."))
    qs = selectors.ledger_list(request.user, action=request.GET.get("action", "").strip())
    return render(request, "core/ledger.html", {"page": page_of(request, qs)})


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_issue(actor=request.user,
                                                       name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = TokenForm()
    return render(request, "core/token_list.html", {
        "tokens": selectors.api_token_list(request.user), "form": form, "new_key": new_key,
    })


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(selectors.api_token_list(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("core:token-list")
