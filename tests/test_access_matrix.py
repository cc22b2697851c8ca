"""Every URL pattern and every API operation, requested as every persona.

The endpoints come from the URL resolver and the OpenAPI schema, not from a
hand list; parameterised ones take their objects from ``tests/<app>/access.py``.
For each request: no 5xx; anonymous is sent to the login page (pages) or
gets a 401 (API) unless the endpoint is public; an object outside the
persona's scope is not served (not a 200); an object in scope is; and no
non-public response carries a marker of a row outside the persona's scope.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiliang.api import api
from jiliang.core.services import api_token_issue
from tests.access import Sample, World
from tests.base import PersonaTestCase, sign_in

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


class AccessMatrixTest(PersonaTestCase):
    def test_every_endpoint_as_every_persona(self):
        world = World(self.p)
        load_world(world)
        by_name: dict[str, list[Sample]] = {}
        for sample in world.samples:
            by_name.setdefault(sample.name, []).append(sample)

        failures: list[str] = []
        personas = self.p.all()
        tokens = {name: api_token_issue(actor=user, name="matrix")[1]
                  for name, user in personas.items() if name != "anonymous"}
        requests = 0

        def hidden_markers(user):
            return [m.text for m in world.markers
                    if not world.sees(user, region_code=m.region_code, orgs=m.orgs)]

        def check(label, response, user, *, public, expect_login, readable):
            nonlocal requests
            requests += 1
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
                for text in hidden_markers(user):
                    if text in body:
                        failures.append(f"{label}: shows “{text}”, outside the persona's scope")

        # Pages, from the URL resolver.
        for route, name, callback, has_params in url_patterns():
            public = getattr(callback, "jiliang_public", False)
            if has_params:
                cases = by_name.get(name)
                if not cases:
                    failures.append(f"{name} ({route}): no sample in tests/<app>/access.py")
                    continue
            else:
                cases = [None]
            for sample in cases:
                url = reverse(name, kwargs=sample.kwargs if sample else None)
                for pname, user in personas.items():
                    client = Client(HTTP_ACCEPT_LANGUAGE="en")
                    if user.is_authenticated:
                        sign_in(client, user)
                    readable = None
                    if sample is not None and not public:
                        readable = world.may_read(user, sample)
                    response = client.get(url)
                    check(f"GET {url} as {pname}", response, user, public=public,
                          expect_login=True, readable=readable)
                    if user.is_authenticated:
                        sign_in(client, user)
                    response = client.post(url, {})
                    check(f"POST {url} as {pname}", response, user, public=public,
                          expect_login=False, readable=False if readable is False else None)

        # API operations, from the OpenAPI schema.
        for method, path, op_id, public in api_operations():
            params = PATH_PARAM.findall(path)
            if params:
                cases = by_name.get(op_id)
                if not cases:
                    failures.append(f"{op_id} ({method} {path}): no sample in tests/<app>/access.py")
                    continue
            else:
                cases = [None]
            for sample in cases:
                url = path
                for param in params:
                    url = url.replace("{" + param + "}", str(sample.kwargs[param]))
                for pname, user in personas.items():
                    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
                    if pname in tokens:
                        headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[pname]}"
                    client = Client(**headers)
                    readable = None
                    if sample is not None and not public:
                        readable = world.may_read(user, sample)
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.generic(method, url, json.dumps({}),
                                                  content_type="application/json")
                        readable = False if readable is False else None
                    check(f"{method} {url} as {pname}", response, user, public=public,
                          expect_login=True, readable=readable)
                    if (method == "GET" and response.status_code == 200 and not public
                            and user.is_authenticated and not user.scope.everything):
                        for code in _region_codes(response):
                            if user.scope.region_prefix and not code.startswith(
                                    user.scope.region_prefix):
                                failures.append(f"GET {url} as {pname}: row of {code}")

        assert requests > 100, f"only {requests} requests made"
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
