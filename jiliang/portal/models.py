"""The public window's own records: news and notices (work plan 七.1, 七.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained
from jiliang.portal.public import label
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


# --- complaints and reports (计量投诉举报) -------------------------------------------------------


class Complaint(models.Model):
    """A complaint or report from the public, handled by the bureau of its region.

    The contact details are the complainant's: only the handling bureau reads them, and each
    reading is in the ledger. The access code is kept only as a keyed hash.
    """

    tracking_number = models.CharField(_("tracking number"), max_length=20, unique=True)
    code_hash = models.CharField(max_length=64)
    category = models.CharField(_("what it is about"), max_length=20)
    description = models.TextField(_("description"), max_length=2000)
    region_code = models.CharField(_("division code"), max_length=6)
    address = models.CharField(_("address"), max_length=300)
    occurred_on = models.DateField(_("date of the event"))
    subject = models.CharField(_("instrument or product"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("e-mail"), max_length=200, blank=True)
    handling_org = models.ForeignKey("core.Organisation", models.PROTECT, related_name="+",
                                     verbose_name=_("handling bureau"))
    received_at = models.DateTimeField(_("received"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due"))
    state = models.CharField(_("state"), max_length=12, default="received")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                related_name="+")
    outcome = models.TextField(_("outcome of handling"), max_length=4000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    instrument = models.ForeignKey("registry.Instrument", models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("instrument"))
    campaign = models.ForeignKey("supervision.Campaign", models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("campaign"))
    source_hash = models.CharField(max_length=64, db_index=True)  # keyed hash of the address

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["region_code", "state", "due_on"],
                                name="portal_complaint_queue"),
                   models.Index(fields=["source_hash", "received_at"],
                                name="portal_complaint_source")]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def anonymous(self) -> bool:
        return not (self.contact_name or self.contact_phone or self.contact_email)


class ComplaintPhoto(models.Model):
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="portal/complaints/%Y/%m/")
    content_kind = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)


# --- World Metrology Day (20 May, work plan 七.4) -----------------------------------------------


class MetrologyDay(models.Model):
    """One year's campaign: its theme, set by the national administration."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    theme_zh = models.CharField(_("theme (Chinese)"), max_length=200)
    theme_en = models.CharField(_("theme (English)"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("World Metrology Day")
        verbose_name_plural = _("World Metrology Days")

    def __str__(self) -> str:
        return f"{self.year} {self.theme_zh}"


class MetrologyDayEvent(models.Model):
    """An event a bureau holds for the day: what, when, where."""

    day = models.ForeignKey(MetrologyDay, models.CASCADE, related_name="events")
    region_code = models.CharField(_("division code"), max_length=6)
    organiser = models.ForeignKey("core.Organisation", models.PROTECT, related_name="+",
                                  verbose_name=_("organiser"))
    title = models.CharField(_("event"), max_length=200)
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=300)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # The editorial workflow of the news (rules/data/news.json): public once approved.
    state = models.CharField(_("state"), max_length=12, default="submitted")
    return_reasons = models.TextField(_("reasons for return"), blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["on", "region_code", "id"]
        indexes = [models.Index(fields=["day", "region_code"], name="portal_wmd_event_region")]


class MetrologyDayMaterial(models.Model):
    """A poster, leaflet or guide for the day (PDF, PNG or JPEG, checked by content)."""

    day = models.ForeignKey(MetrologyDay, models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="portal/wmd/%Y/")
    original_name = models.CharField(max_length=255)
    content_kind = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
