"""Pages of a unit's meter ledger: lines, spreadsheet import and export, verifications."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core.middleware import max_body
from jiliang.core.tabular import errors_workbook, template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import apply_errors, page_of, xlsx_response
from jiliang.energy import forms, permissions, selectors, services
from jiliang.energy.labels import energy_choices
from jiliang.energy.views.common import XLSX, forbid_unless, form_page

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
        "levels": forms.LEVEL_CHOICES, "energies": energy_choices(),
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
    forbid_unless(permissions.may_keep_ledger(request.user, unit))
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
    forbid_unless(permissions.may_keep_ledger(request.user, unit))
    return form_page(
        request, forms.MeterForm(request.POST or None, unit=unit),
        lambda data: services.meter_register(actor=request.user, unit=unit, **data),
        to=lambda meter: reverse("energy:meter-detail", args=[meter.pk]),
        success=_("The meter is in the ledger."), refusals=False,
        unit=unit, title=_("Add a meter to the ledger"))


@login_required
def meter_edit(request, pk: int):
    meter = selectors.meter_detail(request.user, pk)
    forbid_unless(permissions.may_keep_ledger(request.user, meter.unit))
    initial = {f: getattr(meter, f) for f in services.METER_FIELDS if f != "owner"}
    form = forms.MeterForm(request.POST or None, unit=meter.unit, meter=meter, initial=initial)
    return form_page(request, form, lambda data: services.meter_update(
        actor=request.user, meter=meter, **data),
        to=reverse("energy:meter-detail", args=[meter.pk]), success=_("Saved."),
        refusals=False, unit=meter.unit, title=_("Change a ledger line"))


@login_required
def meter_calibration(request, pk: int):
    meter = selectors.meter_detail(request.user, pk)
    forbid_unless(permissions.may_keep_ledger(request.user, meter.unit))
    return form_page(
        request, forms.CalibrationForm(request.POST or None),
        lambda data: services.meter_calibration_record(actor=request.user, meter=meter, **data),
        to=reverse("energy:meter-detail", args=[meter.pk]), success=_("Recorded."),
        refusals=False, unit=meter.unit,
        title=_("Record a verification or calibration of %(meter)s") % {"meter": meter})


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


