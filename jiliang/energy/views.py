from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jiliang.core import selectors as core_selectors
from jiliang.core.middleware import max_body
from jiliang.core.models import INSTITUTION_KINDS, Organisation, OrgKind
from jiliang.core.params import query_year
from jiliang.core.pdf import Document, pdf_response
from jiliang.core.tabular import Percent, errors_workbook, template_workbook, workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import apply_errors, errors_onto, page_of, roles_required, xlsx_response
from jiliang.energy import conf, forms, permissions, selectors, services
from jiliang.energy.models import Audit, AuditExclusion, EnergyUnit, Finding
from jiliang.energy.templatetags.energy import carrier as carrier_label
from jiliang.rules import energy as rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(request) -> datetime.date:
    raw = request.GET.get("month", "")
    try:
        return datetime.date.fromisoformat(f"{raw}-01") if len(raw) == 7 else \
            timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _forbid_unless(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("Your role does not give access to this page."))


# --- home, units ----------------------------------------------------------------------------

@login_required
def home(request):
    """The region's energy for a bureau; the unit list for an enterprise or institution."""
    user = request.user
    context = {"units": selectors.unit_list(user)[:20], "count": selectors.unit_list(user).count()}
    if user.is_bureau:
        month = _month(request)
        figures = selectors.region_month_tce(user, month, top=20)
        trend = selectors.region_trend(user, months=12)
        context.update(month=month, figures=figures, trend=trend,
                       attention=selectors.supervision_counts(user),
                       chart={"months": trend["months"], "values": trend["values"],
                              "carriers": [{"name": carrier_label(k), "value": float(round(v, 3))}
                                           for k, v in figures["carriers"].items()]})
    context["audits"] = selectors.audit_list(user)[:10]
    return render(request, "energy/home.html", context)


@login_required
def unit_list(request):
    q = request.GET.get("q", "").strip()
    tier = request.GET.get("tier", "")
    region = request.GET.get("region", "").strip()
    qs = selectors.unit_list(request.user, q=q, tier=tier, region=region)
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
        "tiers": EnergyUnit.Tier.choices})


@roles_required(bureau=True)
def unit_create(request):
    organisations = core_selectors.organisation_list(request.user, kind=OrgKind.ENTERPRISE)
    form = forms.UnitForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with errors_onto(form):
            unit = services.unit_register(actor=request.user, **data)
            messages.success(request, _("%(name)s is on file.") % {"name": unit.name})
            return redirect("energy:unit-detail", pk=unit.pk)
    return render(request, "energy/form.html", {"form": form, "title": _("Put a unit on file")})


@roles_required(bureau=True)
def unit_edit(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    fields = ("name", "industry", "annual_tce", "annual_year", "tce_edition", "tce_basis",
              "designated", "designation_authority", "designation_ref", "designated_on",
              "electricity_user_class", "contact", "phone", "reading_interval_min",
              "balance_tolerance_percent")
    form = forms.UnitForm(request.POST or None, editing=True,
                          initial={f: getattr(unit, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            services.unit_update(actor=request.user, unit=unit, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("energy:unit-detail", pk=unit.pk)
    return render(request, "energy/form.html", {"form": form, "unit": unit,
                                                "title": _("Change the unit")})


@login_required
def unit_key(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_ledger(request.user, unit))
    form = forms.KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_key_register(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The gateway's key is registered."))
            return redirect("energy:unit-detail", pk=unit.pk)
    return render(request, "energy/form.html", {
        "form": form, "unit": unit, "title": _("Register the gateway's key"),
        "intro": _("Batches are signed with Ed25519 over “jiliang-energy-batch/1”, the unit "
                   "code, the batch id and the SHA-256 of the body, one per line.")})


@login_required
def unit_detail(request, pk: int):
    """The unit's dashboard: energy by type in tce, trend, Sankey, data quality, audits."""
    unit = selectors.unit_detail(request.user, pk)
    today = timezone.localdate()
    month = _month(request)
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
    })


@login_required
def unit_quality(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    month = _month(request)
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
        _forbid_unless(can_keep)
        if form.is_valid():
            data = form.cleaned_data
            meter = unit.meters.filter(carrier=data["carrier"]).first()
            try:
                services.monthly_report_submit(
                    actor=request.user, unit=unit, month=data["month"], carrier=data["carrier"],
                    quantity=data["quantity"],
                    quantity_unit=meter.register_unit if meter else "")
            except ValidationError as error:
                apply_errors(form, error)
            else:
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


# --- the ledger -----------------------------------------------------------------------------

@login_required
def meter_list(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    level = request.GET.get("level", "")
    energy = request.GET.get("energy", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.meter_list(request.user, unit, level=level, energy=energy, q=q)
    if request.GET.get("format") == "xlsx":
        columns = services.ledger_columns()
        rows = ([getattr(m, c.key) for c in columns] for m in qs)
        return xlsx_response(f"ledger-{unit.code}.xlsx", [c.title for c in columns],
                             ([("" if v is None else v) for v in row] for row in rows),
                             title=_("Energy-meter ledger"))
    page = page_of(request, qs)
    registry = selectors.meter_registry_status(list(page))
    for meter in page:
        meter.registry = registry.get(meter.pk)
    return render(request, "energy/meter_list.html", {
        "unit": unit, "page": page, "level": level, "energy": energy, "q": q,
        "levels": forms.LEVEL_CHOICES, "energies": forms.ENERGY_CHOICES,
        "today": timezone.localdate(),
        "can_keep": permissions.may_keep_ledger(request.user, unit)})


@login_required
def meter_template(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    data = template_workbook(services.ledger_columns(), title=_("Energy-meter ledger"))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-template-{unit.code}.xlsx"'
    return response


@max_body(5 * 1024 * 1024)
@login_required
def meter_import(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_ledger(request.user, unit))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kind = check_upload(upload, allowed=("xlsx", "csv"), max_bytes=5 * 1024 * 1024)
            result = services.ledger_import(actor=request.user, unit=unit, data=upload.read(),
                                            kind=kind)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if result.errors and request.POST.get("errors") == "xlsx":
                data = errors_workbook(result.errors, rows=result.rows,
                                       columns=services.ledger_columns(),
                                       headers=(_("Row"), _("Column"), _("Reason")))
                response = HttpResponse(data, content_type=XLSX)
                response["Content-Disposition"] = 'attachment; filename="ledger-errors.xlsx"'
                return response
            messages.success(request, _("%(created)s meters added, %(updated)s updated, "
                                        "%(errors)s rows with errors.") % {
                "created": result.created, "updated": result.updated,
                "errors": len({e.row for e in result.errors})})
    return render(request, "energy/meter_import.html", {"unit": unit, "form": form,
                                                        "result": result})


@login_required
def meter_create(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_ledger(request.user, unit))
    form = forms.MeterForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            meter = services.meter_register(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The meter is in the ledger."))
            return redirect("energy:meter-detail", pk=meter.pk)
    return render(request, "energy/form.html", {"form": form, "unit": unit,
                                                "title": _("Add a meter to the ledger")})


@login_required
def meter_edit(request, pk: int):
    meter = selectors.meter_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_ledger(request.user, meter.unit))
    initial = {f: getattr(meter, f) for f in services.METER_FIELDS if f != "owner"}
    form = forms.MeterForm(request.POST or None, unit=meter.unit, meter=meter, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meter_update(actor=request.user, meter=meter, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("energy:meter-detail", pk=meter.pk)
    return render(request, "energy/form.html", {"form": form, "unit": meter.unit,
                                                "title": _("Change a ledger line")})


@login_required
def meter_calibration(request, pk: int):
    meter = selectors.meter_detail(request.user, pk)
    _forbid_unless(permissions.may_keep_ledger(request.user, meter.unit))
    form = forms.CalibrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meter_calibration_record(actor=request.user, meter=meter,
                                              **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("energy:meter-detail", pk=meter.pk)
    return render(request, "energy/form.html", {
        "form": form, "unit": meter.unit,
        "title": _("Record a verification or calibration of %(meter)s") % {"meter": meter}})


@login_required
def meter_detail(request, pk: int):
    meter = selectors.meter_detail(request.user, pk)
    day = None
    detail = None
    if request.GET.get("day"):
        try:
            day = datetime.date.fromisoformat(request.GET["day"])
        except ValueError:
            day = None
    if day is not None:
        detail = selectors.meter_day_detail(request.user, meter, day)
    return render(request, "energy/meter_detail.html", {
        "meter": meter, "unit": meter.unit, "day": day, "detail": detail,
        "days": selectors.meter_days(request.user, meter),
        "per_day": 24 * 60 // meter.unit.reading_interval_min,
        "calibrations": meter.calibrations.all()[:20],
        "registry": selectors.meter_registry_status([meter]).get(meter.pk),
        "recent": selectors.meter_readings(request.user, meter)[:20],
        "can_keep": permissions.may_keep_ledger(request.user, meter.unit),
        "today": timezone.localdate()})


# --- audits ---------------------------------------------------------------------------------

@login_required
def audit_list(request):
    status = request.GET.get("status", "")
    qs = selectors.audit_list(request.user, status=status)
    return render(request, "energy/audit_list.html", {
        "page": page_of(request, qs), "status": status, "statuses": Audit.Status.choices})


@roles_required(bureau=True)
def audit_create(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    auditors = Organisation.objects.filter(pk=request.user.organisation_id) | \
        core_selectors.organisation_list(request.user).filter(kind__in=list(INSTITUTION_KINDS))
    form = forms.AuditOpenForm(request.POST or None, auditors=auditors.distinct(),
                               initial={"auditor": request.user.organisation_id,
                                        "opened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            audit = services.audit_open(actor=request.user, unit=unit, **form.cleaned_data)
            messages.success(request, _("Audit %(number)s is open.") % {"number": audit.number})
            return redirect("energy:audit-detail", pk=audit.pk)
    return render(request, "energy/form.html", {"form": form, "unit": unit,
                                                "title": _("Open a GB 17167 audit")})


def _audit_context(request, audit, **extra):
    cells = list(audit.cells.prefetch_related("exclusions"))
    counts = services.ledger_counts(audit.unit)
    for cell in cells:
        if audit.status == Audit.Status.OPEN:
            cell.installed = counts.get((cell.energy, cell.level), 0)
        try:
            cell.rate_required = rules.required_rate(audit.edition, cell.energy, cell.level)
        except Exception:  # noqa: BLE001 - shown as unknown
            cell.rate_required = None
    is_auditor = permissions.may_audit(request.user, audit)
    context = {
        "audit": audit, "unit": audit.unit, "cells": cells,
        "findings": audit.findings.select_related("meter"),
        "is_auditor": is_auditor, "is_open": audit.status == Audit.Status.OPEN,
        "is_unit": permissions.unit_is_own(request.user, audit.unit),
        "cell_form": forms.CellForm(), "exclusion_form": forms.ExclusionForm(),
        "complete_form": forms.CompleteForm(initial={
            "deadline": timezone.localdate() + datetime.timedelta(
                days=conf.rectification_days())}),
        "rectify_form": forms.RectifyForm(), "review_form": forms.ReviewForm(),
    }
    context.update(extra)
    return context


@login_required
def audit_detail(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    return render(request, "energy/audit_detail.html", _audit_context(request, audit))


def _audit_action(request, audit, form, action, success):
    if form.is_valid():
        with errors_onto(form):
            action(form.cleaned_data)
            messages.success(request, success)
            return redirect("energy:audit-detail", pk=audit.pk)
    messages.error(request, "; ".join(f"{e}" for errors in form.errors.values() for e in errors))
    return redirect("energy:audit-detail", pk=audit.pk)


@login_required
@require_POST
def audit_cells(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    _forbid_unless(permissions.may_audit(request.user, audit))
    return _audit_action(request, audit, forms.CellForm(request.POST), lambda d: (
        services.audit_cell_set(actor=request.user, audit=audit, **d)), _("Saved."))


@login_required
@require_POST
def audit_exclusion_add(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    _forbid_unless(permissions.may_audit(request.user, audit))
    return _audit_action(request, audit, forms.ExclusionForm(request.POST), lambda d: (
        services.audit_exclusion_add(actor=request.user, audit=audit, **d)),
        _("The exclusion is recorded."))


@login_required
@require_POST
def audit_exclusion_remove(request, pk: int):
    exclusion = AuditExclusion.objects.select_related("cell__audit").filter(pk=pk).first()
    if exclusion is None:
        raise Http404
    audit = selectors.audit_detail(request.user, exclusion.cell.audit_id)
    _forbid_unless(permissions.may_audit(request.user, audit))
    try:
        services.audit_exclusion_remove(actor=request.user, exclusion=exclusion)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return redirect("energy:audit-detail", pk=audit.pk)


@login_required
@require_POST
def audit_complete(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    _forbid_unless(permissions.may_audit(request.user, audit))
    return _audit_action(request, audit, forms.CompleteForm(request.POST), lambda d: (
        services.audit_complete(actor=request.user, audit=audit, **d)),
        _("The audit is completed."))


@login_required
@require_POST
def finding_rectify(request, pk: int):
    finding = selectors.finding_detail(request.user, pk)
    audit = finding.audit
    _forbid_unless(permissions.may_keep_ledger(request.user, audit.unit))
    return _audit_action(request, audit, forms.RectifyForm(request.POST), lambda d: (
        services.finding_rectify(actor=request.user, finding=finding, **d)),
        _("The rectification is submitted."))


@login_required
@require_POST
def finding_review(request, pk: int):
    finding = selectors.finding_detail(request.user, pk)
    audit = finding.audit
    _forbid_unless(permissions.may_audit(request.user, audit))
    return _audit_action(request, audit, forms.ReviewForm(request.POST), lambda d: (
        services.finding_review(actor=request.user, finding=finding, **d)), _("Saved."))


def _audit_tables(audit, cells=None):
    """The rows of the cells and findings tables; ``cells`` when the caller fetched them."""
    if cells is None:
        cells = list(audit.cells.all())
    rows = [(c.get_energy_display(), c.level, c.required, c.excluded, c.installed,
             Percent(c.rate_percent), Percent(c.required_percent),
             {"pass": pgettext("energy audit", "pass"), "fail": pgettext("energy audit", "fail"),
              "not_applicable": _("not applicable"),
              "ledger_error": _("ledger error")}.get(c.result, "—"))
            for c in cells]
    findings = [(f.get_kind_display(), f.clause, f.text, f.deadline or "",
                 f.get_status_display()) for f in audit.findings.all()]
    return rows, findings


@login_required
def audit_pdf(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    audit_cells = list(audit.cells.prefetch_related("exclusions"))
    cells, findings = _audit_tables(audit, audit_cells)
    doc = Document(title=_("Energy metering audit report"),
                   subtitle=f"{rules.EQUIPPING_EDITIONS[audit.edition].code} · {audit.number}")
    doc.fields([
        (_("Audit number"), audit.number), (_("Unit"), audit.unit.name),
        (_("Unit code"), audit.unit.code), (_("Auditor"), audit.auditor.name),
        (_("Edition"), rules.EQUIPPING_EDITIONS[audit.edition].code),
        (_("Opened on"), audit.opened_on), (_("Status"), audit.get_status_display()),
        (_("Equipping verdict"), {"compliant": _("compliant"),
                                  "noncompliant": _("noncompliant")}.get(audit.verdict, "—")),
    ])
    doc.heading(_("Equipping rates (Table 1)"))
    doc.table([_("Energy type"), _("Level"), _("Needed (Nl)"), _("Excluded"),
               _("Installed (Ns)"), _("Rate"), _("Required"), _("Result")], cells)
    for cell in audit_cells:
        for x in cell.exclusions.all():
            doc.paragraph(f"{cell.get_energy_display()} {cell.level}: {x.ground} × {x.count} — "
                          f"{x.reason}", small=True)
    doc.heading(_("Findings"))
    if findings:
        doc.table([_("Kind"), _("Clause"), pgettext("energy audit", "Finding"), _("Rectify by"), _("Status")],
                  findings, widths_mm=[25, 30, 70, 22, 23])
    else:
        doc.paragraph(_("No findings."))
    if audit.summary:
        doc.heading(_("Summary"))
        doc.paragraph(audit.summary)
    doc.qr(settings.JILIANG_PUBLIC_URL.rstrip("/") + reverse("energy:audit-detail",
                                                             args=[audit.pk]),
           caption=_("The audit on file"))
    return pdf_response(f"{audit.number}.pdf", doc.render())


@login_required
def audit_xlsx(request, pk: int):
    audit = selectors.audit_detail(request.user, pk)
    cells, findings = _audit_tables(audit)
    data = workbook([
        (_("Equipping rates"), (_("Energy type"), _("Level"), _("Needed (Nl)"), _("Excluded"),
                                _("Installed (Ns)"), _("Rate"), _("Required"), _("Result")),
         cells),
        (_("Findings"), (_("Kind"), _("Clause"), pgettext("energy audit", "Finding"),
                         _("Rectify by"), _("Status")),
         findings),
    ])
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{audit.number}.xlsx"'
    return response


# --- letters of responsibility --------------------------------------------------------------

@login_required
def letter_list(request):
    due = request.GET.get("due") == "1"
    qs = selectors.letter_list(request.user, due=due)
    return render(request, "energy/letter_list.html", {"page": page_of(request, qs), "due": due})


@roles_required(bureau=True)
def letter_create(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    form = forms.LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            letter = services.letter_create(
                actor=request.user, unit=unit, title=form.cleaned_data["title"],
                signed_on=form.cleaned_data["signed_on"], commitments=form.commitments())
            messages.success(request, _("The letter is on file."))
            return redirect("energy:letter-detail", pk=letter.pk)
    return render(request, "energy/letter_form.html", {"form": form, "unit": unit,
                                                       "rows": range(form.ROWS)})


@login_required
def letter_detail(request, pk: int):
    letter = selectors.letter_detail(request.user, pk)
    return render(request, "energy/letter_detail.html", {
        "letter": letter, "commitments": letter.commitments.all(),
        "reviews": letter.look_backs.select_related("reviewer"),
        "today": timezone.localdate(),
        "can_review": request.user.is_bureau and request.user.scope.covers_region(
            letter.region_code)})


@roles_required(bureau=True)
def letter_look_back(request, pk: int):
    letter = selectors.letter_detail(request.user, pk)
    form = forms.LookBackForm(request.POST or None, commitments=letter.commitments.all(),
                              initial={"reviewed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            services.letter_look_back(actor=request.user, letter=letter,
                                      reviewed_on=form.cleaned_data["reviewed_on"],
                                      summary=form.cleaned_data["summary"],
                                      outcomes=form.outcomes())
            messages.success(request, _("The look-back is recorded."))
            return redirect("energy:letter-detail", pk=letter.pk)
    return render(request, "energy/form.html", {
        "form": form, "title": _("Look back on “%(title)s”") % {"title": letter.title},
        "unit": letter.unit})


# --- the bureau's views ---------------------------------------------------------------------

@roles_required(bureau=True)
def supervision(request):
    return render(request, "energy/supervision.html", {"found": selectors.supervision(
        request.user)})


@login_required
def heat(request):
    """Heat metering (work plan 二.7): heat meters on file, their verification and their heat."""
    month = _month(request)
    view = selectors.heat_meters(request.user, month=month)
    return render(request, "energy/heat.html", {"view": view, "month": month,
                                                "today": timezone.localdate()})
