"""Background work: the daily reminders and the imports started from the web page."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from jiliang.core.tabular import errors_workbook
from jiliang.registry import importing, services
from jiliang.registry.models import ImportJob


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
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.RUNNING, total=importing.count_rows(data, job.file_kind))

    def progress(rows: int, result: importing.ImportResult) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            processed=rows, instruments_added=result.instruments_added,
            records_added=result.records_added, already_on_file=result.already_on_file,
            error_count=result.error_rows)

    try:
        result = importing.import_file(data, job.file_kind, actor=job.created_by,
                                       progress=progress)
    except Exception as error:  # the job page shows it; the rows already merged stay merged
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(
                state=ImportJob.State.FAILED, finished_at=timezone.now(),
                message=_message(error))
        return {"failed": _message(error)}
    errors = errors_workbook(result.errors, rows=result.bad_rows, columns=importing.COLUMNS,
                             headers=(_("Row"), _("Column"), _("Reason"))) \
        if result.errors else None
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, finished_at=timezone.now(), processed=result.rows,
        instruments_added=result.instruments_added, records_added=result.records_added,
        already_on_file=result.already_on_file, error_count=result.error_rows,
        errors_xlsx=errors)
    return {"rows": result.rows, "errors": result.error_rows}


def _message(error: Exception) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)[:500]
