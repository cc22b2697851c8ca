"""The campaign workflow, declared as data: its states, the allowed moves and who may make them.

``services.campaign_transition`` is the one function that moves a campaign; it
looks the move up here, checks the role and logs a ``CampaignEvent`` and a
ledger entry. Records are taken only while field work runs; a re-inspection
may still be recorded while the campaign reports; publication needs a
bureau head once field work is over.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiliang.core.models import Role
from jiliang.supervision.models import CampaignStatus as S

PLANNERS = frozenset({Role.NATIONAL_ADMIN, Role.BUREAU_CLERK, Role.BUREAU_HEAD})
HEADS = frozenset({Role.NATIONAL_ADMIN, Role.BUREAU_HEAD})


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    label: str
    roles: frozenset[str]


TRANSITIONS = (
    Transition("start", S.PLANNED, S.RUNNING, _("Start field work"), PLANNERS),
    Transition("report", S.RUNNING, S.REPORTING, _("End field work and report"), PLANNERS),
    Transition("reopen", S.REPORTING, S.RUNNING, _("Reopen field work"), HEADS),
    Transition("close", S.REPORTING, S.CLOSED, _("Close the campaign"), HEADS),
)

# What each state allows.
RECORDING = frozenset({S.RUNNING})
REINSPECTING = frozenset({S.RUNNING, S.REPORTING})
EDITABLE = frozenset({S.PLANNED, S.RUNNING})
TASKS_OPEN = frozenset({S.PLANNED, S.RUNNING})
RELEASABLE = frozenset({S.REPORTING, S.CLOSED})
RELEASERS = HEADS


def transition(action: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.action == action), None)


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == status]
