"""What every supervision service checks: the task as stored now, its kind, the recorder's
right and the campaign's state, a record's division and dates."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.core.models import Organisation, User
from jiliang.core.services import region_get
from jiliang.rules.identifiers import region_prefix
from jiliang.supervision import workflow
from jiliang.supervision.models import CampaignStatus, CampaignTask
from jiliang.supervision.permissions import may_record


def require_record(actor: User | None, task: CampaignTask, *, statuses=workflow.RECORDING) -> None:
    if not may_record(actor, task):
        raise PermissionDenied(_("You may record only for tasks of your region or institution."))
    if task.campaign.status not in statuses:
        raise ValidationError({"__all__": [_(
            "The campaign is %(status)s: records are taken only while field work runs.") % {
            "status": CampaignStatus(task.campaign.status).label}]})


def fresh_task(task: CampaignTask) -> CampaignTask:
    """The task with its campaign as stored now: the status decides what may be recorded."""
    return CampaignTask.objects.select_related("campaign", "region", "institution").get(
        pk=task.pk)


def require_kind(task: CampaignTask, kind: str) -> None:
    if task.campaign.kind != kind:
        raise ValidationError({"__all__": [_("This task belongs to a campaign of another kind.")]})


def recordable_task(actor: User | None, task: CampaignTask, kind: str, *,
                statuses=workflow.RECORDING) -> CampaignTask:
    """The task as stored now, once it is of ``kind`` and ``actor`` may record on it."""
    task = fresh_task(task)
    require_kind(task, kind)
    require_record(actor, task, statuses=statuses)
    return task


def record_region(task: CampaignTask, region_code: str, field: str = "region_code") -> str:
    """A record's division: the task's, or a division inside it."""
    code = (region_code or "").strip() or task.region_code
    region = region_get(code, field=field)
    if not region.code.startswith(region_prefix(task.region_code)):
        raise ValidationError({field: [_(
            "%(code)s is outside the task's region %(task)s.") % {
            "code": region.code, "task": task.region_code}]})
    return region.code


def parse_date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: [_("This date is in the future.")]})


def organisation_by_code(code: str | None) -> Organisation | None:
    return Organisation.objects.filter(credit_code=code).first() if code else None

def user_or_none(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None

