"""Instrument event data from gateways, and the tamper alerts raised on it at ingest.

A gateway (a filling station's controller, a taxi company's platform, a utility's head-end
system) belongs to the organisation that owns the instruments it reports, and signs its batches
with its Ed25519 key (the shared ``jiliang.core.signed_batches``). Events are append-only and
chained per gateway; each alert keeps the evidence chain that raised it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained
from jiliang.core.models import Organisation
from jiliang.rules import tamper as rules

EVENT_NAMES = {
    "pulser_change": _("pulser parameter change"),
    "calibration_change": _("calibration-parameter change"),
    "event_counter": _("event counter reading"),
    "totaliser": _("totaliser reading (with the sales record)"),
    "k_constant": _("K-constant change"),
    "calibration_counter": _("calibration counter reading"),
    "cover_open": _("cover opened"),
    "magnetic_field": _("magnetic field detected"),
}
RULE_NAMES = {
    rules.PARAMETER_CHANGE: _("parameter change without a verification"),
    rules.COUNTER_JUMP: _("counter jump"),
    rules.TOTALISER_SALES: _("totaliser against its sales record"),
    rules.MAGNETIC_FIELD: _("magnetic-field interference"),
}
EVENT_CHOICES = [(code, EVENT_NAMES[code]) for code in rules.event_codes()]
RULE_CHOICES = [(code, RULE_NAMES[code]) for code in rules.rule_codes()]


class Gateway(models.Model):
    """A source of signed event batches, for the instruments of one owner."""

    code = models.CharField(_("gateway code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="+",
                                     verbose_name=_("owner of the instruments"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)
    public_key = models.CharField(_("public key"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("event gateway")
        verbose_name_plural = _("event gateways")
        indexes = [models.Index(fields=["province_code", "id"], name="monitoring_gw_prov")]

    def __str__(self) -> str:
        return self.code


class EventBatch(models.Model):
    """A signed batch of events; its id makes a repeat harmless."""

    gateway = models.ForeignKey(Gateway, models.PROTECT, related_name="batches",
                                verbose_name=_("gateway"))
    region_code = models.CharField(_("division code"), max_length=6)
    batch_id = models.CharField(_("batch id"), max_length=64)
    body_sha256 = models.CharField(max_length=64)
    signature = models.CharField(_("signature"), max_length=100)
    key_fingerprint = models.CharField(_("key"), max_length=16)
    received_at = models.DateTimeField(_("received"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("events taken"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    alerts = models.PositiveIntegerField(_("alerts"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("event batch")
        verbose_name_plural = _("event batches")
        constraints = [models.UniqueConstraint(fields=["gateway", "batch_id"],
                                               name="monitoring_batch_uniq")]

    def __str__(self) -> str:
        return f"{self.gateway_id}/{self.batch_id}"


class Event(Chained):
    """One instrument event: append-only, chained per gateway (chain key = the gateway's id).

    An event is one record of an instrument's audit trail: its identity is the instrument, the
    kind and the time (``rules/data/tamper_rules.json``, "identity"). Sent again, in a replayed
    batch or batches that overlap, by the same gateway or another of the owner's, it counts
    once: the ingest skips it and the unique constraint holds it so.

    The foreign keys carry no database constraint (the ingest path checks them); the unique
    index is also the one the rules and the instrument's page read by."""

    gateway = models.ForeignKey(Gateway, models.DO_NOTHING, db_constraint=False,
                                db_index=False, related_name="+")
    batch = models.ForeignKey(EventBatch, models.DO_NOTHING, db_constraint=False,
                              db_index=False, related_name="+")
    instrument = models.ForeignKey("registry.Instrument", models.DO_NOTHING, db_constraint=False,
                                   db_index=False, related_name="+")
    region_code = models.CharField(max_length=6)
    occurred_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("event"), max_length=20, choices=EVENT_CHOICES)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=3, null=True)
    sales = models.DecimalField(_("sales record"), max_digits=18, decimal_places=3, null=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    CHAIN_FIELDS = ("batch", "detail", "instrument", "kind", "occurred_at", "sales", "value")

    class Meta(Chained.Meta):
        verbose_name = _("instrument event")
        verbose_name_plural = _("instrument events")
        constraints = [
            *Chained.Meta.constraints,
            models.UniqueConstraint(fields=["instrument", "occurred_at", "kind"],
                                    name="monitoring_event_once"),
        ]

    def chain_key_value(self) -> str:
        return str(self.gateway_id)


class DeviceState(models.Model):
    """An instrument's last counter and totaliser, kept at ingest for the next batch's rules."""

    instrument = models.OneToOneField("registry.Instrument", models.CASCADE, primary_key=True,
                                      related_name="+")
    counter = models.BigIntegerField(null=True)
    counter_at = models.DateTimeField(null=True)
    totaliser = models.DecimalField(max_digits=18, decimal_places=3, null=True)
    sales = models.DecimalField(max_digits=18, decimal_places=3, null=True)
    totaliser_at = models.DateTimeField(null=True)
    last_event_at = models.DateTimeField(null=True)


class Alert(models.Model):
    """A tamper alert in the bureau's queue, with the evidence chain that raised it."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    rule = models.CharField(_("rule"), max_length=20, choices=RULE_CHOICES)
    instrument = models.ForeignKey("registry.Instrument", models.PROTECT, related_name="+",
                                   db_index=False, verbose_name=_("instrument"))
    owner = models.ForeignKey(Organisation, models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("owner"))
    gateway = models.ForeignKey(Gateway, models.PROTECT, related_name="+",
                                verbose_name=_("gateway"))
    batch = models.ForeignKey(EventBatch, models.PROTECT, related_name="+", db_index=False,
                              verbose_name=_("batch"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2)
    occurred_at = models.DateTimeField(_("time of the event"))
    raised_at = models.DateTimeField(_("raised"))
    params = models.JSONField(_("figures"), default=dict, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("closed by"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("tamper alert")
        verbose_name_plural = _("tamper alerts")
        indexes = [
            models.Index(fields=["province_code", "state", "id"], name="monitoring_alert_prov"),
            models.Index(fields=["instrument", "id"], name="monitoring_alert_inst"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.instrument_id}"


class EventRefusal(models.Model):
    """A batch refused before any row was read: unknown gateway, bad signature, broken chain."""

    gateway = models.ForeignKey(Gateway, models.CASCADE, null=True, blank=True,
                                related_name="refusals", verbose_name=_("gateway"))
    gateway_code = models.CharField(_("gateway code"), max_length=40)
    region_code = models.CharField(_("division code"), max_length=6, blank=True)
    batch_id = models.CharField(_("batch id"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20)
    message = models.CharField(_("message"), max_length=300)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("refused event batch")
        verbose_name_plural = _("refused event batches")
