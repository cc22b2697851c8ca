"""Headers and pages: a strict CSP with no inline script anywhere, no-store on secrets,
`check --deploy` clean in production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.base import PersonaTestCase, sign_in
from tests.test_access_matrix import url_patterns

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


class ContentSecurityPolicyTest(PersonaTestCase):
    def test_every_page_carries_a_strict_policy(self):
        response = self.client_as("anonymous").get(reverse("portal:home"))
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        self.assertEqual(directives["script-src"], "'self'")
        self.assertEqual(directives["object-src"], "'none'")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertNotIn("unsafe-inline", directives["style-src"])

    def test_no_page_has_an_inline_script_or_handler(self):
        checked = 0
        offenders = []
        for name in ("admin", "gd_head", "acme", "anonymous"):
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            user = getattr(self.p, name)
            if user.is_authenticated:
                sign_in(client, user)
            for _route, url_name, _callback, has_params in url_patterns():
                if has_params or url_name in ("logout",):
                    continue
                response = client.get(reverse(url_name))
                if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                    continue
                checked += 1
                body = response.content.decode("utf-8", "replace")
                if INLINE_SCRIPT.search(body) or HANDLER.search(body):
                    offenders.append(f"{url_name} as {name}")
        self.assertGreater(checked, 30)
        self.assertFalse(offenders, offenders)

    def test_the_new_token_page_is_not_stored(self):
        client = self.client_as("gd_clerk")
        response = client.post(reverse("core:token-list"), {"name": "bench"})
        self.assertIn("jl_", response.content.decode())
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotEqual(client.get(reverse("core:token-list")).get("Cache-Control"),
                            "no-store")



def test_no_template_holds_an_inline_script_or_handler():
    """Every template, the pages the walk above cannot reach without an object included."""
    offenders = []
    for template in sorted((ROOT / "jiliang").rglob("templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or HANDLER.search(text):
            offenders.append(str(template.relative_to(ROOT)))
    assert not offenders, offenders


def _manage(args, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JILIANG_"))}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "jiliang.settings",
                **extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_testserver_is_not_an_allowed_host_by_default(tmp_path):
    done = _manage(["shell", "-c", "from django.conf import settings; "
                    "print(settings.ALLOWED_HOSTS)"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "testserver" not in done.stdout
    assert "localhost" in done.stdout


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    done = _manage(["check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                   JILIANG_ENV="production", JILIANG_SECRET_KEY=secrets.token_urlsafe(50),
                   JILIANG_ALLOWED_HOSTS="jiliang.example.gov.cn")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    assert settings.PRODUCTION is False  # the test run itself stays in development
