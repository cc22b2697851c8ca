"""The optional apps the registry reaches, through the one hook (``jiliang.core.hooks``).

The registry is below traceability in the layers (traceability imports the registry's
models), so no registry module imports traceability at its top: each asks here, by name,
for the part it needs. Without the app a record names its standard in free text, its page
and certificate say nothing of a register, and the demo writes standards as text.
"""

from __future__ import annotations

from types import ModuleType

from jiliang.core.hooks import optional


def traceability(part: str) -> ModuleType | None:
    """``jiliang.traceability.<part>`` when the app is installed, else None. The parts the
    registry uses: ``binding`` (the register of standards a record stands on), ``selectors``
    (a record's standard, the instruments under review, the form's choices), ``demo``."""
    return optional("traceability", part)


def standards() -> ModuleType | None:
    """``traceability("binding")``: what the record check needs from the register."""
    return traceability("binding")
