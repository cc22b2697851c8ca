"""Text typed by people: characters a name may not hold (no Django).

Control characters (Unicode category Cc: NUL, BEL, ESC, line breaks...), format characters
(Cf: zero-width spaces, the bidirectional overrides that make "gpj.exe" read as "exe.jpg")
and line or paragraph separators (Zl, Zp) are invisible or reorder what a reader sees: a name,
an address or a user name never needs them.
"""

from __future__ import annotations

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def hidden_character(text: str) -> tuple[int, str] | None:
    """(1-based position, "U+XXXX") of the first refused character in ``text``, or None."""
    for index, char in enumerate(text or ""):
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            return index + 1, f"U+{ord(char):04X}"
    return None
