"""What the licensing pages share: field names, list filters, particulars."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext as _

from jiliang.licensing import services
from jiliang.licensing.labels import label, language
from jiliang.rules import licensing as rules


def field_names() -> dict[str, str]:
    """The fields a service may name that the form does not show, in the reader's words."""
    return {"action": _("Action"), "state": _("State"), "file": _("File"),
            "purpose": _("Purpose"), "type_code": _("Licence type"), "licence": _("Licence")}


def calendar_words(gap: str) -> str:
    return services.calendar_message(gap) if gap else ""


def type_rows():
    return [{"code": code, "lt": lt, "name": label(lt["name"])}
            for code, lt in rules.licence_types().items()]


def particular_rows(lt, values, *, published_only: bool = False) -> list[tuple[str, object]]:
    """The particulars' (label, value) rows in the reader's language."""
    return lt.particular_rows(values, language(), published_only=published_only)


def list_query(params: dict[str, str]) -> str:
    """The filters of a list, URL-encoded, for the pager to put before ``page=``."""
    return urlencode(params) + "&"


def queue_labels() -> list[tuple[str, str]]:
    return [("to_accept", _("To accept")), ("to_review", _("To review")),
            ("to_decide", _("To decide")), ("due_soon", _("Due soon")), ("late", _("Late")),
            ("stopped", _("Clock stopped"))]

