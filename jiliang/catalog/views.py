from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.catalog import selectors, services, type_approval
from jiliang.catalog.models import PeriodRule, ProvincePeriod
from jiliang.core.web import page_of, public, roles_required
from jiliang.rules.identifiers import PROVINCE_CODES


@public
def kind_list(request):
    """The kinds of instrument the registry files, with the catalogues in force."""
    today = timezone.localdate()
    return render(request, "catalog/kind_list.html", {
        "kinds": selectors.kind_list(), "versions": selectors.version_list(),
        "in_force": selectors.version_in_force(today),
    })


@public
def kind_detail(request, code: str):
    kind = selectors.kind_detail(code)
    rules = list(kind.rules.all())
    values = {}
    for value in kind_province_values(rules):
        values.setdefault(value.rule_id, []).append(value)
    return render(request, "catalog/kind_detail.html", {
        "kind": kind, "rules": [(r, values.get(r.pk, [])) for r in rules],
    })


def kind_province_values(rules):
    return ProvincePeriod.objects.filter(rule__in=rules).order_by("province_code")


@public
def version_detail(request, code: str):
    version = selectors.version_detail(code)
    return render(request, "catalog/version_detail.html", {
        "version": version, "entries": version.entries.select_related("kind"),
    })


def _province_of(request) -> str:
    scope = request.user.scope
    if scope.everything:
        code = request.GET.get("province") or request.POST.get("province") or "44"
        if code not in PROVINCE_CODES:
            code = "44"
        return code
    return (scope.region_prefix or "")[:2]


@roles_required(bureau=True)
def province_periods(request):
    """The values this province uses where the reference confirms no period or service life."""
    province = _province_of(request)
    can_edit = services.can_set_province_values(request.user, province)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the provincial bureau sets the values its province uses."))
        rule = get_object_or_404(PeriodRule, pk=request.POST.get("rule") or 0)
        raw = (request.POST.get("value") or "").strip()
        try:
            value = int(raw) if raw else None
        except ValueError:
            messages.error(request, _("Value: enter a whole number."))
        else:
            try:
                services.province_period_set(actor=request.user, province_code=province, rule=rule,
                                             value=value, note=request.POST.get("note", ""))
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    messages.error(request, f"{rule.code} · {field}: {' '.join(errors)}")
            else:
                messages.success(request, _("Saved: %(rule)s.") % {"rule": rule.code})
                url = request.path + (f"?province={province}" if request.user.scope.everything else "")
                return redirect(url)
    values = selectors.province_values(province)
    rows = [(rule, values.get(rule.pk)) for rule in selectors.unconfirmed_rules() if rule.needs_value]
    return render(request, "catalog/province_periods.html", {
        "province": province, "rows": rows, "can_edit": can_edit,
        "provinces": sorted(PROVINCE_CODES) if request.user.scope.everything else [],
    })


@roles_required(bureau=True)
def version_impact(request, code: str):
    """When a catalogue version takes effect: per region, the instruments whose kind entered or
    left compulsory verification (those that left drop off the overdue lists from that date)."""
    version = selectors.version_detail(code)
    rows = selectors.version_impact(request.user, version)
    return render(request, "catalog/version_impact.html", {
        "version": version, "rows": rows, "changes": selectors.version_changes(version),
    })


FLAGS_COUNTED = 1_000


@roles_required(bureau=True)
def type_approval_flags(request):
    """Instruments in use of a kind needing type approval whose number names no approval in
    force: for the bureau to check (work plan 五.2–五.4)."""
    # Counted up to 1,000 ("Page 1 of 20+"): the flags are judged row by row (kind, number and
    # model against the approvals in force), so each counted row is read from the table.
    return render(request, "catalog/type_approval_flags.html", {
        "page": page_of(request, type_approval.flagged(request.user), cap=FLAGS_COUNTED),
    })
