"""The workflow of a supervision campaign, declared as data (no Django).

data/campaign_workflow.json declares the states (with what each allows: editing the plan,
assigning tasks, recording, re-inspecting, releasing results), the transitions and the role
groups that take them. It runs on the engine of the licensing workflows
(``rules.licensing.Workflow``); ``supervision.services.campaign_transition`` enforces it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from jiliang.rules.licensing import Transition, Workflow

DATA = Path(__file__).resolve().parent / "data" / "campaign_workflow.json"
ALLOWS = ("edit", "assign", "record", "reinspect", "release")


@cache
def _data() -> Mapping:
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def workflow() -> Workflow:
    spec = _data()
    transitions = {
        action: Transition(action=action, sources=tuple(t["from"]), target=t["to"], by=t["by"],
                           requires=(), once=False, label=t["label"], article="")
        for action, t in spec["transitions"].items()
    }
    return Workflow("campaign", spec["states"], transitions)


def roles(group: str) -> frozenset[str]:
    """The role codes of a group named in the data ("planner", "head")."""
    return frozenset(_data()["roles"][group]["roles"])


def states_allowing(what: str) -> frozenset[str]:
    """The states in which ``what`` (one of ALLOWS) may be done."""
    if what not in ALLOWS:
        raise KeyError(what)
    return frozenset(s for s, spec in _data()["states"].items() if what in spec.get("allows", ()))


def release_by() -> str:
    """The role group that releases a campaign's results for publication."""
    return _data()["release"]["by"]


def check(statuses: frozenset[str] | None = None) -> list[str]:
    """Everything wrong with the declared data (an empty list when it is sound); ``statuses``
    are the states the application stores, when it is asked to agree with them."""
    spec, problems = _data(), []
    states = set(spec["states"])
    if statuses is not None and states != set(statuses):
        problems.append(f"states {sorted(states)} are not the stored ones {sorted(statuses)}")
    for name, state in spec["states"].items():
        problems += [f"state {name}: {what!r} is not one of {ALLOWS}"
                     for what in state.get("allows", ()) if what not in ALLOWS]
        if not {"zh", "en"} <= set(state.get("label", {})):
            problems.append(f"state {name}: a label in zh and en")
    for action, t in spec["transitions"].items():
        problems += [f"{action}: no state {s}" for s in (*t["from"], t["to"]) if s not in states]
        if t["by"] not in spec["roles"]:
            problems.append(f"{action}: no role group {t['by']}")
        if not {"zh", "en"} <= set(t.get("label", {})):
            problems.append(f"{action}: a label in zh and en")
    if spec["release"]["by"] not in spec["roles"]:
        problems.append(f"release: no role group {spec['release']['by']}")
    return problems
