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
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_selector("h1:has-text('My desk')")


def test_the_vendored_css_and_scripts_load(page, e2e_personas):
    page.goto("/")
    assert page.evaluate("typeof htmx") == "object"
    color = page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)"  # Bootstrap's bg-primary applied
    response = page.request.get("/static/vendor/echarts/echarts.min.js")
    assert response.status == 200


def test_the_menu_bar_fits_a_laptop_screen_and_its_menus_open(page, e2e_personas):
    # The national administrator in English has the most menus and the longest words.
    login(page, "admin")
    page.wait_for_url("**/desk/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "My desk"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    assert page.locator("form[action='/logout/'] button").is_visible()
    page.click("a.dropdown-toggle:has-text('Verification archives')")
    page.click("a.dropdown-item:has-text('Due dates')")
    page.wait_for_url("**/registry/due/")
    page.click("#whoami")
    assert page.locator("a.dropdown-item:has-text('API tokens')").is_visible()
