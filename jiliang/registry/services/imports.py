"""The bulk import's jobs, and the writes the import makes outside its bulk merge."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.registry import permissions
from jiliang.registry.models import Conclusion, ImportJob, Instrument, Status, VerificationRecord
from jiliang.registry.services.rates import cell_key
from jiliang.registry.services.state import STATE_FIELDS, refresh_state
from jiliang.rules import verification as rules


@transaction.atomic
def import_job_create(*, actor: User, file_name: str, file_kind: str, data: bytes):
    """Queue an uploaded file for the background import (the upload is checked by content)."""
    if not permissions.may_import(actor):
        raise PermissionDenied(_("Your role does not import into the registry."))
    org = actor.organisation
    job = ImportJob.objects.create(created_by=actor, organisation=org,
                                   region_code=org.region_code if org else "",
                                   file_name=(file_name or "")[:200], file_kind=file_kind,
                                   data=data)
    audit_record(actor=actor, action="registry.import.queue", obj=job,
                 region_code=job.region_code, after={"file": job.file_name, "bytes": len(data)})
    return job



INTERRUPTED = "interrupted"  # the first word of an interrupted job's message


def import_jobs_fail_interrupted(*, is_dead) -> int:
    """Mark failed, "interrupted", every running import whose worker ``is_dead(worker,
    heartbeat_at)`` says is gone (called at a worker's start: ``jiliang.core.jobs``). The rows
    it merged stay merged; a retry imports the file again and lands only what is missing."""
    failed = 0
    running = ImportJob.objects.filter(state=ImportJob.State.RUNNING).only(
        "pk", "worker", "heartbeat_at", "processed", "region_code")
    for job in running:
        if not is_dead(job.worker, job.heartbeat_at):
            continue
        message = _("%(word)s: the worker stopped while the import ran, after %(rows)s rows; "
                    "the rows merged so far stay on file. Retry the import to finish it.") % {
            "word": _("interrupted"), "rows": job.processed}
        with transaction.atomic():
            changed = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.RUNNING).update(
                state=ImportJob.State.FAILED, finished_at=timezone.now(), message=message)
            if changed:
                audit_record(actor=None, action="registry.import.interrupted", obj=job,
                             region_code=job.region_code,
                             before={"state": "running", "worker": job.worker},
                             after={"state": "failed", "processed": job.processed})
                failed += 1
    return failed


@transaction.atomic
def import_job_retry(*, actor: User, job):
    """A failed import run again as a new job over the same file (the failed one stays as it
    was). The import is idempotent: what the first run merged counts as already on file."""
    if not permissions.may_retry_import(actor, job.created_by_id):
        raise PermissionDenied(_("Only whoever started an import retries it."))
    if job.state != ImportJob.State.FAILED:
        raise ValidationError({"state": [_("Only a failed import is retried.")]})
    retry = ImportJob.objects.create(
        created_by=actor, organisation=job.organisation, region_code=job.region_code,
        file_name=job.file_name, file_kind=job.file_kind,
        data=ImportJob.objects.values_list("data", flat=True).get(pk=job.pk), retry_of=job)
    audit_record(actor=actor, action="registry.import.retry", obj=retry,
                 region_code=retry.region_code, after={"retry_of": job.pk,
                                                       "file": retry.file_name})
    return retry


# The background run of a job (``registry.tasks.run_import``): each change of its state here.

def import_job_start(*, job: ImportJob, worker: str) -> bool:
    """Queued → running, for this worker; False when another worker took the job first."""
    started = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, worker=worker, heartbeat_at=timezone.now())
    return bool(started)


def import_job_progress(*, job: ImportJob, total: int | None = None, rows: int | None = None,
                        result=None) -> None:
    """The rows counted in the file (``total``) or processed so far, with the counts of
    ``result`` (an ``importing.ImportResult``); the heartbeat that tells a live worker from a
    dead one. Not in the ledger: progress is not a change of record."""
    values: dict = {"heartbeat_at": timezone.now()}
    if total is not None:
        values["total"] = total
    if rows is not None:
        values["processed"] = rows
    if result is not None:
        values.update(instruments_added=result.instruments_added,
                      records_added=result.records_added,
                      already_on_file=result.already_on_file, error_count=result.error_rows)
    ImportJob.objects.filter(pk=job.pk).update(**values)


@transaction.atomic
def import_job_fail(*, job: ImportJob, message: str) -> None:
    """Running → failed, with the reason the job page shows; the rows merged stay merged."""
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.FAILED, finished_at=timezone.now(), message=message[:2000])
    audit_record(actor=None, action="registry.import.failed", obj=job,
                 region_code=job.region_code, after={"state": "failed", "message": message[:200]})


@transaction.atomic
def import_job_finish(*, job: ImportJob, result, errors_xlsx: bytes | None) -> None:
    """Running → done, with the counts of ``result`` and the workbook of the rows refused."""
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportJob.State.DONE, finished_at=timezone.now(), processed=result.rows,
        instruments_added=result.instruments_added, records_added=result.records_added,
        already_on_file=result.already_on_file, error_count=result.error_rows,
        errors_xlsx=errors_xlsx)
    audit_record(actor=None, action="registry.import.done", obj=job, region_code=job.region_code,
                 after={"rows": result.rows, "instruments": result.instruments_added,
                        "records": result.records_added, "errors": result.error_rows})


_MEASURE = {"verified": 0, "passed": 1, "due": 2, "due_verified": 3}


def import_instruments_refresh(*, mine: dict[int, set[tuple[int, str]]],
                               cells: dict[tuple, list[int]]) -> None:
    """Instruments already on file that an import gave records (``mine``: instrument id →
    the (institution id, certificate number) of the records it added): each one's state
    refreshed from its effective records, and the change in its rate contribution added to
    ``cells`` (the import's deltas, folded later). Runs inside the import's chunk transaction,
    whose ledger entry covers it."""
    ids = sorted(mine)
    for start in range(0, len(ids), 500):
        for inst in Instrument.objects.filter(pk__in=ids[start:start + 500]):
            before, after = _contributions(inst, mine[inst.pk])
            key = cell_key(inst)
            for sign, tally in ((-1, before), (1, after)):
                for (month, measure), n in tally.counts.items():
                    cells.setdefault((*key, month), [0, 0, 0, 0])[_MEASURE[measure]] += sign * n
            refresh_state(inst)
            inst.save(update_fields=STATE_FIELDS)


def _contributions(inst: Instrument, added: set[tuple[int, str]]) -> tuple[rules.Tally,
                                                                            rules.Tally]:
    """The instrument's rate contribution without the records just added, and with them."""
    after, before = [], []
    for r in VerificationRecord.objects.filter(instrument=inst, corrections__isnull=True).only(
            "verified_on", "conclusion", "periodic_due_on", "institution_id", "certificate_no",
            "batch_id"):
        rec = rules.Rec(r.verified_on, r.conclusion == Conclusion.PASS, r.periodic_due_on)
        after.append(rec)
        if r.batch_id is not None or (r.institution_id, r.certificate_no) not in added:
            before.append(rec)
    left = inst.status_changed_on if inst.status != Status.IN_USE else None
    return (rules.contributions(before, left_use_on=left),
            rules.contributions(after, left_use_on=left))
