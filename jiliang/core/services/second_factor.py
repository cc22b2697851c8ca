"""The second factor (django-otp): TOTP devices and one-time recovery codes.

The ledger records that a device was set up or codes were issued, never a secret.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.rules import roles as grant_rules

RECOVERY_CODES = 10


def _user_region(user: User) -> str:
    return user.organisation.region_code if user.organisation_id else ""


def second_factor_start(*, actor: User):
    """The actor's unconfirmed TOTP device (a new secret the first time), to be confirmed with
    a code from the authenticator app."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
            audit_record(actor=actor, action="second_factor.start", object_type="core.user",
                         object_id=actor.pk, region_code=_user_region(actor),
                         after={"device": device.name})
    return device


def recovery_codes_issue(*, actor: User) -> list[str]:
    """New one-time recovery codes (the old ones stop working); shown once."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=actor, name="recovery", defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
        audit_record(actor=actor, action="second_factor.recovery_codes", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     after={"codes": len(codes)})
    return codes


def second_factor_confirm(*, actor: User, device, token: str) -> list[str]:
    """Confirm the TOTP device with a code from the app; the actor's other TOTP devices go, and
    fresh recovery codes come (returned, to be shown once)."""
    token = (token or "").strip().replace(" ", "")
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionDenied(_("This is not your device to confirm."))
    if not token.isascii() or not token.isdigit() or not device.verify_token(token):
        raise ValidationError({"token": [_(
            "This code does not match: type the 6 digits your authenticator app shows now.")]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="second_factor.confirm", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     after={"device": device.name})
    return recovery_codes_issue(actor=actor)


def second_factor_turn_off(*, actor: User, password: str, token: str) -> None:
    """The actor turns their own second factor off: their password again and a current code of
    the authenticator app. Not for a role that must have one (heads, national administrators:
    ``rules/data/role_grants.json``). The app's device and the recovery codes go; audited."""
    if grant_rules.requires_second_factor(actor.role):
        raise PermissionDenied(_("Your role needs a second factor: it cannot be turned off."))
    devices = list(TOTPDevice.objects.filter(user=actor, confirmed=True))
    if not devices:
        raise ValidationError({"token": [_("You have no second factor to turn off.")]})
    # The password first: a code is spent once checked, so it is not checked in vain.
    if not actor.check_password(password or ""):
        raise ValidationError({"password": [_("This is not your password.")]})
    token = (token or "").strip().replace(" ", "")
    if not (token.isascii() and token.isdigit()
            and any(device.verify_token(token) for device in devices)):
        raise ValidationError({"token": [_(
            "This code does not match: type the 6 digits your authenticator app shows now.")]})
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=actor).delete()[0]
        codes = StaticDevice.objects.filter(user=actor).delete()[0]
        audit_record(actor=actor, action="second_factor.turn_off", object_type="core.user",
                     object_id=actor.pk, region_code=_user_region(actor),
                     before={"devices": [d.name for d in devices]},
                     after={"devices": [], "deleted": removed + codes})


def second_factor_seed(*, user: User, key_hex: str, name: str = "demo"):
    """A confirmed TOTP device with a known key, for the demo and the tests (never in
    production: the key is published in the README)."""
    if settings.PRODUCTION:
        raise PermissionDenied("no known second-factor keys in production")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, name=name, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=name, key=key_hex, confirmed=True)
            audit_record(actor=None, action="second_factor.confirm", object_type="core.user",
                         object_id=user.pk, region_code=_user_region(user),
                         after={"device": name})
    return device
