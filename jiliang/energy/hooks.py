"""Energy's optional apps, reached through the one hook (``jiliang.core.hooks``).

The registry and traceability sit beside or above energy in the layers and may be left out;
no energy module imports them at its top. Each asks here, by name, for the part it needs.
"""

from __future__ import annotations

from types import ModuleType

from jiliang.core.hooks import optional


def registry(part: str) -> ModuleType | None:
    """``jiliang.registry.<part>`` when installed (``selectors``: a meter's status on file,
    contract 3; ``services``: the demo files two meters there), else None."""
    return optional("registry", part)


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when installed (``models``: the demo's standard)."""
    return optional("traceability", part)


def people(part: str) -> ModuleType | None:
    """``jiliang.people.<part>`` when installed (``demo``: who signs the demo's records)."""
    return optional("people", part)
