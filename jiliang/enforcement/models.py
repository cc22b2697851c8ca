"""Administrative enforcement cases: who handles them, against whom, from which finding, on
which legal basis, and each step from opening to closure (the steps chained per province)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiliang.audit.chain import Chained
from jiliang.core.models import Organisation


class PartyKind(models.TextChoices):
    ORGANISATION = "organisation", _("organisation")
    PERSON = "person", _("natural person")


class ExecutionKind(models.TextChoices):
    PAID = "paid", _("fine paid")
    CORRECTED = "corrected", _("corrected")
    PAID_AND_CORRECTED = "both", _("fine paid and corrected")


class Case(models.Model):
    """One administrative enforcement case (行政处罚案件) of a bureau.

    Only the handling bureau and the bureaus above it see the case (``region_code`` is the
    handling bureau's division); the public sees the published decision, without the
    personal data of a natural person.
    """

    number = models.CharField(_("case number"), max_length=32, unique=True)
    bureau = models.ForeignKey(Organisation, models.PROTECT, related_name="enforcement_cases",
                               verbose_name=_("handling bureau"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    province_code = models.CharField(max_length=2, editable=False)
    state = models.CharField(_("state"), max_length=16, default="investigating")
    version = models.PositiveIntegerField(default=1)
    # The party: an organisation on file, or a natural person whose personal data stay private.
    party_kind = models.CharField(_("party"), max_length=16, choices=PartyKind.choices)
    party = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                              related_name="enforcement_cases_as_party",
                              verbose_name=_("party (organisation)"))
    party_name = models.CharField(_("party's name"), max_length=200)
    party_credit_code = models.CharField(_("unified social credit code"), max_length=18,
                                         blank=True)
    party_id_number = models.CharField(_("identity document number"), max_length=30,
                                       blank=True)
    party_address = models.CharField(_("party's address"), max_length=300, blank=True)
    # The finding the case opens from (a registered kind; its row, when there is one).
    finding_kind = models.CharField(_("source of the case"), max_length=32)
    finding_id = models.BigIntegerField(null=True, blank=True)
    finding_summary = models.CharField(_("finding"), max_length=500)
    discovered_on = models.DateField(_("discovered on"))
    # What the case concerns, for the pages that list their cases.
    instrument = models.ForeignKey("registry.Instrument", models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("instrument"))
    campaign = models.ForeignKey("supervision.Campaign", models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("campaign"))
    energy_unit = models.ForeignKey("energy.EnergyUnit", models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("energy-using unit"))
    # Legal basis: codes of rules/data/enforcement.json and the articles as the bureau cites
    # them (the data holds none where the reference on file has none).
    bases = models.JSONField(_("legal basis"), default=list)
    articles = models.CharField(_("articles cited"), max_length=300, blank=True)
    facts = models.TextField(_("facts"), max_length=4000, blank=True)
    # Time limits, in working days on the holiday calendar.
    opened_on = models.DateField(_("opened on"))
    opening_due_on = models.DateField(_("to be opened by"))
    opened_late = models.BooleanField(_("opened late"), default=False)
    decision_due_on = models.DateField(_("decision due"))
    provisional_years = models.CharField(max_length=40, blank=True)
    extension_days = models.PositiveIntegerField(_("extension (working days)"), default=0)
    extension_reasons = models.TextField(_("reasons for the extension"), blank=True)
    # Notice of the proposed penalty and the party's rights.
    proposed_fine = models.DecimalField(_("proposed fine (CNY)"), max_digits=14,
                                        decimal_places=2, null=True, blank=True)
    proposed_measures = models.TextField(_("proposed measures"), blank=True)
    notified_on = models.DateField(_("notice given on"), null=True, blank=True)
    statement_due_on = models.DateField(_("statement due"), null=True, blank=True)
    hearing_offered = models.BooleanField(_("hearing offered"), default=False)
    hearing_threshold = models.DecimalField(max_digits=14, decimal_places=2, null=True,
                                            blank=True)
    hearing_requested = models.BooleanField(_("hearing requested"), default=False)
    statement = models.TextField(_("party's statement"), blank=True)
    # The decision, its execution, closure and publication.
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    fine = models.DecimalField(_("fine (CNY)"), max_digits=14, decimal_places=2, null=True,
                               blank=True)
    decision_text = models.TextField(_("decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    execution_kind = models.CharField(_("execution"), max_length=16, blank=True,
                                      choices=ExecutionKind.choices)
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    amount_paid = models.DecimalField(_("amount paid (CNY)"), max_digits=14, decimal_places=2,
                                      null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        indexes = [
            models.Index(fields=["province_code", "region_code", "state"],
                         name="enforcement_case_scope"),
            models.Index(fields=["finding_kind", "finding_id"], name="enforcement_case_finding"),
            models.Index(fields=["published_at"], name="enforcement_case_published"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.party_name}"

    @property
    def is_person(self) -> bool:
        return self.party_kind == PartyKind.PERSON


class CaseEvent(Chained):
    """One step of a case: who, when, from which state to which, and why (append-only)."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="events")
    at = models.DateTimeField()
    on = models.DateField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    region_code = models.CharField(max_length=6)

    CHAIN_FIELDS = ("case", "at", "on", "actor_id", "actor_name", "action", "from_state",
                    "to_state", "note", "data", "region_code")

    class Meta(Chained.Meta):
        ordering = ["at", "id"]

    def chain_key_value(self) -> str:
        return self.region_code[:2]
