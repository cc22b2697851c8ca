"""Signing in: lockout by user name and by address and its expiry, the second factor required
for heads, recovery codes that work once, the admin behind the same login, the idle timeout."""

from __future__ import annotations

import datetime
import time

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP

from jiliang.audit.models import LedgerEntry
from jiliang.core import services
from jiliang.core.demo import DEMO_PASSWORD, demo_totp_key_hex
from tests.base import PersonaTestCase, sign_in


def code_of(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def log_in(client, username, password=DEMO_PASSWORD, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


@override_settings(AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=datetime.timedelta(minutes=15))
class LockoutTest(PersonaTestCase):
    def test_a_user_name_is_locked_after_the_configured_failures_until_the_cool_off_ends(self):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        for n in range(3):
            # From three addresses: the user name alone locks.
            response = log_in(client, "gd_clerk", "wrong-password", address=f"10.0.1.{n}")
            self.assertEqual(response.status_code, 200 if n < 2 else 429)
        response = log_in(client, "gd_clerk", address="10.0.2.1")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Signing in is locked", status_code=429)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(LedgerEntry.objects.filter(action="user.locked_out",
                                                    object_id="gd_clerk").count(), 1)
        # Another user from another address is not affected.
        self.assertEqual(log_in(Client(), "gz_clerk", address="10.0.3.1").status_code, 302)
        # Once the cool-off has passed, the right password signs in again.
        AccessAttempt.objects.update(
            attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
        response = log_in(client, "gd_clerk", address="10.0.2.1")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], reverse("core:desk"))

    def test_an_address_is_locked_whatever_the_user_names_it_tries(self):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        for name in ("nobody1", "nobody2", "nobody3"):
            log_in(client, name, "wrong-password", address="10.9.9.9")
        response = log_in(client, "bj_clerk", address="10.9.9.9")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "锁定", status_code=429)
        self.assertEqual(log_in(Client(), "bj_clerk", address="10.9.9.10").status_code, 302)

    def test_a_kilobyte_user_name_is_a_failed_sign_in_not_a_server_error(self):
        response = log_in(Client(), "长" * 1000, "wrong-password")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(all(len(a.username or "") <= 150 for a in AccessAttempt.objects.all()))
        self.assertTrue(AccessAttempt.objects.exists())

    def test_a_forged_forwarded_address_is_not_believed(self):
        from django.test import RequestFactory

        from jiliang.core.signin import client_ip

        request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1",
                                       HTTP_X_FORWARDED_FOR="not-an-address")
        with self.settings(JILIANG_TRUSTED_PROXIES=1):
            self.assertEqual(client_ip(request), "10.1.1.1")
            request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.9, 198.51.100.7"
            self.assertEqual(client_ip(request), "198.51.100.7")

    def test_the_admin_login_is_the_sites_login(self):
        response = Client().get("/admin/login/?next=/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # wrong codes are tried first below
class SecondFactorTest(PersonaTestCase):
    def test_a_head_without_a_device_must_set_one_up_before_anything_else(self):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(log_in(client, "gd_head").status_code, 302)
        response = client.get(reverse("core:desk"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("core:second-factor")))
        self.assertEqual(client.get("/api/v1/me").status_code, 401)
        page = client.get(reverse("core:second-factor"))
        self.assertEqual(page["Cache-Control"], "no-store")
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.get(user=self.p.gd_head, confirmed=False)
        wrong = client.post(reverse("core:second-factor"), {"token": "000000"})
        self.assertContains(wrong, "does not match")
        done = client.post(reverse("core:second-factor"), {"token": code_of(device)})
        self.assertEqual(done["Cache-Control"], "no-store")
        self.assertEqual(len(done.context["codes"]), 10)
        self.assertEqual(client.get(reverse("core:desk")).status_code, 200)
        self.assertTrue(LedgerEntry.objects.filter(action="second_factor.confirm",
                                                   object_id=str(self.p.gd_head.pk)).exists())

    def test_totp_is_required_for_a_head_at_every_sign_in(self):
        device = services.second_factor_seed(user=self.p.gd_head, key_hex=demo_totp_key_hex())
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(client, "gd_head")
        response = client.get(reverse("core:desk"))
        self.assertTrue(response["Location"].startswith(reverse("core:second-factor-verify")))
        # The admin too: the national administrator's session is not verified yet either.
        admin = Client()
        log_in(admin, "admin", address="10.0.0.2")
        self.assertEqual(admin.get("/admin/").status_code, 302)
        wrong = client.post(reverse("core:second-factor-verify"), {"token": "123456"})
        self.assertContains(wrong, "does not match")
        right = client.post(reverse("core:second-factor-verify"),
                            {"token": code_of(device), "next": reverse("core:desk")})
        self.assertRedirects(right, reverse("core:desk"))

    def test_a_clerk_without_a_device_is_not_asked(self):
        client = Client()
        log_in(client, "gd_clerk")
        self.assertEqual(client.get(reverse("core:desk")).status_code, 200)

    def test_a_recovery_code_works_once(self):
        services.second_factor_seed(user=self.p.gd_head, key_hex=demo_totp_key_hex())
        codes = services.recovery_codes_issue(actor=self.p.gd_head)
        for attempt in (1, 2):
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            log_in(client, "gd_head")
            response = client.post(reverse("core:second-factor-verify"),
                                   {"token": codes[0], "next": reverse("core:desk")})
            if attempt == 1:
                self.assertRedirects(response, reverse("core:desk"))
            else:
                self.assertContains(response, "already used")
                self.assertEqual(client.get(reverse("core:desk")).status_code, 302)

    def test_the_verified_admin_reaches_the_admin_site(self):
        client = sign_in(Client(), self.p.admin)
        self.assertEqual(client.get("/admin/").status_code, 200)

    def test_new_recovery_codes_are_shown_once_and_not_stored_by_the_browser(self):
        client = sign_in(Client(), self.p.gd_head)
        response = client.post(reverse("core:recovery-codes"))
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(len(response.context["codes"]), 10)


def next_code_of(device) -> str:
    """The code the app shows one step (30 s) later: a code of a step already used is refused."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + device.step
    return f"{totp.token():06d}"


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # wrong codes are tried first below
class SecondFactorOffTest(PersonaTestCase):
    def test_a_clerk_turns_their_own_second_factor_off_with_password_and_code(self):
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(client, "gd_clerk")
        client.get(reverse("core:second-factor"))
        device = TOTPDevice.objects.get(user=self.p.gd_clerk, confirmed=False)
        client.post(reverse("core:second-factor"), {"token": code_of(device)})
        page = client.get(reverse("core:second-factor"))
        self.assertContains(page, 'id="second-factor-off"')

        off = reverse("core:second-factor-off")
        wrong_password = client.post(off, {"password": "not-it", "token": next_code_of(device)})
        self.assertContains(wrong_password, "This is not your password.")
        wrong_code = client.post(off, {"password": DEMO_PASSWORD, "token": "000000"})
        self.assertContains(wrong_code, "does not match")
        self.assertContains(client.post(off, {"password": DEMO_PASSWORD}), "This field is required")
        self.assertTrue(TOTPDevice.objects.filter(user=self.p.gd_clerk).exists())
        self.assertFalse(LedgerEntry.objects.filter(action="second_factor.turn_off").exists())

        device.refresh_from_db()
        done = client.post(off, {"password": DEMO_PASSWORD, "token": next_code_of(device)})
        self.assertRedirects(done, reverse("core:desk"))
        self.assertFalse(TOTPDevice.objects.filter(user=self.p.gd_clerk).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.p.gd_clerk).exists())
        entry = LedgerEntry.objects.get(action="second_factor.turn_off")
        self.assertEqual((entry.actor_id, entry.object_id),
                         (self.p.gd_clerk.pk, str(self.p.gd_clerk.pk)))
        self.assertNotIn(device.key, str(entry.before) + str(entry.after))  # never a secret
        # The next sign-in asks for the password only.
        again = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(again, "gd_clerk")
        self.assertEqual(again.get(reverse("core:desk")).status_code, 200)

    def test_a_head_may_not_turn_it_off(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), self.p.gd_head)
        page = client.get(reverse("core:second-factor"))
        self.assertNotContains(page, 'id="second-factor-off"')
        self.assertContains(page, "cannot be turned off")
        device = TOTPDevice.objects.get(user=self.p.gd_head)
        refused = client.post(reverse("core:second-factor-off"),
                              {"password": DEMO_PASSWORD, "token": next_code_of(device)})
        self.assertEqual(refused.status_code, 403)
        self.assertTrue(TOTPDevice.objects.filter(user=self.p.gd_head).exists())
        with self.assertRaises(PermissionDenied):
            services.second_factor_turn_off(actor=self.p.admin, password=DEMO_PASSWORD,
                                            token="000000")

    def test_an_unverified_session_may_not_turn_it_off(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=self.p.gd_clerk, name="authenticator",
                                           confirmed=True)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(client, "gd_clerk")  # the password only: the code not given yet
        response = client.post(reverse("core:second-factor-off"),
                               {"password": DEMO_PASSWORD, "token": code_of(device)})
        self.assertNotEqual(response.status_code, 200)
        self.assertTrue(TOTPDevice.objects.filter(pk=device.pk).exists())


class ThrottleTest(PersonaTestCase):
    def test_after_a_wrong_code_even_the_right_one_waits(self):
        device = services.second_factor_seed(user=self.p.gd_head, key_hex=demo_totp_key_hex())
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(client, "gd_head")
        client.post(reverse("core:second-factor-verify"), {"token": "123456"})
        response = client.post(reverse("core:second-factor-verify"), {"token": code_of(device)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(client.get(reverse("core:desk")).status_code, 302)


class IdleTimeoutTest(PersonaTestCase):
    def test_an_idle_bureau_session_is_signed_out(self):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        log_in(client, "gd_clerk")
        self.assertEqual(client.get(reverse("core:desk")).status_code, 200)
        session = client.session
        session["jl_seen"] = int(time.time()) - 31 * 60
        session.save()
        response = client.get(reverse("core:desk"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertNotIn("_auth_user_id", client.session)

    def test_an_enterprise_session_has_the_longer_limit(self):
        client = Client()
        log_in(client, "acme")
        session = client.session
        session["jl_seen"] = int(time.time()) - 31 * 60
        session.save()
        self.assertEqual(client.get(reverse("core:desk")).status_code, 200)
