"""Turning rule errors into messages that name the field and the rule, in the user's language."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jiliang.rules import RuleError
from jiliang.rules.text import hidden_character

# Messages for the codes raised by jiliang.rules.identifiers.
IDENTIFIER_MESSAGES = {
    "region.format": _("A division code (GB/T 2260) has exactly 6 digits."),
    "region.province": _("No province has the code %(pp)s (GB/T 2260)."),
    "region.structure": _("This is not a valid GB/T 2260 division code."),
    "uscc.length": _(
        "A unified social credit code has 18 characters (GB 32100-2015); this one has %(n)s."
    ),
    "uscc.charset": _(
        "“%(char)s” is not used in unified social credit codes (GB 32100-2015 leaves out "
        "I, O, S, V and Z)."
    ),
    "uscc.authority": _(
        "“%(char)s” is not a registration-authority code (GB 32100-2015, first character)."
    ),
    "uscc.check": _(
        "The check character should be %(expected)s, not %(actual)s (GB 32100-2015, "
        "check-character rule)."
    ),
}


def rule_message(error: RuleError, messages: Mapping[str, str] = IDENTIFIER_MESSAGES) -> str:
    template = messages.get(error.code)
    if template is None:
        return str(error)
    return str(template) % error.params if error.params else str(template)


def field_error(field: str, error: RuleError, messages: Mapping[str, str] = IDENTIFIER_MESSAGES):
    return ValidationError({field: [rule_message(error, messages)]})


def errors_as_list(error: ValidationError) -> list[dict[str, str]]:
    """[{"field": ..., "message": ...}] for the API."""
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "message": str(message)}
            for field, errors in error.message_dict.items()
            for message in errors
        ]
    return [{"field": "", "message": str(m)} for m in error.messages]


def name_clean(value: str | None, *, field: str, single_line: bool = True) -> str:
    """``value`` stripped, or a ValidationError naming ``field`` when it holds a control, format
    or separator character (rules.text); tabs and line breaks count unless ``single_line`` is
    False."""
    text = (value or "").strip()
    checked = text if single_line else text.replace("\n", "").replace("\r", "").replace(
        "\t", "")
    found = hidden_character(checked)
    if found is not None:
        position, code = found
        raise ValidationError({field: [_(
            "This contains an invisible control character (%(code)s) at position %(n)s: type "
            "it again without it.") % {"code": code, "n": position}]})
    return text
