"""Sheets of QR labels, made in the background."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.jobs import current_worker
from jiliang.core.models import Organisation, User
from jiliang.registry import permissions
from jiliang.registry.models import (
    LabelSheet,
)


@transaction.atomic
def label_sheet_queue(*, actor: User, owner: Organisation, kind_code: str = "", total: int):
    """Queue a sheet of QR labels for the background: the page shows its progress."""
    if not permissions.may_print_labels(actor, owner.pk):
        raise PermissionDenied(_("Labels are printed by their owner or by a bureau."))
    job = LabelSheet.objects.create(created_by=actor, owner=owner, kind_code=kind_code[:60],
                                    total=total)
    audit_record(actor=actor, action="registry.labels.queue", obj=job,
                 region_code=owner.region_code, after={"owner": owner.pk, "kind": kind_code,
                                                       "labels": total})
    return job


# The background run of a sheet (``registry.tasks.make_label_sheet``); progress is not a change
# of record, so only the queueing above is in the ledger (the sheet holds no data of its own).

def label_sheet_start(*, job: LabelSheet, total: int) -> bool:
    """Take a queued sheet for this worker (``host:pid``, as on imports); False when another
    worker took it first."""
    return bool(LabelSheet.objects.filter(pk=job.pk, state=LabelSheet.State.QUEUED).update(
        state=LabelSheet.State.RUNNING, total=total, worker=current_worker(),
        heartbeat_at=timezone.now()))


def label_sheet_progress(*, job: LabelSheet, done: int, total: int) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(done=done, total=total,
                                                heartbeat_at=timezone.now())


def label_sheet_fail(*, job: LabelSheet, message: str) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(
        state=LabelSheet.State.FAILED, finished_at=timezone.now(), message=message[:500])


def label_sheet_finish(*, job: LabelSheet, pdf: bytes) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(state=LabelSheet.State.DONE, pdf=pdf,
                                                finished_at=timezone.now())


def label_sheets_fail_interrupted(*, is_dead) -> int:
    """Mark failed, "interrupted", every label sheet being made whose worker ``is_dead(worker,
    heartbeat_at)`` says is gone (called at a worker's start: ``jiliang.core.jobs``). Nothing
    else was changed by it; asking for the labels again makes a new sheet."""
    failed = 0
    running = LabelSheet.objects.filter(state=LabelSheet.State.RUNNING).select_related(
        "owner").only("pk", "worker", "heartbeat_at", "done", "total", "owner__region_code")
    for job in running:
        if not is_dead(job.worker, job.heartbeat_at):
            continue
        message = _("%(word)s: the worker stopped while the sheet was made, after %(done)s of "
                    "%(total)s labels. Ask for the labels again to make a new sheet.") % {
            "word": _("interrupted"), "done": job.done, "total": job.total}
        with transaction.atomic():
            changed = LabelSheet.objects.filter(pk=job.pk, state=LabelSheet.State.RUNNING).update(
                state=LabelSheet.State.FAILED, finished_at=timezone.now(), message=message)
            if changed:
                audit_record(actor=None, action="registry.labels.interrupted", obj=job,
                             region_code=job.owner.region_code,
                             before={"state": "running", "worker": job.worker},
                             after={"state": "failed", "done": job.done})
                failed += 1
    return failed
