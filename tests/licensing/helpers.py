"""Applications built through the real services, at fixed dates (no test depends on today)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from jiliang.licensing import services
from jiliang.licensing.models import Application

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
D = datetime.date
DRAFTED, RECEIVED, ACCEPTED = D(2025, 9, 20), D(2025, 9, 22), D(2025, 9, 26)

TYPE_APPROVAL = {"origin": "domestic", "instrument_name": "电子计价秤", "model": "ACS-15",
                 "category_letter": "F", "accuracy_class": "III"}
AUTHORISATION = {"authority_level": "provincial", "form": "legal_institution",
                 "kinds": ["taximeter", "electricity_meter"], "authorised_region": "440100"}


def pdf(name: str = "form.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft(user, *, type_code="type_approval", particulars=None, on=DRAFTED, **kw):
    return services.application_create(actor=user, type_code=type_code,
                                       particulars=particulars or TYPE_APPROVAL, on=on, **kw)


def attach_required(app: Application, user) -> None:
    for material in services.missing_materials(app):
        services.attachment_add(actor=user, application=app, material=material["code"],
                                upload=pdf(f"{material['code']}.pdf"))


def act(app: Application, actor, action: str, on: datetime.date, **payload) -> Application:
    app.refresh_from_db()
    return services.application_act(actor=actor, application=app, action=action,
                                    version=app.version, on=on, payload=payload)


def submitted(user, *, on=RECEIVED, **kw) -> Application:
    app = draft(user, **kw)
    attach_required(app, user)
    return act(app, user, "submit", on)


def accepted(p, *, received=RECEIVED, on=ACCEPTED, applicant=None, clerk=None,
             **kw) -> Application:
    app = submitted(applicant or p.acme, on=received, **kw)
    return act(app, clerk or p.gd_clerk, "accept", on)
