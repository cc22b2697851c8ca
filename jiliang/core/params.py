"""Bounds on what a person or a program sends: numbers in URLs, JSON nesting.

Numbers a person or a program types into a URL are ASCII digits within bounds, or a 400.

Every page number, id and year read from a query string or a path goes through here, so a
superscript ``²`` (which ``str.isdigit`` accepts), a number past what the database holds, or a
minus sign is refused with a message naming the parameter, never passed on to become a 500.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _
from pydantic import Field

MAX_ID = 2**63 - 1  # the largest BigAutoField value (PostgreSQL bigint, SQLite INTEGER)
MAX_PAGE = 1_000_000  # no list offers more pages (COUNT_CAP / the smallest page size is far less)
MIN_YEAR, MAX_YEAR = 1900, 2200  # the years a record of this system can be about


class BadParameter(BadRequest):
    """A query or path parameter that is not a number within its bounds (HTTP 400)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(message)


def bounded_int(raw: str | None, *, name: str, lo: int, hi: int) -> int:
    """``raw`` as an int if it is 1 to len(str(hi)) ASCII digits within [lo, hi]; else BadParameter."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(hi)) \
            or not lo <= int(text) <= hi:
        if hi == MAX_ID:  # an id: its bound means nothing to a person
            raise BadParameter(name, _(
                "“%(name)s” must be the number of a record, written in the digits 0-9.")
                % {"name": name})
        raise BadParameter(name, _(
            "“%(name)s” must be a whole number from %(lo)s to %(hi)s, written in the digits 0-9.")
            % {"name": name, "lo": lo, "hi": hi})
    return int(text)


def is_id(text: str) -> bool:
    """Whether ``text`` is an object id: ASCII digits, 1 to MAX_ID (a form's free field that
    may hold an id or a name)."""
    return text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID


def query_int(request, name: str, *, lo: int = 1, hi: int = MAX_ID,
              default: int | None = None) -> int | None:
    """The query parameter ``name`` as a bounded int; ``default`` when absent or empty."""
    raw = request.GET.get(name, "")
    if not raw.strip():
        return default
    return bounded_int(raw, name=name, lo=lo, hi=hi)


def query_id(request, name: str) -> int | None:
    """An object id from the query string (None when absent)."""
    return query_int(request, name, lo=1, hi=MAX_ID)


def query_year(request, name: str = "year", *, default: int | None = None,
               lo: int = MIN_YEAR, hi: int = MAX_YEAR) -> int | None:
    return query_int(request, name, lo=lo, hi=hi, default=default)


def query_page(request, name: str = "page") -> int:
    return query_int(request, name, lo=1, hi=MAX_PAGE, default=1)


class IdConverter:
    """``<id:pk>`` in URLs and ``{id:pk}`` in API paths: 1 to 19 ASCII digits up to MAX_ID.
    A longer or larger number matches no URL (404) instead of overflowing the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


# The same bounds for the API's query schemas (pydantic): an id past MAX_ID is a 422 naming the
# field, not a database overflow.
ApiId = Annotated[int, Field(ge=1, le=MAX_ID)]
ApiPage = Annotated[int, Field(ge=1, le=MAX_PAGE)]


# --- JSON ------------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32  # no body this system takes nests deeper than 4; 32 leaves room
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class NestingError(ValueError):
    """A JSON text nested deeper than allowed."""


def too_deep(data: bytes, max_depth: int) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than ``max_depth`` (at most
    twice that when arrays and objects alternate). Without recursion and at C speed: every
    character but brackets dropped, then innermost pairs removed level by level. Brackets
    inside strings can blur that: only a text that does not pass is looked at again with its
    strings cut out (slower). An unclosed text is left to the parser (which refuses it)."""

    def deeper(text: bytes) -> bool | None:
        brackets = text.translate(None, _NOT_BRACKETS)
        for _level in range(max_depth):
            inner = brackets.replace(b"[]", b"").replace(b"{}", b"")
            if inner == brackets:
                return False if not inner else None  # None: unmatched, strings to cut out
            brackets = inner
        return b"[]" in brackets or b"{}" in brackets or None

    return deeper(data) is not False and bool(deeper(_STRING.sub(b"", data)))


def json_loads(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses, as a ValueError, a text nested deeper than ``max_depth``
    (100,000 ``[`` would otherwise exhaust the parser's recursion)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") > max_depth and too_deep(raw, max_depth):
        raise NestingError(_("The JSON nests deeper than %(n)s levels.") % {"n": max_depth})
    try:
        return json.loads(raw)
    except RecursionError:
        raise NestingError(_("The JSON nests deeper than %(n)s levels.") % {"n": max_depth}) from None
