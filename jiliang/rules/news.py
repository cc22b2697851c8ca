"""News and notices of the public website: kinds and editorial workflow as data (no Django).

data/news.json declares the kinds of item and the states and transitions of the workflow;
the workflow runs on the same engine as the licensing workflows (``rules.licensing.Workflow``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from jiliang.rules.licensing import Transition, Workflow

DATA = Path(__file__).resolve().parent / "data" / "news.json"


@cache
def _data() -> Mapping:
    return json.loads(DATA.read_text(encoding="utf-8"))


def kinds() -> dict[str, Mapping[str, str]]:
    """Kind code → bilingual label."""
    return dict(_data()["kinds"])


@cache
def workflow() -> Workflow:
    spec = _data()["workflow"]
    transitions = {
        action: Transition(action=action, sources=tuple(t["from"]), target=t["to"], by=t["by"],
                           requires=tuple(t.get("requires", ())), once=False, label=t["label"],
                           article="", optional=tuple(t.get("optional", ())))
        for action, t in spec["transitions"].items()
    }
    return Workflow("news", spec["states"], transitions)


def is_live(state: str, publish_at, now) -> bool:
    """An approved item is public from its time of publication on."""
    return state == "approved" and publish_at is not None and publish_at <= now
