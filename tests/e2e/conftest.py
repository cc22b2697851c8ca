"""A real headless Chromium (Debian's, installed by `make test`) driven by Playwright."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("JILIANG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    assert path, f"Chromium is not installed at {CHROMIUM}: run `make test`, which installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def e2e_personas(transactional_db):
    """The personas in a database the live server's thread can see.

    A transactional test empties every table after it, the reference data the
    migrations loaded included, so it is loaded again (idempotently) first.
    """
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    return build_personas()


def login(page, username: str, password: str = "jiliang-demo") -> None:
    """Sign in through the form; a head or a national administrator then types the code of
    the demo TOTP device, as a person would from their authenticator app."""
    from jiliang.core.demo import demo_totp_key_hex
    from jiliang.core.models import User
    from jiliang.core.services import second_factor_seed
    from jiliang.rules.roles import requires_second_factor

    user = User.objects.filter(username=username).first()
    device = None
    if user is not None and requires_second_factor(user.role):
        device = second_factor_seed(user=user, key_hex=demo_totp_key_hex())
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None and password == "jiliang-demo":
        from django_otp.oath import TOTP

        page.wait_for_url("**/login/verify/**")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        page.fill("#id_token", f"{totp.token():06d}")
        page.click("button[type=submit]")
