"""The sign-in backend reads the signed-in user with its organisation in one statement, keeps
the sessions Django's backend signed in before, and hashes a wrong password once."""

from __future__ import annotations

from unittest import mock

from axes.models import AccessAttempt
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiliang.core.demo import DEMO_PASSWORD
from jiliang.core.models import User
from tests.base import PersonaTestCase

PAGE = "/organisations/pick/"  # a signed-in page that reads nothing else


class BackendTests(PersonaTestCase):
    def reads(self, client: Client) -> list[str]:
        with CaptureQueriesContext(connection) as caught:
            response = client.get(PAGE)
        assert response.status_code == 200
        return [q["sql"] for q in caught.captured_queries]

    def test_a_new_sign_in_reads_the_user_and_its_organisation_in_one_statement(self):
        client = Client()
        response = client.post(reverse("login"), {"username": "gd_clerk",
                                                  "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert client.session[BACKEND_SESSION_KEY] == "jiliang.core.auth.ModelBackend"
        sql = self.reads(client)
        users = [s for s in sql if 'FROM "core_user"' in s]
        assert len(users) == 1 and '"core_organisation"' in users[0], sql
        assert not [s for s in sql if s.lstrip().startswith("SELECT") and
                    'FROM "core_organisation"' in s], sql

    def test_a_session_signed_in_by_djangos_backend_before_stays_signed_in(self):
        client = Client()
        client.force_login(self.p.gd_clerk, backend="django.contrib.auth.backends.ModelBackend")
        page = client.get("/desk/")
        assert page.status_code == 200 and self.p.gd_clerk.username in page.content.decode()
        assert len(self.reads(client)) == 3  # session, user, organisation: as before

    def test_a_wrong_password_is_checked_once_and_counted_as_a_failure(self):
        with mock.patch.object(User, "check_password", autospec=True,
                               side_effect=lambda user, raw: False) as checked:
            response = Client().post(reverse("login"), {"username": "gd_clerk",
                                                        "password": "wrong-password"})
        assert response.status_code == 200 and checked.call_count == 1
        assert AccessAttempt.objects.get(username="gd_clerk").failures_since_start == 1
        assert "_auth_user_id" not in Client().session

    def test_an_inactive_user_is_not_signed_in_by_either_backend(self):
        client = Client()
        client.force_login(self.p.gd_clerk)
        User.objects.filter(pk=self.p.gd_clerk.pk).update(is_active=False)
        assert client.get("/desk/").status_code == 302
        old = Client()
        User.objects.filter(pk=self.p.gd_clerk.pk).update(is_active=True)
        old.force_login(self.p.gd_clerk, backend="django.contrib.auth.backends.ModelBackend")
        User.objects.filter(pk=self.p.gd_clerk.pk).update(is_active=False)
        assert old.get("/desk/").status_code == 302
        response = Client().post(reverse("login"), {"username": "gd_clerk",
                                                    "password": DEMO_PASSWORD})
        assert response.status_code == 200
