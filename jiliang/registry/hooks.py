"""The registry's one door to an optional app it works with when that app is installed.

The registry is below traceability in the layers (traceability imports the registry's
models), so it does not import traceability at the top of a module: it asks here, by name.
Without the app installed a record names its standard in free text.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps

TRACEABILITY = "jiliang.traceability"


def standards() -> ModuleType | None:
    """``jiliang.traceability.binding`` (the register of standards a verification record
    stands on: ``chosen``, ``Register``, ``message``) when the app is installed, else None."""
    if not apps.is_installed(TRACEABILITY):
        return None
    return import_module(f"{TRACEABILITY}.binding")
