"""The registry's one door to an optional app it works with when that app is installed.

The registry is below traceability in the layers (traceability imports the registry's
models), so no registry module imports traceability at its top: each asks here, by name,
for the part it needs. Without the app a record names its standard in free text, its page
and certificate say nothing of a register, and the demo writes standards as text.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps

TRACEABILITY = "jiliang.traceability"


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when the app is installed, else None. The parts the
    registry uses: ``binding`` (the register of standards a record stands on), ``selectors``
    (a record's standard, the instruments under review, the form's choices), ``demo``."""
    if not apps.is_installed(TRACEABILITY):
        return None
    return import_module(f"{TRACEABILITY}.{part}")


def standards() -> ModuleType | None:
    """``traceability("binding")``: what the record check needs from the register."""
    return traceability("binding")
