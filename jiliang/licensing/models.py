"""Applications for licences, the licences granted, and what is published about them.

Licence types and the workflow are data (jiliang/rules/data/licence_types.json and
licensing_workflows.json); rows here refer to a type by its code. Applications and
licences change state only through jiliang.licensing.services, which checks the row's
``version`` in the UPDATE so that of two officials acting at once exactly one wins.
The transition log and the public disclosures are hash-chained and append-only.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.audit.chain import Chained
from jiliang.rules import licensing as rules


def public_code() -> str:
    return secrets.token_urlsafe(9)


class Purpose(models.TextChoices):
    NEW = "new", _("new licence")
    CHANGE = "change", _("change (变更)")
    RENEWAL = "renewal", _("renewal (延续)")


class Application(models.Model):
    type_code = models.CharField(_("licence type"), max_length=64, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices,
                               default=Purpose.NEW)
    licence = models.ForeignKey("Licence", models.PROTECT, null=True, blank=True,
                                related_name="applications", verbose_name=_("licence"))
    number = models.CharField(_("application number"), max_length=40, unique=True, null=True,
                              blank=True)
    applicant = models.ForeignKey("core.Organisation", models.PROTECT,
                                  related_name="licence_applications", verbose_name=_("applicant"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    province_code = models.CharField(max_length=2, editable=False)
    authority_level = models.CharField(_("deciding level"), max_length=16)
    authority_code = models.CharField(_("deciding authority"), max_length=6)
    state = models.CharField(_("state"), max_length=32, default="draft")
    version = models.PositiveIntegerField(default=1)
    particulars = models.JSONField(_("particulars"), default=dict)
    # Receipt and acceptance (Art. 32).
    received_on = models.DateField(_("received"), null=True, blank=True)
    acceptance_start = models.DateField(null=True, blank=True)
    acceptance_due = models.DateField(_("acceptance due"), null=True, blank=True)
    correction_notice_on = models.DateField(_("correction notice"), null=True, blank=True)
    missing = models.JSONField(_("missing materials"), default=dict, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(_("accepted"), null=True, blank=True)
    deemed_accepted = models.BooleanField(default=False)
    voucher_number = models.CharField(_("acceptance voucher"), max_length=40, unique=True,
                                      null=True, blank=True)
    not_accepted_reasons = models.TextField(blank=True)
    # The decision clock (Arts. 42, 45).
    decision_limit = models.PositiveSmallIntegerField(default=0)
    extended_on = models.DateField(null=True, blank=True)
    extension_reasons = models.TextField(blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    promised_due = models.DateField(_("promised by"), null=True, blank=True)
    calendar_gap = models.CharField(max_length=200, blank=True)
    flag = models.CharField(max_length=16, blank=True)  # "at_risk" or "late", set daily
    recommendation = models.CharField(max_length=16, blank=True)
    recommendation_note = models.TextField(blank=True)
    # The outcome.
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decision_reasons = models.TextField(blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    public_code = models.CharField(max_length=16, unique=True, default=public_code,
                                   editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        indexes = [
            models.Index(fields=["province_code", "state", "decision_due"]),
            models.Index(fields=["authority_code", "state", "decision_due"]),
            models.Index(fields=["applicant", "state"]),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def licence_type(self) -> rules.LicenceType:
        return rules.licence_type(self.type_code)

    @property
    def workflow(self) -> rules.Workflow:
        return rules.workflows()[self.licence_type["workflow"]]


class StopKind(models.TextChoices):
    ASSESSMENT = "assessment", _("technical assessment")
    SITE_VISIT = "site_visit", _("site visit")
    EXPERT_REVIEW = "expert_review", _("expert review")
    TESTING = "testing", _("testing or type evaluation")
    HEARING = "hearing", _("hearing")


class ClockStop(models.Model):
    """Time excluded from the decision limit (Art. 45); the applicant is told how long."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="stops")
    kind = models.CharField(_("kind"), max_length=32, choices=StopKind.choices)
    started_on = models.DateField(pgettext_lazy("date", "stopped"))
    announced_working_days = models.PositiveSmallIntegerField(_("announced working days"))
    expected_end = models.DateField(null=True, blank=True)
    ended_on = models.DateField(_("resumed"), null=True, blank=True)
    reasons = models.TextField(blank=True)
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["started_on", "id"]


class Attachment(models.Model):
    application = models.ForeignKey(Application, models.CASCADE, related_name="attachments")
    material = models.CharField(_("material"), max_length=64)
    file = models.FileField(upload_to="licensing/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_kind = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["material", "uploaded_at"]


class Assignment(models.Model):
    """A reviewer (a user of the deciding bureau) or an outside expert, and their opinion."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="licensing_assignments")
    expert_name = models.CharField(max_length=100, blank=True)
    assigned_on = models.DateField()
    opinion = models.TextField(blank=True)
    recommendation = models.CharField(max_length=16, blank=True)
    opinion_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_on", "id"]

    @property
    def who(self) -> str:
        if self.reviewer_id:
            return self.reviewer.get_full_name() or self.reviewer.get_username()
        return self.expert_name


class ApplicationEvent(Chained):
    """One transition of an application: who, when, from which state to which, and why."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="events")
    at = models.DateTimeField()
    on = models.DateField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    region_code = models.CharField(max_length=6)

    CHAIN_FIELDS = ("application", "at", "on", "actor_id", "actor_name", "action", "from_state",
                    "to_state", "note", "data", "region_code")

    class Meta(Chained.Meta):
        ordering = ["at", "id"]

    def chain_key_value(self) -> str:
        return self.region_code[:2]


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn (撤回)")
    REVOKED = "revoked", _("revoked (撤销)")
    CANCELLED = "cancelled", _("cancelled (注销)")


class Licence(models.Model):
    """A granted licence (or a filing), with its certificate number and validity."""

    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    type_code = models.CharField(_("licence type"), max_length=64)
    holder = models.ForeignKey("core.Organisation", models.PROTECT, related_name="licences",
                               verbose_name=_("holder"))
    region_code = models.CharField(_("division code"), max_length=6, db_index=True)
    province_code = models.CharField(max_length=2, editable=False)
    authority_level = models.CharField(max_length=16)
    authority_code = models.CharField(max_length=6)
    particulars = models.JSONField(default=dict)
    # The authorised scope of a metrology authorisation (contracts item 2).
    scope_kinds = models.JSONField(default=list, blank=True)
    scope_region = models.CharField(max_length=6, blank=True)
    regime = models.CharField(max_length=8, default="now")  # "2008" for records kept from then
    issued_on = models.DateField(_("issued"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=LicenceStatus.choices,
                              default=LicenceStatus.VALID)
    ended_on = models.DateField(null=True, blank=True)
    application = models.ForeignKey(Application, models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reminded = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    public_code = models.CharField(max_length=16, unique=True, default=public_code,
                                   editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        indexes = [
            models.Index(fields=["type_code", "holder"]),
            models.Index(fields=["province_code", "status", "valid_until"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def licence_type(self) -> rules.LicenceType:
        return rules.licence_type(self.type_code)

    def in_force_on(self, day) -> bool:
        if day < self.issued_on:
            return False
        if self.ended_on is not None and day >= self.ended_on:
            return False
        return self.valid_until is None or day <= self.valid_until


class LicenceScope(models.Model):
    """The authorised scope of a licence from a date on (effective-dated): a change (扩项)
    adds a version and keeps the earlier ones, so a past date is judged by the scope then."""

    licence = models.ForeignKey(Licence, models.CASCADE, related_name="scopes")
    effective_from = models.DateField(_("effective from"))
    kinds = models.JSONField(default=list, blank=True)
    region = models.CharField(max_length=6, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["licence", "effective_from", "id"]
        verbose_name = _("authorised scope")
        verbose_name_plural = _("authorised scopes")


class LicenceEvent(Chained):
    """A public disclosure (公示): a licence granted, changed, renewed, withdrawn, revoked,
    cancelled or expired, with the published particulars as they were then."""

    licence = models.ForeignKey(Licence, models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16)
    on = models.DateField()
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    type_code = models.CharField(max_length=64)
    region_code = models.CharField(max_length=6)
    province_code = models.CharField(max_length=2)
    reasons = models.TextField(blank=True)
    article = models.CharField(max_length=40, blank=True)
    summary = models.JSONField(default=dict)

    CHAIN_FIELDS = ("licence", "kind", "on", "at", "actor_id", "actor_name", "type_code",
                    "region_code", "reasons", "article", "summary")

    class Meta(Chained.Meta):
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["on", "id"]),
            models.Index(fields=["kind", "on"]),
            models.Index(fields=["type_code", "on"]),
            models.Index(fields=["province_code", "on"]),
        ]

    def chain_key_value(self) -> str:
        return self.province_code


class Notice(models.Model):
    """A notice to an applicant or a holder; its text is built in the reader's language."""

    organisation = models.ForeignKey("core.Organisation", models.CASCADE,
                                     related_name="licensing_notices")
    region_code = models.CharField(max_length=6)
    application = models.ForeignKey(Application, models.CASCADE, null=True, blank=True,
                                    related_name="notices")
    licence = models.ForeignKey(Licence, models.CASCADE, null=True, blank=True,
                                related_name="notices")
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_at"])]


class Sequence(models.Model):
    """A numbering series (vouchers, applications, certificates); taken under a row lock."""

    name = models.CharField(max_length=120, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.last}"
