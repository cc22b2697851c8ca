"""Measurement standards, their chain to a national primary standard, reference materials,
comparisons, touring standards, and the impact of a standard found wrong.

Every scoped row carries the division code of its owner (``region_code``) and its province.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.core.models import Organisation
from jiliang.rules import comparison as cmp_rules
from jiliang.rules import traceability as rules


class Category(models.TextChoices):
    NATIONAL = rules.NATIONAL, _("national primary standard")
    SOCIAL_PUBLIC = rules.SOCIAL_PUBLIC, _("social public measurement standard")
    DEPARTMENT_HIGHEST = rules.DEPARTMENT_HIGHEST, _("highest standard of a department")
    ENTERPRISE_HIGHEST = rules.ENTERPRISE_HIGHEST, _("highest standard of an enterprise or institution")
    WORKING = rules.WORKING, _("working standard")


class StandardStatus(models.TextChoices):
    ACTIVE = rules.ACTIVE, _("in service")
    SUSPENDED = rules.SUSPENDED, pgettext_lazy("standard", "suspended")
    RETIRED = rules.RETIRED, _("retired")


class Standard(models.Model):
    """A measurement standard (计量标准), or a national primary standard (计量基准) as the top node."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="standards",
                              verbose_name=_("owner"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    measurand = models.CharField(_("measurand"), max_length=100)
    kinds = models.JSONField(_("instrument kinds served"), default=list, blank=True)
    range_low = models.DecimalField(_("range from"), max_digits=20, decimal_places=6, null=True,
                                    blank=True)
    range_high = models.DecimalField(_("range to"), max_digits=20, decimal_places=6, null=True,
                                     blank=True)
    range_unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=20, blank=True)
    uncertainty = models.CharField(_("uncertainty, accuracy class or MPE"), max_length=200)
    location = models.CharField(_("location"), max_length=200, blank=True)
    mobile = models.BooleanField(_("touring standard"), default=False)
    upstream = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                 related_name="downstream", verbose_name=_("traced to"))
    status = models.CharField(_("status"), max_length=12, choices=StandardStatus.choices,
                              default=StandardStatus.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("measurement standard")
        verbose_name_plural = _("measurement standards")
        indexes = [models.Index(fields=["province_code", "code"], name="trace_std_prov"),
                   models.Index(fields=["owner", "status"], name="trace_std_owner"),
                   models.Index(fields=["upstream"], name="trace_std_up")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_national(self) -> bool:
        return self.category == Category.NATIONAL

    @property
    def range_text(self) -> str:
        if self.range_high is None:
            return "—"
        low = self.range_low if self.range_low is not None else 0
        return f"{low.normalize() if hasattr(low, 'normalize') else low:f}–" \
               f"{self.range_high.normalize():f} {self.range_unit}"


class Device(models.Model):
    """A device of a standard: its main standard device or an ancillary one."""

    class Role(models.TextChoices):
        MAIN = "main", _("main standard device")
        ANCILLARY = "ancillary", _("ancillary equipment")

    standard = models.ForeignKey(Standard, models.CASCADE, related_name="devices",
                                 verbose_name=_("measurement standard"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MAIN)
    name = models.CharField(_("name"), max_length=200)
    maker = models.CharField(_("maker"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=64)

    class Meta:
        ordering = ["role", "id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [models.UniqueConstraint(fields=["standard", "serial_number", "name"],
                                               name="trace_device_uniq")]

    def __str__(self) -> str:
        return f"{self.name} {self.serial_number}"


class Certificate(models.Model):
    """An assessment certificate (计量标准考核证书) of a standard, or its renewal."""

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="certificates",
                                 verbose_name=_("measurement standard"))
    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    reexamined_on = models.DateField(_("re-examined on"), null=True, blank=True)
    licence_id = models.IntegerField(_("licence"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_until", "-id"]
        verbose_name = _("assessment certificate")
        verbose_name_plural = _("assessment certificates")
        indexes = [models.Index(fields=["standard", "valid_until"], name="trace_cert_std")]

    def __str__(self) -> str:
        return self.number


class Calibration(models.Model):
    """The standard's own verification or calibration by the level above."""

    class Result(models.TextChoices):
        IN_TOLERANCE = "ok", _("in tolerance")
        OUT_OF_TOLERANCE = "out", _("out of tolerance")

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="calibrations",
                                 verbose_name=_("measurement standard"))
    performed_by = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("by institution"))
    performed_by_name = models.CharField(pgettext_lazy("calibration", "by"), max_length=200, blank=True)
    higher_standard = models.ForeignKey(Standard, models.PROTECT, null=True, blank=True,
                                        related_name="calibrations_given",
                                        verbose_name=_("with the higher standard"))
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    calibrated_on = models.DateField(_("date"))
    due_on = models.DateField(_("due"))
    result = models.CharField(_("result"), max_length=3, choices=Result.choices)
    uncertainty = models.CharField(_("uncertainty stated"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["-calibrated_on", "-id"]
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        indexes = [models.Index(fields=["standard", "calibrated_on"], name="trace_cal_std")]

    def __str__(self) -> str:
        return f"{self.certificate_no} {self.calibrated_on}"

    @property
    def in_tolerance(self) -> bool:
        return self.result == self.Result.IN_TOLERANCE


class ReferenceMaterial(models.Model):
    """A certified reference material (有证标准物质) of the national catalogue: GBW or GBW(E)."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    matrix = models.CharField(_("matrix"), max_length=100, blank=True)
    producer = models.CharField(_("producer"), max_length=200)
    # [{"property": ..., "value": "…", "unit": ..., "U": "…", "k": "2"}]
    values = models.JSONField(_("certified values"), default=list)
    certificate_valid_until = models.DateField(_("certificate valid until"), null=True,
                                               blank=True)
    shelf_life_months = models.PositiveIntegerField(_("shelf life (months)"), null=True,
                                                    blank=True)
    storage = models.CharField(_("storage"), max_length=200, blank=True)
    kinds = models.JSONField(_("instrument kinds served"), default=list, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("reference material")
        verbose_name_plural = _("reference materials")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class MaterialLot(models.Model):
    """A lot of a reference material held by an institution."""

    material = models.ForeignKey(ReferenceMaterial, models.PROTECT, related_name="lots",
                                 verbose_name=_("reference material"))
    holder = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                               verbose_name=_("held by"))
    lot_no = models.CharField(_("lot number"), max_length=60)
    expires_on = models.DateField(_("expires on"))
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)

    class Meta:
        ordering = ["material__number", "lot_no"]
        verbose_name = _("reference-material lot")
        verbose_name_plural = _("reference-material lots")
        constraints = [models.UniqueConstraint(fields=["material", "holder", "lot_no"],
                                               name="trace_lot_uniq")]

    def __str__(self) -> str:
        return f"{self.material.number} / {self.lot_no}"


class Comparison(models.Model):
    """An interlaboratory comparison (比对) or proficiency test."""

    class State(models.TextChoices):
        PLANNED = "planned", _("planned")
        RESULTS = "results", _("collecting results")
        SCORED = "scored", _("scored")
        REPORTED = "reported", _("report awaiting approval")
        PUBLISHED = "published", pgettext_lazy("comparison", "published")

    METHODS = [(cmp_rules.EN, "En"), (cmp_rules.Z, "z")]

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    organiser = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                  verbose_name=_("organiser"))
    pilot = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                              verbose_name=_("pilot laboratory"))
    measurand = models.CharField(_("measurand"), max_length=100)
    method = models.CharField(_("scoring method"), max_length=2, choices=METHODS)
    protocol = models.TextField(_("protocol"))
    artefact = models.CharField(_("artefact"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    unit = models.CharField(pgettext_lazy("measure", "unit"), max_length=20, blank=True)
    reference_value = models.CharField(_("reference value"), max_length=40, blank=True)
    reference_u = models.CharField(_("its expanded uncertainty"), max_length=40, blank=True)
    sigma_pt = models.CharField(_("standard deviation for proficiency assessment"),
                                max_length=40, blank=True)
    report = models.TextField(_("report"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PLANNED)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=pgettext_lazy("comparison", "approved by"))
    published_on = models.DateField(_("published on"), null=True, blank=True)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("comparison")
        verbose_name_plural = _("comparisons")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Participant(models.Model):
    """A participant of a comparison with its result and score."""

    comparison = models.ForeignKey(Comparison, models.CASCADE, related_name="participants",
                                   verbose_name=_("comparison"))
    institution = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                    verbose_name=_("participant"))
    standard = models.ForeignKey(Standard, models.PROTECT, null=True, blank=True,
                                 related_name="comparisons", verbose_name=_("standard used"))
    lab_code = models.CharField(_("laboratory code"), max_length=20)
    value = models.CharField(_("result"), max_length=40, blank=True)
    expanded_u = models.CharField(_("expanded uncertainty"), max_length=40, blank=True)
    in_reference = models.BooleanField(_("part of the reference value"), default=False)
    score = models.CharField(pgettext_lazy("comparison", "score"), max_length=40, blank=True)
    verdict = models.CharField(_("verdict"), max_length=16, blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    follow_up_closed = models.BooleanField(_("follow-up closed"), default=False)

    class Meta:
        ordering = ["lab_code"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["comparison", "lab_code"],
                                               name="trace_part_lab_uniq"),
                       models.UniqueConstraint(fields=["comparison", "institution"],
                                               name="trace_part_inst_uniq")]

    def __str__(self) -> str:
        return self.lab_code


class Booking(models.Model):
    """A touring standard booked to a site (e.g. a power transformer, a gas metering station)."""

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="bookings",
                                 verbose_name=_("measurement standard"))
    site = models.CharField(_("site"), max_length=200)
    site_owner = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("site owner"))
    region_code = models.CharField(_("division code"), max_length=6)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    purpose = models.CharField(_("purpose"), max_length=200)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"{self.site} {self.starts_on}–{self.ends_on}"


class ImpactCase(models.Model):
    """A standard found out of tolerance or suspended: the certificates it touched."""

    class Reason(models.TextChoices):
        OUT_OF_TOLERANCE = "out", _("calibration out of tolerance")
        SUSPENDED = "suspended", _("standard suspended")

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="impact_cases",
                                 verbose_name=_("measurement standard"))
    calibration = models.ForeignKey(Calibration, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("calibration"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"))
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    tasks_opened_at = models.DateTimeField(_("re-verification tasks opened"), null=True,
                                           blank=True)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("impact case")
        verbose_name_plural = _("impact cases")

    def __str__(self) -> str:
        return f"{self.standard.code} {self.since}–{self.until}"


class ImpactItem(models.Model):
    """One certificate touched by an impact case; open until the instrument is re-verified."""

    case = models.ForeignKey(ImpactCase, models.CASCADE, related_name="items",
                             verbose_name=_("impact case"))
    record = models.ForeignKey("registry.VerificationRecord", models.PROTECT, related_name="+",
                               verbose_name=_("certificate"))
    instrument = models.ForeignKey("registry.Instrument", models.PROTECT, related_name="+",
                                   verbose_name=_("instrument"))
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    institution = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                    verbose_name=_("verification institution"))
    standard = models.ForeignKey(Standard, models.PROTECT, related_name="+",
                                 verbose_name=_("standard used"))
    verified_on = models.DateField(_("verification date"))
    task_open = models.BooleanField(_("re-verification open"), default=False)
    resolved_by = models.ForeignKey("registry.VerificationRecord", models.PROTECT, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("re-verified by"))

    class Meta:
        ordering = ["verified_on", "id"]
        verbose_name = _("affected certificate")
        verbose_name_plural = _("affected certificates")
        constraints = [models.UniqueConstraint(fields=["case", "record"],
                                               name="trace_item_uniq")]
        indexes = [models.Index(fields=["instrument"], condition=Q(resolved_by__isnull=True),
                                name="trace_item_open")]


class ImpactNotice(models.Model):
    """The notice to an owner whose certificates an impact case touched."""

    case = models.ForeignKey(ImpactCase, models.CASCADE, related_name="notices",
                             verbose_name=_("impact case"))
    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="+",
                                     verbose_name=_("to"))
    certificates = models.PositiveIntegerField(_("certificates"))
    region_code = models.CharField(_("division code"), max_length=6)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [models.UniqueConstraint(fields=["case", "organisation"],
                                               name="trace_notice_uniq")]
