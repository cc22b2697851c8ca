"""Energy's one door to the optional apps it works with when they are installed.

The registry and traceability sit beside or above energy in the layers and may be left out;
no energy module imports them at its top. Each asks here, by name, for the part it needs.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps

REGISTRY = "jiliang.registry"
TRACEABILITY = "jiliang.traceability"
PEOPLE = "jiliang.people"


def _part(app: str, part: str) -> ModuleType | None:
    return import_module(f"{app}.{part}") if apps.is_installed(app) else None


def registry(part: str) -> ModuleType | None:
    """``jiliang.registry.<part>`` when installed (``selectors``: a meter's status on file,
    contract 3; ``services``: the demo files two meters there), else None."""
    return _part(REGISTRY, part)


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when installed (``models``: the demo's standard)."""
    return _part(TRACEABILITY, part)


def people(part: str) -> ModuleType | None:
    """``jiliang.people.<part>`` when installed (``demo``: who signs the demo's records)."""
    return _part(PEOPLE, part)
