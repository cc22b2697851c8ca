"""The instruments' pages: the list, filing, the detail, edits, status and QR labels."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.caching import rows_cache
from jiliang.core.forms import scope_organisations
from jiliang.core.lists import sort_by
from jiliang.core.models import Organisation, Role
from jiliang.core.pdf import pdf_response
from jiliang.core.web import apply_errors, errors_onto, lazy_page_of
from jiliang.registry import documents, permissions, selectors, services
from jiliang.registry.forms import InstrumentEditForm, InstrumentForm, StatusForm
from jiliang.registry.models import Status
from jiliang.registry.tasks import make_label_sheet
from jiliang.registry.views.common import (
    filtered,
    filters_context,
    instruments_xlsx,
    list_query,
    local_today,
    owner_filter_of,
)

LABELS_MAX = 10_000  # labels one sheet holds (834 pages); more is said, not cut
LABELS_AT_ONCE = 24  # two pages are made while the user waits; more in the background


INSTRUMENT_COLUMNS = {
    "kind": ("kind__code",), "serial": ("serial_number",), "owner": ("owner__name",),
    "region": ("region_code",), "status": ("status",), "next_due": ("next_due_on",),
    "filed": ("id",),
}


# --- instruments ------------------------------------------------------------------------------


@login_required
def instrument_list(request):
    f = filters_context(request)
    status, q = request.GET.get("status", ""), request.GET.get("q", "").strip()[:100]
    qs = filtered(selectors.instrument_list(
        request.user, kind=f["kind"], use=f["use"], status=status, region=f["region_prefix"],
        owner=f["owner_ids"], q=q), f)
    keys = ("kind", "use", "region", "owner", "status", "q")
    qs, sort = sort_by(request, qs, INSTRUMENT_COLUMNS, "-filed", keep=keys)
    if request.GET.get("format") == "xlsx":
        return instruments_xlsx("instruments.xlsx", qs, _("Instruments"))
    # The rows, their count and the filters' choices are kept per scope while the registry's
    # version stays (core.caching.rows_cache); a kept page sends neither count nor rows.
    return render(request, "registry/instrument_list.html", {
        **f, "page": lazy_page_of(request, qs), "statuses": Status.choices, "status": status,
        "q": q, "sort": sort, "query": list_query(request, *keys, "sort"),
        "can_file": permissions.may_file(request.user),
        **rows_cache(request, selectors.public_check_version),
    })


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
        "status_form": StatusForm(initial={"status": inst.status, "on": local_today()}),
        "public_url": documents.instrument_url(inst), "today": local_today(),
        "findings": selectors.evidence_findings_of(request.user, inst),  # issue 18
        "panels": _instrument_panels(request, inst),
    })


def _instrument_panels(request, inst) -> list[dict]:
    """Other apps' panels on an instrument's page (``instrument_panels`` on their AppConfig)."""
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
    found = owner_filter_of(request)
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
    f = filters_context(request)
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
