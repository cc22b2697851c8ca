"""Every URL pattern and every API operation, requested as every persona.

The endpoints come from the URL resolver and the OpenAPI schema, not from a
hand list; parameterised ones take their objects from ``tests/<app>/access.py``.
For each request: no 5xx; anonymous is sent to the login page (pages) or
gets a 401 (API) unless the endpoint is public; an object outside the
persona's scope is not served (not a 200); an object in scope is; and no
non-public response carries a marker of a row outside the persona's scope.

Each endpoint as each persona is a subtest of its own, so each failure is reported on
its own (pytest: ``SUBFAILED ... [page=<url name> persona=<persona>]``). The personas,
the samples, the tokens and the sessions are built once for the class
(``setUpTestData``); each persona signs in once, and again only after a response ended
or renewed its session.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiliang.api import api
from jiliang.core.services import api_token_issue
from tests.access import Sample, World
from tests.base import PersonaTestCase, sign_in
from tests.personas import NAMES

SKIPPED_PREFIXES = ("admin/", "api/v1/", "i18n/", "static/")
# A setting's name is for the operator, never for a page a person reads (issue 15).
SETTING_NAME = re.compile(
    r"\b(?:JILIANG|SUPERVISION|REGISTRY|LICENSING|ENERGY|CATALOG|PORTAL|PEOPLE|CORE)_[A-Z0-9_]{3,}\b")
PATH_PARAM = re.compile(r"\{(\w+)\}")


def url_patterns(resolvers=None, prefix="", namespace=""):
    """(route, name, callback, has_params) for every named pattern, recursively."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from url_patterns(entry.url_patterns, route, full_ns)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield route, name, entry.callback, bool(entry.pattern.converters or "<" in route)


def api_operations():
    """(method, path template, operationId, public) from the OpenAPI schema."""
    schema = api.get_openapi_schema()
    base = "/api/v1"
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            public = not operation.get("security")
            yield method.upper(), path if path.startswith(base) else base + path, \
                operation["operationId"], public


def load_world(world: World) -> None:
    for module in sorted(Path(__file__).parent.glob("*/access.py")):
        name = f"tests.{module.parent.name}.access"
        world.samples.extend(importlib.import_module(name).samples(world))


PERSONAS = (*NAMES, "anonymous")


@dataclass
class Matrix:
    """What every request shares: the world, the personas, their tokens and sessions."""

    world: World
    by_name: dict[str, list[Sample]]
    personas: dict
    tokens: dict[str, str]
    standing: dict[str, str] = field(default_factory=dict)  # signed in once, for the class
    sessions: dict[str, str] = field(default_factory=dict)  # the test's, where they differ
    clients: dict[tuple[str, str], Client] = field(default_factory=dict)
    requests: int = 0

    def sign_in(self, name: str) -> str:
        client = sign_in(Client(), self.personas[name])
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def client(self, kind: str, name: str, **headers) -> Client:
        """The persona's client for pages or the API, with no cookie, as a new one would be.

        One client per persona and kind, not one per request: each new client's handler loads
        the middleware again, and whitenoise's scans every static file (half the test's time).
        """
        client = self.clients.get((kind, name))
        if client is None:
            client = self.clients[kind, name] = Client(**headers)
        client.cookies = SimpleCookie()
        return client

    def page_client(self, name: str) -> Client:
        """A client of the persona's session (none for anonymous)."""
        client = self.client("page", name, HTTP_ACCEPT_LANGUAGE="en")
        if self.personas[name].is_authenticated:
            if name not in self.sessions:
                self.sessions[name] = self.sign_in(name)
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[name]
        return client

    def after(self, name: str, response) -> None:
        """A response that set or cleared the session cookie (sign-out, a renewed stamp) ends
        the session: the next request signs in afresh."""
        self.requests += 1
        if settings.SESSION_COOKIE_NAME in response.cookies:
            self.sessions.pop(name, None)

    def hidden_markers(self, user) -> list[str]:
        return [m.text for m in self.world.markers
                if not self.world.sees(user, region_code=m.region_code, orgs=m.orgs)]


def check(failures, label, response, user, matrix, *, public, expect_login, readable):
    status = response.status_code
    if status >= 500:
        failures.append(f"{label}: {status}")
        return
    if not user.is_authenticated and not public and status in (200, 201):
        failures.append(f"{label}: served to anonymous ({status})")
    if expect_login and not user.is_authenticated and not public:
        login = status in (302,) and "/login/" in response.get("Location", "")
        if not (login or status in (401, 403, 405)):
            failures.append(f"{label}: anonymous got {status}, not the login page")
    if readable is True and status not in (200, 405):  # 405: a POST-only action
        failures.append(f"{label}: in scope but got {status}")
    if readable is False and status in (200, 201):
        failures.append(f"{label}: outside scope but served ({status})")
    if status == 200 and "text/html" in response.get("Content-Type", ""):
        found = SETTING_NAME.search(response.content.decode("utf-8", "replace"))
        if found:
            failures.append(f"{label}: shows the setting name {found[0]}")
    if status == 200 and not public and user.is_authenticated:
        body = response.content.decode("utf-8", "replace")
        for text in matrix.hidden_markers(user):
            if text in body:
                failures.append(f"{label}: shows “{text}”, outside the persona's scope")


def page_failures(matrix: Matrix, name: str, route: str, callback, has_params: bool,
                  pname: str) -> list[str]:
    public = getattr(callback, "jiliang_public", False)
    cases = matrix.by_name.get(name) if has_params else [None]
    if not cases:
        return [f"{name} ({route}): no sample in tests/<app>/access.py"]
    user = matrix.personas[pname]
    failures: list[str] = []
    for sample in cases:
        url = reverse(name, kwargs=sample.kwargs if sample else None)
        readable = None
        if sample is not None and not public:
            readable = matrix.world.may_read(user, sample)
        response = matrix.page_client(pname).get(url)
        matrix.after(pname, response)
        check(failures, f"GET {url} as {pname}", response, user, matrix, public=public,
              expect_login=True, readable=readable)
        response = matrix.page_client(pname).post(url, {})
        matrix.after(pname, response)
        check(failures, f"POST {url} as {pname}", response, user, matrix, public=public,
              expect_login=False, readable=False if readable is False else None)
    return failures


def api_failures(matrix: Matrix, op_id: str, method: str, path: str, public: bool,
                 pname: str) -> list[str]:
    params = PATH_PARAM.findall(path)
    cases = matrix.by_name.get(op_id) if params else [None]
    if not cases:
        return [f"{op_id} ({method} {path}): no sample in tests/<app>/access.py"]
    user = matrix.personas[pname]
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if pname in matrix.tokens:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {matrix.tokens[pname]}"
    failures: list[str] = []
    for sample in cases:
        url = path
        for param in params:
            url = url.replace("{" + param + "}", str(sample.kwargs[param]))
        client = matrix.client("api", pname, **headers)
        readable = None
        if sample is not None and not public:
            readable = matrix.world.may_read(user, sample)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(method, url, json.dumps({}),
                                      content_type="application/json")
            readable = False if readable is False else None
        matrix.requests += 1
        check(failures, f"{method} {url} as {pname}", response, user, matrix, public=public,
              expect_login=True, readable=readable)
        if (method == "GET" and response.status_code == 200 and not public
                and user.is_authenticated and not user.scope.everything):
            for code in _region_codes(response):
                if user.scope.region_prefix and not code.startswith(user.scope.region_prefix):
                    failures.append(f"GET {url} as {pname}: row of {code}")
    return failures


class AccessMatrixTest(PersonaTestCase):
    """Each endpoint as each persona is a subtest of its own (pytest reports each failing one
    as SUBFAILED with its endpoint and persona)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        world = World(cls.p)
        load_world(world)
        by_name: dict[str, list[Sample]] = {}
        for sample in world.samples:
            by_name.setdefault(sample.name, []).append(sample)
        people = cls.p.all()
        tokens = {name: api_token_issue(actor=user, name="matrix")[1]
                  for name, user in people.items() if name != "anonymous"}
        matrix = Matrix(world, by_name, people, tokens)
        matrix.standing = {name: matrix.sign_in(name) for name, user in people.items()
                           if user.is_authenticated}
        cls.matrix = matrix

    def setUp(self) -> None:
        # Each test starts from the standing sessions: the writes of the one before it, a
        # sign-out among them, were rolled back with it.
        self.matrix.sessions = dict(self.matrix.standing)
        self.matrix.requests = 0

    def test_every_page_as_every_persona(self):
        for route, name, callback, has_params in url_patterns():
            for pname in PERSONAS:
                with self.subTest(page=name, persona=pname):
                    failures = page_failures(self.matrix, name, route, callback, has_params,
                                             pname)
                    self.assertFalse(failures, f"{len(failures)} failure(s):\n"
                                     + "\n".join(failures))
        self.assertGreater(self.matrix.requests, 100)

    def test_every_api_operation_as_every_persona(self):
        for method, path, op_id, public in api_operations():
            for pname in PERSONAS:
                with self.subTest(operation=op_id, persona=pname):
                    failures = api_failures(self.matrix, op_id, method, path, public, pname)
                    self.assertFalse(failures, f"{len(failures)} failure(s):\n"
                                     + "\n".join(failures))
        self.assertGreater(self.matrix.requests, 100)


def _region_codes(response):
    try:
        data = response.json()
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "region_code" and isinstance(value, str):
                    yield value
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
