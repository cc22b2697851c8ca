"""Notices to applicants and holders, worded in the reader's language when read."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.core.holidays import provisional_years
from jiliang.licensing.labels import label
from jiliang.licensing.models import Notice, StopKind
from jiliang.rules import licensing as rules


def _materials(notice: Notice) -> str:
    lt_code = notice.application.type_code if notice.application_id else None
    if not lt_code:
        return ""
    lt = rules.licence_type(lt_code)
    names = [label(lt.material(c)["name"]) for c in notice.params.get("materials", [])
             if lt.material(c)]
    return "；".join(names)


def _extension_days(notice: Notice) -> int | str:
    """The extension of the notice's licence type (notices written before it was stored)."""
    if not notice.application_id:
        return "—"
    return notice.application.licence_type.limits().get("extension") or "—"


def notice_text(notice: Notice) -> str:
    text = _notice_text(notice)
    years = notice.params.get("provisional")
    if years and notice.params.get("due") and provisional_years(years):
        text += " " + provisional_words(years)
    return text


def provisional_words(years: str) -> str:
    return _("(Provisional: the State Council's holiday notice for %(years)s is not entered "
             "yet, so the date was counted on weekdays less the statutory holidays and may "
             "move.)") % {"years": years.replace(",", "、")}


def _correction(notice: Notice, p: dict) -> str:
    text = _("Application %(number)s: the bureau asks, once, for these materials: "
             "%(materials)s.") % {**p, "materials": _materials(notice)}
    return f"{text} {p['note']}" if p.get("note") else text


def _accepted(notice: Notice, p: dict) -> str:
    if p.get("deemed"):
        return _("Application %(number)s counts as accepted from its receipt, as no notice "
                 "of missing materials came within the limit (Art. 32); voucher "
                 "%(voucher)s.") % p
    return _("Application %(number)s is accepted; acceptance voucher %(voucher)s.") % p


def _clock_stopped(notice: Notice, p: dict) -> str:
    words = dict(StopKind.choices).get(p.get("kind"), p.get("kind"))
    return _("Application %(number)s: %(what)s takes about %(days)s working days "
             "(expected to end by %(end)s); this time is not counted in the time limit "
             "(Art. 45).") % {"number": p["number"], "what": words,
                              "days": p.get("working_days"),
                              "end": p.get("expected_end") or "—"}


def _clock_resumed(notice: Notice, p: dict) -> str:
    return _("Application %(number)s: the time limit runs again; the decision is due by "
             "%(due)s.") % {"number": p["number"], "due": p.get("due") or "—"}


def _due_moved(notice: Notice, p: dict) -> str:
    return _("Application %(number)s: the holiday notice for the year is now entered, so "
             "the time limit was counted again: due by %(due)s (was %(old)s).") % {
        "number": p["number"], "due": p.get("due") or "—", "old": p.get("old") or "—"}


def _extended(notice: Notice, p: dict) -> str:
    days = p.get("days") or _extension_days(notice)
    return _("Application %(number)s: the head of the bureau extended the time limit by "
             "%(days)s working days, to %(due)s. Reasons: %(reasons)s") % {
        "number": p["number"], "days": days, "due": p.get("due") or "—",
        "reasons": p.get("reasons")}


def _renewed(notice: Notice, p: dict) -> str:
    if p.get("deemed"):
        return _("Licence %(certificate)s counts as renewed until %(valid_until)s: no "
                 "decision was made before it expired (Art. 50).") % p
    return _("Licence %(certificate)s is renewed until %(valid_until)s.") % p


# The notices worded from their parameters alone, and those that need a step of their own.
PLAIN = {
    "not_accepted": gettext_lazy("Application %(number)s is not accepted: %(reasons)s"),
    "granted": gettext_lazy("Application %(number)s is approved: certificate %(certificate)s."),
    "filed": gettext_lazy(
        "Declaration %(number)s is filed and published under %(certificate)s."),
    "denied": gettext_lazy(
        "Application %(number)s is denied: %(reasons)s You may apply for "
        "administrative reconsideration or bring an administrative lawsuit."),
    "changed": gettext_lazy("Licence %(certificate)s is changed as applied for (%(number)s)."),
    "withdrawn": gettext_lazy("Licence %(certificate)s is withdrawn (撤回): %(reasons)s"),
    "revoked": gettext_lazy("Licence %(certificate)s is revoked (撤销): %(reasons)s"),
    "cancelled": gettext_lazy("Licence %(certificate)s is cancelled (注销): %(reasons)s"),
    "expired": gettext_lazy("Licence %(certificate)s has expired."),
    "renewal_open": gettext_lazy(
        "Licence %(certificate)s is valid until %(valid_until)s: apply for renewal "
        "between %(opens)s and %(closes)s."),
    "renewal_closing": gettext_lazy(
        "Licence %(certificate)s: the last day to apply for renewal is %(closes)s."),
}
WORDED = {
    "correction": _correction, "accepted": _accepted, "clock_stopped": _clock_stopped,
    "clock_resumed": _clock_resumed, "due_moved": _due_moved, "extended": _extended,
    "renewed": _renewed,
}


def _notice_text(notice: Notice) -> str:
    p = dict(notice.params)
    p.setdefault("number", "")
    p.setdefault("certificate", "")
    kind = notice.kind
    if kind in WORDED:
        return WORDED[kind](notice, p)
    if kind in PLAIN:
        return str(PLAIN[kind]) % p
    return kind
