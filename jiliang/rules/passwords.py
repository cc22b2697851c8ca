"""Passwords that look strong and are not: the shapes found in leaked password lists.

A common word with leetspeak (p@ssw0rd), digits or symbols around it (Password123!), a
keyboard run (qwertyuiop, 1qaz2wsx), a run of the alphabet or digits (abcdef123456), one
character repeated, a date. ``candidates`` gives the words to look up in a list of common
passwords; ``weakness`` names the shape that needs no list.
"""

from __future__ import annotations

import re

LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                      "9": "g", "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})
LEET_L = str.maketrans({"1": "l"})
KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
                 "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp",
                 "abcdefghijklmnopqrstuvwxyz", "0123456789")
_AFFIX = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_DATE = re.compile(r"^(19|20)\d{2}[-./]?(0[1-9]|1[0-2])[-./]?(0[1-9]|[12]\d|3[01])$")


def candidates(password: str) -> set[str]:
    """The password's forms to look up in a list of common passwords: lower-cased, with the
    digits and symbols around it removed, with leetspeak read back."""
    lower = password.lower()
    forms = {lower, _AFFIX.sub("", lower)}
    for form in list(forms):
        forms.add(form.translate(LEET))
        forms.add(form.translate(LEET_L))
    for form in list(forms):
        forms.add(_AFFIX.sub("", form))
    return {f for f in forms if f}


def run_cover(text: str, *, shortest: int = 3) -> int:
    """How many characters of ``text`` lie in stretches of at least ``shortest`` characters
    that run along a keyboard row or the alphabet, forwards or backwards."""
    covered = [False] * len(text)
    for row in KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            i = 0
            while i < len(text):
                j = i
                while j + 1 < len(text) and (k := line.find(text[j])) >= 0 and \
                        k + 1 < len(line) and line[k + 1] == text[j + 1]:
                    j += 1
                if j - i + 1 >= shortest:
                    covered[i:j + 1] = [True] * (j - i + 1)
                i = j + 1
    return sum(covered)


def weakness(password: str) -> str | None:
    """"repeated", "sequence" or "date" when the password is one of those shapes; else None."""
    lower = password.lower()
    if len(set(lower)) <= 2:
        return "repeated"
    if _DATE.match(lower):
        return "date"
    if run_cover(lower) * 3 >= len(lower) * 2:  # two thirds of it runs along a keyboard
        return "sequence"
    return None
