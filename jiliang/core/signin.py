"""Signing in: the second factor, the idle timeout, the client address for lockouts.

- A user whose role needs a second factor (rules/data/role_grants.json: bureau heads, national
  administrators), or who has turned one on, reaches nothing but the second-factor pages until
  the session is verified (a TOTP code, or a one-time recovery code): django-otp.
- A session idle for longer than JILIANG_IDLE_MINUTES_BUREAU (bureau staff) or
  JILIANG_IDLE_MINUTES_OTHERS is signed out.
- django-axes locks out by user name and by address (settings AXES_*); behind
  JILIANG_TRUSTED_PROXIES reverse proxies the address comes from X-Forwarded-For.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import quote

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from jiliang.audit.services import audit_record
from jiliang.rules.roles import requires_second_factor

SESSION_HAS_DEVICE = "jl_second_factor"
SESSION_SEEN = "jl_seen"
# Reachable before the second factor is given.
OPEN_BEFORE_VERIFIED = frozenset({
    "login", "logout", "core:second-factor-verify", "core:second-factor", "set_language",
    "core:invitation-accept",
})


def client_ip(request) -> str:
    """The client's address: the peer's, or the one the outermost trusted proxy saw (only a
    well-formed address is believed)."""
    proxies = settings.JILIANG_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")[:1000]
    if proxies > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            try:
                return str(ipaddress.ip_address(hops[-proxies]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR", "")


def client_username(request, credentials=None) -> str | None:
    """The user name a sign-in tried, cut to the longest a user name can be (150), so a
    kilobyte of nonsense in the form is recorded, not a database error."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field) if credentials else None
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get(field)
    return None if value is None else str(value)[:150]


def needs_second_factor(user, session=None) -> bool:
    """The role requires it, or the user turned it on (read once per session, at sign-in)."""
    if not user.is_authenticated:
        return False
    if requires_second_factor(user.role):
        return True
    if session is not None and SESSION_HAS_DEVICE in session:
        return bool(session[SESSION_HAS_DEVICE])

    return user_has_device(user)


@receiver(user_logged_in)
def _remember_device(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return

    request.session[SESSION_HAS_DEVICE] = user_has_device(user)
    request.session[SESSION_SEEN] = int(time.time())


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not user.is_verified()
                and needs_second_factor(user, request.session)):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            if name not in OPEN_BEFORE_VERIFIED:
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": _(
                        "Give your second factor on the sign-in page first."), "errors": []},
                        status=401)

                target = ("core:second-factor-verify" if user_has_device(user)
                          else "core:second-factor")
                return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Signs out a browser session idle for too long; the stamp is written at most once a
    minute, so a busy session does not write its session row on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session") and \
                request.session.session_key is not None:
            now = int(time.time())
            minutes = (settings.JILIANG_IDLE_MINUTES_BUREAU if user.is_bureau
                       else settings.JILIANG_IDLE_MINUTES_OTHERS)
            seen = request.session.get(SESSION_SEEN)
            if seen is not None and now - int(seen) > minutes * 60:
                logout(request)
                messages.info(request, _("You were signed out after %(n)s minutes without "
                                         "activity.") % {"n": minutes})
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": _("Sign in or send a valid API token."),
                                         "errors": []}, status=401)
                return redirect(f"{reverse('login')}?next={quote(request.get_full_path())}")
            if seen is None or now - int(seen) >= 60:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


def _on_locked_out(sender, request, username, ip_address, **kwargs):
    """The moment a user name or an address is locked out goes into the ledger (once, not for
    each attempt made while it stays locked)."""

    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != get_failure_limit(request, getattr(
            request, "axes_credentials", None)):
        return
    name = str(username or "")[:64]
    audit_record(actor=None, action="user.locked_out", object_type="core.user", object_id=name,
                 after={"username": str(username or "")[:150], "address": str(ip_address or ""),
                        "failures": failures})


def connect_signals() -> None:
    user_locked_out.connect(_on_locked_out, dispatch_uid="jiliang.core.signin.locked_out")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: a page in the user's language, 429."""
    cool_off = settings.AXES_COOLOFF_TIME
    return render(request, "registration/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=429)
