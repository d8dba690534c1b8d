"""The portal on a 320-pixel-wide phone, by keyboard, and the README screenshot."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

SCREENSHOT = Path(__file__).resolve().parents[2] / "static" / "img" / "screenshot-home.png"


# An inline element on one line has one box, no taller than about one line.
ONE_LINE = """e => e.getClientRects().length === 1
    && e.getBoundingClientRect().height < 1.6 * parseFloat(getComputedStyle(e).lineHeight)"""


def _menu_opened(page: Page) -> None:
    """Wait for the menu to finish opening: Bootstrap marks it ``show`` once its slide ends.

    A click on a link while the menu still slides open can land beside it.
    """
    expect(page.locator("#site-menu")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def _scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 320, "height": 640})
    return page


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/privacy/"])
def test_page_fits_a_320_pixel_screen_without_sideways_scrolling(phone: Page, site, path):
    phone.goto(f"{site}{path}")

    assert _scroll_width(phone) <= 320


def test_icelandic_home_page_fits_a_320_pixel_screen(phone: Page, site):
    phone.goto(f"{site}/")
    phone.get_by_role("button", name="Menu").click()
    _menu_opened(phone)
    phone.get_by_role("button", name="Íslenska").click()

    expect(phone.locator("html")).to_have_attribute("lang", "is")
    assert _scroll_width(phone) <= 320


def test_menu_toggle_reveals_the_navigation_on_a_phone(phone: Page, site):
    phone.goto(f"{site}/")
    toggle = phone.get_by_role("button", name="Menu")
    sign_in = phone.get_by_role("banner").get_by_role("link", name="Sign in")

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(sign_in).to_be_hidden()

    toggle.click()
    _menu_opened(phone)

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(
        phone.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    ).to_be_visible()
    expect(sign_in).to_be_visible()
    assert _scroll_width(phone) <= 320

    sign_in.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign In")


def test_skip_link_is_first_and_moves_focus_to_main(phone: Page, site):
    phone.goto(f"{site}/")

    phone.keyboard.press("Tab")
    skip = phone.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    phone.keyboard.press("Enter")

    expect(phone.locator("main#main")).to_be_focused()
    phone.keyboard.press("Tab")
    focused_in_main = phone.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main


def test_page_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(f"{site}/")
        # With no script to toggle it, the menu is simply open.
        expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
        page.get_by_role("button", name="Íslenska").click()
        expect(page.locator("html")).to_have_attribute("lang", "is")
        assert _scroll_width(page) <= 320
    finally:
        context.close()


def test_home_page_at_desktop_width_renders_the_hero(page: Page, site, tmp_path):
    """At 1280 px the hero shows beside its illustration; the README's screenshot comes from here.

    With CAPTURE_SCREENSHOT=1 the picture is written to static/img/ for the README.
    """
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{site}/")
    assert _scroll_width(page) <= 1280
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    target = SCREENSHOT if os.environ.get("CAPTURE_SCREENSHOT") else tmp_path / "home.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize("locale", ["en-GB", "is-IS"])
@pytest.mark.parametrize("width", [992, 1100, 1280])
def test_header_fits_wide_screens_without_wrapped_links(browser, site, locale, width):
    """Between the phone menu and very wide screens, the header once overflowed the page
    (and broke "Sign in" over two lines); now the menu takes a row of its own."""
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{site}/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        assert _scroll_width(page) <= width
        links = page.locator(".site-navbar .nav-link:visible, .site-tools a:visible")
        assert links.count() >= 6  # the sections, sign in, create an account, languages
        for index in range(links.count()):
            link = links.nth(index)
            one_line = link.evaluate(ONE_LINE)
            assert one_line, f"{link.inner_text()!r} wraps at {width} px ({locale})"
    finally:
        context.close()
