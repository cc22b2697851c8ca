"""Every URL pattern and every API operation, requested as every persona.

The endpoints come from the URL resolver and the OpenAPI schema, not from a
hand list; parameterised ones take their objects from ``tests/<app>/access.py``.
For each request: no 5xx; anonymous is sent to the login page (pages) or
gets a 401 (API) unless the endpoint is public; an object outside the
persona's scope is not served (not a 200); an object in scope is; and no
non-public response carries a marker of a row outside the persona's scope.

One test per endpoint and persona (``test_page[<url name>-<persona>]``,
``test_api[<operationId>-<persona>]``), so each failure is reported on its own.
The personas, the samples and the sessions are built once for the module (in one
transaction, rolled back at its end); each persona signs in once, and again only
after a response ended or renewed its session.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiliang.api import api
from jiliang.core.services import api_token_issue
from tests.access import Sample, World
from tests.base import sign_in
from tests.personas import NAMES, build_personas

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
PAGES = {name: (route, callback, has_params)
         for route, name, callback, has_params in url_patterns()}
API = {op_id: (method, path, public) for method, path, op_id, public in api_operations()}


@dataclass
class Matrix:
    """What every request of the module shares: the world, the personas, their sessions."""

    world: World
    by_name: dict[str, list[Sample]]
    personas: dict
    tokens: dict[str, str]
    standing: dict[str, str] = field(default_factory=dict)  # signed in once, for the module
    sessions: dict[str, str] = field(default_factory=dict)  # this test's, where they differ

    def sign_in(self, name: str) -> str:
        client = sign_in(Client(), self.personas[name])
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def page_client(self, name: str) -> Client:
        """A client of the persona's session (none for anonymous)."""
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if self.personas[name].is_authenticated:
            if name not in self.sessions:
                self.sessions[name] = self.sign_in(name)
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[name]
        return client

    def after(self, name: str, response) -> None:
        """A response that set or cleared the session cookie (sign-out, a renewed stamp) ends
        the session: the next request of the test signs in afresh."""
        if settings.SESSION_COOKIE_NAME in response.cookies:
            self.sessions.pop(name, None)

    def reset(self) -> None:
        """Each test starts from the standing sessions: its own writes, a sign-out among them,
        are rolled back with it."""
        self.sessions = dict(self.standing)

    def hidden_markers(self, user) -> list[str]:
        return [m.text for m in self.world.markers
                if not self.world.sees(user, region_code=m.region_code, orgs=m.orgs)]


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        personas = build_personas()
        world = World(personas)
        load_world(world)
        by_name: dict[str, list[Sample]] = {}
        for sample in world.samples:
            by_name.setdefault(sample.name, []).append(sample)
        people = personas.all()
        tokens = {name: api_token_issue(actor=user, name="matrix")[1]
                  for name, user in people.items() if name != "anonymous"}
        matrix = Matrix(world, by_name, people, tokens)
        matrix.standing = {name: matrix.sign_in(name) for name, user in people.items()
                           if user.is_authenticated}
        yield matrix
        transaction.set_rollback(True)


@pytest.fixture
def each(matrix, db):
    """The module's matrix for one test, run in its own transaction (pytest-django's ``db``)."""
    matrix.reset()
    return matrix


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


def test_the_matrix_covers_every_endpoint_and_persona():
    assert len(PAGES) > 50 and len(API) > 20 and len(PERSONAS) == 8


@pytest.mark.parametrize("pname", PERSONAS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(each, name, pname):
    matrix = each
    route, callback, has_params = PAGES[name]
    public = getattr(callback, "jiliang_public", False)
    cases = matrix.by_name.get(name) if has_params else [None]
    assert cases, f"{name} ({route}): no sample in tests/<app>/access.py"
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
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


@pytest.mark.parametrize("pname", PERSONAS)
@pytest.mark.parametrize("op_id", sorted(API))
def test_api(each, op_id, pname):
    matrix = each
    method, path, public = API[op_id]
    params = PATH_PARAM.findall(path)
    cases = matrix.by_name.get(op_id) if params else [None]
    assert cases, f"{op_id} ({method} {path}): no sample in tests/<app>/access.py"
    user = matrix.personas[pname]
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if pname in matrix.tokens:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {matrix.tokens[pname]}"
    failures: list[str] = []
    for sample in cases:
        url = path
        for param in params:
            url = url.replace("{" + param + "}", str(sample.kwargs[param]))
        client = Client(**headers)
        readable = None
        if sample is not None and not public:
            readable = matrix.world.may_read(user, sample)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.generic(method, url, json.dumps({}),
                                      content_type="application/json")
            readable = False if readable is False else None
        check(failures, f"{method} {url} as {pname}", response, user, matrix, public=public,
              expect_login=True, readable=readable)
        if (method == "GET" and response.status_code == 200 and not public
                and user.is_authenticated and not user.scope.everything):
            for code in _region_codes(response):
                if user.scope.region_prefix and not code.startswith(user.scope.region_prefix):
                    failures.append(f"GET {url} as {pname}: row of {code}")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


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
