"""Who may do what in the supervision app: one set of predicates for the views, the API and the
services.

A view shows a form or a button only where the service behind it will accept it. ``None`` as
the user is the system itself (commands, the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Role, User
from jiliang.rules.licensing import Transition
from jiliang.supervision import workflow
from jiliang.supervision.models import (
    Campaign,
    CampaignTask,
    InspectionVisit,
    NetContentRecord,
    Verdict,
)


def may_plan(actor: User | None, campaign: Campaign) -> bool:
    """The organising level plans, edits and moves a campaign: national for national ones."""
    if actor is None:
        return True
    if not actor.is_bureau:
        return False
    if campaign.is_national:
        return actor.scope.everything
    return actor.scope.covers_region(campaign.region_code)


def may_record(actor: User | None, task: CampaignTask) -> bool:
    """Bureaus of the task's region and the members of the task's institution record."""
    if actor is None:
        return True
    if actor.is_bureau:
        return actor.scope.covers_region(task.region_code)
    return (actor.role in (Role.VERIFIER, Role.INSTITUTION_MANAGER)
            and task.institution_id is not None
            and actor.organisation_id == task.institution_id)


def may_take(actor: User | None, campaign: Campaign, move: Transition) -> bool:
    """The organising level moves a campaign, by a role the step names (workflow data)."""
    return may_plan(actor, campaign) and (actor is None or actor.role in workflow.roles_of(move))


def moves(actor: User | None, campaign: Campaign) -> list[Transition]:
    """The steps ``actor`` may take from the campaign's state now."""
    return [t for t in workflow.transitions_from(campaign.status) if may_take(actor, campaign, t)]


def may_edit(actor: User | None, campaign: Campaign) -> bool:
    return may_plan(actor, campaign) and campaign.status in workflow.EDITABLE


def may_assign(actor: User | None, campaign: Campaign) -> bool:
    """A bureau assigns tasks (within its region: the service checks the task's) while the
    campaign's state takes them."""
    return (actor is None or actor.is_bureau) and campaign.status in workflow.TASKS_OPEN


def may_release(actor: User | None, campaign: Campaign) -> bool:
    """A head of the organising bureau releases the results once field work is over."""
    return (may_plan(actor, campaign)
            and (actor is None or actor.role in workflow.RELEASERS)
            and campaign.status in workflow.RELEASABLE and not campaign.is_published)


def may_record_now(actor: User | None, task: CampaignTask) -> bool:
    """``actor`` may record on the task, and its campaign takes records now."""
    return may_record(actor, task) and task.campaign.status in workflow.RECORDING


def may_record_on_visit(actor: User | None, visit: InspectionVisit) -> bool:
    """``actor`` may add instruments to the visit now (its campaign's field work runs)."""
    return may_record(actor, visit.task) and visit.campaign.status in workflow.RECORDING


def may_reinspect(actor: User | None, record: NetContentRecord) -> bool:
    """A failed lot may be inspected again while field work runs or the campaign reports."""
    return (record.verdict == Verdict.FAIL and may_record(actor, record.task)
            and record.campaign.status in workflow.REINSPECTING)
