from __future__ import annotations

import base64
import datetime
from urllib.parse import urlencode

import segno
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token as otp_match_token
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken

from jiliang.audit.labels import object_name
from jiliang.core import permissions, selectors, services, signin
from jiliang.core.forms import (
    InvitationAcceptForm,
    InvitationForm,
    MemberRoleForm,
    OrganisationEditForm,
    OrganisationForm,
    SecondFactorForm,
    SecondFactorOffForm,
    TokenForm,
    UserForm,
)
from jiliang.core.lists import sort_by
from jiliang.core.models import OrgKind, Region
from jiliang.core.params import BadParameter
from jiliang.core.web import (
    apply_errors,
    errors_onto,
    page_of,
    public,
    roles_required,
    secret_page,
    xlsx_response,
)
from jiliang.rules.roles import requires_second_factor


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


ORGANISATION_COLUMNS = {
    "name": ("name",), "kind": ("kind",), "region": ("region_code", "name"),
    "credit_code": ("credit_code",),
}


@login_required
def organisation_list(request):
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "").strip()
    q = request.GET.get("q", "").strip()
    qs = selectors.organisation_list(request.user, kind=kind, region=region, q=q)
    qs, sort = sort_by(request, qs, ORGANISATION_COLUMNS, "region", keep=("kind", "region", "q"))
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
        "kind": kind, "region": region, "q": q, "sort": sort,
        "query": urlencode({"kind": kind, "region": region, "q": q, "sort": sort.value}) + "&",
    })


@login_required
def organisation_detail(request, pk: int):
    org = selectors.organisation_detail(request.user, pk)
    user = request.user
    members = list(selectors.organisation_members(user, org))
    account_roles = permissions.grants_in(user, org, how="account")
    invitation_roles = permissions.grants_in(user, org, how="invitation")
    for member in members:
        member.manageable = permissions.may_manage_member(user, member)
    links = []
    for config in apps.get_app_configs():
        hook = getattr(config, "organisation_links", None)
        if hook:
            links.extend(hook(request, org))
    return render(request, "core/organisation_detail.html", {
        "org": org, "links": links,
        "members": members,
        "can_manage": user.is_bureau and user.scope.covers_region(org.region_code),
        "may_grant": bool(account_roles),
        "may_invite": bool(invitation_roles),
        "role_form": MemberRoleForm(roles=account_roles, auto_id=False) if account_roles else None,
        "invitations": list(selectors.invitation_list(user, org)[:20])
        if invitation_roles or any(m.manageable for m in members) else [],
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


def _org_for_grant(request, pk: int, action: str):
    """The organisation a grant is asked for; an attempt on one out of sight is refused (404)
    and, when it is a POST, recorded in the ledger like any other refused grant."""
    try:
        return selectors.organisation_detail(request.user, pk)
    except Http404:
        if request.method == "POST":
            services.grant_refused(actor=request.user, action=action, organisation_id=pk,
                                   role=str(request.POST.get("role", ""))[:32], reason="scope")
        raise


def _refuse_grant(request, org, action: str) -> None:
    """A POST to grant where the user's role grants nothing: recorded, then 403."""
    if request.method == "POST":
        services.grant_refused(actor=request.user, action=action, organisation_id=org.pk,
                               region_code=org.region_code, reason="grant.none",
                               role=str(request.POST.get("role", ""))[:32])
    raise PermissionDenied(_("Your role does not grant this in this organisation."))


@login_required
def user_create(request, pk: int):
    """Grant a role by opening an account (role_grants.json, ``how: account``)."""
    org = _org_for_grant(request, pk, "user.create")
    roles = permissions.grants_in(request.user, org, how="account")
    if not roles:
        _refuse_grant(request, org, "user.create")
    form = UserForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:  # a refused grant (PermissionDenied) is a 403, not a form error
            services.user_create(actor=request.user, organisation=org, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The account is ready."))
            return redirect("core:organisation-detail", pk=org.pk)
    return render(request, "core/user_form.html", {"form": form, "org": org})


@login_required
def invitation_create(request, pk: int):
    """Invite a person to open an account (role_grants.json, ``how: invitation``)."""
    org = _org_for_grant(request, pk, "invitation.issue")
    roles = permissions.grants_in(request.user, org, how="invitation")
    if not roles:
        _refuse_grant(request, org, "invitation.issue")
    form = InvitationForm(request.POST or None, roles=roles,
                          initial={"role": roles[0] if roles else ""})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, key = services.invitation_issue(actor=request.user, organisation=org,
                                                        **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            link = request.build_absolute_uri(reverse("core:invitation-accept", args=[key]))
            return secret_page(render(request, "core/invitation_created.html", {
                "org": org, "invitation": invitation, "link": link}))
    return render(request, "core/invitation_form.html", {"form": form, "org": org})


@public
def invitation_accept(request, key: str):
    """The person invited chooses a user name and a password; the account opens."""
    invitation = services.invitation_find(key)
    if invitation is None:
        return secret_page(render(request, "core/invitation_accept.html",
                                  {"invitation": None}, status=404))
    form = InvitationAcceptForm(request.POST or None,
                                initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_onto(form):
            services.invitation_accept(key=key, username=data["username"],
                                       password=data["password"], full_name=data["full_name"])
            messages.success(request, _("Your account is open: log in with your user name and "
                                        "password."))
            return redirect("login")
    return secret_page(render(request, "core/invitation_accept.html",
                              {"invitation": invitation, "form": form}))


def _member_change(request, pk: int, action: str, service, done: str):
    member = services.member_in_sight(actor=request.user, user_id=pk, action=action)
    service(actor=request.user, user=member)
    messages.success(request, done)
    return redirect("core:organisation-detail", pk=member.organisation_id)


@login_required
@require_POST
def member_suspend(request, pk: int):
    """Suspend an account: it can no longer sign in and its API tokens stop working."""
    return _member_change(request, pk, "user.account_suspend", services.user_suspend,
                          _("The account is suspended."))


@login_required
@require_POST
def member_reinstate(request, pk: int):
    return _member_change(request, pk, "user.account_reinstate", services.user_reinstate,
                          _("The account is reinstated."))


@login_required
@require_POST
def member_revoke(request, pk: int):
    """Take the member's role away (the account stays, with nothing to see or do)."""
    return _member_change(request, pk, "user.role_revoke", services.user_role_revoke,
                          _("The role is revoked."))


@login_required
@require_POST
def member_role(request, pk: int):
    """Give a member another role."""
    member = services.member_in_sight(actor=request.user, user_id=pk, action="user.role_grant")
    form = MemberRoleForm(request.POST, roles=[])
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
    else:
        try:
            services.user_role_grant(actor=request.user, user=member,
                                     role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role is changed."))
    return redirect("core:organisation-detail", pk=member.organisation_id)


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
    g = request.GET
    filters = {"action": g.get("action", "").strip()[:100], "actor": g.get("actor", "").strip()[:150],
               "object_type": g.get("object_type", "").strip()[:100], "q": g.get("q", "").strip()[:64]}
    dates, errors = {}, []
    for name in ("since", "until"):
        raw = g.get(name, "").strip()
        try:
            dates[name] = datetime.date.fromisoformat(raw) if raw else None
        except ValueError:
            dates[name] = None
            errors.append(_("“%(value)s” is not a date as YYYY-MM-DD.") % {"value": raw[:20]})
    qs = selectors.ledger_list(request.user, **filters, **dates)
    if errors:
        qs = qs.none()
    return render(request, "core/ledger.html", {
        "page": page_of(request, qs), **filters, "filter_errors": errors,
        "since": g.get("since", ""), "until": g.get("until", ""),
        "object_types": _ledger_object_types(),
        "query": urlencode({k: v for k, v in g.items() if k != "page" and v}) + "&"})


def _ledger_object_types() -> list[tuple[str, str]]:
    types = {m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("jiliang.")}
    return sorted(((t, object_name(t)) for t in types), key=lambda pair: pair[1])


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
    response = render(request, "core/token_list.html", {
        "tokens": selectors.api_token_list(request.user), "form": form, "new_key": new_key,
    })
    return secret_page(response) if new_key else response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(selectors.api_token_list(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token is revoked."))
    return redirect("core:token-list")


@login_required
def organisation_pick(request):
    """The organisation picker's look-up: the organisations the user may see whose name
    contains, or whose credit code starts with, what is typed (OrganisationField checks the
    chosen one against the same list)."""
    field = request.GET.get("field", "")
    field = field if field.isidentifier() and len(field) <= 40 else ""
    q = (request.GET.get(field, "") if field else "").strip()[:100]
    kinds = [k for k in request.GET.get("kinds", "").split(",")[:8] if k in OrgKind.values]
    organisations = selectors.organisation_list(request.user).none()
    if q:
        organisations = selectors.organisations_nameable(request.user, kinds).filter(
            Q(name__contains=q) | Q(credit_code__startswith=q.upper())
            | selectors.bureau_code_match(kinds, q, prefix=True))
    return render(request, "core/organisation_pick.html", {"organisations": organisations[:20]})


@login_required
def region_pick(request):
    """The region picker's look-up: regions by name or code, or the places within one."""
    field = request.GET.get("field", "regions")
    field = field if field.isidentifier() and len(field) <= 40 else "regions"
    parent = request.GET.get("parent", "").strip()[:6]
    q = request.GET.get("region_q", "").strip()[:64]
    if parent.isascii() and parent.isdigit():
        regions = selectors.region_list(parent=parent)
    elif q:
        regions = selectors.region_list(q=q)
    else:
        regions = selectors.region_list().none()
    regions = regions.select_related("parent__parent").order_by("level", "code")[:30]
    return render(request, "core/region_pick.html", {
        "regions": regions, "field": field, "searched": bool(q or parent)})


# --- Second factor ------------------------------------------------------------------------

def _next_url(request, default: str = "core:desk") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


@login_required
def second_factor_verify(request):
    """After the password: a code from the authenticator app, or a one-time recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = otp_match_token(request.user, token)
        if device is None:
            form.add_error("token", _("This code does not match, or it was already used."))
        else:
            otp_login(request, device)
            if device.name == "recovery":
                messages.warning(request, _(
                    "You signed in with a recovery code; it cannot be used again. Issue new "
                    "codes on the second-factor page when few are left."))
            return redirect(_next_url(request))
    return render(request, "registration/second_factor_verify.html",
                  {"form": form, "next": _next_url(request)})


@login_required
def second_factor(request):
    """Set up the authenticator app (required for heads and national administrators, optional
    for everyone else), and issue new recovery codes."""
    user = request.user
    if user_has_device(user):
        if not user.is_verified():
            return redirect(f"{reverse('core:second-factor-verify')}?next={request.path}")
        return _second_factor_ready(request, SecondFactorOffForm())
    device = services.second_factor_start(actor=user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.second_factor_confirm(actor=user, device=device,
                                                   token=form.cleaned_data["token"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            otp_login(request, device)
            request.session[signin.SESSION_HAS_DEVICE] = True
            return secret_page(render(request, "core/recovery_codes.html",
                                      {"codes": codes, "next": _next_url(request)}))
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return secret_page(render(request, "core/second_factor.html", {
        "ready": False, "form": form, "secret": secret, "qr": qr,
        "required": signin.needs_second_factor(user),
        "next": request.GET.get("next", "")}))


def _second_factor_ready(request, off_form):
    user = request.user
    left = StaticToken.objects.filter(device__user=user, device__name="recovery").count()
    return render(request, "core/second_factor.html", {
        "ready": True, "codes_left": left, "off_form": off_form,
        "may_turn_off": not requires_second_factor(user.role)})


@login_required
@require_POST
def second_factor_off(request):
    """Turn one's own second factor off (password and a current code; not for the roles that
    must have one)."""
    if not request.user.is_verified():
        raise PermissionDenied(_("Give your second factor first."))
    form = SecondFactorOffForm(request.POST)
    if form.is_valid():
        try:
            services.second_factor_turn_off(actor=request.user,
                                            password=form.cleaned_data["password"],
                                            token=form.cleaned_data["token"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session[signin.SESSION_HAS_DEVICE] = False
            messages.success(request, _("Your second factor is turned off: signing in asks "
                                        "for your password only."))
            return redirect("core:desk")
    return _second_factor_ready(request, form)


@login_required
@require_POST
def recovery_codes(request):
    if not request.user.is_verified():
        raise PermissionDenied(_("Give your second factor first."))
    codes = services.recovery_codes_issue(actor=request.user)
    return secret_page(render(request, "core/recovery_codes.html",
                              {"codes": codes, "next": reverse("core:second-factor")}))


@public
def favicon(request):
    """``/favicon.ico``, which browsers and feed readers ask for whatever the page says."""
    path = finders.find("jiliang/favicon.svg")
    with open(path, "rb") as f:
        response = HttpResponse(f.read(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@requires_csrf_token
def bad_request(request, exception=None):
    """The 400 page (``handler400``): a parameter's own message when it was ours that refused
    (``core.params``), the general words otherwise (a forged Host, a broken request)."""
    message = exception.message if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"message": message}, status=400)
