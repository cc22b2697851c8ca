"""People who verify and their qualifications; signatories; stations; examinations.

A person belongs to an organisation (a verification institution, usually) and may be a
user of the system. Their ID-card number is never stored: only a keyed hash (to find the
same person again) and a masked form (the first 4 and last 4 characters).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.core.models import Organisation


class Person(models.Model):
    organisation = models.ForeignKey(Organisation, models.PROTECT, related_name="people",
                                     verbose_name=_("organisation"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                blank=True, related_name="person", verbose_name=_("user account"))
    id_card_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_card_masked = models.CharField(_("ID card"), max_length=18, blank=True, editable=False)
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [models.UniqueConstraint(
            fields=["organisation", "id_card_hash"], condition=~Q(id_card_hash=""),
            name="people_person_idcard_uniq")]
        indexes = [models.Index(fields=["province_code", "region_code", "id"],
                                name="people_person_prov")]

    def __str__(self) -> str:
        return self.name


class QualificationKind(models.TextChoices):
    VERIFIER_CERTIFICATE = "verifier_certificate", _("verifier certificate (检定员证)")
    REGISTRATION = "registration", _("registered metrologist (注册计量师)")
    ASSESSOR = "assessor", _("assessor (考评员)")


class QualificationStatus(models.TextChoices):
    VALID = "valid", _("valid")
    LAPSED = "lapsed", _("lapsed")
    CONVERTED = "converted", _("converted")
    SUSPENDED = "suspended", pgettext_lazy("qualification", "suspended")
    REVOKED = "revoked", _("revoked")


class Qualification(models.Model):
    person = models.ForeignKey(Person, models.CASCADE, related_name="qualifications",
                               verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=24, choices=QualificationKind.choices)
    number = models.CharField(_("number"), max_length=60)
    grade = models.CharField(_("grade"), max_length=1, blank=True,
                             choices=[("1", _("level 1")), ("2", _("level 2"))])
    speciality = models.CharField(_("speciality"), max_length=100, blank=True)
    items = models.JSONField(pgettext_lazy("qualification", "items"), default=list, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=QualificationStatus.choices,
                              default=QualificationStatus.VALID)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    licence = models.ForeignKey("licensing.Licence", models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("licence"))
    converted_from = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("converted from"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)

    class Meta:
        ordering = ["person", "kind", "-valid_from", "id"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        indexes = [models.Index(fields=["kind", "number"], name="people_qual_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Signatory(models.Model):
    """A person on the institution's list of authorised signatories (授权签字人) for a time."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="signatory_terms",
                               verbose_name=_("person"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["person", "-valid_from", "id"]
        verbose_name = _("authorised signatory")
        verbose_name_plural = _("authorised signatories")


class CpdHours(models.Model):
    """Continuing-education hours (继续教育) of a person in a year."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="cpd",
                               verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["person", "-year"]
        verbose_name = _("continuing-education hours")
        verbose_name_plural = _("continuing-education hours")
        constraints = [models.UniqueConstraint(fields=["person", "year"],
                                               name="people_cpd_uniq")]


class ExamResult(models.Model):
    """A subject of the registered-metrologist examination (资格考试) sat by a person."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="exams",
                               verbose_name=_("person"))
    subject = models.CharField(_("subject"), max_length=100)
    sat_on = models.DateField(_("date"))
    passed = models.BooleanField(_("passed"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True,
                                blank=True)

    class Meta:
        ordering = ["person", "-sat_on", "id"]
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")


class Conversion(models.Model):
    """The conversion (三.8) of a verifier certificate into a registration, tracked."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        CONVERTED = "converted", _("converted")
        REFUSED = "refused", _("refused")

    person = models.ForeignKey(Person, models.CASCADE, related_name="conversions",
                               verbose_name=_("person"))
    certificate = models.ForeignKey(Qualification, models.PROTECT, related_name="+",
                                    verbose_name=_("verifier certificate"))
    registration = models.ForeignKey(Qualification, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("registration"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.REQUESTED)
    requested_on = models.DateField(_("requested"))
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=60)
    reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("conversion")
        verbose_name_plural = _("conversions")


class StationKind(models.TextChoices):
    SPECIALISED = "specialised", _("national specialised metrology station (国家专业计量站)")
    FAIR = "fair", _("fair metrology station (公正计量站)")


class Station(models.Model):
    """A national specialised metrology station (四.2) or a fair metrology station (四.6)."""

    kind = models.CharField(_("kind"), max_length=12, choices=StationKind.choices)
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=200)
    organisation = models.ForeignKey(Organisation, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("organisation"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)
    scope = models.TextField(_("scope"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    approved_by = models.CharField(_("approved by"), max_length=200)
    approved_on = models.DateField(_("approved on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    public = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "province_code", "name"]
        verbose_name = _("metrology station")
        verbose_name_plural = _("metrology stations")
        indexes = [models.Index(fields=["province_code", "kind"], name="people_station_prov")]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """A review (复查) of a station or a JJF 1069 examination (考核) of an authorised
    institution, its findings and their rectification (整改)."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("review (复查)")
        EXAMINATION = "examination", _("examination (JJF 1069 考核)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    station = models.ForeignKey(Station, models.CASCADE, null=True, blank=True,
                                related_name="reviews", verbose_name=_("station"))
    licence = models.ForeignKey("licensing.Licence", models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("authorisation"))
    region_code = models.CharField(_("division code"), max_length=6)
    province_code = models.CharField(_("province"), max_length=2, editable=False)
    held_on = models.DateField(_("date"))
    findings = models.TextField(_("findings"), blank=True)
    rectification_due = models.DateField(_("rectification due"), null=True, blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification = models.TextField(pgettext_lazy("review", "rectification"), blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=200, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [models.CheckConstraint(
            condition=Q(station__isnull=False) | Q(licence__isnull=False),
            name="people_review_subject")]
