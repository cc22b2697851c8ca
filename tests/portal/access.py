"""Objects of the public window for the access matrix: a published Guangdong notice, a
Guangdong draft and a Beijing draft."""

import tempfile

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone

from jiliang.portal import complaints, services
from tests.access import Marker, Sample

# The matrix runs outside tests/portal, so the uploads made here go to a directory of their own.
_MEDIA = override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="jiliang-portal-access-"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def samples(world):
    if not str(settings.MEDIA_ROOT).startswith(tempfile.gettempdir()):
        _MEDIA.enable()  # unless another app's samples already moved uploads to a temporary one
    p = world.personas
    draft = services.news_create(actor=p.gd_clerk, kind="notice", title_zh="矩阵测试公告",
                                 body_zh="正文")
    attachment = services.news_attach(actor=p.gd_clerk, item=draft,
                                      upload=SimpleUploadedFile("a.pdf", PDF))
    services.news_act(actor=p.gd_clerk, item=draft, action="submit")
    live = services.news_act(actor=p.gd_head, item=draft, action="approve",
                             publish_at=timezone.now())
    gd_draft = services.news_create(actor=p.gd_clerk, kind="news", title_zh="矩阵广东草稿",
                                    body_zh="草稿正文")
    bj_draft = services.news_create(actor=p.bj_clerk, kind="news", title_zh="矩阵北京草稿",
                                    body_zh="草稿正文")
    world.markers += [Marker("矩阵广东草稿", "440000"), Marker("矩阵北京草稿", "110000")]
    public = {"allowed": lambda u: True}
    out = [
        Sample("portal:news-detail", {"pk": live.pk}, **public),
        Sample("portal:news-feed", {"region": "44", "kind": "notice"}, **public),
        Sample("portal:news-file", {"pk": live.pk, "file_pk": attachment.pk}, **public),
        Sample("portal:news-desk-file", {"pk": live.pk, "file_pk": attachment.pk},
               region_code="440000"),
        Sample("portal:news-feed", {"region": "all", "kind": "all"}, **public),
        Sample("portal:news-feature", {"pk": live.pk},
               allowed=lambda u: u.is_bureau and not u.username.startswith("gd")
               and u.username != "gz_clerk"),
    ]
    for draft, region in ((gd_draft, "440000"), (bj_draft, "110000")):
        own = {"region_code": region}
        out += [
            Sample("portal:news-edit", {"pk": draft.pk}, **own),
            Sample("portal:news-act", {"pk": draft.pk, "action": "submit"}, **own),
            Sample("portal:news-attach", {"pk": draft.pk}, **own),
            Sample("portal:news-correct", {"pk": draft.pk}, **own),
        ]
    complaint, _code = complaints.complaint_submit(
        source="127.0.0.9", category="short_weight", description="矩阵投诉", region_code="440106",
        address="天河区", occurred_on=timezone.localdate(), contact_phone="13900000000")
    world.markers.append(Marker("矩阵投诉", "440106"))
    gz = {"region_code": "440106"}
    out += [Sample(f"portal:complaint-{name}", {"pk": complaint.pk}, **gz)
            for name in ("detail", "take", "close", "contact")]
    from jiliang.portal import metrology_day

    day = metrology_day.day_set(actor=None, year=2026, theme_zh="矩阵主题")
    event = metrology_day.event_add(actor=p.gd_clerk, day=day, region_code="440000",
                                    title="矩阵活动", on=timezone.localdate().replace(
                                        year=2026, month=5, day=20), place="广州")
    material = metrology_day.material_add(actor=p.gd_clerk, day=day, title="海报",
                                          upload=SimpleUploadedFile("p.pdf", PDF))
    out += [
        Sample("portal:wmd-year", {"year": 2026}, **public),
        Sample("portal:wmd-material", {"year": 2026, "pk": material.pk}, **public),
        Sample("portal:wmd-manage", {"year": 2026}, allowed=lambda u: u.is_bureau),
        Sample("portal:wmd-event-remove", {"pk": event.pk}, region_code="440000"),
        Sample("portal:wmd-event-act", {"pk": event.pk, "action": "approve"},
               region_code="440000"),
    ]
    from jiliang.portal.opendata import datasets

    for ds in datasets():
        out += [Sample(f"portal:{name}", {"slug": ds.slug}, **public)
                for name in ("dataset", "dataset-csv", "dataset-json", "dataset-schema")]
    return out
