"""Regions, organisations, people and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiliang.rules.roles import roles


class Region(models.Model):
    """A GB/T 2260 administrative division (loaded from core/data/regions.csv)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, pgettext_lazy("level", "province")
        PREFECTURE = 2, _("prefecture")
        COUNTY = 3, _("county")

    code = models.CharField(_("division code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def full_name(self) -> str:
        """Province, prefecture and county names joined, skipping 市辖区 placeholders."""
        names = []
        node: Region | None = self
        while node is not None:
            if node.name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class OrgKind(models.TextChoices):
    NATIONAL = "national", _("national administration")
    PROVINCIAL_BUREAU = "provincial_bureau", _("provincial market-regulation bureau")
    CITY_BUREAU = "city_bureau", _("city market-regulation bureau")
    COUNTY_BUREAU = "county_bureau", _("county market-regulation bureau")
    VERIFICATION_INSTITUTION = "verification_institution", _("legal verification institution")
    TECHNICAL_INSTITUTION = "technical_institution", _("other technical institution")
    ENTERPRISE = "enterprise", _("enterprise")


BUREAU_KINDS = frozenset(
    {OrgKind.NATIONAL, OrgKind.PROVINCIAL_BUREAU, OrgKind.CITY_BUREAU, OrgKind.COUNTY_BUREAU}
)
INSTITUTION_KINDS = frozenset({OrgKind.VERIFICATION_INSTITUTION, OrgKind.TECHNICAL_INSTITUTION})
# Enterprises and institutions carry a unified social credit code (GB 32100-2015).
CREDIT_CODE_KINDS = INSTITUTION_KINDS | {OrgKind.ENTERPRISE}
# The level of division each bureau kind sits at.
BUREAU_LEVEL = {
    OrgKind.NATIONAL: None,
    OrgKind.PROVINCIAL_BUREAU: Region.Level.PROVINCE,
    OrgKind.CITY_BUREAU: Region.Level.PREFECTURE,
    OrgKind.COUNTY_BUREAU: Region.Level.COUNTY,
}


class Organisation(models.Model):
    """A bureau, an institution or an enterprise, each in its region."""

    class EnterpriseRole(models.TextChoices):
        OWNER = "owner", _("instrument owner")
        MANUFACTURER = "manufacturer", _("manufacturer")
        PACKER = "packer", _("packer")
        ENERGY_USER = "energy_user", _("energy user")

    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("region"))
    # Denormalised from region so scoped lists filter on an indexed column of their own table.
    region_code = models.CharField(_("division code"), max_length=6, db_index=True, editable=False)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True
    )
    enterprise_roles = models.JSONField(_("enterprise roles"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "region_code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def enterprise_role_names(self) -> list[str]:
        """The enterprise's roles in words (使用者, 制造者 …), not their codes."""
        names = dict(self.EnterpriseRole.choices)
        return [str(names.get(role, role)) for role in self.enterprise_roles]

    @property
    def is_bureau(self) -> bool:
        return self.kind in BUREAU_KINDS

    @property
    def is_institution(self) -> bool:
        return self.kind in INSTITUTION_KINDS


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("national administrator")
    BUREAU_CLERK = "bureau_clerk", _("bureau clerk")
    BUREAU_HEAD = "bureau_head", _("bureau head")
    VERIFIER = "verifier", _("institution verifier")
    INSTITUTION_MANAGER = "institution_manager", _("institution manager")
    ENTERPRISE_USER = "enterprise_user", _("enterprise user")


# Which roles a member of each kind of organisation may hold (rules/data/role_grants.json).
ROLES_FOR_KIND = {
    OrgKind(kind): {Role(name) for name in names} for kind, names in roles().holders.items()
}
BUREAU_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.BUREAU_CLERK, Role.BUREAU_HEAD})


class User(AbstractUser):
    """A person who signs in; the public needs no account."""

    organisation = models.ForeignKey(
        Organisation, models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_bureau(self) -> bool:
        return self.role in BUREAU_ROLES

    @property
    def scope(self):
        from jiliang.core.scoping import Scope

        return Scope.for_user(self)


class ApiToken(models.Model):
    """A bearer token for a machine client; only its SHA-256 is stored."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "jl_" + secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation to open an account in an organisation; only the key's SHA-256 is stored.

    The person invited accepts it on the invitation's page, choosing a user name and a
    password nobody else has seen (enterprise accounts come this way: see role_grants.json).
    """

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="invitations",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("invited by"))
    region_code = models.CharField(_("division code"), max_length=6, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("account"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        from django.utils import timezone

        return (self.accepted_at is None and self.withdrawn_at is None
                and self.expires_at > timezone.now())


class ScheduledRun(models.Model):
    """One run of a daily task on one date: the guard that makes a second scheduler harmless."""

    task = models.CharField(max_length=200)
    run_on = models.DateField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "run_on"], name="core_scheduledrun_uniq")]

    def __str__(self) -> str:
        return f"{self.task} {self.run_on}"


class HolidayYear(models.Model):
    """One year of the State Council's holiday notice (国务院办公厅关于某年部分节假日安排的通知).

    The national administrator enters each year's notice; until then deadlines running into
    the year are provisional (see ``jiliang.rules.deadlines``). Seeded with the years of the
    ``chinesecalendar`` package.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    holidays = models.JSONField(_("days off"), default=list,
                                help_text=_("Every day off of the notice, one YYYY-MM-DD a line."))
    workdays = models.JSONField(_("adjusted working days"), default=list, blank=True,
                                help_text=_("Weekend days the notice makes working days "
                                            "(调休上班), one YYYY-MM-DD a line."))
    source = models.CharField(_("source"), max_length=300,
                              help_text=_("The notice: its number, date and where it was "
                                          "published."))
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")

    def __str__(self) -> str:
        return str(self.year)
