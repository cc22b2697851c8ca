"""The one way an app reaches an optional app on purpose.

Apps are layered (rules < audit < core < catalog < licensing < registry < supervision/energy)
and import what lies below them at the top of a module. Where an app uses another that a
deployment may leave out of ``JILIANG_APPS``, or one that sits above it in the layers (the
registry's status of an instrument found on an inspection, a licence behind a type approval,
the register of standards a verification record stands on), it asks ``optional``: the module
when the app is installed, ``None`` when it is not. The edge stays visible in one place and
the app still works without the other.

An app that reaches several parts of optional apps names them in its own ``hooks.py``
(``jiliang.registry.hooks.traceability(part)``), each a one-line call of ``optional``: the
list of the app's optional edges, read in one file, with one mechanism behind them.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps


def installed(app: str) -> bool:
    """Whether ``jiliang.<app>`` is in ``JILIANG_APPS``."""
    return apps.is_installed(f"jiliang.{app}")


def optional(app: str, module: str) -> ModuleType | None:
    """``jiliang.<app>.<module>`` when the app is installed, else ``None``."""
    if not installed(app):
        return None
    return import_module(f"jiliang.{app}.{module}")
