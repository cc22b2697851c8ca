"""The licensing data's words in the reader's language: names of types, states and actions.

The data (``jiliang/rules/data/licence_types.json``, ``licensing_workflows.json``) carries its
own Chinese and English; these pick the reader's.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiliang.licensing.models import Application
from jiliang.rules import licensing as rules


def language() -> str:
    return get_language() or "zh-hans"


def label(value) -> str:
    """A bilingual label of the data, in the current language."""
    return rules.text(value, language())


def action_label(app: Application, action: str) -> str:
    """The name of an act on an application, as its log and the conflict message show it."""
    if action == "edit":
        return _("change the draft")
    transition = app.workflow.transitions.get(action)
    return label(transition.label) if transition else action


def state_label(app: Application, state: str | None = None) -> str:
    state = app.state if state is None else state
    states = app.workflow.states
    return label(states[state]["label"]) if state in states else state
