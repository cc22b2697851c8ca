"""The energy rules' errors in the user's language, naming the rule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiliang.core.validation import rule_message
from jiliang.energy.labels import carrier_label
from jiliang.rules import RuleError

MESSAGES = {
    "edition.unknown": _("Unknown edition %(edition)s."),
    "energy.unknown": _("%(energy)s is not an energy type of this edition."),
    "level.unknown": _("The level is L1, L2 or L3 (GB 17167-2006 4.2)."),
    "accuracy.format": _("“%(value)s” is not an accuracy class such as 0.5 or 0.5S."),
    "accuracy.not_percent": _("Class %(value)s is not a percentage (GB 17167-2006 Table 4); "
                              "record the maximum permissible error."),
    "coefficient.range": _("%(energy)s has only a range (%(low)s to %(high)s kgce/%(unit)s) in "
                           "GB/T 2589 and no default: give the measured net calorific value."),
    "coefficient.unknown": _("%(energy)s has no confirmed coefficient in %(edition)s."),
    "unit.unknown": _("%(energy)s is measured in %(known)s (GB/T 2589), not %(unit)s."),
    "unit.steam_heat": _("Steam measured in %(unit)s is heat: choose the carrier “heat”, not the "
                         "steam coefficient (GB/T 2589)."),
    "ncv.not_fuel": _("A measured calorific value applies to fuels, not to %(energy)s."),
    "ncv.basis": _("The kJ per kgce of %(edition)s is not confirmed."),
    "ncv.positive": _("A calorific value is greater than zero."),
    "electricity.equal_value": _("The equal value of electricity for the year is not "
                                 "configured."),
    "equipping.excluded": _("More items excluded (%(excluded)s) than needed (%(required)s)."),
    "equipping.reason": _("An exclusion needs the note of GB 17167 it rests on."),
    "equipping.ground": _("%(ground)s does not allow excluding %(energy)s at %(level)s."),
    "equipping.count": _("%(name)s must be a whole number of 0 or more."),
    "balance.tolerance": _("No tolerance is configured for the balance of main and sub-meters "
                           "(no standard gives one)."),
}


def _named(error: RuleError) -> RuleError:
    """The rule names an energy by its identifier (``fresh_water``); people read its name."""
    if not isinstance(error.params.get("energy"), str):
        return error
    named = RuleError(error.code, str(error))
    named.params = {**error.params, "energy": carrier_label(error.params["energy"])}
    return named


def rule_error(field: str, error: RuleError) -> ValidationError:
    return ValidationError({field: [rule_message(_named(error), MESSAGES)]})


def message(error: RuleError) -> str:
    return rule_message(_named(error), MESSAGES)
