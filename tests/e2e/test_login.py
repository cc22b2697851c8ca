import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_gd_clerk_logs_in_and_reaches_the_desk(page, e2e_personas):
    login(page, "gd_clerk")
    page.wait_for_url("**/desk/")
    assert page.locator("h1").inner_text() == "我的工作台"
    assert "gd_clerk" in page.locator("#whoami").inner_text()
    assert "44" in page.locator("#scope").inner_text()


def test_a_wrong_password_is_refused_in_chinese(page, e2e_personas):
    login(page, "gd_clerk", "wrong-password")
    assert "用户名或密码错误" in page.content()


def test_the_language_switch_turns_the_page_english(page, e2e_personas):
    login(page, "gd_clerk")
    page.wait_for_url("**/desk/")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    page.wait_for_selector("h1:has-text('My desk')")


def test_the_vendored_css_and_scripts_load(page, e2e_personas):
    page.goto("/")
    assert page.evaluate("typeof htmx") == "object"
    color = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)"  # Bootstrap's bg-primary applied
    response = page.request.get("/static/vendor/echarts/echarts.min.js")
    assert response.status == 200
