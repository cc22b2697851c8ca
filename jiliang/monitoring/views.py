"""Pages of the monitoring app: the bureau's queue of tamper alerts, an alert with its evidence,
and the gateways that send instrument events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.core.models import Organisation
from jiliang.core.web import errors_onto, page_of
from jiliang.monitoring import conf, forms, permissions, selectors, services
from jiliang.monitoring.models import RULE_CHOICES, Alert


def _forbid_unless(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("Your role does not give access to this page."))


@login_required
def alert_list(request):
    state = request.GET.get("state", "open")
    state = state if state in (*Alert.State.values, "all") else "open"
    rule = request.GET.get("rule", "")
    rule = rule if rule in dict(RULE_CHOICES) else ""
    q = request.GET.get("q", "").strip()[:64]
    qs = selectors.alert_list(request.user, state=state, rule=rule, q=q)
    query = "".join(f"{k}={v}&" for k, v in (("state", state), ("rule", rule), ("q", q)) if v)
    return render(request, "monitoring/alert_list.html", {
        "page": page_of(request, qs), "state": state, "rule": rule, "q": q, "query": query,
        "rules": RULE_CHOICES, "states": Alert.State.choices, "thresholds": conf.thresholds(),
    })


@login_required
def alert_detail(request, pk: int):
    alert = selectors.alert_detail(request.user, pk)
    may_close = alert.state == Alert.State.OPEN and permissions.may_handle_alert(
        request.user, alert)
    form = forms.CloseForm(request.POST or None) if may_close else None
    if request.method == "POST":
        _forbid_unless(may_close)
        if form.is_valid():
            with errors_onto(form):
                services.alert_close(actor=request.user, alert=alert, **form.cleaned_data)
                messages.success(request, _("The alert is closed."))
                return redirect("monitoring:alert-detail", pk=alert.pk)
    return render(request, "monitoring/alert_detail.html", {
        "alert": alert, "form": form, "thresholds": conf.thresholds(),
        "finding_links": finding_links(request, alert), "figures": figures(alert)})


# The figures a tamper rule records with its alert (rules/tamper.py), each under its name.
FIGURES = {
    "days": gettext_lazy("Days allowed for a verification after the change:"),
    "before": gettext_lazy("Counter before:"),
    "after": gettext_lazy("Counter now:"),
    "step": gettext_lazy("Counter step:"),
    "allowed": gettext_lazy("Largest step or difference allowed:"),
    "dispensed": gettext_lazy("Dispensed by the totaliser:"),
    "sold": gettext_lazy("Sold by the sales record:"),
    "percent": gettext_lazy("Difference (%):"),
}


def figures(alert) -> list[tuple[str, object]]:
    """The alert's figures under their names (a figure no name is known for keeps its key)."""
    return [(FIGURES.get(key, key), value) for key, value in (alert.params or {}).items()]


def finding_links(request, alert) -> list[dict]:
    """What other apps offer for an alert (the enforcement app: open a case from it)."""
    from django.apps import apps

    out = []
    for config in apps.get_app_configs():
        hook = getattr(config, "alert_links", None)
        if hook is not None:
            out += hook(request, alert)
    return out


@login_required
def gateway_list(request):
    qs = selectors.gateway_list(request.user)
    may_add = request.user.is_bureau or request.user.organisation_id is not None
    return render(request, "monitoring/gateway_list.html", {
        "page": page_of(request, qs), "may_add": may_add, "query": ""})


@login_required
def gateway_create(request):
    user = request.user
    bureau = user.is_bureau
    _forbid_unless(bureau or user.organisation_id is not None)
    form = forms.GatewayForm(request.POST or None, bureau=bureau)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with errors_onto(form, permission_field="code"):
            if bureau:
                code = data.pop("owner_credit_code").strip().upper()
                owner = user.scope.filter(Organisation.objects.filter(credit_code=code)).first()
                if owner is None:
                    raise ValidationError({"owner_credit_code": [_(
                        "No organisation in your region has this credit code.")]})
            else:
                owner = user.organisation
            gateway = services.gateway_register(actor=user, organisation=owner, **data)
            messages.success(request, _("The gateway is registered."))
            return redirect("monitoring:gateway-detail", pk=gateway.pk)
    return render(request, "monitoring/form.html", {
        "form": form, "title": _("Register an event gateway"),
        "intro": _("A gateway sends the events of its owner's fuel dispensers, taxi meters, "
                   "scales and utility meters in signed batches.")})


@login_required
def gateway_detail(request, pk: int):
    gateway = selectors.gateway_detail(request.user, pk)
    return render(request, "monitoring/gateway_detail.html", {
        "gateway": gateway, "batches": selectors.batches_of(gateway),
        "refusals": selectors.refusals_of(gateway),
        "may_keep": permissions.may_keep_gateway(request.user, gateway),
        "context": services.CONTEXT.decode()})


@login_required
def gateway_key(request, pk: int):
    gateway = selectors.gateway_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_gateway(request.user, gateway))
    form = forms.KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            services.gateway_key_register(actor=request.user, gateway=gateway,
                                          **form.cleaned_data)
            messages.success(request, _("The gateway's key is registered."))
            return redirect("monitoring:gateway-detail", pk=gateway.pk)
    return render(request, "monitoring/form.html", {
        "form": form, "gateway": gateway, "title": _("Register the gateway's key"),
        "intro": _("Batches are signed with Ed25519 over “%(context)s”, the gateway code, the "
                   "batch id and the SHA-256 of the body, one per line.") % {
            "context": services.CONTEXT.decode()}})
