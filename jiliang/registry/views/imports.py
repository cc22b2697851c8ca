"""The bulk import's pages: the upload, its template, the job's progress, retry and errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.core.middleware import max_body
from jiliang.core.tabular import template_csv, template_workbook
from jiliang.core.uploads import check_upload
from jiliang.core.web import apply_errors
from jiliang.registry import importing, permissions, selectors, services
from jiliang.registry.forms import ImportForm
from jiliang.registry.tasks import run_import

MAX_IMPORT_BYTES = 50 * 1024 * 1024


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
