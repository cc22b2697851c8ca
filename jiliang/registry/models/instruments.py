"""Instruments, their verification records and meter batches, with the public codes on their
labels and certificates."""

from __future__ import annotations

import base64
import os

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.audit.chain import Chained
from jiliang.catalog.models import InstrumentKind, Mode, Use
from jiliang.core.models import Organisation
from jiliang.rules import verification as rules

# Base32 without I and O (read as 8 and 9), so a code read aloud or typed from a label has no
# 0/O or 1/I to confuse.
_READABLE = str.maketrans("IO", "89")


def new_public_code() -> str:
    """16 characters, 80 random bits: unguessable, short enough for a QR label."""
    return base64.b32encode(os.urandom(10)).decode().translate(_READABLE)


def new_public_codes(n: int) -> list[str]:
    """``n`` codes at once (10 random bytes encode to exactly 16 characters)."""
    text = base64.b32encode(os.urandom(10 * n)).decode().translate(_READABLE)
    return [text[i:i + 16] for i in range(0, 16 * n, 16)]


class Status(models.TextChoices):
    IN_USE = "in_use", _("in use")
    STOPPED = "stopped", _("stopped")
    SCRAPPED = "scrapped", _("scrapped")
    REPLACED = "replaced", _("replaced")


class Conclusion(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


class VerificationType(models.TextChoices):
    FIRST = "first", _("first verification")
    SUBSEQUENT = "subsequent", _("subsequent verification")
    IN_USE = "in_use", _("in-use inspection")


class DueAction(models.TextChoices):
    FIRST = rules.DUE_FIRST, _("first verification due")
    VERIFY = rules.DUE_VERIFY, _("verification due")
    REPLACE = rules.DUE_REPLACE, _("replacement due")
    FAILED = rules.DUE_FAILED, _("failed: repair and verify again")
    NONE = rules.DUE_NONE, _("nothing due")


IN_USE = Q(status=Status.IN_USE) & Q(next_due_on__isnull=False)


class MeterBatch(models.Model):
    """First verification of a batch of utility meters (electricity, water, gas, heat)."""

    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="meter_batches",
                              verbose_name=_("owner"))
    institution = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                    verbose_name=_("verification institution"))
    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="+",
                             verbose_name=_("instrument kind"))
    supplier = models.CharField(_("supplier"), max_length=200)
    model = models.CharField(_("model"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"))
    verified_on = models.DateField(_("verification date"))
    conclusion = models.CharField(_("result"), max_length=4, choices=Conclusion.choices)
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    regulation_code = models.CharField(_("regulation"), max_length=60)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("meter batch")
        verbose_name_plural = _("meter batches")
        constraints = [models.UniqueConstraint(fields=["institution", "certificate_no"],
                                               name="registry_meterbatch_cert_uniq")]
        indexes = [models.Index(fields=["province_code", "id"], name="registry_batch_prov")]

    def __str__(self) -> str:
        return f"{self.certificate_no} × {self.quantity}"


class Instrument(models.Model):
    """An instrument under compulsory verification, filed (备案) by its owner or a bureau."""

    public_code = models.CharField(_("public code"), max_length=16, unique=True,
                                   default=new_public_code, editable=False)
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="instruments",
                              db_index=False, verbose_name=_("owner"))
    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="+", db_index=False,
                             verbose_name=_("instrument kind"))
    use = models.CharField(_("use"), max_length=12, choices=Use.choices)
    serial_number = models.CharField(_("serial number"), max_length=64)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    measuring_range = models.CharField(_("measuring range"), max_length=100, blank=True)
    accuracy_class = models.CharField(_("accuracy class"), max_length=20, blank=True)
    nominal_size = models.DecimalField(_("nominal size"), max_digits=8, decimal_places=1,
                                       null=True, blank=True)
    household = models.BooleanField(_("household settlement"), default=False)
    medium = models.CharField(_("medium"), max_length=20, blank=True)
    type_approval_no = models.CharField(_("type-approval number"), max_length=40, blank=True)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.IN_USE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    first_use_on = models.DateField(_("first use"), null=True, blank=True)
    batch = models.ForeignKey(MeterBatch, models.PROTECT, null=True, blank=True, db_index=False,
                              related_name="meters", verbose_name=_("batch"))
    filed_at = models.DateTimeField(_("filed"))
    catalogue_version = models.CharField(  # catalogue (#14): the version in force when filed
        _("catalogue version"), max_length=10, blank=True,
        help_text=_("The catalogue of instruments under compulsory management in force when it "
                    "was filed."))
    # What the verifications left: kept by the services and the import, read by every list.
    first_verified_on = models.DateField(_("first verified"), null=True, blank=True)
    last_verified_on = models.DateField(_("last verified"), null=True, blank=True)
    last_conclusion = models.CharField(_("last conclusion"), max_length=4, blank=True,
                                       choices=Conclusion.choices)
    last_institution = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                         db_index=False, related_name="+",
                                         verbose_name=_("last verified by"))
    last_certificate_no = models.CharField(_("last certificate"), max_length=60, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    due_action = models.CharField(pgettext_lazy("action", "due"), max_length=8, blank=True, choices=DueAction.choices)
    replacement_due_on = models.DateField(_("replace by"), null=True, blank=True)
    term_rule = models.CharField(_("period rule"), max_length=60, blank=True)
    term_province_set = models.BooleanField(_("period set by the province"), default=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [models.UniqueConstraint(fields=["owner", "kind", "serial_number"],
                                               name="registry_instrument_uniq")]
        indexes = [
            models.Index(fields=["province_code", "id"], name="registry_inst_prov"),
            # The search by serial number: with the unique public_code, the OR of the two is a
            # BitmapOr of two index scans (the unique key leads with the owner).
            models.Index(fields=["serial_number"], name="registry_inst_serial"),
            # The overdue and due-soon lists: read in due-date order, never sorted.
            models.Index(fields=["province_code", "next_due_on", "id"], condition=IN_USE,
                         name="registry_inst_due_prov"),
            models.Index(fields=["province_code", "kind", "next_due_on", "id"], condition=IN_USE,
                         name="registry_inst_due_prov_kind"),
            models.Index(fields=["next_due_on", "id"], condition=IN_USE, name="registry_inst_due"),
            models.Index(fields=["last_institution", "id"],
                         condition=Q(last_institution__isnull=False), name="registry_inst_inst"),
            models.Index(fields=["batch"], condition=Q(batch__isnull=False),
                         name="registry_inst_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.serial_number}"

    @property
    def is_overdue(self) -> bool:
        return (self.status == Status.IN_USE and self.next_due_on is not None
                and self.next_due_on < timezone.localdate())


class VerificationRecord(Chained):
    """One verification: a 检定证书 when it passed, a 检定结果通知书 when it failed.

    Append-only and chained per province; a correction is a new record that
    supersedes this one.
    """

    public_code = models.CharField(_("public code"), max_length=16, unique=True,
                                   default=new_public_code, editable=False)
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="records",
                                   db_index=False, verbose_name=_("instrument"))
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("owner"))
    institution = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                    db_index=False, verbose_name=_("verification institution"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    batch = models.ForeignKey(MeterBatch, models.PROTECT, null=True, blank=True, db_index=False,
                              related_name="records", verbose_name=_("batch"))
    verified_on = models.DateField(_("verification date"))
    verification_type = models.CharField(_("type"), max_length=12,
                                         choices=VerificationType.choices)
    regulation_code = models.CharField(_("regulation"), max_length=60)
    standard_identifier = models.CharField(_("standard used"), max_length=100)
    standard_valid_until = models.DateField(_("standard valid until"))
    as_found = models.TextField(_("as-found result"), blank=True)
    adjusted = models.BooleanField(_("adjusted"), default=False)
    conclusion = models.CharField(_("conclusion"), max_length=4, choices=Conclusion.choices)
    failed_items = models.JSONField(_("failed items"), default=list, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=60)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    management_mode = models.CharField(_("management mode"), max_length=40, choices=Mode.choices)
    periodic_due_on = models.DateField(_("periodic due date"), null=True, blank=True)
    term_rule = models.CharField(_("period rule"), max_length=60, blank=True)
    term_province_set = models.BooleanField(_("period set by the province"), default=False)
    verifier_name = models.CharField(_("verifier"), max_length=60)
    checker_name = models.CharField(_("checker"), max_length=60)
    # Who signed (issue 13): the people on file, the approver, the authorisation; empty on
    # records kept from before ("people not on file"). Names above stay in the chain.
    verifier_person = models.ForeignKey("people.Person", models.PROTECT, null=True, blank=True,
                                        db_index=False, related_name="+",
                                        verbose_name=_("verifier"))
    checker_person = models.ForeignKey("people.Person", models.PROTECT, null=True, blank=True,
                                       db_index=False, related_name="+",
                                       verbose_name=_("checker"))
    approver_person = models.ForeignKey("people.Person", models.PROTECT, null=True, blank=True,
                                        db_index=False, related_name="+",
                                        verbose_name=_("approver"))
    approver_name = models.CharField(_("approver"), max_length=60, blank=True)
    authorisation_no = models.CharField(_("authorisation certificate"), max_length=60,
                                        blank=True)
    place = models.CharField(_("place of verification"), max_length=200, blank=True, db_default="")
    conditions = models.CharField(_("environmental conditions"), max_length=200, blank=True, db_default="")
    original_record_no = models.CharField(_("original record number"), max_length=60,
                                          blank=True, db_default="")
    supersedes = models.ForeignKey("self", models.PROTECT, null=True, blank=True, db_index=False,
                                   related_name="corrections", verbose_name=_("supersedes"))
    correction_reason = models.CharField(_("reason for the correction"), max_length=300,
                                         blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, db_index=False, related_name="+",
                                    verbose_name=_("recorded by"))
    # Traceability (issue 12): the registered standard and the reference-material lots used.
    # Records from before the register have none ("standard not on file"); the standard's code
    # and certificate number are also in standard_identifier, which the chain covers.
    standard = models.ForeignKey("traceability.Standard", models.PROTECT, null=True, blank=True,
                                 db_index=False, related_name="+",
                                 verbose_name=_("measurement standard"))
    reference_lots = models.ManyToManyField("traceability.MaterialLot", blank=True,
                                            related_name="+",
                                            verbose_name=_("reference-material lots"))

    CHAIN_FIELDS = (
        "public_code", "instrument", "owner", "institution", "region_code", "batch", "verified_on",
        "verification_type", "regulation_code", "standard_identifier", "standard_valid_until",
        "as_found", "adjusted", "conclusion", "failed_items", "certificate_no", "valid_until",
        "management_mode", "periodic_due_on", "term_rule", "verifier_name", "checker_name",
        "supersedes", "correction_reason", "recorded_at", "recorded_by",
    )

    class Meta(Chained.Meta):
        ordering = ["-verified_on", "-id"]
        verbose_name = _("verification record")
        verbose_name_plural = _("verification records")
        constraints = [
            *Chained.Meta.constraints,
            # Certificate (and result-notice) numbers are unique per institution; the meters of
            # a batch share the batch's certificate.
            models.UniqueConstraint(fields=["institution", "certificate_no"],
                                    condition=Q(batch__isnull=True),
                                    name="registry_record_cert_uniq"),
        ]
        indexes = [
            models.Index(fields=["instrument", "verified_on", "id"], name="registry_rec_inst"),
            models.Index(fields=["province_code", "id"], name="registry_rec_prov"),
            # The record list, newest verification first (its default order), read in index
            # order and cut at the page: nationally, and for a province (its scope's equality).
            models.Index(fields=["verified_on", "id"], name="registry_rec_date"),
            models.Index(fields=["province_code", "verified_on", "id"],
                         name="registry_rec_prov_date"),
            models.Index(fields=["owner", "id"], name="registry_rec_owner"),
            models.Index(fields=["supersedes"], condition=Q(supersedes__isnull=False),
                         name="registry_rec_supersedes"),
            models.Index(fields=["batch"], condition=Q(batch__isnull=False),
                         name="registry_rec_batch"),
            models.Index(fields=["certificate_no"], name="registry_rec_certno"),
            # Impact analysis: the certificates of one standard since a date, with what the
            # impact list reads of each (PostgreSQL: an index-only scan, no heap page a record;
            # bench/README.md, traceability_impact.py).
            models.Index(fields=["standard", "verified_on", "id"],
                         include=["instrument", "owner", "institution"],
                         condition=Q(standard__isnull=False), name="registry_rec_standard"),
        ]

    def __str__(self) -> str:
        return self.certificate_no

    def chain_key_value(self) -> str:
        return self.province_code

    @property
    def passed(self) -> bool:
        return self.conclusion == Conclusion.PASS

    @property
    def people_on_file(self) -> bool:
        """False for records kept from before the people register: typed names only."""
        return self.verifier_person_id is not None

    @property
    def document_title(self) -> str:
        return str(_("Verification certificate") if self.passed else _("Verification result notice"))
