"""Maps (civicportal/core/maps.py): the place field and its plain inputs, the areas drawn as
the maps' base, and the address search through the portal against a Nominatim-like server
on loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError

from civicportal.core.maps import LocationField
from tests.accounts.factories import AreaFactory
from tests.core.nominatim import NominatimStandIn
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-1.94, 52.08], [-1.91, 52.08], [-1.91, 52.10], [-1.94, 52.10], [-1.94, 52.08]]
    ],
}


class PlaceForm(forms.Form):
    location = LocationField(label="Place")


def _clean(latitude: str, longitude: str) -> PlaceForm:
    form = PlaceForm({"location_latitude": latitude, "location_longitude": longitude})
    form.is_valid()
    return form


# --- The place field ------------------------------------------------------------------------


def test_place_is_optional_and_rounded_to_six_decimals():
    assert _clean("", "").cleaned_data["location"] is None
    form = _clean("52.0912345678", "-1.92")
    assert form.cleaned_data["location"] == (Decimal("52.091235"), Decimal("-1.920000"))


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("52.1", "", "Give both latitude and longitude, or neither."),
        ("", "-1.9", "Give both latitude and longitude, or neither."),
        ("north", "-1.9", "Write the latitude as a number"),
        ("52.1", "1e400", "The longitude is a number from -180 to 180."),
        ("95", "-1.9", "The latitude is a number from -90 to 90."),
        ("NaN", "-1.9", "Write the latitude as a number"),
        ("9" * 40, "-1.9", "The latitude is a number from -90 to 90."),
    ],
)
def test_place_refuses_what_is_not_a_place_saying_why(latitude, longitude, message):
    form = _clean(latitude, longitude)
    assert not form.is_valid()
    assert any(message in error for error in form.errors["location"])


def test_place_renders_plain_labelled_inputs_and_hides_the_map_tools_until_javascript():
    html = str(PlaceForm(initial={"location": (Decimal("52.1"), Decimal("-1.9"))})["location"])
    assert 'name="location_latitude"' in html and 'name="location_longitude"' in html
    assert '<label class="form-label" for="id_location_0">Latitude</label>' in html
    assert 'value="52.1"' in html
    assert "data-map-tools hidden" in html
    # Marker images named from our static files, not guessed by Leaflet.
    assert 'data-map-icon-url="/static/vendor/leaflet/images/marker-icon' in html
    assert "data-map-geocode-url" not in html  # no geocoder configured: no search box


def test_place_offers_the_address_search_when_a_geocoder_is_configured(settings):
    settings.GEOCODER_URL = "https://nominatim.example.org"
    html = str(PlaceForm()["location"])
    assert 'data-map-geocode-url="/maps/geocode/"' in html
    assert "Search for an address or a place" in html


# --- The base layer ------------------------------------------------------------------------


def test_areas_with_a_boundary_are_served_as_geojson_for_the_maps_base(client):
    AreaFactory(name="Old Town", slug="old-town", boundary=SQUARE)
    AreaFactory(
        name="Harbourside",
        slug="harbourside",
        boundary={"type": "Feature", "properties": {}, "geometry": SQUARE},
    )
    AreaFactory(name="No lines yet", slug="no-lines")
    response = client.get("/maps/areas.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "public" in response["Cache-Control"]
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in body["features"]} == {"Old Town", "Harbourside"}
    assert all(f["geometry"] == SQUARE for f in body["features"])


# --- The address search --------------------------------------------------------------------


@pytest.fixture
def geocoder(settings):
    stand_in = NominatimStandIn(
        places=[
            ("Town Hall, Market Square, Old Town", 52.0951234, -1.9290123),
            ("Town Lane, Millbrook", 52.1012, -1.9011),
        ]
    ).start()
    settings.GEOCODER_URL = stand_in.url
    settings.OUTBOUND_ALLOW_LOOPBACK = True  # the stand-in listens on 127.0.0.1
    cache.clear()
    yield stand_in
    stand_in.stop()


def test_geocode_answers_places_asked_of_the_geocoder_by_the_portal(client, geocoder):
    AreaFactory(name="Old Town", slug="old-town", boundary=SQUARE)
    response = client.get("/maps/geocode/", {"q": "  town   hall "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"label": "Town Hall, Market Square, Old Town", "lat": 52.0951234, "lon": -1.9290123}
        ]
    }
    (asked,) = geocoder.searches()
    assert asked.query["q"] == "town hall"
    assert asked.query["format"] == "jsonv2"
    assert asked.query["viewbox"] == "-1.94,52.1,-1.91,52.08"  # the council's places first
    assert "CivicPortal" in asked.headers["User-Agent"]
    # Asked again: answered from the cache, the geocoder is spared.
    assert client.get("/maps/geocode/", {"q": "Town Hall"}).json()["results"]
    assert len(geocoder.searches()) == 1


def test_geocode_without_a_match_answers_an_empty_list(client, geocoder):
    assert client.get("/maps/geocode/", {"q": "nowhere"}).json() == {"results": []}


@pytest.mark.parametrize("query", ["", "a", "x" * 201])
def test_geocode_refuses_a_query_it_cannot_search_without_asking(client, geocoder, query):
    response = client.get("/maps/geocode/", {"q": query})
    assert response.status_code == 400
    assert response.json()["error"]
    assert geocoder.searches() == []


def test_geocode_says_so_when_the_geocoder_fails(client, geocoder):
    geocoder.status = 503
    response = client.get("/maps/geocode/", {"q": "town hall"})
    assert response.status_code == 502
    assert "not available now" in response.json()["error"]


def test_geocode_says_so_when_the_geocoder_cannot_be_reached(client, settings):
    settings.GEOCODER_URL = f"http://127.0.0.1:{free_port()}"
    settings.OUTBOUND_ALLOW_LOOPBACK = True
    response = client.get("/maps/geocode/", {"q": "town hall"})
    assert response.status_code == 502


def test_geocode_goes_through_the_outbound_guard(client, geocoder, settings):
    settings.OUTBOUND_ALLOW_LOOPBACK = False  # as on a server: loopback is refused
    response = client.get("/maps/geocode/", {"q": "town hall"})
    assert response.status_code == 502
    assert geocoder.searches() == []


def test_geocode_is_rate_limited_per_address(client, geocoder, settings):
    settings.GEOCODER_RATE_LIMIT = 2
    for query in ("town hall", "town lane"):
        assert client.get("/maps/geocode/", {"q": query}).status_code == 200
    response = client.get("/maps/geocode/", {"q": "market square"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert len(geocoder.searches()) == 2
    other = client.get("/maps/geocode/", {"q": "market square"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_geocode_is_not_found_without_a_geocoder(client, settings):
    settings.GEOCODER_URL = ""
    assert client.get("/maps/geocode/", {"q": "town hall"}).status_code == 404


@pytest.mark.parametrize(
    ("latitude", "longitude", "reason"),
    [
        ("64.1", "", "both latitude and longitude"),
        ("north", "-21.9", "not numbers"),
        ("NaN", "-21.9", "outside the map"),
        ("64.1", "Infinity", "outside the map"),
        ("91", "0", "outside the map"),
    ],
)
def test_point_check_refuses_a_bad_place_with_its_reason(latitude, longitude, reason):
    from civicportal.core.maps import point_check

    with pytest.raises(ValidationError, match=reason):
        point_check(latitude, longitude)


def test_point_check_keeps_a_place_to_six_decimals_or_none():
    from civicportal.core.maps import point_check

    assert point_check("", None) == (None, None)
    assert point_check("64.14660049", -21.9426) == (Decimal("64.146600"), Decimal("-21.942600"))
