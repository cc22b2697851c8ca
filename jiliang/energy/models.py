"""Key energy-using units, their meter ledgers, audits, letters and metered data.

The readings table is append-only and chained per unit. On PostgreSQL it is
partitioned by month (migration 0001 creates it by hand; the ORM sees an
ordinary table), and daily aggregates (``DailyEnergy``) are maintained at
ingest so monthly and annual figures never scan raw readings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.audit.chain import Chained
from jiliang.core.models import Organisation
from jiliang.energy import labels as energy_labels
from jiliang.rules import energy as rules

LEVEL_CHOICES = [("L1", _("L1 unit boundary")), ("L2", _("L2 main sub-unit")),
                 ("L3", _("L3 main equipment"))]

EDITION_CHOICES = [(key, e.code) for key, e in rules.EQUIPPING_EDITIONS.items()]
CONVERSION_EDITION_CHOICES = [(key, e.code) for key, e in rules.CONVERSION_EDITIONS.items()]
BASIS_CHOICES = [("equivalent", _("equivalent value")), ("equal_value", _("equal value"))]


class EnergyUnit(models.Model):
    """A key energy-using unit (重点用能单位) under art. 52 of the Energy Conservation Law."""

    class Tier(models.TextChoices):
        MANDATORY = "mandatory", _("≥ 10 000 tce/a (by law)")
        DESIGNATED = "designated", _("5 000 to under 10 000 tce/a, designated")
        DESIGNATABLE = "designatable", _("5 000 to under 10 000 tce/a, not designated")
        NONE = "none", _("under 5 000 tce/a")

    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="energy_units",
                                     verbose_name=_("enterprise"))
    code = models.CharField(_("unit code"), max_length=32, unique=True,
                            help_text=_("Identifies the unit's gateway and MQTT topic; by default "
                                        "the unified social credit code."))
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    province_code = models.CharField(max_length=2, editable=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    annual_tce = models.DecimalField(_("annual comprehensive energy consumption (tce)"),
                                     max_digits=14, decimal_places=2)
    annual_year = models.PositiveSmallIntegerField(_("year of the figure"), null=True, blank=True)
    tce_edition = models.CharField(_("conversion edition"), max_length=20,
                                   choices=CONVERSION_EDITION_CHOICES, default="gbt2589-2008")
    tce_basis = models.CharField(_("electricity basis of the figure"), max_length=12,
                                 choices=BASIS_CHOICES, default="equivalent")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices, editable=False)
    designated = models.BooleanField(_("designated"), default=False)
    designation_authority = models.CharField(_("designating authority"), max_length=200,
                                             blank=True)
    designation_ref = models.CharField(_("designation document"), max_length=100, blank=True)
    designated_on = models.DateField(_("designated on"), null=True, blank=True)
    electricity_user_class = models.CharField(
        _("electricity user class (DL/T 448)"), max_length=3, blank=True,
        choices=[(c, c) for c in ("I", "II", "III", "IV", "V")])
    contact = models.CharField(_("energy manager"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    reading_interval_min = models.PositiveSmallIntegerField(_("collection interval (min)"),
                                                            default=15)
    balance_tolerance_percent = models.DecimalField(
        _("balance tolerance (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        help_text=_("Main meter against the sum of its sub-meters. No standard gives a value."))
    public_key = models.CharField(_("gateway public key (Ed25519)"), max_length=64, blank=True)
    key_registered_at = models.DateTimeField(_("key registered"), null=True, blank=True)
    last_reading_at = models.DateTimeField(_("last reading"), null=True, blank=True)
    # Bumped by every change of the ledger: the ingest path caches a unit's ledger by it.
    ledger_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("key energy-using unit")
        verbose_name_plural = _("key energy-using units")
        indexes = [models.Index(fields=["province_code", "region_code"])]

    def __str__(self) -> str:
        return self.name


class Meter(models.Model):
    """One line of the energy-meter ledger (能源计量器具一览表, GB 17167-2006 5.3.1)."""

    class Status(models.TextChoices):
        QUALIFIED = "qualified", _("qualified")
        RESTRICTED = "restricted", _("restricted use")
        STOPPED = "stopped", _("out of service")

    class Direction(models.TextChoices):
        IN = "in", _("incoming")
        OUT = "out", _("outgoing")

    class Kind(models.TextChoices):
        VERIFICATION = "verification", _("verification")
        CALIBRATION = "calibration", _("calibration")

    unit = models.ForeignKey(EnergyUnit, models.PROTECT, related_name="meters",
                             verbose_name=_("unit"))
    region_code = models.CharField(_("division code"), max_length=6, editable=False)
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="energy_meters",
                              verbose_name=pgettext_lazy("meter", "owner"))
    management_no = models.CharField(_("management number"), max_length=64)
    name = models.CharField(_("instrument name"), max_length=100)
    model_spec = models.CharField(_("model and specification"), max_length=100, blank=True)
    instrument_type = models.CharField(_("instrument type"), max_length=20,
                                       choices=energy_labels.instrument_choices)
    accuracy_class = models.CharField(_("accuracy class"), max_length=16, blank=True)
    mpe_percent = models.DecimalField(_("maximum permissible error (%)"), max_digits=6,
                                      decimal_places=3, null=True, blank=True)
    measuring_range = models.CharField(_("measuring range"), max_length=100, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    serial_no = models.CharField(_("serial number"), max_length=64)
    install_location = models.CharField(_("installation location"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=2, choices=LEVEL_CHOICES)
    energy = models.CharField(_("energy type"), max_length=30,
                              choices=energy_labels.energy_choices)
    carrier = models.CharField(_("energy carrier (GB/T 2589)"), max_length=40, blank=True)
    boundary = models.BooleanField(_("at the unit boundary"), default=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices,
                                 default=Direction.IN)
    sub_unit = models.CharField(_("sub-unit or equipment"), max_length=100, blank=True)
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                               related_name="sub_meters", verbose_name=_("main meter"))
    register_unit = models.CharField(_("register unit"), max_length=12, blank=True)
    multiplier = models.DecimalField(_("multiplier (CT × PT)"), max_digits=12, decimal_places=4,
                                     default=1)
    register_max = models.DecimalField(_("register maximum"), max_digits=15, decimal_places=3,
                                       null=True, blank=True)
    ncv_kj_per_unit = models.DecimalField(_("measured net calorific value (kJ per unit)"),
                                          max_digits=12, decimal_places=2, null=True, blank=True)
    pipe_dn_mm = models.PositiveIntegerField(_("pipe size DN (mm)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUALIFIED)
    verification_kind = models.CharField(_("verification or calibration"), max_length=12,
                                         choices=Kind.choices, default=Kind.VERIFICATION)
    mandatory_verification = models.BooleanField(_("compulsory verification"), default=False)
    last_verified_on = models.DateField(_("last verified or calibrated"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["level", "management_no"]
        verbose_name = _("energy meter")
        verbose_name_plural = _("energy meters")
        constraints = [models.UniqueConstraint(fields=["unit", "management_no"],
                                               name="energy_meter_unit_no_uniq")]
        indexes = [models.Index(fields=["owner", "serial_no"]),
                   models.Index(fields=["region_code", "instrument_type"])]

    def __str__(self) -> str:
        return f"{self.management_no} {self.name}"


class MeterCalibration(models.Model):
    """A verification or calibration of a ledger meter: the periods its readings are valid in."""

    meter = models.ForeignKey(Meter, models.CASCADE, related_name="calibrations",
                              verbose_name=_("meter"))
    kind = models.CharField(_("verification or calibration"), max_length=12,
                            choices=Meter.Kind.choices)
    verified_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"))
    passed = models.BooleanField(_("passed"), default=True)
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-verified_on", "-id"]
        verbose_name = _("verification or calibration")
        verbose_name_plural = _("verifications and calibrations")

    def __str__(self) -> str:
        return f"{self.meter_id} {self.verified_on}–{self.valid_until}"


class ReadingBatch(models.Model):
    """A signed batch from a unit's gateway; its id makes a repeat harmless."""

    class Channel(models.TextChoices):
        HTTP = "http", "HTTP"
        MQTT = "mqtt", "MQTT"
        LOCAL = "local", _("local")

    unit = models.ForeignKey(EnergyUnit, models.PROTECT, related_name="batches",
                             verbose_name=_("unit"))
    region_code = models.CharField(_("division code"), max_length=6)
    batch_id = models.CharField(_("batch id"), max_length=64)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    content_type = models.CharField(_("format"), max_length=4)
    body_sha256 = models.CharField(max_length=64)
    signature = models.CharField(_("signature"), max_length=100)
    key_fingerprint = models.CharField(_("key"), max_length=16)
    received_at = models.DateTimeField(pgettext_lazy("readings", "received"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(pgettext_lazy("readings", "accepted"), default=0)
    duplicates = models.PositiveIntegerField(pgettext_lazy("readings", "already on file"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    first_read_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("reading batch")
        verbose_name_plural = _("reading batches")
        constraints = [models.UniqueConstraint(fields=["unit", "batch_id"],
                                               name="energy_batch_unit_id_uniq")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.batch_id}"


class BatchRefusal(models.Model):
    """A batch refused before any row was read: no or a bad signature, an unknown unit."""

    unit = models.ForeignKey(EnergyUnit, models.CASCADE, null=True, blank=True,
                             related_name="refusals", verbose_name=_("unit"))
    unit_code = models.CharField(_("unit code"), max_length=64)
    region_code = models.CharField(_("division code"), max_length=6, blank=True)
    batch_id = models.CharField(_("batch id"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=5, choices=ReadingBatch.Channel.choices)
    reason = models.CharField(_("reason"), max_length=40)
    message = models.CharField(_("message"), max_length=300)
    received_at = models.DateTimeField(pgettext_lazy("readings", "received"), db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("refused batch")
        verbose_name_plural = _("refused batches")

    def __str__(self) -> str:
        return f"{self.unit_code} {self.reason}"


class Reading(Chained):
    """One register reading: append-only, chained per unit (chain key = the unit's id).

    The foreign keys carry no database constraint and no index of their own: the
    ingest path checks them, and every index costs the COPY that loads readings.
    On PostgreSQL the table is partitioned by month; the order of each chain is
    kept unique by its head lock (a partitioned table's unique index must include
    the month), and ``verify_ledger`` names any duplicate or gap.
    """

    unit = models.ForeignKey(EnergyUnit, models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    meter = models.ForeignKey(Meter, models.DO_NOTHING, db_constraint=False, db_index=False,
                              related_name="+")
    batch = models.ForeignKey(ReadingBatch, models.DO_NOTHING, db_constraint=False,
                              db_index=False, related_name="+")
    region_code = models.CharField(max_length=6)
    read_at = models.DateTimeField(_("time"))
    value = models.DecimalField(_("register value"), max_digits=15, decimal_places=3)

    CHAIN_FIELDS = ("batch", "meter", "read_at", "value")

    class Meta(Chained.Meta):
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            *Chained.Meta.constraints,
            models.UniqueConstraint(fields=["meter", "read_at"],
                                    name="energy_reading_meter_time_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id}@{self.read_at:%Y-%m-%d %H:%M} = {self.value}"

    def chain_key_value(self) -> str:
        return str(self.unit_id)


class DailyEnergy(models.Model):
    """A meter's day, maintained at ingest: consumption and the counts the quality checks need."""

    meter = models.ForeignKey(Meter, models.CASCADE, related_name="days")
    unit = models.ForeignKey(EnergyUnit, models.CASCADE, related_name="days")
    region_code = models.CharField(max_length=6)
    province_code = models.CharField(max_length=2)
    day = models.DateField()
    level = models.CharField(max_length=2)
    energy = models.CharField(max_length=30)
    carrier = models.CharField(max_length=40)
    direction = models.CharField(max_length=3)
    # In the meter's register unit, times its multiplier.
    consumption = models.DecimalField(max_digits=20, decimal_places=4, default=0)
    readings = models.PositiveIntegerField(default=0)
    lapsed = models.PositiveIntegerField(default=0)
    misaligned = models.PositiveIntegerField(default=0)
    decreases = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(null=True)
    last_at = models.DateTimeField(null=True)
    last_value = models.DecimalField(max_digits=15, decimal_places=3, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meter", "day"],
                                               name="energy_daily_meter_day_uniq")]
        indexes = [models.Index(fields=["unit", "day"]),
                   models.Index(fields=["province_code", "day"])]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.day}"


class MonthlyReport(models.Model):
    """The unit's monthly statistics report of one carrier (5.4.1), checked against the daily sums."""

    unit = models.ForeignKey(EnergyUnit, models.CASCADE, related_name="monthly_reports",
                             verbose_name=_("unit"))
    region_code = models.CharField(max_length=6, editable=False)
    month = models.DateField(_("month"))
    carrier = models.CharField(_("energy carrier"), max_length=40)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=4)
    quantity_unit = models.CharField(_("unit of quantity"), max_length=12)
    reported_at = models.DateTimeField(_("reported"), auto_now=True)

    class Meta:
        ordering = ["-month", "carrier"]
        constraints = [models.UniqueConstraint(fields=["unit", "month", "carrier"],
                                               name="energy_monthly_uniq")]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.carrier}"


class Audit(models.Model):
    """A GB 17167 audit (能源计量审查) of a unit's ledger, its findings tracked to closure."""

    class Status(models.TextChoices):
        OPEN = "open", _("in progress")
        RECTIFYING = "rectifying", _("rectification")
        CLOSED = "closed", _("closed")

    unit = models.ForeignKey(EnergyUnit, models.PROTECT, related_name="audits",
                             verbose_name=_("unit"))
    region_code = models.CharField(_("division code"), max_length=6, editable=False)
    number = models.CharField(_("audit number"), max_length=32, unique=True)
    auditor = models.ForeignKey(Organisation, models.PROTECT, related_name="energy_audits",
                                verbose_name=_("auditor"))
    edition = models.CharField(_("edition"), max_length=20, choices=EDITION_CHOICES,
                               default="gb17167-2006")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN)
    opened_on = models.DateField(_("opened on"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("time", "closed"), null=True, blank=True)
    verdict = models.CharField(_("equipping verdict"), max_length=14, blank=True)
    summary = models.TextField(pgettext_lazy("review", "summary"), blank=True)
    # None: opened by the system (a command, the demo).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("GB 17167 audit")
        verbose_name_plural = _("GB 17167 audits")

    def __str__(self) -> str:
        return self.number


class AuditCell(models.Model):
    """One (energy, level) cell of Table 1 in an audit: Nl entered, Ns counted from the ledger."""

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="cells")
    energy = models.CharField(_("energy type"), max_length=30,
                              choices=energy_labels.energy_choices)
    level = models.CharField(_("level"), max_length=2, choices=LEVEL_CHOICES)
    required = models.PositiveIntegerField(_("needed (Nl)"), default=0)
    installed = models.PositiveIntegerField(_("installed (Ns)"), default=0)
    excluded = models.PositiveIntegerField(_("excluded"), default=0)
    rate_percent = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    required_percent = models.PositiveSmallIntegerField(null=True)
    result = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["level", "energy"]
        constraints = [models.UniqueConstraint(fields=["audit", "energy", "level"],
                                               name="energy_auditcell_uniq")]

    def __str__(self) -> str:
        return f"{self.energy} {self.level}"


class AuditExclusion(models.Model):
    """Items left out of Nl under a note of the standard, with the reason recorded."""

    cell = models.ForeignKey(AuditCell, models.CASCADE, related_name="exclusions")
    count = models.PositiveIntegerField(pgettext_lazy("count", "items"))
    ground = models.CharField(_("ground"), max_length=4,
                              choices=[(k, k) for k in rules.EXCLUSION_GROUNDS])
    reason = models.CharField(_("reason"), max_length=300)

    def __str__(self) -> str:
        return f"{self.ground} × {self.count}"


class Finding(models.Model):
    """A nonconformity of an audit, rectified by the unit and closed by the auditor."""

    class Kind(models.TextChoices):
        EQUIPPING = "equipping", _("equipping rate")
        ACCURACY = "accuracy", _("accuracy class")
        VALIDITY = "validity", _("verification or calibration lapsed")
        LEDGER = "ledger", _("ledger")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SUBMITTED = "submitted", _("rectification submitted")
        CLOSED = "closed", _("closed")

    audit = models.ForeignKey(Audit, models.CASCADE, related_name="findings")
    region_code = models.CharField(max_length=6, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    clause = models.CharField(_("clause"), max_length=60)
    meter = models.ForeignKey(Meter, models.SET_NULL, null=True, blank=True, related_name="+")
    energy = models.CharField(max_length=30, blank=True)
    level = models.CharField(max_length=2, blank=True)
    text = models.CharField(pgettext_lazy("energy audit", "finding"), max_length=400)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN)
    rectification = models.TextField(_("rectification"), blank=True)
    rectified_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "id"]

    def __str__(self) -> str:
        return self.text


class ResponsibilityLetter(models.Model):
    """A letter of responsibility (节能降耗服务责任书, work plan 二.4) between bureau and unit."""

    unit = models.ForeignKey(EnergyUnit, models.PROTECT, related_name="letters",
                             verbose_name=_("unit"))
    region_code = models.CharField(max_length=6, editable=False)
    bureau = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                               verbose_name=_("bureau"))
    title = models.CharField(_("title"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("letter of responsibility")
        verbose_name_plural = _("letters of responsibility")

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    class Party(models.TextChoices):
        BUREAU = "bureau", _("bureau")
        UNIT = "unit", _("unit")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("not yet reviewed")
        MET = "met", _("met")
        PARTLY = "partly", _("partly met")
        NOT_MET = "not_met", _("not met")

    letter = models.ForeignKey(ResponsibilityLetter, models.CASCADE, related_name="commitments")
    party = models.CharField(_("party"), max_length=6, choices=Party.choices)
    text = models.CharField(_("commitment"), max_length=300)
    deadline = models.DateField(_("deadline"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices,
                               default=Outcome.PENDING)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.text


class LookBack(models.Model):
    """A "look back" (回头看) review of a letter: how each commitment was kept."""

    letter = models.ForeignKey(ResponsibilityLetter, models.CASCADE, related_name="look_backs")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                 blank=True, related_name="+")
    summary = models.TextField(pgettext_lazy("review", "summary"), blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.reviewed_on}"
