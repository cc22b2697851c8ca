"""The case's documents, built with the project's PDF machinery (``core.pdf.Document``): the
notice of the proposed penalty with the party's rights, and the penalty decision (the public
copy without a natural person's personal data)."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from jiliang.core.pdf import Document
from jiliang.enforcement import selectors
from jiliang.enforcement.models import Case
from jiliang.portal.public import label
from jiliang.rules import enforcement as rules
from jiliang.rules.deadlines import working_days_between

# Where a finding of each built-in kind is shown (its bureau page).
FINDING_PAGES = {
    "net_content_fail": "supervision:netcontent-detail",
    "complaint": "portal:complaint-detail",
}


def finding_url(case: Case) -> str:
    """The page of the finding the case opened from, where there is one."""
    name = FINDING_PAGES.get(case.finding_kind)
    if name and case.finding_id:
        try:
            return reverse(name, kwargs={"pk": case.finding_id})
        except NoReverseMatch:
            return ""
    if case.instrument_id:
        return reverse("registry:instrument-detail", kwargs={"pk": case.instrument_id})
    if case.energy_unit_id:
        return reverse("energy:unit-detail", kwargs={"pk": case.energy_unit_id})
    return ""


def _bases_text(codes) -> str:
    names = []
    for code in codes:
        basis = rules.legal_bases().get(code)
        if basis is not None:
            names.append(label(basis["name"]))
    return "、".join(names) or "—"


def _money(value) -> str:
    return "—" if value is None else _("%(amount)s yuan") % {"amount": f"{value:,.2f}"}


def notice_pdf(case: Case) -> bytes:
    """行政处罚告知书: the facts, the proposed penalty, its basis and the party's rights."""
    doc = Document(title=_("Notice of proposed administrative penalty"),
                   subtitle=f"{case.number} · {case.bureau.name}")
    doc.fields([
        (_("Case number"), case.number),
        (_("Party concerned"), case.party_name),
        (_("Unified social credit code") if not case.is_person else
         _("Identity document number"),
         case.party_id_number if case.is_person else case.party_credit_code),
        (_("Basis in law"), _bases_text(case.bases)),
        (_("Articles cited"), case.articles or _("as cited by the bureau")),
        (_("Proposed fine"), _money(case.proposed_fine)),
        (_("Proposed measures"), case.proposed_measures),
    ])
    doc.heading(_("Facts"))
    doc.paragraph(case.facts)
    doc.heading(_("Your rights"))
    doc.paragraph(_("You may state your case and defend yourself, in writing or orally, until "
                    "%(date)s (%(days)s working days from this notice).") % {
                        "date": case.statement_due_on.isoformat() if case.statement_due_on
                        else "—", "days": _working_days(case)})
    if case.hearing_offered:
        doc.paragraph(_("The proposed fine reaches %(threshold)s: you may ask for a hearing "
                        "within the same period.") % {"threshold": _money(case.hearing_threshold)})
    doc.paragraph(_("The Administrative Penalty Law gives these rights; the bureau decides only "
                    "after hearing you or after the period has passed."), small=True)
    doc.spacer()
    doc.paragraph(_("Issued on %(date)s by %(bureau)s.") % {
        "date": case.notified_on.isoformat() if case.notified_on else "",
        "bureau": case.bureau.name})
    return doc.render()


def _working_days(case: Case) -> int:
    if case.notified_on is None or case.statement_due_on is None:
        return 0
    return working_days_between(case.notified_on, case.statement_due_on)


def decision_pdf(case: Case, *, public: bool = False) -> bytes:
    """行政处罚决定书; ``public``: the published copy, a natural person's data taken out."""
    record = selectors.public_record(case) if public else None
    party = record["party"] if public else case.party_name
    facts = record["facts"] if public else case.facts
    decision = record["decision"] if public else case.decision_text
    doc = Document(title=_("Administrative penalty decision"),
                   subtitle=f"{case.decision_number} · {case.bureau.name}")
    rows = [(_("Decision number"), case.decision_number), (_("Party concerned"), party)]
    if not case.is_person:
        rows.append((_("Unified social credit code"), case.party_credit_code))
    elif not public:
        rows.append((_("Identity document number"), case.party_id_number))
        rows.append((_("Address"), case.party_address))
    rows += [
        (_("Basis in law"), _bases_text(case.bases)),
        (_("Articles cited"), case.articles or _("as cited by the bureau")),
        (_("Fine"), _money(case.fine)),
        (_("Decided on"), case.decided_on.isoformat() if case.decided_on else ""),
    ]
    doc.fields(rows)
    doc.heading(_("Facts"))
    doc.paragraph(facts)
    doc.heading(_("Decision"))
    doc.paragraph(decision)
    if not public:
        doc.heading(_("Your rights"))
        doc.paragraph(_("If you disagree with this decision you may apply for administrative "
                        "reconsideration or bring an administrative lawsuit, within the periods "
                        "the law sets."))
    doc.spacer()
    doc.paragraph(_("Issued on %(date)s by %(bureau)s.") % {
        "date": case.decided_on.isoformat() if case.decided_on else "",
        "bureau": case.bureau.name})
    if case.published_at is not None:
        url = settings.JILIANG_PUBLIC_URL.rstrip("/") + reverse(
            "enforcement:public-detail", kwargs={"pk": case.pk})
        doc.qr(url, caption=_("Published decision"))
    return doc.render()
