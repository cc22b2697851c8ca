"""Bad input to any form or endpoint gets a 4xx naming the field, never a 500.

Like the access matrix, the endpoints come from the OpenAPI schema and the URL resolver, not a
hand list, and parameterised ones take their objects from ``tests/<app>/access.py``:

- every API write operation gets a body that is not JSON, a body whose every declared field
  has the wrong type, and a body of well-typed nonsense, as every persona who may write;
- every page with a POST form, as the first persona it serves, gets each of its forms back
  with every field filled with nonsense (wrong dates, numbers out of range, long text).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from jiliang.api import api
from jiliang.core.services import api_token_issue
from tests.access import World
from tests.base import PersonaTestCase
from tests.test_access_matrix import PATH_PARAM, load_world, url_patterns

WRITERS = ("admin", "gd_clerk", "gd_head", "gd_verifier", "acme")
WRONG_TYPE = {"string": {"not": "a string"}, "integer": "twelve", "number": "one point five",
              "boolean": "perhaps", "array": "not a list", "object": ["not", "an", "object"]}
NONSENSE = {"string": "2025-02-30 ' OR 1=1 --" + "长" * 300, "integer": -999999999999,
            "number": 1e308, "boolean": True, "array": ["?", None, 7], "object": {"?": "?"}}
# Names of fields with a date-like meaning get an impossible date instead.
DATE_NAME = re.compile(r"(^|_)(on|date|until|from|to|at|day|start|end|deadline)$")


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _kind(node: dict) -> str:
    if "type" in node:
        return node["type"]
    for option in node.get("anyOf", []):
        if option.get("type") and option["type"] != "null":
            return option["type"]
    return "string"


def _bodies(schema: dict, operation: dict) -> list[tuple[str, bytes, str]]:
    """(what, body, content type) of the bad bodies for one operation."""
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return [("no file", b"", "multipart/form-data; boundary=x"),
                ("a broken multipart body", b"--x\r\nnonsense", "multipart/form-data; boundary=x")]
    out = [("a body that is not JSON", b'{"unclosed": ', "application/json"),
           ("a JSON list", b"[1, 2, 3]", "application/json")]
    node = content.get("application/json", {}).get("schema")
    if node is None:
        return out
    props = _resolve(schema, node).get("properties", {})
    wrong, nonsense = {}, {}
    for name, prop in props.items():
        kind = _kind(_resolve(schema, prop))
        wrong[name] = WRONG_TYPE.get(kind, {"?": "?"})
        nonsense[name] = "2025-02-30" if DATE_NAME.search(name) else NONSENSE.get(kind, "?")
    out.append(("every field of the wrong type", json.dumps(wrong).encode(), "application/json"))
    out.append(("every field nonsense", json.dumps(nonsense).encode(), "application/json"))
    return out


class _Forms(HTMLParser):
    """The POST forms of a page: their fields and the values a user could pick."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(),
                               "action": a.get("action") or "", "fields": {}, "choices": {}})
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = (a.get("type") or tag, a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.forms[-1]["fields"][a["name"]] = ("select", "")
        elif tag == "option" and self._select:
            self.forms[-1]["choices"].setdefault(self._select, []).append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _garbage(name: str, kind: str, value: str) -> str:
    if name in ("csrfmiddlewaretoken", "form", "next", "action") or kind in ("hidden", "submit"):
        return value  # what the page itself sends, so the form is the one being filled
    if kind == "date" or DATE_NAME.search(name):
        return "2025-02-30"
    if kind == "number":
        return "-1e999"
    if kind in ("checkbox", "radio"):
        return "not-a-choice"
    if kind == "file":
        return "not a file"
    return "<script>alert(1)</script> ' OR 1=1 --" + "长" * 2000


class BadInputTests(PersonaTestCase):
    def setUp(self):
        super().setUp()
        self.world = World(self.p)
        load_world(self.world)
        self.samples: dict[str, list] = {}
        for sample in self.world.samples:
            self.samples.setdefault(sample.name, []).append(sample)

    def test_every_api_write_refuses_bad_bodies_with_a_4xx_naming_the_problem(self):
        schema = api.get_openapi_schema()
        tokens = {name: api_token_issue(actor=getattr(self.p, name), name="bad-input")[1]
                  for name in WRITERS}
        failures, requests = [], 0
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                if method == "get":
                    continue
                params = PATH_PARAM.findall(path)
                cases = self.samples.get(operation["operationId"], []) if params else [None]
                url = path if path.startswith("/api/v1") else "/api/v1" + path
                for sample in cases:
                    concrete = url
                    for param in params:
                        concrete = concrete.replace("{" + param + "}", str(sample.kwargs[param]))
                    for what, body, content_type in _bodies(schema, operation):
                        for name, token in tokens.items():
                            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}",
                                            HTTP_ACCEPT_LANGUAGE="en")
                            response = client.generic(method.upper(), concrete, body,
                                                      content_type=content_type)
                            requests += 1
                            label = f"{method.upper()} {concrete} as {name} with {what}"
                            if response.status_code >= 500:
                                failures.append(f"{label}: {response.status_code}")
                            elif response.status_code in (200, 201):
                                failures.append(f"{label}: accepted ({response.status_code})")
                            elif response.status_code in (400, 422):
                                data = response.json()
                                if not data.get("detail"):
                                    failures.append(f"{label}: no message in {data}")
        assert requests > 300, requests
        assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)

    def test_every_post_form_refuses_nonsense_without_a_500(self):
        failures, posts = [], 0
        for _route, name, _callback, has_params in url_patterns():
            if name in ("logout", "set_language") or name.endswith(("logout", "set-language")):
                continue
            cases = self.samples.get(name, []) if has_params else [None]
            for sample in cases:
                url = reverse(name, kwargs=sample.kwargs if sample else None)
                for persona in self.p.all():
                    client = self.client_as(persona)
                    page = client.get(url)
                    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                        continue
                    parser = _Forms()
                    parser.feed(page.content.decode("utf-8", "replace"))
                    for form in parser.forms:
                        if form["method"] != "post" or not form["fields"]:
                            continue
                        data = {}
                        for field, (kind, value) in form["fields"].items():
                            data[field] = _garbage(field, kind, value)
                        for field in form["choices"]:
                            if field not in ("form",):
                                data[field] = "not-a-choice"
                        target = form["action"] or url
                        response = client.post(target, data)
                        posts += 1
                        if response.status_code >= 500:
                            failures.append(f"POST {target} (from {url}) as {persona}: "
                                            f"{response.status_code}")
                    break  # one persona that is served the page is enough
        assert posts > 40, posts
        assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)
