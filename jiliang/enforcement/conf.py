"""The enforcement app's settings. Each limit comes from rules/data/enforcement.json when the
reference gives a sourced figure; while it is null there, the deployment's setting (with the
default below) stands in, and the pages say it is a setting (``is_setting``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from jiliang.rules import enforcement as rules

# name in the data -> (Django setting, default)
LIMITS = {
    "opening": ("JILIANG_ENFORCEMENT_OPENING_DAYS", 15),
    "decision": ("JILIANG_ENFORCEMENT_DECISION_DAYS", 90),
    "extension": ("JILIANG_ENFORCEMENT_EXTENSION_DAYS", 30),
    "statement": ("JILIANG_ENFORCEMENT_STATEMENT_DAYS", 5),
}
THRESHOLDS = {
    "organisation": ("JILIANG_ENFORCEMENT_HEARING_THRESHOLD_ORGANISATION", "100000"),
    "person": ("JILIANG_ENFORCEMENT_HEARING_THRESHOLD_PERSON", "10000"),
}


def working_days(name: str) -> int:
    """The time limit ``name`` (opening, decision, extension, statement) in working days."""
    sourced = rules.time_limit(name)
    if sourced is not None:
        return int(sourced)
    setting, default = LIMITS[name]
    return int(getattr(settings, setting, default))


def is_setting(name: str) -> bool:
    """True when the limit (or threshold) is the deployment's setting, not a sourced figure."""
    if name in THRESHOLDS:
        return rules.hearing_threshold(name) is None
    return rules.time_limit(name) is None


def hearing_threshold(party_kind: str) -> Decimal:
    """The proposed fine (CNY) from which a hearing is offered, for an organisation or a
    natural person."""
    sourced = rules.hearing_threshold(party_kind)
    if sourced is not None:
        return sourced
    setting, default = THRESHOLDS[party_kind]
    return Decimal(str(getattr(settings, setting, default)))

