"""The council's own website shows the portal's widget: a parent page served from another
origin on loopback loads embed.js from the portal, which makes the iframe and gives it the
height of the widget's content; only allowed parents may frame it, and only the portal's
own messages resize it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory
from tests.consultations.factories import ConsultationFactory
from tests.e2e.axe import assert_no_axe_violations
from tests.notifications.servers import Answer, HttpSink
from tests.proposals.factories import idea_post

pytestmark = pytest.mark.e2e

DEFAULT_IFRAME_HEIGHT = 150


def _parent_page(site: str, widget: str) -> bytes:
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Riverside City Council</title></head>
<body>
  <h1>News from the council</h1>
  <div data-civicportal-widget="{widget}" data-title="Open consultations · Riverside"></div>
  <p id="after">The rest of the council's page.</p>
  <script src="{site}/static/outreach/embed.js" async></script>
</body>
</html>""".encode()


@pytest.fixture
def council_site(site):
    """The council's own website: another origin (127.0.0.1 and a port of its own)."""
    sink = HttpSink()
    sink.responder = lambda recorded: Answer(
        200,
        _parent_page(site, recorded.path.strip("/") or "consultations"),
        (("Content-Type", "text/html; charset=utf-8"),),
    )
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def consultations(db):
    for number in range(5):
        ConsultationFactory(title=f"Plan number {number} for the riverside park")


def _frame_height(page: Page) -> float:
    return page.locator("[data-civicportal-widget] iframe").evaluate(
        "frame => frame.getBoundingClientRect().height"
    )


def _content_height(page: Page) -> float:
    frame = page.frame_locator("[data-civicportal-widget] iframe")
    return frame.locator("body").evaluate("body => body.getBoundingClientRect().height")


def test_widget_iframe_loads_and_takes_its_content_height(
    page: Page, site, settings, council_site, consultations
):
    settings.EMBED_ALLOWED_PARENTS = [council_site.url]
    page.goto(f"{council_site.url}/consultations")

    frame = page.frame_locator("[data-civicportal-widget] iframe")
    expect(frame.get_by_role("heading", name="Open consultations")).to_be_visible()
    expect(
        frame.get_by_role("link", name="Plan number 0 for the riverside park")
    ).to_have_attribute("target", "_blank")
    iframe = page.locator("[data-civicportal-widget] iframe")
    src = iframe.get_attribute("src")
    assert src.startswith(f"{site}/embed/consultations/") and "lang=en" in src
    # Named for screen readers by the placeholder's data-title.
    assert iframe.get_attribute("title") == "Open consultations · Riverside"

    page.wait_for_function(
        """() => {
            const frame = document.querySelector('[data-civicportal-widget] iframe');
            return frame.getBoundingClientRect().height !== 150;
        }"""
    )
    content = _content_height(page)
    assert content > DEFAULT_IFRAME_HEIGHT
    assert abs(_frame_height(page) - content) <= 1, (_frame_height(page), content)

    # The content grows (a longer list, a larger font): the iframe follows.
    frame.locator("main").evaluate(
        """main => { for (let i = 0; i < 6; i++) {
            const p = document.createElement('p'); p.textContent = 'More text ' + i;
            main.appendChild(p);
        } }"""
    )
    page.wait_for_function(
        f"""() => document.querySelector('[data-civicportal-widget] iframe')
            .getBoundingClientRect().height > {content + 50}"""
    )
    assert abs(_frame_height(page) - _content_height(page)) <= 1


def test_messages_from_another_origin_do_not_resize_the_widget(
    page: Page, settings, council_site, consultations
):
    settings.EMBED_ALLOWED_PARENTS = [council_site.url]
    page.goto(f"{council_site.url}/consultations")
    page.wait_for_function(
        """() => document.querySelector('[data-civicportal-widget] iframe')
            .getBoundingClientRect().height !== 150"""
    )
    settled = _frame_height(page)

    # The parent page itself (not the portal's origin) claims a height.
    page.evaluate(
        """() => new Promise(resolve => {
            window.postMessage({type: 'civicportal:height', height: 999}, '*');
            setTimeout(resolve, 300);
        })"""
    )
    assert _frame_height(page) == settled


def test_widget_is_not_shown_by_a_site_that_is_not_allowed(
    page: Page, site, settings, council_site, consultations
):
    settings.EMBED_ALLOWED_PARENTS = []
    page.goto(f"{council_site.url}/consultations")
    iframe = page.locator("[data-civicportal-widget] iframe")
    expect(iframe).to_have_count(1)
    # The browser refuses the frame (frame-ancestors 'none'): no widget, no height message.
    page.wait_for_timeout(1500)
    widget_frames = [frame for frame in page.frames if frame.url.startswith(f"{site}/embed/")]
    assert all(frame.locator("main").count() == 0 for frame in widget_frames)
    assert _frame_height(page) == DEFAULT_IFRAME_HEIGHT


@pytest.mark.parametrize("widget", ["consultations", "ideas", "alerts"])
def test_widget_pages_pass_the_accessibility_checks(page: Page, site, consultations, widget):
    idea_post(UserFactory(), title="Longer library hours")
    page.goto(f"{site}/embed/{widget}/?lang=is")
    expect(page.locator("html")).to_have_attribute("lang", "is")
    expect(page.locator("main h1")).to_be_visible()
    assert_no_axe_violations(page)
