"""The written documents of the procedure, as PDFs with a QR code to the public record.

Official documents are issued in Chinese (the English title stands under the Chinese one):
acceptance voucher (受理通知书, Art. 32), correction notice (补正告知书, Art. 32), notice
of non-acceptance (不予受理决定书), decision (准予/不予行政许可决定书, Art. 38), certificate
(Art. 44) and the sample form of the service guide (Art. 30).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiliang.core.holidays import provisional_years
from jiliang.core.pdf import Document
from jiliang.licensing import selectors
from jiliang.licensing.models import Application, Licence
from jiliang.licensing.notices import provisional_words
from jiliang.rules import licensing as rules

DOCUMENTS = ("voucher", "correction", "not_accepted", "decision")


def public_url(name: str, **kwargs) -> str:
    return settings.JILIANG_PUBLIC_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def available(app: Application) -> list[str]:
    """The documents an application has, by the steps it went through."""
    docs = []
    if app.voucher_number:
        docs.append("voucher")
    if app.correction_notice_on:
        docs.append("correction")
    if app.state == "not_accepted":
        docs.append("not_accepted")
    if app.state in ("approved", "denied") and not app.licence_type.is_filing:
        docs.append("decision")
    return docs


def _zh(value) -> str:
    return rules.text(value, "zh")


def _particulars(lt: rules.LicenceType, values: dict, *, published_only: bool = False):
    return lt.particular_rows(values, "zh", published_only=published_only, sep="、")


def application_document(app: Application, doc: str) -> bytes:
    with translation.override("zh-hans"):
        return _application_document(app, doc)


def _voucher(pdf: Document, app: Application, rows: list) -> None:
    """The acceptance voucher: the time limits that now run (Art. 32, 42, 45)."""
    lt = app.licence_type
    pdf.fields([(_("Voucher number"), app.voucher_number), *rows,
                (_("Accepted"), app.accepted_on)])
    pdf.spacer()
    if app.deemed_accepted:
        pdf.paragraph(_("The applicant was not told of missing materials within the limit, "
                        "so the application counts as accepted from its receipt "
                        "(Administrative Licensing Law, Art. 32)."))
    limits = lt.limits()
    pdf.paragraph(_("The decision is made within %(n)s working days of acceptance "
                    "(Art. 42)%(due)s. The head of the bureau may extend this by %(ext)s "
                    "working days and will tell you why. Time for testing, technical "
                    "assessment, site visits, expert review or hearings is not counted; you "
                    "will be told how long it takes (Art. 45).") % {
        "n": limits.get("decision"), "ext": limits.get("extension"),
        "due": (_(", that is by %(date)s") % {"date": app.decision_due})
        if app.decision_due else ""})
    if app.decision_due and app.calendar_gap and provisional_years(app.calendar_gap):
        pdf.paragraph(provisional_words(provisional_years(app.calendar_gap)))
    if limits.get("promised") and app.promised_due:
        pdf.paragraph(_("The bureau promises a decision within %(n)s working days, by "
                        "%(date)s.") % {"n": limits["promised"], "date": app.promised_due})


def _application_document(app: Application, doc: str) -> bytes:
    lt = app.licence_type
    authority = selectors.authority_name(app.authority_code)
    track = public_url("licensing:public-track", code=app.public_code)
    heads = {
        "voucher": (_("Acceptance voucher"), "Acceptance voucher"),
        "correction": (_("Notice to complete the application materials"),
                       "Notice to complete the application materials"),
        "not_accepted": (_("Decision not to accept the application"),
                         "Decision not to accept the application"),
        "decision": ((_("Decision to grant the licence"), "Decision to grant the licence")
                     if app.state == "approved" else
                     (_("Decision to deny the licence"), "Decision to deny the licence")),
    }
    title, subtitle = heads[doc]
    pdf = Document(title=title, subtitle=subtitle)
    rows = [
        (_("Application number"), app.number),
        (_("Applicant"), app.applicant.name),
        (_("Unified social credit code"), app.applicant.credit_code),
        (_("Licence item"), _zh(lt["name"])),
        (_("Received"), app.received_on),
    ]
    if doc == "voucher":
        _voucher(pdf, app, rows)
    elif doc == "correction":
        pdf.fields(rows)
        pdf.spacer()
        pdf.paragraph(_("The following materials are missing or not in the legal form. This "
                        "notice lists everything to be completed, once (Administrative "
                        "Licensing Law, Art. 32):"))
        missing = app.missing.get("materials", [])
        pdf.table([_("Material")], [[_zh(lt.material(code)["name"])] for code in missing
                                    if lt.material(code)])
        if app.missing.get("note"):
            pdf.paragraph(app.missing["note"])
        pdf.paragraph(_("Notice given on %(date)s.") % {"date": app.correction_notice_on})
    elif doc == "not_accepted":
        pdf.fields(rows)
        pdf.spacer()
        pdf.heading(_("Reasons"))
        pdf.paragraph(app.not_accepted_reasons)
        pdf.paragraph(_("You have the right to apply for administrative reconsideration or to "
                        "bring an administrative lawsuit according to law."))
    else:
        rows += [(_("Voucher number"), app.voucher_number), (_("Decided"), app.decided_on)]
        pdf.fields(rows)
        pdf.spacer()
        if app.state == "approved":
            licence = app.licence
            pdf.paragraph(_("Having reviewed the application according to law, the bureau "
                            "grants the licence (Administrative Licensing Law, Art. 38)."))
            if licence is not None:
                pdf.fields([(_("Certificate number"), licence.number),
                            (_("Valid until"), licence.valid_until or _("no expiry"))])
                track = public_url("licensing:public-licence", code=licence.public_code)
        else:
            pdf.heading(_("Reasons"))
            pdf.paragraph(app.decision_reasons)
            pdf.paragraph(_("You have the right to apply for administrative reconsideration or "
                            "to bring an administrative lawsuit according to law (Art. 38)."))
    pdf.spacer()
    pdf.paragraph(authority)
    pdf.qr(track, caption=_("Scan to check this document on the public record"))
    return pdf.render()


def certificate(licence: Licence) -> bytes:
    with translation.override("zh-hans"):
        lt = licence.licence_type
        pdf = Document(title=_zh(lt["certificate"]), subtitle=rules.text(lt["certificate"], "en"))
        rows = [
            (_("Certificate number"), licence.number),
            (_("Holder"), licence.holder.name),
            (_("Unified social credit code"), licence.holder.credit_code),
            (_("Licence item"), _zh(lt["name"])),
            *_particulars(lt, licence.particulars, published_only=True),
            (_("Issued"), licence.issued_on),
            (_("Valid until"), licence.valid_until or _("no expiry")),
            (_("Status"), selectors.licence_status_words(licence, licence.issued_on)
             if licence.status != "valid" else licence.get_status_display()),
        ]
        pdf.fields(rows)
        pdf.spacer()
        pdf.paragraph(selectors.authority_name(licence.authority_code))
        pdf.qr(public_url("licensing:public-licence", code=licence.public_code),
               caption=_("Scan to check this certificate on the public record"))
        return pdf.render()


def sample_form(lt: rules.LicenceType) -> bytes:
    """The sample application form of a type (Art. 30): its particulars and materials."""
    with translation.override("zh-hans"):
        pdf = Document(title=_("Application form (sample)"),
                       subtitle=rules.text(lt["name"], "zh"))
        pdf.fields([(_("Applicant"), ""), (_("Unified social credit code"), ""),
                    (_("Address"), ""), (_("Contact"), ""),
                    *[(_zh(p["label"]), "") for p in lt.particulars]])
        pdf.heading(_("Materials"))
        pdf.table([_("Material"), _("File types"), pgettext("material", "Required")],
                  [[_zh(m["name"]), ", ".join(m["types"]).upper(),
                    _("yes") if m["required"] else _("no")] for m in lt.materials])
        pdf.spacer()
        pdf.paragraph(_("Signature and seal of the applicant:"))
        return pdf.render()

