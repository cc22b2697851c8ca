"""Sheets of QR labels, made in the background."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
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

def label_sheet_start(*, job: LabelSheet, total: int) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(state=LabelSheet.State.RUNNING, total=total)


def label_sheet_progress(*, job: LabelSheet, done: int, total: int) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(done=done, total=total)


def label_sheet_fail(*, job: LabelSheet, message: str) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(
        state=LabelSheet.State.FAILED, finished_at=timezone.now(), message=message[:500])


def label_sheet_finish(*, job: LabelSheet, pdf: bytes) -> None:
    LabelSheet.objects.filter(pk=job.pk).update(state=LabelSheet.State.DONE, pdf=pdf,
                                                finished_at=timezone.now())
