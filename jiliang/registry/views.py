from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from jiliang.catalog import type_approval
from jiliang.catalog.models import InstrumentKind, Use
from jiliang.catalog.selectors import regulations_of
from jiliang.core.caching import page_keep, page_lookup
from jiliang.core.forms import scope_organisations
from jiliang.core.lists import OwnerFilter, owner_filter, region_filter, sort_by
from jiliang.core.middleware import max_body
from jiliang.core.models import Organisation, Role
from jiliang.core.params import is_id, query_year
from jiliang.core.pdf import pdf_response
from jiliang.core.replica import replica_ok
from jiliang.core.tabular import Percent, template_csv, template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import (
    apply_errors,
    errors_onto,
    page_of,
    public,
    roles_required,
    xlsx_response,
)
from jiliang.people.selectors import signing_people
from jiliang.registry import documents, importing, permissions, selectors, services
from jiliang.registry.evidence import FIELDS as EVIDENCE_FIELDS
from jiliang.registry.forms import (
    BatchForm,
    CorrectionForm,
    ImportForm,
    InstrumentEditForm,
    InstrumentForm,
    StatusForm,
    VerificationForm,
)
from jiliang.registry.models import DueAction, Reminder, Status
from jiliang.registry.tasks import make_label_sheet, run_import
from jiliang.rules import verification as rules

VERIFIERS = permissions.VERIFIER_ROLES
MAX_IMPORT_BYTES = 50 * 1024 * 1024
LABELS_MAX = 10_000  # labels one sheet holds (834 pages); more is said, not cut
LABELS_AT_ONCE = 24  # two pages are made while the user waits; more in the background


def _today() -> datetime.date:
    return timezone.localdate()


def _owner_filter(request) -> OwnerFilter:
    return owner_filter(request.user, request.GET.get("owner"))


def _query(request, *keys: str) -> str:
    return urlencode({k: request.GET.get(k, "") for k in keys if request.GET.get(k)}) + "&"


def _filters_context(request) -> dict:
    """The list's filters as typed, and what they stand for: an owner by credit code, name or
    id, a region by name or code. A value that stands for nothing is said (``filter_errors``)
    and the list shows nothing rather than everything."""
    owner, region = _owner_filter(request), region_filter(request.GET.get("region"))
    return {
        "kinds": InstrumentKind.objects.order_by("code"), "uses": Use.choices,
        "kind": request.GET.get("kind", ""), "use": request.GET.get("use", ""),
        "region": request.GET.get("region", "").strip(), "owner": request.GET.get("owner", ""),
        "owner_ids": owner.ids, "owner_names": owner.names, "region_prefix": region.prefix,
        "region_name": region.name,
        "filter_errors": [e for e in (owner.error, region.error) if e],
    }


def _filtered(qs, f: dict):
    return qs.none() if f["filter_errors"] else qs


INSTRUMENT_COLUMNS = {
    "kind": ("kind__code",), "serial": ("serial_number",), "owner": ("owner__name",),
    "region": ("region_code",), "status": ("status",), "next_due": ("next_due_on",),
    "filed": ("id",),
}


# --- instruments ------------------------------------------------------------------------------


@login_required
def instrument_list(request):
    f = _filters_context(request)
    status, q = request.GET.get("status", ""), request.GET.get("q", "").strip()[:100]
    qs = _filtered(selectors.instrument_list(
        request.user, kind=f["kind"], use=f["use"], status=status, region=f["region_prefix"],
        owner=f["owner_ids"], q=q), f)
    keys = ("kind", "use", "region", "owner", "status", "q")
    qs, sort = sort_by(request, qs, INSTRUMENT_COLUMNS, "-filed", keep=keys)
    if request.GET.get("format") == "xlsx":
        return _instruments_xlsx("instruments.xlsx", qs, _("Instruments"))
    return render(request, "registry/instrument_list.html", {
        **f, "page": page_of(request, qs), "statuses": Status.choices, "status": status, "q": q,
        "sort": sort, "query": _query(request, *keys, "sort"),
        "can_file": permissions.may_file(request.user),
    })


def _instruments_xlsx(filename: str, qs, title: str):
    rows = ((i.public_code, i.kind.name, i.get_use_display(), i.serial_number, i.owner.name,
             i.region_code, i.address, i.get_status_display(), i.last_verified_on,
             i.get_last_conclusion_display() if i.last_conclusion else "", i.valid_until,
             i.next_due_on, i.get_due_action_display() if i.due_action else "")
            for i in qs[:100_000].iterator(chunk_size=2000))
    return xlsx_response(filename, [
        _("Public code"), pgettext("instrument", "Kind"), _("Use"), _("Serial number"), _("Owner"), _("Division code"),
        _("Address"), _("Status"), _("Last verified"), _("Conclusion"), _("Valid until"),
        _("Next due"), pgettext("action", "Due")], rows, title=title)


@login_required
def instrument_create(request):
    user = request.user
    if not permissions.may_file(user):
        raise PermissionDenied(_("Instruments are filed by their owner or by a bureau."))
    enterprise = user.role == Role.ENTERPRISE_USER
    form = scope_organisations(InstrumentForm(
        request.POST or None, enterprise=enterprise,
        initial={"region_code": getattr(user.organisation, "region_code", "")}), user)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            inst = services.instrument_file(actor=user, **data)
        except services.DuplicateInstrumentError as error:
            existing = error.existing
            apply_errors(form, error)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Filed: %(kind)s %(serial)s.") % {
                "kind": inst.kind.name, "serial": inst.serial_number})
            return redirect("registry:instrument-detail", pk=inst.pk)
    return render(request, "registry/instrument_form.html", {"form": form, "existing": existing})


@login_required
def instrument_detail(request, pk: int):
    inst = selectors.instrument_detail(request.user, pk)
    records = list(selectors.instrument_records(request.user, inst))
    superseded = {r.supersedes_id for r in records if r.supersedes_id}
    return render(request, "registry/instrument_detail.html", {
        "inst": inst, "records": records, "superseded": superseded,
        "can_change": permissions.may_change(request.user, inst.owner_id, inst.region_code),
        "can_verify": permissions.may_verify(request.user),
        "status_form": StatusForm(initial={"status": inst.status, "on": _today()}),
        "public_url": documents.instrument_url(inst), "today": _today(),
        "findings": selectors.evidence_findings_of(request.user, inst),  # issue 18
        "panels": _instrument_panels(request, inst),
    })


def _instrument_panels(request, inst) -> list[dict]:
    """Other apps' panels on an instrument's page (``instrument_panels`` on their AppConfig)."""
    from django.apps import apps

    out = []
    for config in apps.get_app_configs():
        hook = getattr(config, "instrument_panels", None)
        if hook is not None:
            out += hook(request, inst)
    return out


@login_required
def instrument_edit(request, pk: int):
    inst = selectors.instrument_detail(request.user, pk)
    if not permissions.may_change(request.user, inst.owner_id, inst.region_code):
        raise PermissionDenied(_("Only the owner or the bureau of its region changes this "
                                 "instrument."))
    initial = {f: getattr(inst, f) for f in InstrumentEditForm.base_fields}
    form = InstrumentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_onto(form):
            services.instrument_update(actor=request.user, instrument=inst, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("registry:instrument-detail", pk=inst.pk)
    return render(request, "registry/instrument_edit.html", {"form": form, "inst": inst})


@require_POST
@login_required
def instrument_status(request, pk: int):
    inst = selectors.instrument_detail(request.user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.instrument_set_status(actor=request.user, instrument=inst,
                                           status=form.cleaned_data["status"],
                                           on=form.cleaned_data["on"])
        except ValidationError as error:
            for errors in error.message_dict.values():
                messages.error(request, " ".join(errors))
        else:
            messages.success(request, _("Status saved."))
    else:
        messages.error(request, _("Choose a status from the list."))
    return redirect("registry:instrument-detail", pk=inst.pk)


@login_required
def instrument_label(request, pk: int):
    inst = selectors.instrument_detail(request.user, pk)
    return pdf_response(f"label-{inst.public_code}.pdf", documents.labels_pdf([inst]))


@login_required
def labels(request):
    """A sheet of QR labels for every instrument in use of one owner, named by credit code,
    name or id (narrowed by kind if asked)."""
    found = _owner_filter(request)
    owner = found.single
    if found.ids is None and request.user.role == Role.ENTERPRISE_USER:
        owner = request.user.organisation_id
    if owner is None:
        if found.error:
            messages.error(request, found.error)
        elif found.ids:
            messages.error(request, _("%(n)s organisations match “%(value)s”: %(names)s. Give "
                                      "the credit code or the full name.") % {
                "n": len(found.ids), "value": found.raw, "names": "、".join(found.names[:5])})
        else:
            messages.error(request, _("Choose an owner to print its labels."))
        return redirect("registry:instrument-list")
    f = _filters_context(request)
    qs = selectors.instrument_list(request.user, kind=f["kind"], owner=owner,
                                   status=Status.IN_USE).select_related("owner", "kind")
    count = qs.count()
    if count > LABELS_MAX:
        messages.error(request, _("%(n)s instruments match: a sheet takes at most %(max)s. "
                                  "Narrow the list by kind.") % {"n": count, "max": LABELS_MAX})
        return redirect("registry:instrument-list")
    if count > LABELS_AT_ONCE:
        owner_org = get_object_or_404(Organisation, pk=owner)
        job = services.label_sheet_queue(actor=request.user, owner=owner_org,
                                         kind_code=f["kind"], total=count)
        make_label_sheet.enqueue(job.pk)
        return redirect("registry:label-sheet", pk=job.pk)
    return pdf_response("labels.pdf", documents.labels_pdf(qs.order_by("id").iterator()))


@login_required
def label_sheet(request, pk: int):
    """A label sheet being made: its progress (polled), then its PDF."""
    job = selectors.label_sheet(request.user, pk)
    template = "registry/label_progress.html" if request.headers.get("HX-Request") else \
        "registry/label_sheet.html"
    return render(request, template, {"job": job})


@login_required
def label_sheet_pdf(request, pk: int):
    job = selectors.label_sheet(request.user, pk)
    data = type(job).objects.filter(pk=job.pk).values_list("pdf", flat=True).first()
    if job.state != job.State.DONE or not data:
        raise Http404
    return pdf_response("labels.pdf", bytes(data))


# --- verifications ----------------------------------------------------------------------------


def _failed_items(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@roles_required(*VERIFIERS)
def verification_create(request):
    code = (request.POST.get("instrument_code") or request.GET.get("code") or "").strip().upper()
    inst = selectors.instrument_for_verification(request.user, public_code=code) if code else None
    form = VerificationForm(request.POST or None, regulations=regulations_of(
        inst.kind if inst else None), initial={"instrument_code": code, "verified_on": _today()},
        people=signing_people(request.user.organisation),
        standards=selectors.standard_choices(request.user.organisation_id,
                                             inst.kind.code if inst else ""))
    if request.method == "POST" and form.is_valid():
        if inst is None:
            form.add_error("instrument_code", _("No instrument has this public code."))
        else:
            data = dict(form.cleaned_data)
            data.pop("instrument_code")
            data["failed_items"] = _failed_items(data["failed_items"])
            data["evidence"] = {k: data.pop(k) for k in EVIDENCE_FIELDS if k in data}
            with errors_onto(form):
                record = services.verification_record(actor=request.user, instrument=inst, **data)
                messages.success(request, _("Recorded: %(doc)s %(no)s.") % {
                    "doc": record.document_title, "no": record.certificate_no})
                return redirect("registry:verification-detail", pk=record.pk)
    return render(request, "registry/verification_form.html", {"form": form, "inst": inst})


@login_required
def verification_list(request):
    conclusion, kind = request.GET.get("conclusion", ""), request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.record_list(request.user, conclusion=conclusion, kind=kind, q=q)
    keys = ("conclusion", "kind", "q")
    qs, sort = sort_by(request, qs, RECORD_COLUMNS, "-date", keep=keys)
    return render(request, "registry/verification_list.html", {
        "page": page_of(request, qs), "conclusion": conclusion, "kind": kind, "q": q,
        "kinds": InstrumentKind.objects.order_by("code"), "sort": sort,
        "query": _query(request, *keys, "sort"),
    })


RECORD_COLUMNS = {
    "date": ("verified_on",), "number": ("certificate_no",), "owner": ("owner__name",),
    "conclusion": ("conclusion",), "valid_until": ("valid_until",),
}


@login_required
def verification_detail(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    state = selectors.certificate_state(record)
    return render(request, "registry/verification_detail.html", {
        "record": record, "state": state, "cancelled": selectors.cancelled_certificate(record),
        "can_correct": (state.state != "superseded"
                        and permissions.may_correct(request.user, record.institution_id)),
        "public_url": documents.certificate_url(record),
        "standard": selectors.record_standard(record),
        "has_evidence": hasattr(record, "evidence"),  # issue 18
    })


@login_required
def verification_pdf(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    return pdf_response(f"{record.certificate_no}.pdf", documents.certificate_pdf(record))


@roles_required(*VERIFIERS)
def verification_correct(request, pk: int):
    record = selectors.record_detail(request.user, pk)
    if not permissions.may_correct(request.user, record.institution_id):
        raise PermissionDenied(_("Only the institution that issued a record corrects it."))
    initial = {f: getattr(record, f) for f in CorrectionForm.base_fields if hasattr(record, f)}
    initial["failed_items"] = "\n".join(record.failed_items)
    initial["certificate_no"] = ""
    initial.update(verifier=record.verifier_person_id, checker=record.checker_person_id,
                   approver=record.approver_person_id)
    initial["standard_id"] = record.standard_id
    form = CorrectionForm(request.POST or None, initial=initial,
                          regulations=regulations_of(record.instrument.kind),
                          people=signing_people(request.user.organisation),
                          standards=selectors.standard_choices(request.user.organisation_id,
                                                               record.instrument.kind.code))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["failed_items"] = _failed_items(data["failed_items"])
        data["evidence"] = {k: data.pop(k) for k in EVIDENCE_FIELDS if k in data}
        reason = data.pop("correction_reason")
        with errors_onto(form):
            new = services.verification_correct(actor=request.user, record=record, reason=reason,
                                                **data)
            messages.success(request, _("The correction %(no)s supersedes %(old)s.") % {
                "no": new.certificate_no, "old": record.certificate_no})
            return redirect("registry:verification-detail", pk=new.pk)
    return render(request, "registry/verification_correct.html", {"form": form, "record": record})


# --- due dates and rates ----------------------------------------------------------------------



def _due_within(days: int) -> str:
    return _("due within %(days)s days") % {"days": days}


WINDOWS = [(rules.OVERDUE, gettext_lazy("overdue")),
           *((str(days), lazy(_due_within, str)(days)) for days in rules.DUE_SOON_DAYS)]


@login_required
def due_list(request):
    window = request.GET.get("window", rules.OVERDUE)
    if window not in rules.DUE_WINDOWS:
        window = rules.OVERDUE
    f = _filters_context(request)
    q = request.GET.get("q", "").strip()[:100]
    qs = _filtered(selectors.due_list(request.user, window=window, kind=f["kind"], use=f["use"],
                                      region=f["region_prefix"], owner=f["owner_ids"], q=q), f)
    keys = ("window", "kind", "use", "region", "owner", "q")
    qs, sort = sort_by(request, qs, DUE_COLUMNS, "next_due", keep=keys)
    if request.GET.get("format") == "xlsx":
        return _instruments_xlsx(f"due-{window}.xlsx", qs, _("Due dates"))
    return render(request, "registry/due_list.html", {
        **f, "page": page_of(request, qs), "window": window, "windows": WINDOWS, "q": q,
        "today": _today(), "sort": sort, "query": _query(request, *keys, "sort"),
        "window_query": _query(request, "kind", "use", "region", "owner", "q", "sort"),
    })


DUE_COLUMNS = {
    "next_due": ("next_due_on",), "action": ("due_action",), "kind": ("kind__code",),
    "serial": ("serial_number",), "owner": ("owner__name",), "region": ("region_code",),
}


def _period(request) -> tuple[int, datetime.date, datetime.date]:
    today = _today()
    year = query_year(request, lo=2000, hi=today.year + 5, default=today.year)
    return year, datetime.date(year, 1, 1), datetime.date(year, 12, 31)


@replica_ok  # statistics from the maintained cells: a second of lag does them no harm
@roles_required(bureau=True)
def rates(request):
    """受检率 and 检定合格率 by kind, by region below the caller's, and by province (national)."""
    year, start, end = _period(request)
    kind, use = request.GET.get("kind", ""), request.GET.get("use", "")
    region = request.GET.get("region", "").strip()
    args = {"start": start, "end": end, "kind": kind, "use": use, "region": region}
    national = request.user.scope.everything and not region
    groups = selectors.rates_by_groups(request.user, groups=("kind", "region", "use", "province"),
                                       **args)
    by_kind, by_region, by_use = groups["kind"], groups["region"], groups["use"]
    by_province = groups["province"] if national else []
    total = selectors.rates_total(by_kind)
    if request.GET.get("format") == "xlsx":
        def line(group, name, r):
            return (group, name, r["due"], r["due_verified"], Percent(r["inspection_rate"]),
                    r["verified"], r["passed"], Percent(r["pass_rate"]))

        rows = [line(str(pgettext("instrument", "Kind")), r["label"], r) for r in by_kind]
        rows += [line(str(_("Region")), f"{r['key']} {r['label']}", r) for r in by_region]
        rows += [line(str(_("Use")), r["label"], r) for r in by_use]
        return xlsx_response(f"rates-{year}.xlsx", [
            _("Group"), _("Name"), pgettext("count", "Due"), _("Verified in time"), _("Inspection rate (%)"),
            _("Verified"), _("Passed"), _("Pass rate (%)")], rows, title=str(year))
    chart = {
        "kinds": [r["label"] for r in by_kind],
        "inspection": [float(r["inspection_rate"]) if r["inspection_rate"] is not None else None
                       for r in by_kind],
        "pass": [float(r["pass_rate"]) if r["pass_rate"] is not None else None for r in by_kind],
        "map": [{"name": r["map_name"], "value": float(r["inspection_rate"])
                 if r["inspection_rate"] is not None else None,
                 "pass": float(r["pass_rate"]) if r["pass_rate"] is not None else None}
                for r in by_province],
        "labels": {"inspection": str(_("Inspection rate (%)")), "pass": str(_("Pass rate (%)"))},
    }
    return render(request, "registry/rates.html", {
        "year": year, "years": list(range(_today().year - 5, _today().year + 2)),
        "by_kind": by_kind, "by_region": by_region, "by_use": by_use, "by_province": by_province,
        "total": total, "chart": chart, "kinds": InstrumentKind.objects.order_by("code"),
        "uses": Use.choices, "kind": kind, "use": use, "region": region,
        "query": _query(request, "year", "kind", "use", "region"),
    })


# --- imports ----------------------------------------------------------------------------------


@max_body(MAX_IMPORT_BYTES)
@login_required
def import_page(request):
    if not permissions.may_import(request.user):
        raise PermissionDenied(_("Your role does not import into the registry."))
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kind = check_upload(upload, allowed=("xlsx", "csv"), max_bytes=MAX_IMPORT_BYTES)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            job = services.import_job_create(actor=request.user, file_name=upload.name,
                                             file_kind=kind, data=upload.read())
            run_import.enqueue(job.pk)
            return redirect("registry:import-job", pk=job.pk)
    return render(request, "registry/import.html", {
        "form": form, "jobs": selectors.import_jobs(request.user)[:20],
        "columns": importing.COLUMNS,
    })


@login_required
def import_template(request, fmt: str):
    if fmt == "csv":
        response = HttpResponse(template_csv(importing.columns_for_template()),
                                content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="registry-import.csv"'
        return response
    if fmt != "xlsx":
        raise Http404
    response = HttpResponse(template_workbook(importing.columns_for_template(), title=_("Instruments")),
                            content_type="application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="registry-import.xlsx"'
    return response


@login_required
def import_job(request, pk: int):
    job = selectors.import_job(request.user, pk)
    template = "registry/import_progress.html" if request.headers.get("HX-Request") else \
        "registry/import_job.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def import_retry(request, pk: int):
    job = selectors.import_job(request.user, pk)
    try:
        retry = services.import_job_retry(actor=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("registry:import-job", pk=job.pk)
    run_import.enqueue(retry.pk)
    return redirect("registry:import-job", pk=retry.pk)


@login_required
def import_errors(request, pk: int):
    job = selectors.import_job(request.user, pk)
    if not job.errors_xlsx:
        raise Http404
    response = HttpResponse(bytes(job.errors_xlsx), content_type="application/vnd."
                            "openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
    return response


# --- batches ----------------------------------------------------------------------------------


@login_required
def batch_list(request):
    return render(request, "registry/batch_list.html", {
        "page": page_of(request, selectors.batch_list(request.user)),
        "can_record": permissions.may_verify(request.user),
    })


@roles_required(*VERIFIERS)
def batch_create(request):
    form = BatchForm(request.POST or None, initial={"verified_on": _today(), "household": True},
                     people=signing_people(request.user.organisation),
                     standards=selectors.standard_choices(request.user.organisation_id))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["serials"] = [s.strip() for s in data["serials"].splitlines() if s.strip()]
        data["failed_items"] = _failed_items(data["failed_items"])
        with errors_onto(form):
            batch = services.batch_record(actor=request.user, **data)
            messages.success(request, _("Batch %(no)s recorded: %(n)s meters.") % {
                "no": batch.certificate_no, "n": batch.quantity})
            return redirect("registry:batch-detail", pk=batch.pk)
    return render(request, "registry/batch_form.html", {"form": form})


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    meters = batch.meters.order_by("serial_number")
    record = batch.records.order_by("id").first()
    return render(request, "registry/batch_detail.html", {
        "batch": batch, "page": page_of(request, meters), "record": record})


# --- reminders --------------------------------------------------------------------------------


@login_required
def reminder_list(request):
    unread = request.GET.get("unread") == "1"
    kind, action = request.GET.get("kind", ""), request.GET.get("action", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.reminder_list(request.user, unread=unread, kind=kind, due_action=action, q=q)
    keys = ("unread", "kind", "action", "q")
    qs, sort = sort_by(request, qs, REMINDER_COLUMNS, "-made", keep=keys)
    return render(request, "registry/reminder_list.html", {
        "page": page_of(request, qs), "today": _today(), "sort": sort, "unread": unread,
        "kind": kind, "action": action, "q": q, "kinds": Reminder.Kind.choices,
        "actions": DueAction.choices, "query": _query(request, *keys, "sort")})


REMINDER_COLUMNS = {
    "made": ("created_on",), "owner": ("instrument__owner__name",), "due": ("due_on",),
}


@require_POST
@login_required
def reminder_read(request, pk: int):
    reminder = get_object_or_404(selectors.reminder_list(request.user), pk=pk)
    services.reminder_mark_read(actor=request.user, reminder=reminder)
    return redirect("registry:reminder-list")


@require_POST
@login_required
def reminder_read_many(request):
    """Mark the ticked reminders read, or every unread one the filters show (``all``)."""
    qs = selectors.reminder_list(request.user, unread=True)
    if request.POST.get("all") == "1":
        chosen = qs
    else:
        ids = [int(v) for v in request.POST.getlist("ids")[:500] if is_id(v)]
        chosen = qs.filter(pk__in=ids)
    count = services.reminder_mark_read_many(actor=request.user, reminders=chosen)
    messages.success(request, _("Reminders marked as read: %(n)s.") % {"n": count})
    return redirect("registry:reminder-list")


# --- public pages -----------------------------------------------------------------------------


@public
def public_instrument(request, code: str):
    """The page a QR label opens: what the person in front of the instrument needs to know."""
    inst = services.public_lookup_counted("instrument", selectors.public_instrument, code)
    latest = selectors.public_latest_record(inst)
    found = type_approval.approval(inst.type_approval_no)  # catalogue (#14): its type approval
    return render(request, "registry/public_instrument.html", {
        "inst": inst, "latest": latest, "today": _today(),
        "state": selectors.certificate_state(latest) if latest else None,
        "under_review": selectors.under_review(inst),
        "approval": type_approval.approval_summary(found) if found else None,
    })


@public
def public_certificate(request, code: str):
    record = services.public_lookup_counted("certificate", selectors.public_certificate, code)
    return render(request, "registry/public_certificate.html", {
        "record": record, "state": selectors.certificate_state(record),
        "cancelled": selectors.cancelled_certificate(record), "today": _today(),
        "standard": selectors.record_standard(record),
    })


@public
def certificate_check(request):
    """One box for every key a person holds: the label code, a certificate number, a serial."""
    number = (request.GET.get("q") or request.GET.get("number") or "").strip()[:60]
    owner = request.GET.get("owner", "").strip()[:200]
    # Many read it, few writes change it: the page is kept per query and language while the
    # registry's version stays (core.caching); each look-up is counted, hit or not.
    key, hit = page_lookup(request, selectors.public_check_version) if number else (None, None)
    if hit is not None:
        services.public_lookup_count(**hit.note)
        return hit.response
    result = selectors.public_check(number, owner=owner) if number else None
    if result is not None:
        services.public_lookup_count(**(note := services.public_check_note(result)))
    if result is not None and result.how == "code":
        if result.instrument is not None:
            return redirect("registry:public-instrument", code=result.instrument.public_code)
        return redirect("registry:public-certificate", code=result.record.public_code)
    response = render(request, "registry/certificate_check.html", {
        "number": number, "owner": owner, "result": result})
    return page_keep(request, key, response, note=note) if number else response


@login_required
def finding_list(request):
    """The bureau's list of evidence findings (issue 18): counters that moved, checksums or
    software versions that changed, seals not those left, between two verifications."""
    from jiliang.registry.models import EvidenceFinding

    kind = request.GET.get("kind", "")
    kind = kind if kind in EvidenceFinding.Kind.values else ""
    qs = selectors.evidence_findings(request.user, kind=kind)
    return render(request, "registry/finding_list.html", {
        "page": page_of(request, qs), "kind": kind, "kinds": EvidenceFinding.Kind.choices,
        "query": f"kind={kind}&" if kind else ""})
