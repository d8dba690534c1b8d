"""The accessibility statement in a real browser: it fits a desktop and a 320-pixel screen,
axe-core finds nothing serious on it, and the footer's link reaches it by keyboard (issue 18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import assert_no_axe_violations

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
# More than the links and controls a page has before its footer: a Tab loop that runs out
# means the link is out of the keyboard's reach.
MOST_TABS = 80


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_statement_fits_the_screen_and_has_no_serious_axe_findings(page: Page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site}/accessibility/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    expect(page.get_by_role("heading", level=2, name="Enforcement procedure")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= viewport["width"]
    assert_no_axe_violations(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_footer_link_reaches_the_statement_by_keyboard(page: Page, site, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{site}/privacy/")
    link = page.get_by_role("contentinfo").get_by_role("link", name="Accessibility", exact=True)

    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail(f"the footer's Accessibility link took more than {MOST_TABS} Tabs to reach")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{site}/accessibility/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
