"""Separation of duties: every persona tries to grant every role in every kind of organisation,
by page and by API; only what role_grants.json allows lands, and every refusal is in the
ledger."""

from __future__ import annotations

import json
import re

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jiliang.audit.models import LedgerEntry
from jiliang.core import services
from jiliang.core.models import Invitation, OrgKind, Role, User
from jiliang.rules.roles import roles
from tests.base import PersonaTestCase, sign_in

PASSWORD = "granted-pass-7"

# What may land, written out by hand from the issue (not computed from the rules under test):
# (persona, organisation, role, how).
ALLOWED = {
    *{("admin", o, r, "account") for o in ("national",) for r in
      ("national_admin", "bureau_head", "bureau_clerk")},
    *{("admin", o, r, "account") for o in ("gd_bureau", "gz_bureau", "county", "bj_bureau")
      for r in ("bureau_head", "bureau_clerk")},
    *{("admin", o, "institution_manager", "account") for o in
      ("gd_institute", "technical", "bj_institute")},
    # bj_enterprise has no account holder among the personas: a bureau invites its first.
    *{("admin", o, "enterprise_user", "invitation") for o in ("fresh", "bj_fresh",
                                                               "bj_enterprise")},
    *{("gd_head", o, r, "account") for o in ("gd_bureau", "gz_bureau", "county")
      for r in ("bureau_head", "bureau_clerk")},
    *{("gd_head", o, "institution_manager", "account") for o in ("gd_institute", "technical")},
    ("gd_head", "fresh", "enterprise_user", "invitation"),
    ("gd_clerk", "fresh", "enterprise_user", "invitation"),
    ("gz_clerk", "fresh", "enterprise_user", "invitation"),
    ("bj_clerk", "bj_fresh", "enterprise_user", "invitation"),
    ("bj_clerk", "bj_enterprise", "enterprise_user", "invitation"),
    ("gd_manager", "gd_institute", "verifier", "account"),
    ("acme", "acme", "enterprise_user", "invitation"),
}


class GrantMatrixTest(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        reg = services.organisation_register
        cls.orgs = dict(p.orgs)
        cls.orgs["county"] = reg(actor=None, kind=OrgKind.COUNTY_BUREAU, name="天河区市场监督管理局",
                                 region_code="440106")
        cls.orgs["technical"] = reg(actor=None, kind=OrgKind.TECHNICAL_INSTITUTION,
                                    name="广州某技术机构", region_code="440106",
                                    credit_code=_code("12440106MA5TECH01"))
        cls.orgs["fresh"] = reg(actor=None, kind=OrgKind.ENTERPRISE, name="新开业企业",
                                region_code="440106", credit_code=_code("91440106MA5FRXH10"))
        cls.orgs["bj_fresh"] = reg(actor=None, kind=OrgKind.ENTERPRISE, name="北京新企业",
                                   region_code="110108", credit_code=_code("91110108MA5FRXH20"))
        cls.gd_manager = services.user_create(
            actor=None, username="gd_manager", password=PASSWORD,
            organisation=p.orgs["gd_institute"], role=Role.INSTITUTION_MANAGER)

    def persona(self, name):
        return self.gd_manager if name == "gd_manager" else getattr(self.p, name)

    def test_every_persona_tries_every_role_in_every_kind_of_organisation(self):
        self.assertEqual({o.kind for o in self.orgs.values()}, set(OrgKind.values))
        names = ("admin", "gd_clerk", "gd_head", "gz_clerk", "bj_clerk", "gd_verifier", "acme",
                 "gd_manager", "anonymous")
        failures, attempts, n = [], 0, 0
        for name in names:
            user = None if name == "anonymous" else self.persona(name)
            page = self.client_as(name) if name != "gd_manager" else self._client(user)
            api = self.api_as(name) if name != "gd_manager" else self._api(user)
            for org_key, org in self.orgs.items():
                for role in Role.values:
                    for how in ("account", "invitation"):
                        for channel in ("page", "api"):
                            n += 1
                            attempts += 1
                            username = f"g{n}"
                            before = LedgerEntry.objects.filter(
                                action__endswith="_refused").count()
                            invitations = Invitation.objects.count()
                            response = self._attempt(page if channel == "page" else api,
                                                     channel, how, org, role, username)
                            label = f"{name} {how} {role} in {org_key} by {channel}"
                            landed = (User.objects.filter(username=username).exists()
                                      or Invitation.objects.count() > invitations)
                            status = response.status_code
                            if status >= 500:
                                failures.append(f"{label}: {status}")
                            expected = (name, org_key, role, how) in ALLOWED
                            if expected and not landed:
                                failures.append(f"{label}: refused ({status})")
                            if not expected:
                                if landed:
                                    failures.append(f"{label}: GRANTED ({status})")
                                if status in (201, 302) and not (
                                        name == "anonymous" and "/login/" in
                                        response.get("Location", "")):
                                    failures.append(f"{label}: answered {status}")
                                refused = LedgerEntry.objects.filter(
                                    action__endswith="_refused").count() - before
                                if user is not None and refused != 1:
                                    failures.append(f"{label}: {refused} ledger entries")
        self.assertGreater(attempts, 1500)
        self.assertFalse(failures, "\n".join(failures[:60]) + f"\n({len(failures)} in all)")

    def _client(self, user):
        from django.test import Client

        return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    def _api(self, user):
        from django.test import Client

        _token, key = services.api_token_issue(actor=user, name="grants")
        return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {key}")

    def _attempt(self, client, channel, how, org, role, username):
        if channel == "page":
            if how == "account":
                return client.post(reverse("core:user-create", args=[org.pk]), {
                    "username": username, "password": PASSWORD, "role": role})
            return client.post(reverse("core:invitation-create", args=[org.pk]),
                               {"role": role, "full_name": username})
        if how == "account":
            return client.post(f"/api/v1/organisations/{org.pk}/users", json.dumps(
                {"username": username, "password": PASSWORD, "role": role}),
                content_type="application/json")
        return client.post(f"/api/v1/organisations/{org.pk}/invitations", json.dumps(
            {"role": role, "full_name": username}), content_type="application/json")


def _code(first17):
    from jiliang.core.demo import credit_code

    return credit_code(first17)


class AccountTest(PersonaTestCase):
    def test_a_clerk_cannot_make_a_head_and_the_attempt_is_in_the_ledger(self):
        client = self.client_as("gd_clerk")
        org = self.p.orgs["gd_bureau"]
        response = client.post(reverse("core:user-create", args=[org.pk]), {
            "username": "sneaky_head", "password": PASSWORD, "role": "bureau_head"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(User.objects.filter(username="sneaky_head").exists())
        entry = LedgerEntry.objects.filter(action="user.create_refused").latest("id")
        self.assertEqual(entry.actor_name, "gd_clerk")
        self.assertEqual(entry.after["role"], "bureau_head")

    def test_a_bureau_cannot_slip_an_account_into_an_enterprise_that_has_one(self):
        api = self.api_as("gz_clerk")
        acme = self.p.orgs["acme"]
        response = api.post(f"/api/v1/organisations/{acme.pk}/invitations",
                            json.dumps({"role": "enterprise_user"}),
                            content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("account holder", response.json()["detail"])

    def test_an_invitation_opens_one_account_with_a_password_only_its_holder_knows(self):
        fresh = services.organisation_register(
            actor=None, kind=OrgKind.ENTERPRISE, name="新企业", region_code="440106",
            credit_code=_code("91440106MA5NEW0A1"))
        invitation, key = services.invitation_issue(actor=self.p.gz_clerk, organisation=fresh)
        page = self.client_as("gz_clerk").get(reverse("core:organisation-detail", args=[fresh.pk]))
        self.assertNotContains(page, key)
        anonymous = self.client_as("anonymous")
        url = reverse("core:invitation-accept", args=[key])
        form = anonymous.get(url)
        self.assertEqual(form["Cache-Control"], "no-store")
        weak = anonymous.post(url, {"username": "fresh_user", "password": "P@ssw0rd123!",
                                    "password2": "P@ssw0rd123!"})
        self.assertContains(weak, "leaked passwords")
        done = anonymous.post(url, {"username": "fresh_user", "password": PASSWORD,
                                    "password2": PASSWORD})
        self.assertRedirects(done, reverse("login"), fetch_redirect_response=False)
        user = User.objects.get(username="fresh_user")
        self.assertEqual((user.organisation, user.role), (fresh, Role.ENTERPRISE_USER))
        self.assertTrue(user.check_password(PASSWORD))
        again = anonymous.post(url, {"username": "fresh_user2", "password": PASSWORD,
                                     "password2": PASSWORD})
        self.assertEqual(again.status_code, 404)
        # The bureau's second invitation is refused now that the enterprise has a holder...
        with self.assertRaises(PermissionDenied):
            services.invitation_issue(actor=self.p.gz_clerk, organisation=fresh)
        # ...and the holder invites a colleague.
        _inv, key2 = services.invitation_issue(actor=user, organisation=fresh)
        self.assertIsNotNone(services.invitation_find(key2))
        self.assertTrue(LedgerEntry.objects.filter(action="invitation.invitation_accept").exists())

    def test_a_suspended_account_cannot_sign_in_nor_use_its_token(self):
        api = self.api_as("acme")
        self.assertEqual(api.get("/api/v1/me").status_code, 200)
        head = self.api_as("gd_head")
        response = head.post(f"/api/v1/users/{self.p.acme.pk}/suspend")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(response.json()["is_active"])
        self.assertEqual(api.get("/api/v1/me").status_code, 401)
        entry = LedgerEntry.objects.filter(action="user.account_suspend").latest("id")
        self.assertEqual(entry.before["is_active"], True)
        self.assertEqual(entry.after["is_active"], False)
        head.post(f"/api/v1/users/{self.p.acme.pk}/reinstate")
        self.assertEqual(api.get("/api/v1/me").status_code, 200)

    def test_a_clerk_cannot_suspend_or_demote_a_head(self):
        client = self.client_as("gd_clerk")
        response = client.post(reverse("core:member-suspend", args=[self.p.gd_head.pk]))
        self.assertEqual(response.status_code, 403)
        api = self.api_as("gd_clerk")
        response = api.put(f"/api/v1/users/{self.p.gd_head.pk}/role",
                           json.dumps({"role": "bureau_clerk"}), content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.p.gd_head.refresh_from_db()
        self.assertTrue(self.p.gd_head.is_active)
        self.assertEqual(self.p.gd_head.role, Role.BUREAU_HEAD)
        self.assertEqual(LedgerEntry.objects.filter(actor_name="gd_clerk",
                                                    action__endswith="_refused").count(), 2)

    def test_a_head_promotes_a_clerk_and_revokes_the_role_and_the_ledger_has_both(self):
        api = self.api_as("gd_head")
        clerk = self.p.gd_clerk
        response = api.put(f"/api/v1/users/{clerk.pk}/role", json.dumps({"role": "bureau_head"}),
                           content_type="application/json")
        self.assertEqual(response.json()["role"], "bureau_head")
        response = api.delete(f"/api/v1/users/{clerk.pk}/role")
        self.assertEqual(response.json()["role"], "")
        clerk.refresh_from_db()
        self.assertTrue(clerk.scope.is_nothing)
        actions = list(LedgerEntry.objects.filter(object_id=str(clerk.pk),
                                                  object_type="core.user")
                       .values_list("action", flat=True))
        self.assertIn("user.role_grant", actions)
        self.assertIn("user.role_revoke", actions)

    def test_nobody_changes_their_own_role(self):
        api = self.api_as("gd_head")
        response = api.put(f"/api/v1/users/{self.p.gd_head.pk}/role",
                           json.dumps({"role": "bureau_clerk"}), content_type="application/json")
        self.assertEqual(response.status_code, 403)

    def test_a_weak_password_is_refused_naming_the_field(self):
        api = self.api_as("gd_head")
        org = self.p.orgs["gd_bureau"]
        response = api.post(f"/api/v1/organisations/{org.pk}/users", json.dumps(
            {"username": "weak", "password": "qwertyuiop", "role": "bureau_clerk"}),
            content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"][0]["field"], "password")

    def test_the_role_table_names_every_role(self):
        self.assertEqual(set(roles().rank), set(Role.values))
        self.assertTrue(re.match(r"^\w+$", Role.BUREAU_HEAD))
