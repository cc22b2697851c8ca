"""Pages of the units: home, list, particulars, gateway key, dashboard, quality, batches, monthly figures."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiliang.core.forms import scope_organisations
from jiliang.core.lists import sort_by
from jiliang.core.params import query_year
from jiliang.core.web import errors_onto, page_of, roles_required, xlsx_response
from jiliang.energy import conf, forms, interference, permissions, selectors, services
from jiliang.energy.models import EnergyUnit, Finding
from jiliang.energy.templatetags.energy import carrier as carrier_label
from jiliang.energy.views.common import forbid_unless, form_page, month_of

# --- home, units ----------------------------------------------------------------------------

@login_required
def home(request):
    """The region's energy for a bureau; the unit list for an enterprise or institution."""
    user = request.user
    context = {"units": selectors.unit_list(user)[:20], "count": selectors.unit_list(user).count()}
    if user.is_bureau:
        month = month_of(request)
        figures = selectors.region_month_tce(user, month, top=20)
        trend = selectors.region_trend(user, months=12)
        context.update(month=month, figures=figures, trend=trend,
                       attention=selectors.supervision_counts(user),
                       chart={"months": trend["months"], "values": trend["values"],
                              "carriers": [{"name": carrier_label(k), "value": float(round(v, 3))}
                                           for k, v in figures["carriers"].items()]})
    context["audits"] = selectors.audit_list(user)[:10]
    return render(request, "energy/home.html", context)


UNIT_COLUMNS = {
    "name": ("name",), "region": ("region_code", "name"), "industry": ("industry",),
    "tce": ("annual_tce",), "tier": ("tier",), "reading": ("last_reading_at",),
}


@login_required
def unit_list(request):
    q = request.GET.get("q", "").strip()
    tier = request.GET.get("tier", "")
    region = request.GET.get("region", "").strip()
    qs = selectors.unit_list(request.user, q=q, tier=tier, region=region)
    qs, sort = sort_by(request, qs, UNIT_COLUMNS, "region", keep=("q", "tier", "region"))
    if request.GET.get("format") == "xlsx":
        rows = ((u.name, u.code, u.region_code, u.industry, u.annual_tce, u.annual_year or "",
                 u.get_tce_basis_display(), u.get_tier_display(), _("yes") if u.designated
                 else "", u.contact, u.phone) for u in qs.iterator(chunk_size=2000))
        return xlsx_response("energy-units.xlsx", [
            _("Name"), _("Unit code"), _("Division code"), _("Industry"),
            _("Annual comprehensive energy consumption (tce)"), _("Year"),
            _("Electricity basis"), _("Tier"), _("Designated"), _("Energy manager"),
            _("Phone")], rows, title=_("Key energy-using units"))
    return render(request, "energy/unit_list.html", {
        "page": page_of(request, qs), "q": q, "tier": tier, "region": region,
        "tiers": EnergyUnit.Tier.choices, "sort": sort,
        "query": urlencode({"q": q, "tier": tier, "region": region, "sort": sort.value}) + "&"})


@roles_required(bureau=True)
def unit_create(request):
    form = scope_organisations(forms.UnitForm(request.POST or None), request.user)
    return form_page(
        request, form, lambda data: services.unit_register(actor=request.user, **dict(data)),
        to=lambda unit: reverse("energy:unit-detail", args=[unit.pk]),
        success=lambda unit: _("%(name)s is on file.") % {"name": unit.name},
        title=_("Put a unit on file"))


@roles_required(bureau=True)
def unit_edit(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    fields = ("name", "industry", "annual_tce", "annual_year", "tce_edition", "tce_basis",
              "designated", "designation_authority", "designation_ref", "designated_on",
              "electricity_user_class", "contact", "phone", "reading_interval_min",
              "balance_tolerance_percent")
    form = forms.UnitForm(request.POST or None, editing=True,
                          initial={f: getattr(unit, f) for f in fields})
    return form_page(request, form, lambda data: services.unit_update(
        actor=request.user, unit=unit, **data),
        to=reverse("energy:unit-detail", args=[unit.pk]), success=_("Saved."),
        unit=unit, title=_("Change the unit"))


@login_required
def unit_key(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    forbid_unless(permissions.may_keep_ledger(request.user, unit))
    return form_page(
        request, forms.KeyForm(request.POST or None),
        lambda data: services.unit_key_register(actor=request.user, unit=unit, **data),
        to=reverse("energy:unit-detail", args=[unit.pk]),
        success=_("The gateway's key is registered."), refusals=False, unit=unit,
        title=_("Register the gateway's key"),
        intro=_("Batches are signed with Ed25519 over “jiliang-energy-batch/1”, the unit "
                "code, the batch id and the SHA-256 of the body, one per line."))


@login_required
def unit_detail(request, pk: int):
    """The unit's dashboard: energy by type in tce, trend, Sankey, data quality, audits."""
    unit = selectors.unit_detail(request.user, pk)
    today = timezone.localdate()
    month = month_of(request)
    first, last = selectors.month_bounds(month)
    energy = selectors.unit_energy(unit, first, min(last, today))
    year = selectors.unit_energy(unit, month.replace(month=1, day=1), min(last, today))
    trend = selectors.unit_trend(unit, days=90)
    sankey = selectors.unit_sankey(unit, max(first, today - datetime.timedelta(days=30))
                                   if month.replace(day=1) == today.replace(day=1) else first,
                                   min(last, today))
    week = selectors.unit_quality(unit, today - datetime.timedelta(days=7),
                                  today - datetime.timedelta(days=1))
    audit = selectors.audit_list(request.user, unit=unit).first()
    series = [{**s, "carrier": carrier_label(s["carrier"])} for s in trend["series"]]
    chart = {"days": trend["days"], "series": series,
             "sankey": {"nodes": sankey["nodes"], "links": sankey["links"]}}
    return render(request, "energy/unit_detail.html", {
        "unit": unit, "month": month, "energy": energy, "year": year, "chart": chart,
        "basis": trend["basis"], "quality": week, "audit": audit,
        "open_findings": audit.findings.exclude(status=Finding.Status.CLOSED).count()
        if audit else 0,
        "can_keep": permissions.may_keep_ledger(request.user, unit),
        "is_bureau": request.user.is_bureau and request.user.scope.covers_region(
            unit.region_code),
        "meter_count": unit.meters.count(), "stale_hours": conf.stale_hours(),
        "refusals": selectors.refusal_list(request.user, unit)[:5],
        # Issue 18: kept apart from the data-quality checks above, judged on complete days.
        "interference": interference.unit_interference(
            unit, today - datetime.timedelta(days=30), today - datetime.timedelta(days=1)),
    })


@login_required
def unit_quality(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    month = month_of(request)
    first, last = selectors.month_bounds(month)
    last = min(last, timezone.localdate())
    quality = selectors.unit_quality(unit, first, last) if last >= first else None
    return render(request, "energy/unit_quality.html", {"unit": unit, "month": month,
                                                        "quality": quality})


@login_required
def unit_batches(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    return render(request, "energy/unit_batches.html", {
        "unit": unit, "page": page_of(request, selectors.batch_list(request.user, unit)),
        "refusals": selectors.refusal_list(request.user, unit)[:50]})


@login_required
def unit_monthly(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    carriers = sorted(set(unit.meters.exclude(carrier="").values_list("carrier", flat=True)))
    form = forms.MonthlyForm(request.POST or None, carriers=carriers)
    can_keep = permissions.may_keep_ledger(request.user, unit)
    if request.method == "POST":
        forbid_unless(can_keep)
        if form.is_valid():
            data = form.cleaned_data
            meter = unit.meters.filter(carrier=data["carrier"]).first()
            with errors_onto(form, refusals=False):
                services.monthly_report_submit(
                    actor=request.user, unit=unit, month=data["month"], carrier=data["carrier"],
                    quantity=data["quantity"],
                    quantity_unit=meter.register_unit if meter else "")
                messages.success(request, _("Saved."))
                return redirect("energy:unit-monthly", pk=unit.pk)
    return render(request, "energy/unit_monthly.html", {
        "unit": unit, "form": form, "can_keep": can_keep,
        "reports": selectors.monthly_reports(request.user, unit)[:36]})


@login_required
def unit_energy_audit(request, pk: int):
    """Energy audit (work plan 二.6): the year's energy, its structure, the metering behind it."""
    unit = selectors.unit_detail(request.user, pk)
    this_year = timezone.localdate().year
    year = query_year(request, lo=2000, hi=this_year, default=this_year)
    view = selectors.energy_audit(unit, year)
    if request.GET.get("format") == "xlsx":
        basis = view["energy"]["basis"]
        rows = [(r["name"], r["carrier"], r["unit"], r["in"], r["out"], round(r["tce"], 4))
                for r in view["energy"]["rows"]]
        rows.append((_("Total"), "", "", "", "", round(view["energy"]["total_tce"], 4)))
        rows.append((pgettext("conversion", "Basis"), basis.edition_code, basis.electricity_label, "", "", ""))
        return xlsx_response(f"energy-audit-{unit.code}-{year}.xlsx", [
            _("Energy"), _("Carrier"), _("Unit"), _("In"), _("Out"), "tce"], rows,
            title=_("Energy audit"))
    return render(request, "energy/unit_energy_audit.html", {"unit": unit, "view": view,
                                                             "years": range(year - 3, year + 1)})


