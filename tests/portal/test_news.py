"""News and notices: drafted by a clerk, approved by the head for a set time, chained when
published, corrected by a correction, listed per region and kind, fed as Atom."""

from __future__ import annotations

import tempfile
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from jiliang.audit.chain import chain_verify
from jiliang.audit.models import LedgerEntry
from jiliang.portal import services
from jiliang.portal.models import NewsItem, NewsPublication
from tests.base import PersonaTestCase
from tests.portal.helpers import later, published

ATOM = {"a": "http://www.w3.org/2005/Atom"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="jiliang-news-"))
class NewsWorkflowTests(PersonaTestCase):
    def test_a_notice_goes_from_draft_to_scheduled_publication_then_a_correction(self):
        p = self.p
        anonymous = self.client_as("anonymous", language="zh-hans")
        clerk = self.client_as("gd_clerk")
        response = clerk.post("/news/desk/new/", {
            "kind": "notice", "title_zh": "关于开展2026年计量监督检查的公告",
            "body_zh": "各有关单位：定于六月开展检查。", "title_en": "", "body_en": ""})
        item = NewsItem.objects.get(title_zh="关于开展2026年计量监督检查的公告")
        assert response.status_code == 302 and item.state == "draft"
        assert item.region_code == p.gd_clerk.organisation.region_code
        services.news_attach(actor=p.gd_clerk, item=item,
                             upload=SimpleUploadedFile("检查方案.pdf", PDF))
        with self.assertRaises(ValidationError):  # a PDF name on a text file is refused
            services.news_attach(actor=p.gd_clerk, item=item,
                                 upload=SimpleUploadedFile("x.pdf", b"not a pdf at all"))
        clerk.post(f"/news/desk/{item.pk}/act/submit/")
        item.refresh_from_db()
        assert item.state == "submitted"
        # The clerk cannot approve; the head can, for a time tomorrow.
        assert clerk.post(f"/news/desk/{item.pk}/act/approve/",
                          {"publish_at": "2030-01-01T09:00"}).status_code == 403 or \
            NewsItem.objects.get(pk=item.pk).state == "submitted"
        at = later(days=1)
        head = self.client_as("gd_head")
        head.post(f"/news/desk/{item.pk}/act/approve/",
                  {"publish_at": at.astimezone().strftime("%Y-%m-%dT%H:%M")})
        item.refresh_from_db()
        assert item.state == "approved" and item.approved_by == p.gd_head
        # Scheduled: not public yet.
        assert anonymous.get(f"/news/{item.pk}/").status_code == 404
        assert item.title_zh not in anonymous.get("/news/").content.decode()
        # The time comes.
        NewsItem.objects.filter(pk=item.pk).update(publish_at=later(minutes=-1))
        page = anonymous.get(f"/news/{item.pk}/").content.decode()
        assert "各有关单位" in page and "检查方案.pdf" in page
        assert item.title_zh in anonymous.get("/news/?from=44").content.decode()
        assert item.title_zh not in anonymous.get("/news/?from=11").content.decode()
        attachment = item.attachments.get()
        download = anonymous.get(f"/news/{item.pk}/files/{attachment.pk}/")
        assert download.status_code == 200 and download.content == PDF
        # Chained when approved, and the chain holds.
        publication = NewsPublication.objects.get(item=item)
        assert publication.attachments_sha256 == [attachment.sha256]
        assert all(r.ok for r in chain_verify(NewsPublication))
        # A correction: drafted from the original, approved, and shown on both pages.
        clerk.post(f"/news/desk/{item.pk}/correct/")
        correction = NewsItem.objects.get(corrects=item)
        services.news_update(actor=p.gd_clerk, item=correction, kind="notice",
                             title_zh="更正：关于开展2026年计量监督检查的公告",
                             body_zh="各有关单位：定于七月开展检查。")
        services.news_act(actor=p.gd_clerk, item=correction, action="submit")
        services.news_act(actor=p.gd_head, item=correction, action="approve",
                          publish_at=later(seconds=0))
        original = anonymous.get(f"/news/{item.pk}/").content.decode()
        assert 'id="corrected"' in original and f"/news/{correction.pk}/" in original
        assert "定于六月" in original  # the original text stays as it was published
        corrected = anonymous.get(f"/news/{correction.pk}/").content.decode()
        assert 'id="is-correction"' in corrected and "定于七月" in corrected
        assert NewsPublication.objects.get(item=correction).corrects_item_id == item.pk
        assert all(r.ok for r in chain_verify(NewsPublication))
        # The feed of Guangdong's notices carries both, the correction marked.
        feed = anonymous.get("/news/feed/44/notice.atom")
        assert feed.status_code == 200
        titles = [e.text for e in ElementTree.fromstring(feed.content).findall(
            "a:entry/a:title", ATOM)]
        assert "关于开展2026年计量监督检查的公告" in titles
        assert any(t.startswith("更正") and "更正：关于" in t for t in titles)
        assert anonymous.get("/news/feed/11/notice.atom").content.count(b"<entry>") == 0
        assert anonymous.get("/news/feed/44/news.atom").content.count(b"<entry>") == 0
        actions = set(LedgerEntry.objects.filter(object_id=str(item.pk)).values_list(
            "action", flat=True))
        assert {"portal.news.create", "portal.news.submit", "portal.news.approve"} <= actions

    def test_the_head_does_not_approve_a_draft_of_their_own(self):
        item = services.news_create(actor=self.p.gd_head, kind="news", title_zh="头条",
                                    body_zh="正文")
        services.news_act(actor=self.p.gd_head, item=item, action="submit")
        with self.assertRaises(PermissionDenied):
            services.news_act(actor=self.p.gd_head, item=item, action="approve",
                              publish_at=later(hours=1))

    def test_a_head_returns_a_draft_with_reasons_and_the_clerk_changes_it(self):
        item = services.news_create(actor=self.p.gd_clerk, kind="event", title_zh="活动",
                                    body_zh="正文")
        services.news_act(actor=self.p.gd_clerk, item=item, action="submit")
        with self.assertRaises(ValidationError):
            services.news_act(actor=self.p.gd_head, item=item, action="return", reasons=" ")
        services.news_act(actor=self.p.gd_head, item=item, action="return", reasons="补充地点")
        item.refresh_from_db()
        assert item.state == "draft" and item.return_reasons == "补充地点"
        services.news_update(actor=self.p.gd_clerk, item=item, kind="event", title_zh="活动",
                             body_zh="正文，地点：广州")

    def test_the_time_of_publication_cannot_be_in_the_past(self):
        item = services.news_create(actor=self.p.gd_clerk, kind="news", title_zh="x",
                                    body_zh="y")
        services.news_act(actor=self.p.gd_clerk, item=item, action="submit")
        with self.assertRaises(ValidationError):
            services.news_act(actor=self.p.gd_head, item=item, action="approve",
                              publish_at=later(days=-2))

    def test_a_bureau_sees_its_regions_drafts_only(self):
        services.news_create(actor=self.p.gd_clerk, kind="news", title_zh="广东草稿甲",
                             body_zh="正文")
        services.news_create(actor=self.p.bj_clerk, kind="news", title_zh="北京草稿乙",
                             body_zh="正文")
        gd = self.client_as("gd_clerk").get("/news/desk/").content.decode()
        bj = self.client_as("bj_clerk").get("/news/desk/").content.decode()
        admin = self.client_as("admin").get("/news/desk/").content.decode()
        assert "广东草稿甲" in gd and "北京草稿乙" not in gd
        assert "北京草稿乙" in bj and "广东草稿甲" not in bj
        assert "广东草稿甲" in admin and "北京草稿乙" in admin
        assert self.client_as("acme").get("/news/desk/").status_code == 403

    def test_the_home_shows_the_national_and_the_chosen_provinces_latest(self):
        p = self.p
        national_head = p.admin
        national = services.news_create(actor=p.admin, kind="policy", title_zh="总局政策文件",
                                        body_zh="正文")
        services.news_act(actor=p.admin, item=national, action="submit")
        # The national administrator approves a national item drafted by a colleague only.
        with self.assertRaises(PermissionDenied):
            services.news_act(actor=national_head, item=national, action="approve",
                              publish_at=later(seconds=0))
        from jiliang.core.models import Role
        from jiliang.core.services import user_create

        colleague = user_create(actor=None, username="nat_head", password="x-pass-12345",
                                organisation=p.admin.organisation, role=Role.BUREAU_HEAD)
        services.news_act(actor=colleague, item=national, action="approve",
                          publish_at=later(seconds=0))
        published(p.gd_clerk, p.gd_head, title="广东省局新闻")
        published(p.bj_clerk, _beijing_head(p), title="北京市局新闻")
        anonymous = self.client_as("anonymous")
        home = anonymous.get("/?province=44")
        body = home.content.decode()
        assert "总局政策文件" in body and "广东省局新闻" in body and "北京市局新闻" not in body
        assert home.cookies["jl_province"].value == "44"
        again = anonymous.get("/").content.decode()  # the choice is remembered
        assert "广东省局新闻" in again

    def test_a_province_features_another_provinces_item(self):
        p = self.p
        beijing = published(p.bj_clerk, _beijing_head(p), title="北京经验交流")
        anonymous = self.client_as("anonymous")
        assert "北京经验交流" not in anonymous.get("/news/?from=44").content.decode()
        with self.assertRaises(PermissionDenied):  # a province does not feature its own
            services.news_feature(actor=p.bj_clerk, item=beijing)
        self.client_as("gd_clerk").post(f"/news/{beijing.pk}/feature/", {"on": "1"})
        assert "北京经验交流" in anonymous.get("/news/?from=44").content.decode()
        assert "北京经验交流" in anonymous.get("/?province=44").content.decode()
        self.client_as("gd_clerk").post(f"/news/{beijing.pk}/feature/", {"on": "0"})
        assert "北京经验交流" not in anonymous.get("/news/?from=44").content.decode()

    def test_bad_input_names_the_field(self):
        clerk = self.client_as("gd_clerk")
        response = clerk.post("/news/desk/new/", {"kind": "gossip", "title_zh": "",
                                                  "body_zh": "x" * 30000})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-field="kind"' in body and 'data-field="title_zh"' in body
        assert 'data-field="body_zh"' in body


def _beijing_head(p):
    from jiliang.core.models import Role
    from jiliang.core.services import user_create

    return user_create(actor=None, username="bj_head_news", password="x-pass-12345",
                       organisation=p.bj_clerk.organisation, role=Role.BUREAU_HEAD)
