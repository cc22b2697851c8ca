"""Background work: the daily reminders and the imports started from the web page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from jiliang.core.jobs import current_worker
from jiliang.core.tabular import errors_workbook
from jiliang.registry import documents, importing, selectors, services
from jiliang.registry.models import ImportJob, LabelSheet, Status


@task()
def send_reminders() -> dict:
    """Daily: reminders before the due date (to owners) and after it (to bureaus); fold the
    rate deltas an interrupted import may have left."""
    created = services.reminders_create(on=timezone.localdate())
    folded = services.rates_fold()
    return {"reminders": created, "deltas_folded": folded}


@task()
def run_import(job_id: int) -> dict:
    job = ImportJob.objects.select_related("created_by__organisation").get(pk=job_id)
    if job.state != ImportJob.State.QUEUED:
        return {"skipped": job.state}
    data = bytes(job.data)
    if not services.import_job_start(job=job, worker=current_worker()):
        return {"skipped": "taken"}  # another worker took it first
    try:
        total = importing.count_rows(data, job.file_kind)
    except Exception:  # noqa: BLE001 - the import itself says what is wrong with the file
        total = 0
    services.import_job_progress(job=job, total=total)

    def progress(rows: int, result: importing.ImportResult) -> None:
        services.import_job_progress(job=job, rows=rows, result=result)

    try:
        result = importing.import_file(data, job.file_kind, actor=job.created_by,
                                       progress=progress)
    except Exception as error:  # the job page shows it; the rows already merged stay merged
        services.import_job_fail(job=job, message=_message(error))
        return {"failed": _message(error)}
    errors = errors_workbook(result.errors, rows=result.bad_rows, columns=importing.COLUMNS,
                             headers=(_("Row"), _("Column"), _("Reason"))) \
        if result.errors else None
    services.import_job_finish(job=job, result=result, errors_xlsx=errors)
    return {"rows": result.rows, "errors": result.error_rows}


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)[:500]


@task()
def make_label_sheet(job_id: int) -> dict:
    """The QR label sheet of an owner's instruments in use, page by page with its progress."""
    job = LabelSheet.objects.select_related("created_by__organisation").get(pk=job_id)
    if job.state != LabelSheet.State.QUEUED:
        return {"skipped": job.state}
    qs = selectors.instrument_list(job.created_by, kind=job.kind_code, owner=job.owner_id,
                                   status=Status.IN_USE).select_related("owner", "kind")
    if not services.label_sheet_start(job=job, total=qs.count()):
        return {"skipped": "taken"}  # another worker took it first

    def progress(done: int, total: int) -> None:
        services.label_sheet_progress(job=job, done=done, total=total)

    try:
        pdf = documents.labels_pdf(qs.order_by("id").iterator(), progress=progress)
    except Exception as error:  # the page says so; nothing else was changed
        services.label_sheet_fail(job=job, message=str(error))
        raise
    services.label_sheet_finish(job=job, pdf=pdf)
    return {"labels": job.total}
