"""The public window's own records: news and notices (work plan 七.1, 七.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained
from jiliang.rules import news as rules

NATIONAL = "000000"  # the publishing region of the national administration
TITLE_MAX = 200
BODY_MAX = 20_000


def kind_choices():
    return [(code, label["zh"]) for code, label in rules.kinds().items()]


class NewsItem(models.Model):
    """A news item, notice, policy document or event, from draft to publication.

    Once approved its text does not change: a correction is a new item that ``corrects`` it.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=kind_choices)
    region_code = models.CharField(_("publishing region"), max_length=6)
    title_zh = models.CharField(_("title (Chinese)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    body_zh = models.TextField(_("text (Chinese)"), max_length=BODY_MAX)
    body_en = models.TextField(_("text (English)"), max_length=BODY_MAX, blank=True)
    state = models.CharField(_("state"), max_length=12, default="draft")
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    corrects = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("corrects"))
    return_reasons = models.TextField(_("reasons for return"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")
        indexes = [
            models.Index(fields=["state", "publish_at"], name="portal_news_live"),
            models.Index(fields=["region_code", "state", "publish_at"], name="portal_news_region"),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def get_absolute_url(self) -> str:
        return reverse("portal:news-detail", kwargs={"pk": self.pk})

    @property
    def kind_label(self) -> dict:
        return rules.kinds().get(self.kind, {"zh": self.kind, "en": self.kind})

    @property
    def kind_name(self) -> str:
        from jiliang.portal.public import label

        return label(self.kind_label)


class NewsAttachment(models.Model):
    item = models.ForeignKey(NewsItem, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="portal/news/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_kind = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]


class NewsPublication(Chained):
    """The published text of an item, chained like the other disclosures: what the public was
    shown, and when, cannot change silently. One chain per province (the national one: 00)."""

    item = models.OneToOneField(NewsItem, models.PROTECT, related_name="publication")
    region_code = models.CharField(max_length=6)
    kind = models.CharField(max_length=12)
    title_zh = models.CharField(max_length=TITLE_MAX)
    title_en = models.CharField(max_length=TITLE_MAX, blank=True)
    body_sha256 = models.CharField(max_length=64)
    attachments_sha256 = models.JSONField(default=list)
    publish_at = models.DateTimeField()
    corrects_item_id = models.BigIntegerField(null=True)
    approved_by_name = models.CharField(max_length=150)

    CHAIN_FIELDS = ("item", "region_code", "kind", "title_zh", "title_en", "body_sha256",
                    "attachments_sha256", "publish_at", "corrects_item_id", "approved_by_name")

    class Meta(Chained.Meta):
        verbose_name = _("news publication")
        verbose_name_plural = _("news publications")

    def chain_key_value(self) -> str:
        return self.region_code[:2]


class NewsFeature(models.Model):
    """A bureau shows another region's item on its own page (七.1 交流 between provinces)."""

    item = models.ForeignKey(NewsItem, models.CASCADE, related_name="features")
    region_code = models.CharField(_("featured by"), max_length=6)
    featured_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    featured_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "region_code"],
                                               name="portal_newsfeature_uniq")]
        indexes = [models.Index(fields=["region_code", "featured_at"], name="portal_feat_region")]
