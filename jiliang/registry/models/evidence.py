"""Evidence on verification records (issue 18): seals, software, event counters, where and how
a verification was done; the findings between two records; the kinds allowed remotely."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained
from jiliang.catalog.models import InstrumentKind
from jiliang.core.models import Organisation
from jiliang.registry.models.instruments import Instrument, VerificationRecord


class VerificationEvidence(Chained):
    """The evidence on one verification record (issue 18): where and how it was done, the seals
    or the mark left, and for software-controlled kinds the software version, checksum and event
    counter found and left. Append-only and chained per province, like the record."""

    class Method(models.TextChoices):
        LABORATORY = "laboratory", _("in the laboratory")
        ON_SITE = "on_site", _("on site")
        REMOTE = "remote", _("remote")

    record = models.OneToOneField(VerificationRecord, models.PROTECT, related_name="evidence",
                                  verbose_name=_("verification record"))
    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="+", db_index=False,
                                   verbose_name=_("instrument"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    method = models.CharField(_("where and how"), max_length=12, choices=Method.choices)
    remote_data = models.CharField(_("remote data it rests on"), max_length=200, blank=True)
    remote_standard = models.CharField(_("standard used at the other end"), max_length=100,
                                       blank=True)
    mark = models.CharField(_("mark"), max_length=100, blank=True)
    seal_form = models.CharField(_("form of the mark"), max_length=10, blank=True)
    audit_trail = models.CharField(_("audit-trail reading"), max_length=300, blank=True)
    seals_found = models.JSONField(_("seals found"), default=list, blank=True)
    seals_left = models.JSONField(_("seals left"), default=list, blank=True)
    software_version_found = models.CharField(_("software version found"), max_length=60,
                                              blank=True)
    software_version_left = models.CharField(_("software version left"), max_length=60,
                                             blank=True)
    checksum_found = models.CharField(_("checksum found"), max_length=128, blank=True)
    checksum_left = models.CharField(_("checksum left"), max_length=128, blank=True)
    counter_found = models.BigIntegerField(_("event counter found"), null=True, blank=True)
    counter_left = models.BigIntegerField(_("event counter left"), null=True, blank=True)

    CHAIN_FIELDS = (
        "record", "instrument", "method", "remote_data", "remote_standard", "mark", "seal_form",
        "audit_trail", "seals_found", "seals_left", "software_version_found",
        "software_version_left", "checksum_found", "checksum_left", "counter_found",
        "counter_left",
    )

    class Meta(Chained.Meta):
        verbose_name = _("evidence on a verification")
        verbose_name_plural = _("evidence on verifications")
        indexes = [models.Index(fields=["instrument", "id"], name="registry_evid_inst")]

    def chain_key_value(self) -> str:
        return self.province_code


class EvidenceFinding(models.Model):
    """A counter that moved, a checksum or software version that changed, or seals that are not
    those left, between two verifications with none in between (issue 18)."""

    class Kind(models.TextChoices):
        COUNTER_MOVED = "counter_moved", _("event counter moved")
        CHECKSUM_CHANGED = "checksum_changed", _("checksum changed")
        VERSION_CHANGED = "version_changed", _("software version changed")
        SEALS_CHANGED = "seals_changed", _("seals not those left")

    instrument = models.ForeignKey(Instrument, models.PROTECT, related_name="+", db_index=False,
                                   verbose_name=_("instrument"))
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("owner"))
    record = models.ForeignKey(VerificationRecord, models.PROTECT, related_name="+",
                               db_index=False, verbose_name=_("found at"))
    previous = models.ForeignKey(VerificationRecord, models.PROTECT, related_name="+",
                                 db_index=False, verbose_name=_("left at"))
    kind = models.CharField(_("finding"), max_length=20, choices=Kind.choices)
    before = models.JSONField(_("left"), null=True)
    after = models.JSONField(_("found"), null=True)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    found_on = models.DateField(_("found on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("evidence finding")
        verbose_name_plural = _("evidence findings")
        indexes = [models.Index(fields=["province_code", "id"], name="registry_find_prov"),
                   models.Index(fields=["instrument", "id"], name="registry_find_inst")]


class RemoteVerificationAllowance(models.Model):
    """A kind (and, if given, a regulation edition) that may be verified remotely. No source in
    the reference allows any: the national administrator keeps this list, each with its basis."""

    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="+",
                             verbose_name=_("instrument kind"))
    regulation_code = models.CharField(_("regulation"), max_length=60, blank=True,
                                       help_text=_("Empty: every regulation of the kind."))
    basis = models.CharField(_("basis"), max_length=300,
                             help_text=_("The regulation or notice that allows it."))

    class Meta:
        verbose_name = _("remote verification allowance")
        verbose_name_plural = _("remote verification allowances")
        constraints = [models.UniqueConstraint(fields=["kind", "regulation_code"],
                                               name="registry_remote_allow_uniq")]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.regulation_code or '*'}"
