"""The registry's running work: rate cells and deltas, reminders, import jobs, public look-up
counts and label sheets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.catalog.models import InstrumentKind, Use
from jiliang.core.models import Organisation
from jiliang.registry.models.instruments import DueAction, Instrument


class RateCell(models.Model):
    """Counts behind 受检率 and 检定合格率, per county, kind, use and month; kept as data changes."""

    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="+", db_index=False,
                             verbose_name=_("instrument kind"))
    use = models.CharField(_("use"), max_length=12, choices=Use.choices)
    month = models.DateField(_("month"))
    verified = models.IntegerField(_("verified"), default=0)
    passed = models.IntegerField(_("passed"), default=0)
    due = models.IntegerField(pgettext_lazy("count", "due"), default=0)
    due_verified = models.IntegerField(_("due and verified in time"), default=0)

    class Meta:
        verbose_name = _("rate cell")
        verbose_name_plural = _("rate cells")
        constraints = [models.UniqueConstraint(fields=["region_code", "kind", "use", "month"],
                                               name="registry_ratecell_uniq")]
        indexes = [models.Index(fields=["province_code", "month"], name="registry_rate_prov"),
                   models.Index(fields=["month"], name="registry_rate_month")]


class RateDelta(models.Model):
    """Counts a bulk import adds, not yet folded into ``RateCell`` (append-only). The import
    folds them once at its end and the daily task folds what a killed import left; the rates
    read cells and deltas together, so they are exact at any time."""

    region_code = models.CharField(max_length=6)
    province_code = models.CharField(max_length=2)
    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="+", db_index=False,
                             db_constraint=False)
    use = models.CharField(max_length=12)
    month = models.DateField()
    verified = models.IntegerField(default=0)
    passed = models.IntegerField(default=0)
    due = models.IntegerField(default=0)
    due_verified = models.IntegerField(default=0)

    # No index: the table is empty but while an import runs (it folds its deltas at its end,
    # the daily task folds what an interrupted one left), and a bulk load writes it.


class Reminder(models.Model):
    """A reminder the daily task leaves: to the owner before the due date, to the bureau after."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due soon")
        OVERDUE = "overdue", _("overdue")

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="+",
                                     db_index=False, verbose_name=_("to"))
    instrument = models.ForeignKey(Instrument, models.CASCADE, related_name="reminders",
                                   db_index=False, verbose_name=_("instrument"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_action = models.CharField(pgettext_lazy("action", "due"), max_length=8, choices=DueAction.choices)
    due_on = models.DateField(_("due on"))
    region_code = models.CharField(_("division code"), max_length=6)
    created_on = models.DateField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(
            fields=["organisation", "instrument", "kind", "due_on"], name="registry_reminder_uniq")]
        indexes = [models.Index(fields=["organisation", "read_at", "id"], name="registry_rem_org"),
                   models.Index(fields=["instrument"], name="registry_rem_inst"),
                   models.Index(fields=["created_on"], name="registry_rem_created")]


class ImportJob(models.Model):
    """One upload of the bulk import, run in the background."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                                   verbose_name=_("by"))
    organisation = models.ForeignKey(Organisation, models.CASCADE, null=True, blank=True,
                                     related_name="+", verbose_name=_("organisation"))
    region_code = models.CharField(_("division code"), max_length=6, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    file_kind = models.CharField(_("type"), max_length=4)
    data = models.BinaryField(_("content"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.IntegerField(_("rows"), default=0)
    processed = models.IntegerField(_("processed"), default=0)
    instruments_added = models.IntegerField(_("instruments added"), default=0)
    records_added = models.IntegerField(_("verifications added"), default=0)
    already_on_file = models.IntegerField(_("already on file"), default=0)
    error_count = models.IntegerField(_("bad rows"), default=0)
    errors_xlsx = models.BinaryField(_("errors"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Which worker runs it (host:pid) and when it last made progress: a job whose worker died
    # is found at the next worker start (jiliang.core.jobs) and marked failed, "interrupted".
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    retry_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                 related_name="retries", verbose_name=_("retry of"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state in (self.State.DONE, self.State.FAILED) else 0
        return min(100, int(self.processed * 100 / self.total))


class PublicLookup(models.Model):
    """How often a public page was looked up, per day, page and object (no personal data).

    One row per day and object found (its public code), and one per day and page for every
    look-up that found nothing: anonymous requests add to a count, never a row each
    (``services.public_lookup_count``)."""

    day = models.DateField(_("day"))
    page = models.CharField(_("page"), max_length=20)
    code = models.CharField(_("code"), max_length=60, blank=True)
    found = models.BooleanField(_("found"))
    count = models.PositiveBigIntegerField(_("look-ups"), default=0)

    class Meta:
        verbose_name = _("public look-up")
        verbose_name_plural = _("public look-ups")
        constraints = [models.UniqueConstraint(fields=["day", "page", "code", "found"],
                                               name="registry_lookup_day_object")]


class LabelSheet(models.Model):
    """A sheet of QR labels made in the background (more than two pages), with its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+",
                                   verbose_name=_("by"))
    owner = models.ForeignKey(Organisation, models.CASCADE, related_name="+",
                              verbose_name=_("owner"))
    kind_code = models.CharField(_("kind"), max_length=60, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.QUEUED)
    total = models.IntegerField(_("labels"), default=0)
    done = models.IntegerField(_("labels made"), default=0)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # As on ImportJob: which worker makes it and when it last made progress, so a sheet whose
    # worker died is failed, "interrupted", at the next worker start (jiliang.core.jobs).
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("label sheet")
        verbose_name_plural = _("label sheets")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.state}"

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else (
            int(100 * self.done / self.total) if self.total else 0)
