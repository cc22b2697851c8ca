"""Licensing's one door to the optional apps it works with when they are installed.

No licensing module imports these apps at its top: the catalogue (its instrument kinds, which
the scope of an authorisation names) may be left out, and traceability sits above licensing in
the layers (it reads licences). Each module asks here, by name, for the part it needs.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps

CATALOG = "jiliang.catalog"
TRACEABILITY = "jiliang.traceability"


def _part(app: str, part: str) -> ModuleType | None:
    return import_module(f"{app}.{part}") if apps.is_installed(app) else None


def catalog(part: str) -> ModuleType | None:
    """``jiliang.catalog.<part>`` when the catalogue is installed (``models``: the kinds a
    scope names are checked against it and offered from it), else None."""
    return _part(CATALOG, part)


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when installed (``services``: a standards-assessment
    grant or renewal creates or renews the standard's certificate there), else None."""
    return _part(TRACEABILITY, part)
