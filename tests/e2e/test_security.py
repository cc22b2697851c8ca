"""In a real browser: the strict Content-Security-Policy breaks nothing (no violation reported
on the pages with scripts, the API docs and the admin), and a head signs in with the code."""

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_the_pages_run_their_scripts_under_the_policy(page, e2e_personas):
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    login(page, "admin")  # a national administrator: password, then the TOTP code
    page.wait_for_url("**/desk/")
    page.goto("/registry/rates/")
    page.wait_for_selector("#bars canvas")
    page.goto("/admin/")
    page.wait_for_selector("#site-name")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info")
    with page.expect_navigation():
        page.goto("/")
        page.select_option("select[name=language]", "en")
    assert violations == [], violations
