"""Tasks: a region's (and an institution's) share of a campaign, with its target."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record, snapshot
from jiliang.core.models import Organisation, User
from jiliang.core.services import region_get
from jiliang.rules.identifiers import region_prefix
from jiliang.supervision import workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignTask,
)
from jiliang.supervision.services.common import (
    parse_date,
)

TASK_FIELDS = ("campaign", "region_code", "institution", "target", "due_on", "note")


@transaction.atomic
def task_assign(
    *,
    actor: User | None,
    campaign: Campaign,
    region_code: str,
    target: int,
    institution: Organisation | None = None,
    due_on: datetime.date | None = None,
    note: str = "",
) -> CampaignTask:
    """Give a region (and an institution) its share of a campaign, with a target."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    region = region_get(region_code)
    if actor is not None and not (actor.is_bureau and actor.scope.covers_region(region.code)):
        raise PermissionDenied(_("You may assign tasks only within your own region."))
    if campaign.region_code and not region.code.startswith(region_prefix(campaign.region_code)):
        raise ValidationError({"region_code": [_("%(code)s is outside the campaign's area.") % {
            "code": region.code}]})
    if campaign.status not in workflow.TASKS_OPEN:
        raise ValidationError({"__all__": [_("Tasks are assigned before field work ends.")]})
    try:
        target = int(target)
    except (TypeError, ValueError):
        raise ValidationError({"target": [_("The target is a whole number.")]}) from None
    if not 1 <= target <= 100000:
        raise ValidationError({"target": [_("The target is between 1 and 100000.")]})
    if institution is not None and not institution.is_institution:
        raise ValidationError({"institution": [_(
            "Tasks go to verification or technical institutions.")]})
    if CampaignTask.objects.filter(campaign=campaign, region=region,
                                   institution=institution).exists():
        raise ValidationError({"region_code": [_(
            "This region already has a task for this institution in the campaign.")]})
    task = CampaignTask.objects.create(
        campaign=campaign, region=region, region_code=region.code, institution=institution,
        target=target, due_on=parse_date(due_on, "due_on") if due_on else campaign.field_deadline,
        note=(note or "").strip()[:300],
    )
    audit_record(actor=actor, action="campaign_task.assign", obj=task,
                 after=snapshot(task, TASK_FIELDS))
    return task

