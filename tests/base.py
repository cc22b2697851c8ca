"""The base test case with the standing personas (see tests/personas.py)."""

from __future__ import annotations

from django.test import Client, TestCase

from tests.personas import Personas, build_personas


class PersonaTestCase(TestCase):
    p: Personas

    @classmethod
    def setUpTestData(cls) -> None:
        cls.p = build_personas()

    def client_as(self, name: str, *, language: str = "en") -> Client:
        """A test client signed in as the persona (anonymous for "anonymous")."""
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if name != "anonymous":
            client.force_login(getattr(self.p, name))
        return client

    def api_as(self, name: str, *, language: str = "en") -> Client:
        """A client that authenticates to the API with a fresh bearer token of the persona."""
        from jiliang.core.services import api_token_issue

        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if name != "anonymous":
            _token, key = api_token_issue(actor=getattr(self.p, name), name="test")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return Client(**headers)
