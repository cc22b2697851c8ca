"""What the licensing services share: labels, messages, working-day dates."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from jiliang.core.models import Organisation, User
from jiliang.core.validation import IDENTIFIER_MESSAGES
from jiliang.licensing.labels import label
from jiliang.rules import RuleError
from jiliang.rules import licensing as rules
from jiliang.rules.deadlines import (
    CalendarNotCoveredError,
    count_working_days,
    covered_years,
)

# Pending renewals that Art. 50 counts as granted when the licence expires undecided: those
# with a clock running or stopped (an application still waiting for its missing materials
# has none: it is not complete, so not counted).
RENEWAL_PENDING = rules.workflows()["licence"].clock_states("acceptance", "decision", "stopped")
DECISION_CLOCK = rules.workflows()["licence"].clock_states("decision")


# --- messages for the rules' errors --------------------------------------------------------


def particulars_message(error: RuleError) -> str:
    messages = {
        "particulars.required": _("This field is required."),
        "particulars.choice": _("Choose one of the options."),
        "particulars.kind_code": _(
            "“%(code)s” is not an instrument kind code (lower-case letters, digits and _)."),
        "particulars.letter": _(
            "Give one capital letter A–Z (the category letter X of the CPA number)."),
        "particulars.length": _("This text is too long."),
    }
    template = messages.get(error.code) or IDENTIFIER_MESSAGES.get(error.code)
    if template is None:
        return str(error)
    return str(template) % error.params if error.params else str(template)


def calendar_message(year: str | int) -> str:
    years = covered_years()
    return _("The official holiday calendar for %(year)s is not available yet, so the date "
             "cannot be counted in working days (the calendar covers %(first)s–%(last)s).") % {
        "year": year, "first": years[0], "last": years[-1]}


def working_due(start: datetime.date, days: int, stops=()) -> tuple[datetime.date | None, str]:
    """A due date in working days and the years it was counted through provisionally
    ("2027": the notice for 2027 is not entered yet), or (None, a year it cannot count)."""
    try:
        due = count_working_days(start, days, stops=stops)
    except CalendarNotCoveredError as error:
        return None, str(error.params["year"])
    return due.date, ",".join(str(y) for y in due.provisional_years)
def org_of(actor: User) -> Organisation:
    if actor is None or not actor.is_authenticated or actor.organisation_id is None:
        raise PermissionDenied(_("Your account has no organisation."))
    return actor.organisation

def type_or_error(type_code: str) -> rules.LicenceType:
    try:
        return rules.licence_type(type_code)
    except RuleError:
        raise ValidationError({"type_code": [_("There is no such licence type.")]}) from None


def closed_message(lt: rules.LicenceType) -> str:
    return _("“%(type)s” takes no new applications since %(date)s: %(reason)s") % {
        "type": label(lt["name"]), "date": lt.get("closed_since") or "—",
        "reason": label(lt.get("closed_reason"))}

def iso(value) -> str | None:
    return value.isoformat() if value else None

