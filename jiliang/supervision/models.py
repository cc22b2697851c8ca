"""Supervision campaigns (work plan 一.2, 一.3, 一.4, 二.8, 五.7) and what inspectors record in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.audit.chain import Chained
from jiliang.core.models import Organisation, Region
from jiliang.supervision import workflow


class CampaignKind(models.TextChoices):
    NET_CONTENT = "net_content", _("net content of prepackaged goods")
    SPECIAL_INSPECTION = "special_inspection", _("special inspection of instruments in use")
    PRODUCT_SAMPLING = "product_sampling", _("product-quality sampling of measuring instruments")
    ENERGY_LABEL = "energy_label", _("energy-efficiency labels")


class CampaignLevel(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    RUNNING = "running", _("running")
    REPORTING = "reporting", _("reporting")
    CLOSED = "closed", _("closed")


class Campaign(models.Model):
    """A campaign planned by a bureau: what is inspected, where, how many, by when."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=16, choices=CampaignLevel.choices)
    organiser = models.ForeignKey(Organisation, models.PROTECT, related_name="campaigns",
                                  verbose_name=_("organiser"))
    # The campaign's area: "" for a national campaign (the whole country), otherwise the
    # organising bureau's division. Tasks and records carry the division they are filed under.
    region_code = models.CharField(_("area"), max_length=6, blank=True, db_index=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    kind_codes = models.JSONField(_("instrument kinds"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    field_deadline = models.DateField(_("field work due"))
    report_deadline = models.DateField(_("report due"))
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices,
                              default=CampaignStatus.PLANNED)
    continues = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                  related_name="continuations", verbose_name=_("continues"))
    published_at = models.DateTimeField(_("released for publication"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("released by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "kind", "title", "pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [models.Index(fields=["kind", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    @property
    def is_national(self) -> bool:
        return self.region_code == ""

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CampaignEvent(models.Model):
    """One change of a campaign's status (or its release), as the workflow service made it."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(pgettext_lazy("status", "to"), max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.from_status} -> {self.to_status}"

    @property
    def action_label(self) -> str:
        """The step in words ("Start field work"), not its code."""
        found = workflow.transition(self.action)
        if found is not None:
            return workflow.label(found)
        return str({"release": _("Results released"), "plan": _("Planned")}.get(
            self.action, self.action))

    @property
    def from_label(self) -> str:
        return str(dict(CampaignStatus.choices).get(self.from_status, self.from_status))

    @property
    def to_label(self) -> str:
        return str(dict(CampaignStatus.choices).get(self.to_status, self.to_status))


class CampaignTask(models.Model):
    """The work of one region (and, where given, one institution) in a campaign, with its target."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="tasks",
                                 verbose_name=_("campaign"))
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("region"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    institution = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                    related_name="supervision_tasks",
                                    verbose_name=_("institution"))
    target = models.PositiveIntegerField(_("target"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "region_code", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(
            fields=["campaign", "region", "institution"], name="supervision_task_uniq")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.region.name}"


class TareMethod(models.TextChoices):
    # JJF 1070-2005 除去皮重方法一/方法二 (the conditions of method 2 were not read: a null
    # in shared/reference); the record names the method, the judgement does not depend on it.
    EACH = "each", _("each unit's tare weighed (method 1)")
    AVERAGE = "average", _("average tare (method 2)")
    NOT_NEEDED = "none", _("no tare (counted or measured directly)")


class Verdict(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class NetContentRecord(Chained):
    """One lot of prepackaged goods sampled and judged; append-only and chained per province.

    A correction or a re-inspection is a new record (``reinspection_of`` links it to the
    first); the judgement's full figures stay with the record in ``figures``.
    """

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="net_content_records",
                                 verbose_name=_("campaign"))
    task = models.ForeignKey(CampaignTask, models.PROTECT, related_name="net_content_records",
                             verbose_name=_("task"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    notice_number = models.CharField(_("notice number"), max_length=32, unique=True)
    packer = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                               related_name="net_content_records", verbose_name=_("packer"))
    packer_credit_code = models.CharField(_("packer's credit code"), max_length=18,
                                          db_index=True)
    packer_name = models.CharField(_("packer"), max_length=200)
    product = models.CharField(_("product"), max_length=100)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    nominal = models.DecimalField(_("nominal quantity"), max_digits=14, decimal_places=4)
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=8)
    lot_size = models.PositiveIntegerField(_("lot size"))
    place = models.CharField(_("place of sampling"), max_length=200)
    sampled_on = models.DateField(_("sampled on"))
    tare_method = models.CharField(_("tare method"), max_length=16, choices=TareMethod.choices)
    values = models.JSONField(_("measured values"))  # decimal strings, as measured
    values_unit = models.CharField(_("unit of the values"), max_length=8)
    rule_set = models.CharField(_("rule set"), max_length=32)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    figures = models.JSONField(_("figures"))
    reinspection_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                        related_name="reinspections",
                                        verbose_name=_("re-inspection of"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"))

    CHAIN_FIELDS = (
        "campaign", "task", "region_code", "notice_number", "packer_credit_code", "packer_name",
        "product", "brand", "nominal", "unit", "lot_size", "place", "sampled_on", "tare_method",
        "values", "values_unit", "rule_set", "verdict", "figures", "reinspection_of",
        "recorded_by", "recorded_at",
    )

    class Meta(Chained.Meta):
        ordering = ["-sampled_on", "-pk"]
        verbose_name = _("net-content record")
        verbose_name_plural = _("net-content records")
        indexes = [
            models.Index(fields=["campaign", "region_code"]),
            models.Index(fields=["packer_credit_code", "sampled_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.notice_number} {self.packer_name} {self.product}"

    def chain_key_value(self) -> str:
        return self.region_code[:2]

    @property
    def failed_labels(self) -> list[str]:
        return [str(FAILURE_LABELS.get(f, f)) for f in self.figures.get("failed", [])]


FAILURE_LABELS = {
    "over_2T": _("a unit short by more than 2T"),
    "over_T": _("more units short by more than T than the plan allows"),
    "mean": _("the mean is below Qn − λ·s"),
}


class EnforcementAction(models.TextChoices):
    NONE = "none", _("none")
    RECTIFY = "rectify", _("order to rectify within a time limit")
    WARNING = "warning", _("warning")
    FINE = "fine", _("fine")
    SEAL = "seal", _("instruments sealed or stopped from use")
    REFER = "refer", _("referred to another authority")


class InspectionVisit(models.Model):
    """A special inspection of an institution's instruments in use (e.g. a hospital's)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="visits",
                                 verbose_name=_("campaign"))
    task = models.ForeignKey(CampaignTask, models.PROTECT, related_name="visits",
                             verbose_name=_("task"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    institution = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                    related_name="inspection_visits",
                                    verbose_name=_("institution visited"))
    institution_name = models.CharField(_("institution visited"), max_length=200)
    institution_credit_code = models.CharField(_("unified social credit code"), max_length=18,
                                               blank=True, db_index=True)
    visited_on = models.DateField(_("visited on"))
    inspectors = models.CharField(_("inspectors"), max_length=200, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    action = models.CharField(_("enforcement action"), max_length=16,
                              choices=EnforcementAction.choices, default=EnforcementAction.NONE)
    action_note = models.CharField(_("details of the action"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("inspection visit")
        verbose_name_plural = _("inspection visits")
        indexes = [models.Index(fields=["campaign", "region_code"])]

    def __str__(self) -> str:
        return f"{self.institution_name} {self.visited_on}"


class InstrumentSource(models.TextChoices):
    REGISTRY = "registry", _("on file in the registry")
    ON_SPOT = "on_spot", _("recorded on the spot")


class InspectedInstrument(models.Model):
    """One instrument found on a visit: owner, kind code (catalogue), serial number, findings."""

    visit = models.ForeignKey(InspectionVisit, models.CASCADE, related_name="instruments",
                              verbose_name=_("visit"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    kind_code = models.CharField(_("instrument kind"), max_length=64, db_index=True)
    serial_number = models.CharField(_("serial number"), max_length=100)
    owner = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("owner"))
    owner_name = models.CharField(_("owner"), max_length=200)
    owner_credit_code = models.CharField(_("owner's credit code"), max_length=18, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=InstrumentSource.choices)
    public_code = models.CharField(_("registry code"), max_length=64, blank=True)
    verified_in_time = models.BooleanField(_("verified in time"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    conforms = models.BooleanField(_("conforms"), null=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["visit", "kind_code", "serial_number"]
        verbose_name = _("inspected instrument")
        verbose_name_plural = _("inspected instruments")
        constraints = [models.UniqueConstraint(fields=["visit", "kind_code", "serial_number"],
                                               name="supervision_instrument_uniq")]

    def __str__(self) -> str:
        return f"{self.kind_code} {self.serial_number}"


class ProductSample(models.Model):
    """A measuring instrument taken in the product-quality sampling, its tests and conclusion."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="product_samples",
                                 verbose_name=_("campaign"))
    task = models.ForeignKey(CampaignTask, models.PROTECT, related_name="product_samples",
                             verbose_name=_("task"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    manufacturer = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                     related_name="product_samples",
                                     verbose_name=_("manufacturer"))
    manufacturer_name = models.CharField(_("manufacturer"), max_length=200)
    manufacturer_credit_code = models.CharField(_("manufacturer's credit code"), max_length=18,
                                                blank=True, db_index=True)
    product = models.CharField(_("product"), max_length=100)
    model = models.CharField(_("model"), max_length=100)
    kind_code = models.CharField(_("instrument kind"), max_length=64, blank=True)
    sample_number = models.CharField(_("sample number"), max_length=64)
    sampled_on = models.DateField(_("sampled on"))
    items = models.JSONField(_("test items"), default=list)
    conclusion = models.CharField(_("conclusion"), max_length=8, choices=Verdict.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The approved type it is checked against (catalogue #14, plan 一.3 and 五.4).
    type_approval_no = models.CharField(_("type-approval number"), max_length=40, blank=True)
    key_parts_consistent = models.BooleanField(
        _("key parts as approved"), null=True, blank=True,
        help_text=_("Whether the key parts match those of the approved type; empty when not "
                    "checked."))
    key_parts_note = models.CharField(_("key-part check"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-sampled_on", "-pk"]
        verbose_name = _("product sample")
        verbose_name_plural = _("product samples")
        indexes = [models.Index(fields=["campaign", "region_code"])]

    def __str__(self) -> str:
        return f"{self.sample_number} {self.product} {self.model}"


class LabelFinding(models.TextChoices):
    # Work plan 二.8: the four outcomes of an energy-efficiency label check.
    CORRECT = "correct", _("labelled correctly")
    NOT_LABELLED = "not_labelled", _("not labelled where a label is required")
    FORGED = "forged", _("label forged or misused")
    FALSE_CLAIM = "false_claim", _("false claim: measured efficiency below the labelled grade")


class EnergyLabelCheck(models.Model):
    """One product checked for its China energy label (中国能效标识)."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="label_checks",
                                 verbose_name=_("campaign"))
    task = models.ForeignKey(CampaignTask, models.PROTECT, related_name="label_checks",
                             verbose_name=_("task"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    enterprise = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                   related_name="label_checks", verbose_name=_("enterprise"))
    enterprise_name = models.CharField(_("producer or seller"), max_length=200)
    enterprise_credit_code = models.CharField(_("unified social credit code"), max_length=18,
                                              blank=True, db_index=True)
    product = models.CharField(_("product"), max_length=100)
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100)
    checked_on = models.DateField(_("checked on"))
    # The GB energy-efficiency standard printed on the label: it fixes the number of grades
    # (rules/data/energy_labels.json).
    label_standard = models.CharField(_("label standard"), max_length=40, blank=True)
    finding = models.CharField(_("finding"), max_length=16, choices=LabelFinding.choices)
    labelled_grade = models.PositiveSmallIntegerField(_("labelled grade"), null=True, blank=True)
    measured_grade = models.PositiveSmallIntegerField(_("measured grade"), null=True, blank=True)
    handling = models.CharField(_("handling"), max_length=16, choices=EnforcementAction.choices,
                                default=EnforcementAction.NONE)
    handling_note = models.CharField(_("details of the handling"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-pk"]
        verbose_name = _("energy-label check")
        verbose_name_plural = _("energy-label checks")
        indexes = [models.Index(fields=["campaign", "region_code"])]

    def __str__(self) -> str:
        return f"{self.product} {self.brand} {self.model}"


class UploadBatch(models.Model):
    """One field sheet uploaded to a task: what was saved and every row that was not."""

    class Kind(models.TextChoices):
        NET_CONTENT = "net_content", _("net-content samples")
        ENERGY_LABEL = "energy_label", _("energy-label checks")
        INSTRUMENTS = "instruments", _("instruments found on a visit")

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="uploads")
    task = models.ForeignKey(CampaignTask, models.PROTECT, related_name="uploads")
    visit = models.ForeignKey(InspectionVisit, models.PROTECT, null=True, blank=True,
                              related_name="uploads")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices,
                            default=Kind.NET_CONTENT)
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    filename = models.CharField(_("file"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(pgettext_lazy("time", "uploaded"), auto_now_add=True)
    rows_saved = models.PositiveIntegerField(_("rows saved"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(_("errors"), default=list)  # [{"row", "column", "reason"}]
    refused_rows = models.JSONField(default=dict)  # {row number: {key: text}} of refused rows

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("uploaded field sheet")
        verbose_name_plural = _("uploaded field sheets")

    def __str__(self) -> str:
        return self.filename
