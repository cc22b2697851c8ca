"""The one way an app reaches an optional app on purpose.

Apps are layered (rules < audit < core < catalog < licensing < registry < supervision/energy)
and import what lies below them at the top of a module. Where an app uses another that a
deployment may leave out of ``JILIANG_APPS`` (the registry's status of an instrument found on
an inspection, a licence behind a type approval), it asks ``optional``: the module when the
app is installed, ``None`` when it is not. The edge stays visible in one place and the app
still works without the other.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps


def optional(app: str, module: str) -> ModuleType | None:
    """``jiliang.<app>.<module>`` when the app is installed, else ``None``."""
    name = f"jiliang.{app}"
    if not apps.is_installed(name):
        return None
    return import_module(f"{name}.{module}")
