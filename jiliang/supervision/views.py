from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.catalog import selectors as catalog
from jiliang.core import selectors as core_selectors
from jiliang.core.hooks import optional
from jiliang.core.lists import sort_by
from jiliang.core.middleware import max_body
from jiliang.core.models import INSTITUTION_KINDS, Role
from jiliang.core.params import query_year
from jiliang.core.pdf import pdf_response
from jiliang.core.tabular import (
    RowError,
    errors_workbook,
    template_workbook,
    workbook_response,
)
from jiliang.core.web import (
    apply_errors,
    errors_onto,
    page_of,
    public,
    roles_required,
    xlsx_response,
)
from jiliang.supervision import (
    documents,
    exports,
    forms,
    judging,
    permissions,
    selectors,
    services,
    sheets,
    workflow,
)
from jiliang.supervision.models import (
    FAILURE_LABELS,
    CampaignKind,
    CampaignStatus,
    LabelFinding,
    UploadBatch,
)

# ---------------------------------------------------------------------------------------------
# Campaigns


CAMPAIGN_COLUMNS = {
    "year": ("year",), "title": ("title",), "kind": ("kind",), "level": ("level",),
    "organiser": ("organiser__name",), "status": ("status",),
}


@login_required
def campaign_list(request):
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    year = request.GET.get("year", "")
    qs = selectors.campaign_list(request.user, kind=kind, status=status,
                                 year=query_year(request))
    qs, sort = sort_by(request, qs, CAMPAIGN_COLUMNS, "-year", keep=("kind", "status", "year"))
    return render(request, "supervision/campaign_list.html", {
        "page": page_of(request, qs), "kinds": CampaignKind.choices,
        "statuses": CampaignStatus.choices, "kind": kind, "status": status, "year": year,
        "sort": sort, "query": urlencode({"kind": kind, "status": status, "year": year,
                                          "sort": sort.value}) + "&",
    })


def _campaign_initial(campaign) -> dict:
    return {
        "title": campaign.title, "kind": campaign.kind, "level": campaign.level,
        "year": campaign.year, "starts_on": campaign.starts_on,
        "field_deadline": campaign.field_deadline, "report_deadline": campaign.report_deadline,
        "products": "\n".join(campaign.products), "kind_codes": list(campaign.kind_codes),
        "regions": list(campaign.regions), "description": campaign.description,
        "continues": str(campaign.continues_id or ""),
    }


def _continues(request, value: str):
    if not value:
        return None
    return selectors.campaign_detail(request.user, int(value))


@roles_required(bureau=True)
def campaign_create(request):
    form = forms.CampaignForm(request.POST or None,
                              campaigns=selectors.campaign_list(request.user)[:200])
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with errors_onto(form):
            data["continues"] = _continues(request, data.pop("continues"))
            campaign = services.campaign_plan(actor=request.user, **data)
            messages.success(request, _("The campaign is planned."))
            return redirect("supervision:campaign-detail", pk=campaign.pk)
    return render(request, "supervision/campaign_form.html", {"form": form})


@login_required
def campaign_detail(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    user = request.user
    moves = [{"action": t.action, "label": workflow.label(t)}
             for t in permissions.moves(user, campaign)]
    tasks = list(selectors.task_list(user, campaign=campaign))
    done = {r["region_code"]: r for r in selectors.completion(user, campaign)}
    return render(request, "supervision/campaign_detail.html", {
        "campaign": campaign, "tasks": tasks, "completion": done, "moves": moves,
        "can_plan": permissions.may_edit(user, campaign),
        "can_assign": permissions.may_assign(user, campaign),
        "can_release": permissions.may_release(user, campaign),
        "events": campaign.events.select_related("actor"),
        "records": selectors.records_of(user, campaign)[:20],
        "note_form": forms.NoteForm(),
    })


@roles_required(bureau=True)
def campaign_edit(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    if not permissions.may_plan(request.user, campaign):
        raise PermissionDenied(_("You may change campaigns only of your own region."))
    others = selectors.campaign_list(request.user, kind=campaign.kind).exclude(pk=campaign.pk)
    form = forms.CampaignEditForm(request.POST or None, initial=_campaign_initial(campaign),
                                  campaigns=others[:200])
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("kind", "level")}
        with errors_onto(form):
            data["continues"] = _continues(request, data.pop("continues"))
            services.campaign_update(actor=request.user, campaign=campaign, **data)
            messages.success(request, _("Saved."))
            return redirect("supervision:campaign-detail", pk=campaign.pk)
    return render(request, "supervision/campaign_form.html", {"form": form, "campaign": campaign})


def _flash_errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@roles_required(bureau=True)
@require_POST
def campaign_transition(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    try:
        services.campaign_transition(actor=request.user, campaign=campaign,
                                     action=request.POST.get("action", ""),
                                     note=request.POST.get("note", ""))
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("The campaign's status is changed."))
    return redirect("supervision:campaign-detail", pk=campaign.pk)


@roles_required(Role.BUREAU_HEAD, Role.NATIONAL_ADMIN)
@require_POST
def campaign_release(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    try:
        services.campaign_release(actor=request.user, campaign=campaign,
                                  note=request.POST.get("note", ""))
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, _("The results are released to the public portal."))
    return redirect("supervision:campaign-detail", pk=campaign.pk)


# ---------------------------------------------------------------------------------------------
# Tasks


def _institutions(user):
    return core_selectors.organisation_list(user).filter(kind__in=INSTITUTION_KINDS)[:500]


@roles_required(bureau=True)
def task_create(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    institutions = list(_institutions(request.user))
    form = forms.TaskForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("institution")
        institution = next((o for o in institutions if str(o.pk) == chosen), None)
        with errors_onto(form, permission_field="region_code"):
            services.task_assign(actor=request.user, campaign=campaign, institution=institution,
                                 **data)
            messages.success(request, _("The task is assigned."))
            return redirect("supervision:campaign-detail", pk=campaign.pk)
    return render(request, "supervision/task_form.html", {"form": form, "campaign": campaign})


@login_required
def task_detail(request, pk: int):
    task = selectors.task_detail(request.user, pk)
    campaign = task.campaign
    records = selectors.records_of(request.user, campaign).filter(task=task)
    return render(request, "supervision/task_detail.html", {
        "task": task, "campaign": campaign, "page": page_of(request, records),
        "can_record": permissions.may_record_now(request.user, task),
        "uploads": task.uploads.all()[:10],
    })


def _recordable_task(request, pk: int, kind: str):
    task = selectors.task_detail(request.user, pk)
    if task.campaign.kind != kind:
        raise Http404
    if not permissions.may_record(request.user, task):
        raise PermissionDenied(_("You may record only for tasks of your region or institution."))
    return task


# ---------------------------------------------------------------------------------------------
# Net content


@login_required
def netcontent_create(request, pk: int):
    task = _recordable_task(request, pk, CampaignKind.NET_CONTENT)
    campaign = task.campaign
    initial = {"tare_method": "each", "unit": "g"}
    first = None
    if request.GET.get("reinspect"):
        first = selectors.netcontent_by_notice(request.user, request.GET["reinspect"])
        if first is not None:
            initial.update({f: getattr(first, f) for f in (
                "packer_credit_code", "packer_name", "product", "brand", "unit", "place",
                "tare_method")})
            initial.update({"nominal": exports.plain(first.nominal), "region_code":
                            first.region_code, "reinspection_of": first.notice_number})
    form = forms.NetContentForm(request.POST or None, initial=initial, products=campaign.products)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            record = services.netcontent_record(actor=request.user, task=task,
                                                **form.cleaned_data)
            messages.success(request, _("Recorded: %(number)s, %(verdict)s.") % {
                "number": record.notice_number, "verdict": record.get_verdict_display()})
            return redirect("supervision:netcontent-detail", pk=record.pk)
    return render(request, "supervision/netcontent_form.html", {
        "form": form, "task": task, "campaign": campaign, "first": first,
        "rule_note": _rule_note(),
    })


def _rule_note() -> str:
    fallback = judging.fallback_rule_set()
    note = _("Judged by the rule set in force on the sampling date (JJF 1070-2005 from "
             "2006-01-01). T is rounded as each rule set's data says (JJF 1070-2005: GB/T 8170, "
             "a tie to the even digit, since the rule's own tie rule is not confirmed).")
    if fallback:
        note += " " + _("JJF 1070-2023 is in force from 2024-10-12 but its tables are not on "
                        "file: samples from that date are judged by %(rule_set)s, and their "
                        "notices say so.") % {"rule_set": judging.rule_set_words(fallback)}
    return note


@login_required
def netcontent_detail(request, pk: int):
    record = selectors.netcontent_detail(request.user, pk)
    f = record.figures
    units = [{"n": i, "value": v, "shortfall": s, "class": c}
             for i, (v, s, c) in enumerate(zip(record.values, f.get("shortfalls", []),
                                               f.get("classes", []), strict=False), start=1)]
    can_reinspect = permissions.may_reinspect(request.user, record)
    return render(request, "supervision/netcontent_detail.html", {
        "record": record, "f": f, "units": units, "rule_note": documents.rule_note(f, record.rule_set),
        "reinspections": selectors.reinspections(request.user, record),
        "failure_labels": FAILURE_LABELS, "can_reinspect": can_reinspect,
    })


@login_required
def netcontent_notice(request, pk: int):
    record = selectors.netcontent_detail(request.user, pk)
    return pdf_response(f"{record.notice_number}.pdf", documents.notice_pdf(record))


@login_required
def packer_history(request, credit_code: str):
    history = selectors.packer_history(request.user, credit_code)
    if not history["records"].exists() and not (
            request.user.is_bureau or request.user.organisation_id):
        raise Http404
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"net-content-{history['credit_code']}.xlsx",
            [_("Notice number"), _("Campaign"), _("Product"), _("Brand"), _("Nominal quantity"),
             _("Sampled on"), _("Division code"), _("Verdict")],
            ((r.notice_number, r.campaign.title, r.product, r.brand,
              f"{exports.plain(r.nominal)} {r.unit}", r.sampled_on, r.region_code,
              str(r.get_verdict_display())) for r in history["records"].iterator()),
            title=_("Net-content history"))
    return render(request, "supervision/packer_history.html", {
        **history, "page": page_of(request, history["records"]),
    })


@roles_required(Role.ENTERPRISE_USER)
def my_results(request):
    org = request.user.organisation
    if org is None or not org.credit_code:
        raise Http404
    return redirect("supervision:packer-history", credit_code=org.credit_code)


# ---------------------------------------------------------------------------------------------
# Field sheets


@login_required
def upload_template(request):
    kind = request.GET.get("kind", UploadBatch.Kind.NET_CONTENT)
    if kind not in sheets.SPECS:
        raise Http404
    response = HttpResponse(
        template_workbook(sheets.columns_for(kind), title=_(sheets.TITLES[kind])),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="field-sheet-{kind}.xlsx"'
    return response


def _upload_form(request, importer, *, task, kind: str, visit=None):
    """The upload page of a field sheet: ``importer(upload)`` reads it and its report opens."""
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            batch = importer(form.cleaned_data["file"])
            messages.success(request, _("%(saved)s rows saved, %(refused)s refused.") % {
                "saved": batch.rows_saved, "refused": batch.rows_refused})
            return redirect("supervision:upload-detail", pk=batch.pk)
    return render(request, "supervision/upload_form.html", {
        "form": form, "task": task, "visit": visit, "kind": kind})


@max_body(5 * 1024 * 1024)
@login_required
def upload(request, pk: int):
    task = selectors.task_detail(request.user, pk)
    kind, importer = services.TASK_SHEETS.get(task.campaign.kind, (None, None))
    if importer is None:
        raise Http404
    if not permissions.may_record(request.user, task):
        raise PermissionDenied(_("You may record only for tasks of your region or institution."))
    return _upload_form(
        request, lambda upload: importer(actor=request.user, task=task, upload=upload),
        task=task, kind=kind)


@max_body(5 * 1024 * 1024)
@login_required
def visit_upload(request, pk: int):
    visit = selectors.visit_detail(request.user, pk)
    if not permissions.may_record(request.user, visit.task):
        raise PermissionDenied(_("You may record only for tasks of your region or institution."))
    return _upload_form(
        request,
        lambda upload: services.instrument_import(actor=request.user, visit=visit, upload=upload),
        task=visit.task, kind=UploadBatch.Kind.INSTRUMENTS, visit=visit)


@login_required
def upload_detail(request, pk: int):
    batch = selectors.upload_detail(request.user, pk)
    return render(request, "supervision/upload_detail.html", {"batch": batch})


@login_required
def upload_errors(request, pk: int):
    batch = selectors.upload_detail(request.user, pk)
    data = errors_workbook(
        [RowError(e["row"], e["column"], e["reason"]) for e in batch.errors],
        headers=(_("Row"), _("Column"), _("Reason")),
        rows={int(k): v for k, v in batch.refused_rows.items()},
        columns=sheets.columns_for(batch.kind))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="errors-{batch.pk}.xlsx"'
    return response


# ---------------------------------------------------------------------------------------------
# Special inspections, product sampling, energy labels


def _record_form(request, task, form, record, *, done: str, detail: str, title: str):
    """The form of a record on a task: valid, ``record(data)`` saves it and opens its page."""
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            saved = record(dict(form.cleaned_data))
            messages.success(request, done)
            return redirect(detail, pk=saved.pk)
    return render(request, "supervision/record_form.html", {
        "form": form, "task": task, "title": title})


@login_required
def visit_create(request, pk: int):
    task = _recordable_task(request, pk, CampaignKind.SPECIAL_INSPECTION)
    return _record_form(
        request, task, forms.VisitForm(request.POST or None, initial={"action": "none"}),
        lambda data: services.visit_record(actor=request.user, task=task, **data),
        done=_("The visit is recorded; now add the instruments found."),
        detail="supervision:visit-detail", title=_("Record a visit"))


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_detail(request.user, pk)
    can_record = permissions.may_record(request.user, visit.task)
    instrument_form = forms.InstrumentForm(request.POST or None, prefix="i")
    update_form = forms.VisitUpdateForm(
        request.POST or None, prefix="v",
        initial={"findings": visit.findings, "action": visit.action,
                 "action_note": visit.action_note})
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(_("You may record only for tasks of your region or "
                                     "institution."))
        which = request.POST.get("form")
        form = instrument_form if which == "instrument" else update_form
        if which in ("instrument", "update") and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if which == "instrument":
                    data["verified_in_time"] = forms.tri(data["verified_in_time"])
                    data["conforms"] = forms.tri(data["conforms"])
                    services.instrument_record(actor=request.user, visit=visit, **data)
                else:
                    services.visit_update(actor=request.user, visit=visit, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("supervision:visit-detail", pk=visit.pk)
    page = page_of(request, visit.instruments.all())
    kinds = catalog.kind_names(i.kind_code for i in page)
    for instrument in page:
        instrument.kind_name = kinds.get(instrument.kind_code, instrument.kind_code)
    return render(request, "supervision/visit_detail.html", {
        "visit": visit, "instruments": page, "page": page,
        "rates": selectors.rates_total(visit.instruments.all()),
        "instrument_form": instrument_form, "update_form": update_form,
        "can_record": permissions.may_record_on_visit(request.user, visit),
    })


@login_required
def sample_create(request, pk: int):
    task = _recordable_task(request, pk, CampaignKind.PRODUCT_SAMPLING)

    def record(data):
        data["items"] = forms.parse_items(data["items"])
        return services.product_sample_record(actor=request.user, task=task, **data)

    return _record_form(request, task, forms.ProductSampleForm(request.POST or None), record,
                        done=_("The sample is recorded."), detail="supervision:sample-detail",
                        title=_("Record a product sample"))


@login_required
def sample_detail(request, pk: int):
    sample = selectors.product_sample_detail(request.user, pk)
    return render(request, "supervision/sample_detail.html", {"sample": sample})


@login_required
def label_create(request, pk: int):
    task = _recordable_task(request, pk, CampaignKind.ENERGY_LABEL)
    form = forms.LabelCheckForm(request.POST or None,
                                initial={"finding": LabelFinding.CORRECT, "handling": "none"})
    return _record_form(
        request, task, form,
        lambda data: services.label_check_record(actor=request.user, task=task, **data),
        done=_("The check is recorded."), detail="supervision:label-detail",
        title=_("Record an energy-label check"))


@login_required
def label_detail(request, pk: int):
    check = selectors.label_check_detail(request.user, pk)
    scale = services.scale_words(services.label_scale(check.label_standard))
    return render(request, "supervision/label_detail.html", {"check": check, "scale": scale})


# ---------------------------------------------------------------------------------------------
# Reports, tracking, exports


def _chart_data(report: dict) -> dict:
    completion = report["completion"]
    data = {"completion": {"regions": [r["region"] for r in completion],
                           "target": [r["target"] for r in completion],
                           "done": [r["done"] for r in completion]}}
    if report.get("by_product"):
        data["by_product"] = {"names": [str(r["key"]) for r in report["by_product"]],
                              "rates": [float(r["rate"] or 0) for r in report["by_product"]]}
    if report.get("by_kind"):
        data["by_kind"] = {"names": [r["key"] for r in report["by_kind"]],
                           "verified": [float(r["verified_rate"] or 0) for r in report["by_kind"]],
                           "conforming": [float(r["conforming_rate"] or 0)
                                          for r in report["by_kind"]]}
    return data


@login_required
def campaign_report(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    report = selectors.campaign_report(request.user, campaign)
    fmt = request.GET.get("format")
    tracking = selectors.tracking(request.user, campaign) \
        if campaign.kind == CampaignKind.NET_CONTENT else None
    if fmt == "xlsx":
        tables = exports.report_tables(report)
        if tracking and len(tracking["years"]) > 1:
            tables += exports.tracking_tables(tracking)
        return workbook_response(f"campaign-{campaign.pk}.xlsx", exports.sheets(tables))
    if fmt == "pdf":
        return pdf_response(f"campaign-{campaign.pk}.pdf",
                            documents.report_pdf(report, tracking))
    return render(request, "supervision/campaign_report.html", {
        "campaign": campaign, "report": report, "tables": exports.report_tables(report),
        "chart_data": _chart_data(report),
        "has_tracking": bool(tracking and len(tracking["years"]) > 1),
    })


@login_required
def campaign_tracking(request, pk: int):
    campaign = selectors.campaign_detail(request.user, pk)
    if campaign.kind != CampaignKind.NET_CONTENT:
        raise Http404
    city = request.GET.get("city", "").strip()[:6]
    every_year = request.GET.get("all") != "1"
    data = selectors.tracking(request.user, campaign, city=city if city.isdigit() else "",
                              every_year=every_year)
    enforcement = optional("enforcement", "selectors")
    if enforcement is not None:  # penalties of the repeat failures (issue 18)
        penalties = enforcement.penalties_by_credit_code(
            request.user, [r["packer_credit_code"] for r in data["repeat_failures"]])
        for row in data["repeat_failures"]:
            row["penalties"] = penalties.get(row["packer_credit_code"], 0)
    tables = exports.tracking_tables(data)
    if request.GET.get("format") == "xlsx":
        return workbook_response(f"tracking-{campaign.pk}.xlsx", exports.sheets(tables))
    cities = sorted({(r["city_code"], r["city"]) for r in data["rows"]})
    return render(request, "supervision/tracking.html", {
        "campaign": campaign, "data": data, "tables": tables, "cities": cities,
        "chart_data": {"years": [str(y) for y in data["years"]], "series": data["series"]},
    })


@login_required
def record_export(request, pk: int):
    """Every record of a campaign in scope, as one sheet."""
    campaign = selectors.campaign_detail(request.user, pk)
    headers, rows = exports.record_rows(campaign, selectors.records_of(request.user, campaign))
    return xlsx_response(f"records-{campaign.pk}.xlsx", headers, rows, title=campaign.title)


# ---------------------------------------------------------------------------------------------
# Public: what a bureau head released


@public
def published_list(request):
    return render(request, "supervision/published_list.html", {
        "page": page_of(request, selectors.published_campaigns().select_related("organiser")),
    })


@public
def published_detail(request, pk: int):
    campaign = selectors.published_campaign(pk)
    return render(request, "supervision/published_detail.html", {
        "campaign": campaign, "rows": selectors.published_failures(campaign),
        "back": reverse("supervision:published-list"),
    })
