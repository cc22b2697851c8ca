"""Pages of GB 17167 audits: opening, cells and exclusions, completion, findings, reports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from jiliang.core import selectors as core_selectors
from jiliang.core.models import INSTITUTION_KINDS, Organisation
from jiliang.core.pdf import Document, pdf_response
from jiliang.core.tabular import Percent, workbook
from jiliang.core.web import errors_onto, page_of, roles_required
from jiliang.energy import conf, forms, permissions, selectors, services
from jiliang.energy.models import Audit, AuditExclusion
from jiliang.energy.views.common import XLSX, forbid_unless, form_page
from jiliang.rules import energy as rules

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
    return form_page(
        request, form, lambda data: services.audit_open(actor=request.user, unit=unit, **data),
        to=lambda audit: reverse("energy:audit-detail", args=[audit.pk]),
        success=lambda audit: _("Audit %(number)s is open.") % {"number": audit.number},
        unit=unit, title=_("Open a GB 17167 audit"))


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


def _audit_post(name: str, form_class, service, success, *, on_finding: bool = False,
                may=permissions.may_audit):
    """A POST from an audit's page, on the audit (or, ``on_finding``, on one of its findings):
    ``may(user, audit)`` asked, the form checked, ``service`` run with the form's data, and the
    user sent back to the audit with ``success`` or the errors."""

    @login_required
    @require_POST
    def view(request, pk: int):
        if on_finding:
            finding = selectors.finding_detail(request.user, pk)
            audit, target = finding.audit, {"finding": finding}
        else:
            audit = selectors.audit_detail(request.user, pk)
            target = {"audit": audit}
        forbid_unless(may(request.user, audit))
        return _audit_action(request, audit, form_class(request.POST), lambda d: (
            service(actor=request.user, **target, **d)), success)

    view.__name__ = view.__qualname__ = name
    return view


audit_cells = _audit_post("audit_cells", forms.CellForm, services.audit_cell_set,
                          gettext_lazy("Saved."))
audit_exclusion_add = _audit_post("audit_exclusion_add", forms.ExclusionForm,
                                  services.audit_exclusion_add,
                                  gettext_lazy("The exclusion is recorded."))
audit_complete = _audit_post("audit_complete", forms.CompleteForm, services.audit_complete,
                             gettext_lazy("The audit is completed."))
finding_rectify = _audit_post(
    "finding_rectify", forms.RectifyForm, services.finding_rectify,
    gettext_lazy("The rectification is submitted."), on_finding=True,
    may=lambda user, audit: permissions.may_keep_ledger(user, audit.unit))
finding_review = _audit_post("finding_review", forms.ReviewForm, services.finding_review,
                             gettext_lazy("Saved."), on_finding=True)


@login_required
@require_POST
def audit_exclusion_remove(request, pk: int):
    exclusion = AuditExclusion.objects.select_related("cell__audit").filter(pk=pk).first()
    if exclusion is None:
        raise Http404
    audit = selectors.audit_detail(request.user, exclusion.cell.audit_id)
    forbid_unless(permissions.may_audit(request.user, audit))
    try:
        services.audit_exclusion_remove(actor=request.user, exclusion=exclusion)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    return redirect("energy:audit-detail", pk=audit.pk)


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


