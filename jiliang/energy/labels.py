"""Names of the energy vocabularies for the screens, from the data files (``rules.energy``
vocabularies: GB 17167-2006 Table 1 energy types, ledger instrument types, GB/T 2589 carriers
and working media), in the reader's language.

The models and forms take their choices from ``energy_choices`` and ``instrument_choices``
(callables, so a type added to the data needs no migration).
"""

from __future__ import annotations

from django.utils.functional import Promise, lazy
from django.utils.translation import get_language

from jiliang.rules import energy as rules


def _language() -> str:
    return get_language() or ""


def _name(term: rules.Term) -> Promise:
    """The term's name, worded when shown (in the language of that moment)."""
    return lazy(lambda: term.name(_language()), str)()


def energy_choices() -> list[tuple[str, Promise]]:
    """The energy types of GB 17167-2006 Table 1, in its order."""
    return [(key, _name(term)) for key, term in rules.energy_types().items()]


def instrument_choices() -> list[tuple[str, Promise]]:
    return [(key, _name(term)) for key, term in rules.instrument_types().items()]


def carrier_label(value: str) -> str:
    """The carrier's name in GB/T 2589 (Chinese), or its English name where the data has one."""
    if value == "electricity":
        value = "electricity_equivalent"
    term = rules.carrier_names().get(value)
    return term.name(_language()) if term else value
