"""Maps in a real browser, with the static files as a deployment serves them (hashed names):
the idea map draws the council's areas as its base and its marker image loads; a resident
sets an idea's place by keyboard alone; the address search asks a local Nominatim-like
server through the portal, never from the browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from civicportal.core.demo.city import AREAS, area_boundaries
from proposals.models import Idea
from tests.accounts.factories import AreaFactory, UserFactory
from tests.core.nominatim import NominatimStandIn
from tests.e2e.journeys import sign_in
from tests.proposals.factories import CategoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HASHED_STATIC_STORAGE = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}


@pytest.fixture(scope="session")
def hashed_static(tmp_path_factory):
    """The static files collected with hashed names, as with DEBUG off (once a session)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    root = tmp_path_factory.mktemp("hashed-static")
    storages = {**settings.STORAGES, "staticfiles": HASHED_STATIC_STORAGE}
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def _hashed_static_files(_serve_collected_static, settings, hashed_static):
    # Leaflet guesses its marker images' folder from its stylesheet, a guess that fails once
    # the names carry a hash: these journeys must see the files as a deployment does.
    settings.STATIC_ROOT = hashed_static
    settings.STORAGES = {**settings.STORAGES, "staticfiles": HASHED_STATIC_STORAGE}


@pytest.fixture
def city(db):
    boundaries = area_boundaries()
    return [AreaFactory(slug=slug, name=name, boundary=boundaries[slug]) for slug, name, _ in AREAS]


@pytest.fixture
def failed_responses(page: Page) -> list[str]:
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return failed


def _marker_image_loaded(page: Page) -> bool:
    return page.locator(".leaflet-marker-icon").first.evaluate(
        "image => image.complete && image.naturalWidth > 0"
    )


def test_idea_map_draws_the_areas_as_its_base_and_its_marker_loads(
    page: Page, site, city, failed_responses
):
    resident = UserFactory()
    CategoryFactory(name="Streets", slug="streets")
    sign_in(page, site, resident.email)
    page.goto(f"{site}/ideas/new/")

    map_box = page.locator("form .leaflet-container")
    expect(map_box).to_be_visible()
    map_box.click()
    expect(map_box.locator(".leaflet-marker-icon")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert failed_responses == []
    assert _marker_image_loaded(page)
    # No tile server is configured: the base is the council's areas, drawn and named.
    expect(map_box.locator(".leaflet-overlay-pane svg path")).to_have_count(len(AREAS))
    expect(map_box.locator(".map-area-label", has_text="Old Town")).to_be_visible()
    assert page.get_by_label("Latitude").input_value()
    assert page.get_by_label("Longitude").input_value()


def test_a_resident_sets_an_ideas_place_by_keyboard_only(page: Page, site, city):
    resident = UserFactory()
    CategoryFactory(name="Streets", slug="streets")
    sign_in(page, site, resident.email)
    page.goto(f"{site}/ideas/new/")
    page.get_by_label("Title").fill("A crossing by the school")
    page.get_by_label("Description").fill("Children cross the ring road on their own.")
    page.get_by_label("Category").select_option(label="Streets")
    page.get_by_label(re.compile(r"^Area")).select_option(label="Old Town")
    map_box = page.locator("form .leaflet-container")
    expect(map_box).to_be_visible()

    # From the area's list, Tab reaches the map; the arrow keys move a point, Enter sets it.
    page.get_by_label(re.compile(r"^Area")).focus()
    page.keyboard.press("Tab")
    expect(map_box).to_be_focused()
    # Screen readers pass the arrow keys on to an application, which says what they do.
    expect(map_box).to_have_role("application")
    expect(map_box).to_have_accessible_name("Map for choosing the place")
    expect(map_box).to_have_accessible_description(re.compile("arrow keys.*Enter"))
    for key in ("ArrowRight", "ArrowRight", "ArrowUp", "Shift+ArrowLeft"):
        page.keyboard.press(key)
    status = page.locator("[data-map-status]")
    expect(status).to_contain_text("Press Enter to set the place here.")
    moving = re.search(r"Latitude (-?\d+\.\d+), longitude (-?\d+\.\d+)", status.inner_text())
    assert moving
    assert page.get_by_label("Latitude").input_value() == ""  # not set until Enter
    page.keyboard.press("Enter")
    expect(status).to_have_text(
        f"Place set: latitude {moving.group(1)}, longitude {moving.group(2)}."
    )
    expect(page.get_by_label("Latitude")).to_have_value(moving.group(1))
    expect(page.get_by_label("Longitude")).to_have_value(moving.group(2))
    expect(map_box.locator(".leaflet-marker-icon:not(.map-cursor)")).to_have_count(1)

    page.get_by_role("button", name="Publish my idea").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("A crossing by the school")
    idea = Idea.objects.get()
    assert (idea.latitude, idea.longitude) == (Decimal(moving.group(1)), Decimal(moving.group(2)))
    # The point stayed in the city the map opened on.
    longitudes = [p[0] for a in city for p in a.boundary["coordinates"][0]]
    latitudes = [p[1] for a in city for p in a.boundary["coordinates"][0]]
    assert min(latitudes) < idea.latitude < max(latitudes)
    assert min(longitudes) < idea.longitude < max(longitudes)


def test_address_search_asks_the_geocoder_through_the_portal(
    page: Page, site, city, settings, failed_responses
):
    geocoder = NominatimStandIn(
        places=[
            ("Town Hall, Market Square, Old Town", 52.0951234, -1.9290123),
            ("Town Lane, Millbrook", 52.1012, -1.9011),
        ]
    ).start()
    settings.GEOCODER_URL = geocoder.url
    settings.OUTBOUND_ALLOW_LOOPBACK = True  # the stand-in listens on 127.0.0.1
    browser_asked: list[str] = []
    page.on("request", lambda request: browser_asked.append(request.url))
    try:
        sign_in(page, site, UserFactory().email)
        page.goto(f"{site}/ideas/new/")
        search = page.get_by_label("Search for an address or a place")
        search.fill("town hall")
        search.press("Enter")  # searches; does not send the idea form
        expect(page.locator("[data-map-status]")).to_have_text(
            "Places found: 1. Choose one in the list below the search box."
        )
        page.get_by_role("button", name="Town Hall, Market Square, Old Town").press("Enter")
        expect(page.get_by_label("Latitude")).to_have_value("52.095123")
        expect(page.get_by_label("Longitude")).to_have_value("-1.929012")
        expect(page.get_by_role("application", name="Map for choosing the place")).to_be_focused()

        search.fill("nowhere street")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("[data-map-status]")).to_contain_text("No place found.")
    finally:
        geocoder.stop()

    searches = geocoder.searches()
    assert [asked.query["q"] for asked in searches] == ["town hall", "nowhere street"]
    assert searches[0].query["format"] == "jsonv2"
    assert searches[0].query["accept-language"] == "en"
    assert "viewbox" in searches[0].query  # the council's places first
    assert "Mozilla" not in searches[0].headers.get("User-Agent", "")  # the portal asked
    assert not [url for url in browser_asked if url.startswith(geocoder.url)]
    assert page.url.endswith("/ideas/new/")
    assert not Idea.objects.exists()
    assert failed_responses == []


def test_a_ground_report_takes_the_place_from_use_my_location(browser, site, city):
    """The report form has the same map as the idea form (no bare coordinate boxes), and
    "Use my location" asks the browser only when pressed, then sets the place."""
    from alerts.models import GroundReport
    from tests.alerts.factories import published

    alert = published(headline="Flooding on Quay Street")
    context = browser.new_context(
        locale="en-GB",
        geolocation={"latitude": 52.0961, "longitude": -1.9302},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(f"{site}/alerts/{alert.pk}/")
    report = page.locator("form[data-report-form]")
    expect(report.get_by_role("application", name="Map for choosing the place")).to_be_visible()
    assert report.get_by_label("Latitude").input_value() == ""  # nothing asked on load
    report.get_by_role("button", name="Use my location").click()
    expect(report.locator("[data-map-status]")).to_have_text(
        "Place set: latitude 52.096100, longitude -1.930200."
    )
    expect(report.get_by_label("Latitude")).to_have_value("52.096100")
    expect(report.get_by_label("Longitude")).to_have_value("-1.930200")
    expect(report.locator(".leaflet-marker-icon:not(.map-cursor)")).to_have_count(1)

    report.get_by_label(re.compile(r"^What do you see")).fill("Water over the quay wall.")
    report.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status").first).to_be_visible()
    sent = GroundReport.objects.get()
    assert (sent.latitude, sent.longitude) == (Decimal("52.096100"), Decimal("-1.930200"))
    context.close()
