"""Notices to applicants and holders, worded in the reader's language when read."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jiliang.licensing.models import Notice, StopKind
from jiliang.rules import licensing as rules


def _materials(notice: Notice) -> str:
    lt_code = notice.application.type_code if notice.application_id else None
    if not lt_code:
        return ""
    lt = rules.licence_type(lt_code)
    from jiliang.licensing.services import label

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
    if years and notice.params.get("due"):
        from jiliang.core.holidays import provisional_years

        if provisional_years(years):
            text += " " + provisional_words(years)
    return text


def provisional_words(years: str) -> str:
    return _("(Provisional: the State Council's holiday notice for %(years)s is not entered "
             "yet, so the date was counted on weekdays less the statutory holidays and may "
             "move.)") % {"years": years.replace(",", "、")}


def _notice_text(notice: Notice) -> str:
    p = dict(notice.params)
    p.setdefault("number", "")
    p.setdefault("certificate", "")
    kind = notice.kind
    if kind == "correction":
        text = _("Application %(number)s: the bureau asks, once, for these materials: "
                 "%(materials)s.") % {**p, "materials": _materials(notice)}
        return f"{text} {p['note']}" if p.get("note") else text
    if kind == "accepted":
        if p.get("deemed"):
            return _("Application %(number)s counts as accepted from its receipt, as no notice "
                     "of missing materials came within the limit (Art. 32); voucher "
                     "%(voucher)s.") % p
        return _("Application %(number)s is accepted; acceptance voucher %(voucher)s.") % p
    if kind == "not_accepted":
        return _("Application %(number)s is not accepted: %(reasons)s") % p
    if kind == "clock_stopped":
        words = dict(StopKind.choices).get(p.get("kind"), p.get("kind"))
        return _("Application %(number)s: %(what)s takes about %(days)s working days "
                 "(expected to end by %(end)s); this time is not counted in the time limit "
                 "(Art. 45).") % {"number": p["number"], "what": words,
                                  "days": p.get("working_days"),
                                  "end": p.get("expected_end") or "—"}
    if kind == "clock_resumed":
        return _("Application %(number)s: the time limit runs again; the decision is due by "
                 "%(due)s.") % {"number": p["number"], "due": p.get("due") or "—"}
    if kind == "due_moved":
        return _("Application %(number)s: the holiday notice for the year is now entered, so "
                 "the time limit was counted again: due by %(due)s (was %(old)s).") % {
            "number": p["number"], "due": p.get("due") or "—", "old": p.get("old") or "—"}
    if kind == "extended":
        days = p.get("days") or _extension_days(notice)
        return _("Application %(number)s: the head of the bureau extended the time limit by "
                 "%(days)s working days, to %(due)s. Reasons: %(reasons)s") % {
            "number": p["number"], "days": days, "due": p.get("due") or "—",
            "reasons": p.get("reasons")}
    if kind == "granted":
        return _("Application %(number)s is approved: certificate %(certificate)s.") % p
    if kind == "filed":
        return _("Declaration %(number)s is filed and published under %(certificate)s.") % p
    if kind == "denied":
        return _("Application %(number)s is denied: %(reasons)s You may apply for "
                 "administrative reconsideration or bring an administrative lawsuit.") % p
    if kind == "changed":
        return _("Licence %(certificate)s is changed as applied for (%(number)s).") % p
    if kind == "renewed":
        if p.get("deemed"):
            return _("Licence %(certificate)s counts as renewed until %(valid_until)s: no "
                     "decision was made before it expired (Art. 50).") % p
        return _("Licence %(certificate)s is renewed until %(valid_until)s.") % p
    if kind == "withdrawn":
        return _("Licence %(certificate)s is withdrawn (撤回): %(reasons)s") % p
    if kind == "revoked":
        return _("Licence %(certificate)s is revoked (撤销): %(reasons)s") % p
    if kind == "cancelled":
        return _("Licence %(certificate)s is cancelled (注销): %(reasons)s") % p
    if kind == "expired":
        return _("Licence %(certificate)s has expired.") % p
    if kind == "renewal_open":
        return _("Licence %(certificate)s is valid until %(valid_until)s: apply for renewal "
                 "between %(opens)s and %(closes)s.") % p
    if kind == "renewal_closing":
        return _("Licence %(certificate)s: the last day to apply for renewal is "
                 "%(closes)s.") % p
    return kind
