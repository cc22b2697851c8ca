"""The base test case with the standing personas (see tests/personas.py)."""

from __future__ import annotations

from django.test import Client, TestCase

from tests.personas import Personas, build_personas


def sign_in(client: Client, user) -> Client:
    """force_login, and for a role that needs a second factor (bureau heads, national
    administrators) a session verified with the user's demo TOTP device, as after the code."""
    from jiliang.rules.roles import requires_second_factor

    client.force_login(user)
    if requires_second_factor(user.role):
        from jiliang.core.demo import demo_totp_key_hex
        from jiliang.core.services import second_factor_seed

        device = second_factor_seed(user=user, key_hex=demo_totp_key_hex())
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


class PersonaTestCase(TestCase):
    p: Personas

    @classmethod
    def setUpTestData(cls) -> None:
        cls.p = build_personas()

    def client_as(self, name: str, *, language: str = "en") -> Client:
        """A test client signed in as the persona (anonymous for "anonymous")."""
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if name != "anonymous":
            sign_in(client, getattr(self.p, name))
        return client

    def api_as(self, name: str, *, language: str = "en") -> Client:
        """A client that authenticates to the API with a fresh bearer token of the persona."""
        from jiliang.core.services import api_token_issue

        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if name != "anonymous":
            _token, key = api_token_issue(actor=getattr(self.p, name), name="test")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return Client(**headers)
