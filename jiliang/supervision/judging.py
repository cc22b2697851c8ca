"""The net-content judgement as the app uses it: the rule set in force, the settings, the messages.

Settings (all optional):

- ``SUPERVISION_NETCONTENT_T_ROUNDING``: {rule set id: rounding of T}, e.g.
  ``{"jjf1070-2005": "up"}``; without it each rule set's documented default
  (JJF 1070-2005: ``half_even``, the GB/T 8170 reading of 修约).
- ``SUPERVISION_NETCONTENT_FALLBACK_RULE_SET``: the rule set that judges samples
  taken while an edition without tables on file is in force (JJF 1070-2023 from
  2024-10-12). Default ``"jjf1070-2005"``, which Order 70 left in use pending the
  revision; the record and the notice say that it stood in. ``None`` refuses such
  samples instead.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiliang.rules import RuleError
from jiliang.rules import netcontent as rules

DEFAULT_FALLBACK = "jjf1070-2005"

MESSAGES = {
    "rule_set.unknown": _("No rule set %(rule_set)s is on file."),
    "rule_set.none_in_force": _(
        "No net-content rule set on file was in force on %(on)s (JJF 1070-2005 applies from "
        "2006-01-01)."),
    "rule_set.no_tables": _(
        "The tables of %(rule_set)s are not on file, so it cannot judge this sample."),
    "unit.unknown": _("“%(unit)s” is not a unit; use g, kg, mL, L, mm, cm, m, m2 or items."),
    "unit.mismatch": _(
        "Values in %(values_unit)s do not measure the same quantity as a nominal quantity in "
        "%(unit)s."),
    "unit.not_covered": _("%(rule_set)s does not cover goods labelled in %(unit)s."),
    "nominal.not_positive": _("The nominal quantity must be more than 0."),
    "nominal.above_table": _(
        "%(rule_set)s gives no tolerable deficiency above %(limit)s %(unit)s: a nominal quantity "
        "of %(q)s %(unit)s cannot be judged."),
    "nominal.not_whole": _("A count is a whole number, not %(q)s."),
    "lot.not_whole": _("The lot size is a whole number of units."),
    "lot.not_positive": _("The lot size must be at least 1."),
    "lot.not_covered": _(
        "%(rule_set)s has no sampling plan for a lot of %(lot)s (its plan starts at %(first)s)."),
    "plan.no_destructive": _("%(rule_set)s has no destructive sampling plan."),
    "sample.size": _(
        "A lot of %(lot)s takes a sample of %(expected)s units under %(rule_set)s, not %(got)s "
        "(sampling plan by lot size)."),
    "sample.second_stage": _(
        "The first sample has %(found)s defective units: %(rule_set)s takes a second sample of "
        "%(more)s; give all %(total)s values."),
    "value.not_number": _("%(field)s: “%(value)s” is not a number."),
    "value.negative": _("values[%(i)s]: a measured content cannot be negative (%(value)s)."),
    "values.not_list": _("Give the measured values as a list."),
    "rounding.unknown": _("“%(mode)s” is not a rounding of T."),
}

# Which form field a refusal belongs to.
FIELDS = {
    "rule_set": "sampled_on", "unit": "unit", "nominal": "nominal", "lot": "lot_size",
    "plan": "lot_size", "sample": "values", "value": "values", "values": "values",
    "rounding": "__all__",
}


def refusal(error: RuleError) -> ValidationError:
    """A RuleError as a ValidationError naming the field and the rule, in the user's language."""
    field = FIELDS.get(error.code.split(".")[0], "__all__")
    if error.code == "unit.mismatch":
        field = "values_unit"
    if error.code == "value.not_number" and error.params.get("field") == "nominal":
        field = "nominal"
    params = {k: ("" if v is None else v) for k, v in error.params.items()}
    if error.code == "value.not_number" and str(params.get("field", "")).startswith("values["):
        params["field"] = _("value %(n)s") % {"n": str(params["field"])[7:-1]}
    if error.code == "value.not_number" and params.get("field") == "nominal":
        params["field"] = _("nominal quantity")
    template = MESSAGES.get(error.code)
    message = str(template) % params if template is not None else str(error)
    return ValidationError({field: [message]})


def t_rounding_for(rule_set_id: str) -> str | None:
    return (getattr(settings, "SUPERVISION_NETCONTENT_T_ROUNDING", None) or {}).get(rule_set_id)


def rule_set_words(rule_set_id: str) -> str:
    """A rule set as a person cites it: "JJF 1070-2005《定量包装商品净含量计量检验规则》"."""
    try:
        found = rules.rule_set(rule_set_id)
    except Exception:  # an id no data file holds: say the id as it is
        return rule_set_id
    title = re.search(r"[\u4e00-\u9fff][^(（]*[\u4e00-\u9fff]", found.name)
    return f"{found.short_name}《{title[0].strip()}》" if title else found.short_name


def reinspection_days() -> int | None:
    """The days a packer has to ask for a re-inspection, where the bureau has set them."""
    return getattr(settings, "SUPERVISION_NETCONTENT_REINSPECTION_DAYS", None)


def fallback_rule_set() -> str | None:
    return getattr(settings, "SUPERVISION_NETCONTENT_FALLBACK_RULE_SET", DEFAULT_FALLBACK)


def rule_set_for(sampled_on: datetime.date) -> tuple[rules.RuleSet, rules.RuleSet]:
    """(the rule set that judges, the edition in force) for a sampling date."""
    try:
        in_force = rules.rule_set_in_force(sampled_on)
    except RuleError as error:
        raise refusal(error) from None
    if in_force.has_tables:
        return in_force, in_force
    fallback = fallback_rule_set()
    if not fallback:
        raise ValidationError({"sampled_on": [_(
            "%(rule_set)s is in force on this date but its tables are not on file, and no "
            "stand-in rule set has been chosen for this system.") % {
            "rule_set": in_force.short_name}]})
    return rules.rule_set(fallback), in_force


def judge(
    *,
    sampled_on: datetime.date,
    nominal: object,
    unit: str,
    lot_size: object,
    values: Sequence[str],
    values_unit: str = "",
) -> dict:
    """The full figures of a judgement, as kept with the record."""
    judging, in_force = rule_set_for(sampled_on)
    try:
        result = rules.judge(rule_set=judging, nominal=nominal, unit=unit, lot_size=lot_size,
                             values=values, values_unit=values_unit or None,
                             t_rounding=t_rounding_for(judging.id))
    except RuleError as error:
        raise refusal(error) from None
    figures = result.as_dict()
    figures.update({
        "rule_set_name": judging.short_name,
        "in_force": in_force.id,
        "in_force_name": in_force.short_name,
        "stand_in": judging.id != in_force.id,
        "t_rounding_default": judging.t_rounding_default,
        "t_rounding_configured": t_rounding_for(judging.id) is not None,
        "shortfalls": [rules.plain(d) for d in result.shortfalls],
        "classes": list(result.classes),
        "lot_size": result.lot_size,
        "mean_n": result.mean_n,
    })
    return figures


def split_values(text: str) -> list[str]:
    """Values as typed on a phone or in a spreadsheet cell: spaces, new lines, commas, 、；."""
    for separator in (",", "，", "、", ";", "；", "\t", "\n", "\r"):
        text = text.replace(separator, " ")
    return [v for v in text.split(" ") if v]
