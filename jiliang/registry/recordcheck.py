"""The one record check (``jiliang.rules.verification.check_record``) in the user's language.

The form, the API, the batch and the bulk import each call the rule and word its codes here;
each puts an error on its own field (the import on its own columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from jiliang.catalog.selectors import EDITION_MESSAGES
from jiliang.core.validation import rule_message
from jiliang.people.selectors import problem_message
from jiliang.registry import hooks
from jiliang.registry.evidence import MESSAGES as EVIDENCE_MESSAGES
from jiliang.rules import RuleError, signoff, traceability

# The codes of the record's own fields (rules.verification), in the user's language.
RECORD_MESSAGES = {
    "verified_on.missing": gettext_lazy("Give the verification date."),
    "verified_on.future": gettext_lazy("The verification date cannot be in the future."),
    "verified_on.before_latest": gettext_lazy(
        "A verification of %(date)s is on file; a later one cannot be dated before it. To "
        "change a record, correct it."),
    "verification_type.unknown": gettext_lazy("Choose the type of verification."),
    "verification_type.not_first": gettext_lazy(
        "This instrument has been verified before; this is not its first verification."),
    "conclusion.unknown": gettext_lazy("Choose pass or fail."),
    "failed_items.missing": gettext_lazy("A result notice lists the items that failed."),
    "failed_items.on_pass": gettext_lazy("A pass lists no failed items."),
    "certificate_no.missing": gettext_lazy(
        "Give the number of the certificate or result notice."),
    "certificate_no.too_long": gettext_lazy("At most %(n)s characters."),
    "certificate_no.taken": gettext_lazy(
        "Your institution has already issued number %(no)s; certificate numbers are unique "
        "per institution."),
    "valid_until.on_fail": gettext_lazy("A result notice has no valid-until date."),
    "regulation_code.unknown": gettext_lazy(
        "%(regulation)s is not a regulation of this kind of instrument in the catalogue."),
    "standard_identifier.missing": gettext_lazy("Identify the standard used."),
    "standard_valid_until.missing": gettext_lazy("Give the validity date of the standard used."),
    "standard_valid_until.expired": gettext_lazy(
        "The standard used was valid only until %(until)s, before the verification date: a "
        "verification made with an expired standard is refused."),
}

SIGNOFF_FIELDS = frozenset({*signoff.ROLES, signoff.AUTHORISATION_FIELD})
STANDARD_FIELDS = frozenset({traceability.FIELD, "reference_lots"})

# Where the form and the API put each field's errors (the authorisation onto the instrument).
FORM_FIELDS = {signoff.AUTHORISATION_FIELD: "instrument"}


def message(error: RuleError) -> str:
    field = getattr(error, "field", "")
    if error.code.startswith("edition."):
        return rule_message(error, EDITION_MESSAGES)
    if error.code.startswith("evidence."):  # issue 18
        return rule_message(error, EVIDENCE_MESSAGES)
    if field in SIGNOFF_FIELDS:
        return problem_message(signoff.Problem(field, error.code, dict(error.params)))
    if field in STANDARD_FIELDS:
        binding = hooks.standards()
        if binding is not None:
            return binding.message(traceability.Problem(field, error.code, dict(error.params)))
    return rule_message(error, RECORD_MESSAGES)


def by_field(errors: Iterable[RuleError],
             fields: Mapping[str, str] = FORM_FIELDS) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        field = getattr(error, "field", "")
        out.setdefault(fields.get(field, field), []).append(message(error))
    return out


def raise_errors(errors: list[RuleError], fields: Mapping[str, str] = FORM_FIELDS) -> None:
    """A ValidationError naming every field and rule, when there is an error."""
    if errors:
        raise ValidationError(by_field(errors, fields))


def row_errors(errors: Iterable[RuleError], fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """The import's (column, message) pairs."""
    return [(fields.get(e.field, e.field), message(e)) for e in errors]
