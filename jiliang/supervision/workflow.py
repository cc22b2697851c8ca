"""The campaign workflow as the app uses it: ``rules/data/campaign_workflow.json`` on the engine
of the licensing workflows (``rules.licensing.Workflow``).

``services.campaign_transition`` is the one function that moves a campaign; it looks the
move up here, checks the role and logs a ``CampaignEvent`` and a ledger entry. Records are
taken only while field work runs; a re-inspection may still be recorded while the campaign
reports; publication needs a bureau head once field work is over.
"""

from __future__ import annotations

from django.utils.translation import get_language

from jiliang.rules import campaigns as rules
from jiliang.rules.licensing import Transition, text

WORKFLOW = rules.workflow()

# What each state allows.
RECORDING = rules.states_allowing("record")
REINSPECTING = rules.states_allowing("reinspect")
EDITABLE = rules.states_allowing("edit")
TASKS_OPEN = rules.states_allowing("assign")
RELEASABLE = rules.states_allowing("release")
RELEASERS = rules.roles(rules.release_by())


def transition(action: str) -> Transition | None:
    return WORKFLOW.transitions.get(action)


def transitions_from(status: str) -> list[Transition]:
    return WORKFLOW.available(status)


def roles_of(move: Transition) -> frozenset[str]:
    """The roles that may take ``move``."""
    return rules.roles(move.by)


def label(move: Transition) -> str:
    """The step in words, in the language of the request."""
    return text(move.label, get_language() or "zh-hans")
