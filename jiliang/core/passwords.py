"""The password validator for common passwords in disguise (rules.passwords)."""

from __future__ import annotations

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiliang.rules.passwords import candidates, weakness


class LeakedStyleValidator:
    """Refuses a common password behind leetspeak, digits or symbols (p@ssw0rd, Password123!),
    keyboard and alphabet runs, one character repeated, and dates. Django's
    CommonPasswordValidator supplies the list of 20,000 common passwords."""

    def __init__(self) -> None:
        self.common = CommonPasswordValidator().passwords

    def validate(self, password: str, user=None) -> None:
        shape = weakness(password)
        if shape is not None:
            raise ValidationError(
                _("This password is a keyboard run, a repeated character or a date, the kind "
                  "found first in lists of leaked passwords."), code="password_pattern")
        if candidates(password) & self.common:
            raise ValidationError(
                _("This password is a common password with letters swapped or digits and "
                  "symbols added, the kind found first in lists of leaked passwords."),
                code="password_leaked_style")

    def get_help_text(self) -> str:
        return _("Your password cannot be a common password in disguise, a keyboard run or a "
                 "date.")
