"""Licensing's optional apps, reached through the one hook (``jiliang.core.hooks``).

No licensing module imports these apps at its top: the catalogue (its instrument kinds, which
the scope of an authorisation names) may be left out, and traceability sits above licensing in
the layers (it reads licences). Each module asks here, by name, for the part it needs.
"""

from __future__ import annotations

from types import ModuleType

from jiliang.core.hooks import optional


def catalog(part: str) -> ModuleType | None:
    """``jiliang.catalog.<part>`` when the catalogue is installed (``models``: the kinds a
    scope names are checked against it and offered from it), else None."""
    return optional("catalog", part)


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when installed (``services``: a standards-assessment
    grant or renewal creates or renews the standard's certificate there), else None."""
    return optional("traceability", part)
