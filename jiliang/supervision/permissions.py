"""Who may do what in the supervision app: one set of predicates for the views, the API and the
services.

A view shows a form or a button only where the service behind it will accept it. ``None`` as
the user is the system itself (commands, the demo, tests setting data up).
"""

from __future__ import annotations

from jiliang.core.models import Role, User
from jiliang.supervision.models import Campaign, CampaignTask


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
