"""Objects of the licensing app for the access matrix (tests/test_access_matrix.py)."""

import tempfile

from django.test.utils import override_settings

from jiliang.core.services import user_create
from tests.access import Marker, Sample
from tests.licensing.helpers import D, accepted, act, draft, submitted

# The matrix runs outside tests/licensing (whose conftest keeps uploads in a temporary
# directory), so the uploads made here go to one of their own.
_MEDIA = override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="jiliang-access-"))


def samples(world):
    _MEDIA.enable()
    p = world.personas
    acme, bj_ent = p.orgs["acme"], p.orgs["bj_enterprise"]
    bj_user = user_create(actor=None, username="bj_ent_user", password="jiliang-demo",
                          organisation=bj_ent, role="enterprise_user")
    gd = act(accepted(p), p.gd_head, "approve", D(2025, 10, 9))
    licence = gd.licence
    pending = submitted(p.acme, on=D(2025, 9, 23))
    mine = draft(p.acme)
    bj = submitted(bj_user, on=D(2025, 9, 23), type_code="measurement_standard_assessment",
                   particulars={"competent_level": "provincial", "standard_name": "北京衡器标准",
                                "measuring_range": "(0~60)kg", "uncertainty": "M1"})
    for app, org in ((gd, acme), (pending, acme), (bj, bj_ent)):
        world.markers.append(Marker(app.number, org.region_code, (org.pk,)))
    world.markers.append(Marker(mine.particulars["model"] + "-draft-none", acme.region_code,
                                (acme.pk,)))
    gd_own = {"region_code": acme.region_code, "orgs": (acme.pk,)}
    bj_own = {"region_code": bj_ent.region_code, "orgs": (bj_ent.pk,)}
    attachment = gd.attachments.first()
    only_acme = {"allowed": lambda u: u.username == "acme"}
    out = []
    for app, own in ((gd, gd_own), (bj, bj_own)):
        out += [
            Sample("licensing:application-detail", {"pk": app.pk}, **own),
            Sample("licensing:application-act", {"pk": app.pk, "action": "accept"}, **own),
            Sample("licensing:attachment-upload", {"pk": app.pk}, **own),
            Sample("jiliang_licensing_api_application_detail", {"app_id": app.pk}, **own),
            Sample("jiliang_licensing_api_application_act", {"app_id": app.pk,
                                                             "action": "accept"}, **own),
            Sample("jiliang_licensing_api_attachment_add", {"app_id": app.pk}, **own),
        ]
    out += [
        Sample("licensing:application-detail", {"pk": mine.pk}, **only_acme),
        Sample("licensing:application-edit", {"pk": mine.pk}, **only_acme),
        Sample("jiliang_licensing_api_application_detail", {"app_id": mine.pk}, **only_acme),
        Sample("licensing:attachment-download", {"pk": gd.pk, "file_pk": attachment.pk},
               **gd_own),
        Sample("licensing:application-document", {"pk": gd.pk, "doc": "voucher"}, **gd_own),
        Sample("licensing:application-document", {"pk": gd.pk, "doc": "decision"}, **gd_own),
        Sample("licensing:application-create", {"type_code": "type_approval"},
               allowed=lambda u: not u.is_bureau and u.organisation_id is not None),
        Sample("licensing:licence-detail", {"pk": licence.pk}, **gd_own),
        Sample("licensing:licence-certificate", {"pk": licence.pk}, **gd_own),
        Sample("licensing:licence-act", {"pk": licence.pk, "action": "revoke"}, **gd_own),
        Sample("licensing:licence-apply", {"pk": licence.pk, "purpose": "change"},
               **only_acme),
        Sample("jiliang_licensing_api_licence_detail", {"licence_id": licence.pk}, **gd_own),
        Sample("jiliang_licensing_api_licence_act", {"licence_id": licence.pk,
                                                     "action": "revoke"}, **gd_own),
        Sample("licensing:guide-detail", {"type_code": "type_approval"}),
        Sample("licensing:guide-sample", {"type_code": "metrology_authorization"}),
        Sample("licensing:public-licence", {"code": licence.public_code}),
        Sample("licensing:public-track", {"code": gd.public_code}),
    ]
    return out
