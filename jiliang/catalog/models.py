"""The catalogue of instruments under compulsory management, effective-dated, with its sources.

Loaded from jiliang/rules/data/verification_catalog.json and
verification_periods.json (copies of the shared reference, sources kept);
the national administrator edits it in the admin, every change audited.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.rules import editions
from jiliang.rules import verification as rules


class Use(models.TextChoices):
    """The statutory uses that make an instrument subject to compulsory verification."""

    TRADE = "trade", _("trade settlement")
    SAFETY = "safety", _("safety protection")
    MEDICAL = "medical", _("medical and health care")
    ENVIRONMENT = "environment", _("environmental monitoring")


class Mode(models.TextChoices):
    PERIODIC = rules.PERIODIC, _("periodic verification")
    FIRST_ONLY_SCRAP = rules.FIRST_ONLY_SCRAP, _("first verification only; scrap when inaccurate")
    FIRST_ONLY_LIMITED_LIFE = rules.FIRST_ONLY_LIMITED_LIFE, _(
        "first verification only; limited life, replace at expiry")
    TYPE_APPROVAL_ONLY = rules.TYPE_APPROVAL_ONLY, _("type approval only")


class Confidence(models.TextChoices):
    HIGH = "high", _("high: stated in a retrieved source")
    MEDIUM = "medium", _("medium: partly sourced")
    LOW = "low", _("low: unconfirmed, verify against the regulation")


class Reviewed(models.Model):
    """A value a national administrator confirmed or corrected in the admin (audited).

    A reload of the reference leaves a reviewed row as it is.
    """

    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", editable=False,
                                    verbose_name=_("confirmed by"))
    reviewed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def _localised(zh: str, en: str) -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return zh if language.startswith("zh") or not en else en


class CatalogueVersion(models.Model):
    """A catalogue of instruments under compulsory management, in force over a span of dates."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    issued = models.CharField(pgettext_lazy("regulation", "issued"), max_length=300, blank=True)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)
    in_force_until = models.DateField(_("in force until"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    warning = models.TextField(_("warning"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    @property
    def name(self) -> str:
        return _localised(self.name_zh, self.name_en)

    def in_force_on(self, day: datetime.date) -> bool:
        if self.in_force_from is None or day < self.in_force_from:
            return False
        return self.in_force_until is None or day <= self.in_force_until


class InstrumentKind(Reviewed):
    """A kind of instrument the registry files; other apps refer to it by ``code``.

    Data: rules/data/instrument_kinds.json, loaded by ``manage.py load_reference``.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=200, blank=True)
    uses = models.JSONField(_("statutory uses"), default=list, blank=True)
    size_param = models.CharField(
        _("size parameter"), max_length=10, blank=True,
        help_text=_("DN for water meters, G for gas meters; empty when the size does not matter."))
    is_utility_meter = models.BooleanField(_("utility meter"), default=False)
    mode = models.CharField(_("management mode"), max_length=40, choices=Mode.choices, blank=True)
    catalogue_items = models.JSONField(
        _("catalogue items"), default=dict, blank=True,
        help_text=_("Per catalogue version, the item (1987: its number; 2020: the entry's name) the "
                    "kind falls under; a version it is missing from does not list it."))
    mode_confidence = models.CharField(_("confidence of the mode"), max_length=10,
                                       choices=Confidence.choices, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    mode_1991 = models.CharField(_("management mode (1991 rules)"), max_length=300, blank=True)
    mode_2020 = models.CharField(_("management mode (2020 catalogue)"), max_length=300, blank=True)
    supervision_2020 = models.CharField(_("supervision (2020 catalogue)"), max_length=100,
                                        blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument kind")
        verbose_name_plural = _("instrument kinds")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def name(self) -> str:
        return _localised(self.name_zh, self.name_en)

    def use_labels(self) -> list[str]:
        return [str(Use(u).label) for u in self.uses if u in Use.values]


class CatalogueEntry(Reviewed):
    """One item of a catalogue version, with the kind it corresponds to when there is one."""

    version = models.ForeignKey(CatalogueVersion, models.CASCADE, related_name="entries",
                                verbose_name=_("catalogue version"))
    item_no = models.PositiveSmallIntegerField(_("item"), null=True, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    types = models.JSONField(_("types"), default=list, blank=True)
    supervision = models.CharField(_("supervision"), max_length=100, blank=True)
    listed = models.BooleanField(_("listed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=200, blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices,
                                  blank=True)
    note = models.TextField(_("note"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    kind = models.ForeignKey(InstrumentKind, models.SET_NULL, null=True, blank=True,
                             related_name="entries", verbose_name=_("instrument kind"))

    class Meta:
        ordering = ["version", "item_no", "name_zh"]
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        constraints = [models.UniqueConstraint(fields=["version", "name_zh"],
                                               name="catalog_entry_uniq")]

    def __str__(self) -> str:
        return f"{self.version.code} {self.item_no or ''} {self.name_zh}"

    @property
    def name(self) -> str:
        return _localised(self.name_zh, self.name_en)

    @property
    def confirmed(self) -> bool:
        """Graded high or medium by the reference, or confirmed by a national administrator."""
        return self.reviewed_at is not None or self.confidence in rules.CONFIRMED_GRADES


class Regulation(Reviewed):
    """A verification regulation (JJG) edition for a kind, with the dates it is in force.

    Data: rules/data/regulation_editions.json; the withdrawal date and the
    successor are derived from the chain of editions (rules.editions).
    """

    kind = models.ForeignKey(InstrumentKind, models.CASCADE, related_name="regulations",
                             verbose_name=_("instrument kind"))
    code = models.CharField(_("regulation"), max_length=60)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    issued_on = models.DateField(pgettext_lazy("regulation", "issued"), null=True, blank=True)
    effective_on = models.DateField(pgettext_lazy("regulation", "effective from"), null=True,
                                    blank=True)
    withdrawn_on = models.DateField(
        _("no longer applies from"), null=True, blank=True,
        help_text=_("The day its successor takes effect; empty while it is in force."))
    transition_until = models.DateField(
        _("may still be used until"), null=True, blank=True,
        help_text=_("The end of the transition period the successor's announcement gives."))
    replaces = models.CharField(_("replaces"), max_length=200, blank=True)
    replaced_by = models.CharField(_("replaced by"), max_length=60, blank=True)
    is_current = models.BooleanField(_("current edition"), default=False)
    period_note = models.TextField(_("period note"), blank=True)
    confidence = models.CharField(_("confidence of the dates"), max_length=10,
                                  choices=Confidence.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        ordering = ["kind", "-is_current", "code"]
        verbose_name = _("verification regulation")
        verbose_name_plural = _("verification regulations")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="catalog_regulation_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"

    @property
    def title(self) -> str:
        return _localised(self.title_zh, self.title_en)

    @property
    def confirmed(self) -> bool:
        return self.reviewed_at is not None or self.confidence in rules.CONFIRMED_GRADES

    @property
    def in_force(self) -> str:
        """The span of dates it applies, as a person reads it ("2017-05-30 – 2024-04-30")."""
        start = self.effective_on.isoformat() if self.effective_on else "…"
        end = (self.withdrawn_on - datetime.timedelta(days=1)).isoformat() if self.withdrawn_on \
            else ""
        return f"{start} – {end}".strip()

    def as_edition(self) -> editions.Edition:
        return editions.Edition(
            code=self.code, effective_on=self.effective_on, withdrawn_on=self.withdrawn_on,
            transition_until=self.transition_until, replaced_by=self.replaced_by,
            confirmed=self.confirmed)


class PeriodRule(Reviewed):
    """A period or service life of a kind under some regulations and conditions."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    kind = models.ForeignKey(InstrumentKind, models.CASCADE, related_name="rules",
                             verbose_name=_("instrument kind"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    regulations = models.JSONField(_("regulations"), default=list)
    when = models.JSONField(_("conditions"), default=dict, blank=True)
    mode = models.CharField(_("management mode"), max_length=40, choices=Mode.choices)
    period_months = models.PositiveSmallIntegerField(_("period (months)"), null=True, blank=True)
    life_years = models.PositiveSmallIntegerField(_("service life (years)"), null=True, blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["kind", "position"]
        verbose_name = _("period rule")
        verbose_name_plural = _("period rules")

    def __str__(self) -> str:
        return self.code

    def as_rule(self) -> rules.PeriodRule:
        return rules.PeriodRule(
            id=self.code, kind=self.kind.code if self.kind_id else "", regulations=tuple(self.regulations),
            when=self.when or {}, mode=self.mode, period_months=self.period_months,
            life_years=self.life_years, confidence=self.confidence, note=self.note,
        )

    @property
    def confirmed(self) -> bool:
        return self.as_rule().confirmed

    @property
    def needs_value(self) -> bool:
        return self.as_rule().needs_value

    @property
    def unit(self) -> str:
        return str(_("months")) if self.mode == Mode.PERIODIC else str(_("years"))

    def conditions_text(self) -> str:
        parts = []
        for key, value in (self.when or {}).items():
            if key == "size_max":
                parts.append(f"≤ {value}")
            elif key == "size_over":
                parts.append(f"> {value}")
            elif key == "household":
                parts.append(str(_("household settlement")) if value else str(_("not household")))
            elif key == "accuracy_class_in":
                parts.append(str(_("class")) + " " + "/".join(value))
            elif key == "medium":
                parts.append(str(_("natural gas")) if value == "natural_gas" else str(_("other gas")))
            elif key == "adjusted":
                parts.append(str(_("adjusted before passing")))
        return ", ".join(parts) or str(_("all"))


class ProvincePeriod(models.Model):
    """The value a province uses where the reference has no confirmed period or life."""

    province_code = models.CharField(_("province"), max_length=2)
    rule = models.ForeignKey(PeriodRule, models.CASCADE, related_name="province_values",
                             verbose_name=_("period rule"))
    value = models.PositiveSmallIntegerField(_("value"))
    note = models.CharField(_("basis"), max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                               verbose_name=_("set by"))
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        ordering = ["province_code", "rule"]
        verbose_name = _("province period")
        verbose_name_plural = _("province periods")
        constraints = [models.UniqueConstraint(fields=["province_code", "rule"],
                                               name="catalog_provinceperiod_uniq")]

    def __str__(self) -> str:
        return f"{self.province_code} {self.rule.code} = {self.value}"

    @property
    def region_code(self) -> str:
        return self.province_code + "0000"


# --- type evaluation (work plan 四.1, 五.3) -----------------------------------------------------


class TypeEvaluationInstitution(models.Model):
    """An institution authorised to carry out type evaluations (型式评价机构), for some classes of
    instrument, over a span of dates; re-evaluated from time to time (四.1)."""

    organisation = models.ForeignKey("core.Organisation", models.PROTECT,
                                     related_name="type_evaluation_authorisations",
                                     verbose_name=_("institution"))
    classes = models.JSONField(_("instrument classes"), default=list,
                               help_text=_("The instrument kinds (catalogue codes) it evaluates."))
    authorised_from = models.DateField(_("authorised from"))
    authorised_until = models.DateField(_("authorised until"), null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=300, blank=True,
                             help_text=_("The authorising document (number and date)."))

    class Meta:
        ordering = ["organisation", "-authorised_from"]
        verbose_name = _("type-evaluation institution")
        verbose_name_plural = _("type-evaluation institutions")

    def __str__(self) -> str:
        return f"{self.organisation} {self.authorised_from}"

    def covers(self, kind_code: str, on: datetime.date) -> bool:
        if on < self.authorised_from or (self.authorised_until and on > self.authorised_until):
            return False
        return kind_code in (self.classes or [])


class TypeEvaluationReview(models.Model):
    """A re-evaluation of a type-evaluation institution (四.1) and its outcome."""

    class Result(models.TextChoices):
        PASSED = "passed", _("passed")
        RECTIFY = "rectify", _("rectification required")
        REVOKED = "revoked", _("authorisation revoked")

    institution = models.ForeignKey(TypeEvaluationInstitution, models.CASCADE,
                                    related_name="reviews", verbose_name=_("institution"))
    reviewed_on = models.DateField(_("reviewed on"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-reviewed_on"]
        verbose_name = _("re-evaluation")
        verbose_name_plural = _("re-evaluations")

    def __str__(self) -> str:
        return f"{self.institution} {self.reviewed_on} {self.result}"


class EvaluationOutline(models.Model):
    """A type-evaluation outline (型式评价大纲) for a class of instrument, with its status (五.3)."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("outline", "planned")
        DRAFTING = "drafting", pgettext_lazy("outline", "drafting")
        CONSULTATION = "consultation", pgettext_lazy("outline", "open for comments")
        PUBLISHED = "published", pgettext_lazy("outline", "published")
        WITHDRAWN = "withdrawn", pgettext_lazy("outline", "withdrawn")

    kind = models.ForeignKey(InstrumentKind, models.PROTECT, related_name="outlines",
                             verbose_name=_("instrument kind"))
    code = models.CharField(_("number"), max_length=60, blank=True,
                            help_text=_("The JJF number once published; empty before."))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PLANNED)
    status_on = models.DateField(_("status since"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["kind", "code", "title"]
        verbose_name = _("evaluation outline")
        verbose_name_plural = _("evaluation outlines")

    def __str__(self) -> str:
        return f"{self.code or '—'} {self.title}"
