"""Maps: one form field for choosing a place, read-only maps, and what both draw on.

Every map of the portal is drawn by one script, static/js/map.js (Leaflet, served from our
own static files), configured through ``data-map-*`` attributes (no inline script):

- ``LocationField`` (widget ``MapPointWidget``) is a place on a form: two plain inputs,
  latitude and longitude, which are all a browser without JavaScript shows and which
  stay the source of truth. With JavaScript a map sits above them: a click, a drag, the
  arrow keys then Enter, "use my location" or an address search write into the inputs.
- ``map_view_attributes()`` configures a read-only map (an idea's place, an alert's
  areas and confirmed reports); the page gives the shapes as GeoJSON in a JSON script.

Without a tile server (``PROPOSALS_MAP_TILE_URL`` empty, the default) the maps draw the
council's area boundaries (``area_feature_collection``, served at ``core:map-areas``) as
their base, so a map is never an empty box. The marker images are named from our static
files: Leaflet guesses their folder from its stylesheet, a guess that fails once the file
names carry a hash (ManifestStaticFilesStorage).

The address search asks a Nominatim-compatible geocoder (``GEOCODER_URL``) from the
server (``geocode``, through the outbound guard): residents' browsers never talk to a third
party, and the geocoder never learns who searched.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from urllib.parse import urlsplit

import requests
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from civicportal.accounts.models import Area
from civicportal.kernel.outbound import outbound_session

COORDINATE_PLACES = 6  # about 10 cm: more than a phone's position is worth
_QUANTUM = Decimal(1).scaleb(-COORDINATE_PLACES)
GEOCODER_TIMEOUT_SECONDS = 5
GEOCODER_RESULTS = 5
# Addresses do not move: a search answered once is reused for a day.
GEOCODER_CACHE_SECONDS = 24 * 3600
GEOCODER_QUERY_MAX_LENGTH = 200


# --- What every map is configured with ------------------------------------------------------


def _map_settings() -> dict[str, str]:
    tiles = settings.PROPOSALS_MAP_TILE_URL
    return {
        "data-map-tiles": tiles,
        "data-map-attribution": settings.PROPOSALS_MAP_ATTRIBUTION if tiles else "",
        "data-map-center": settings.PROPOSALS_MAP_CENTER,
        "data-map-areas-url": reverse("core:map-areas"),
        "data-map-icon-url": static("vendor/leaflet/images/marker-icon.png"),
        "data-map-icon-retina-url": static("vendor/leaflet/images/marker-icon-2x.png"),
        "data-map-shadow-url": static("vendor/leaflet/images/marker-shadow.png"),
    }


def map_view_attributes(*, features_id: str = "") -> SafeString:
    """The ``data-map-*`` attributes of a read-only map; ``features_id`` names the
    ``json_script`` holding what it shows (a GeoJSON FeatureCollection, see map.js)."""
    attributes = {"data-map-view": "", **_map_settings()}
    if features_id:
        attributes["data-map-features"] = features_id
    return flatatt(attributes)


def area_feature_collection() -> dict:
    """The council's areas that have a boundary, as a GeoJSON FeatureCollection."""
    features = []
    for area in Area.objects.exclude(boundary=None).only("name", "slug", "boundary"):
        geometry = area.boundary
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon"):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": area.name, "slug": area.slug},
                    "geometry": geometry,
                }
            )
    return {"type": "FeatureCollection", "features": features}


def point_feature(latitude, longitude, **properties) -> dict:
    """A GeoJSON Point (positions are [longitude, latitude])."""
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [float(longitude), float(latitude)]},
    }


# --- The place on a form --------------------------------------------------------------------


def point_check(latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A place given to a service (page, API or code): both coordinates or neither, numbers
    on the map, rounded to ``COORDINATE_PLACES`` decimals. Raises ``ValidationError`` on
    ``latitude`` with the reason."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError(
            {"latitude": _("Give both latitude and longitude for the place, or neither.")}
        )
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except ArithmeticError:
        raise ValidationError({"latitude": _("The place's coordinates are not numbers.")}) from None
    # NaN first: comparing it would raise instead of refusing.
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(
            {
                "latitude": _(
                    "The place is outside the map: latitude -90 to 90, longitude -180 to 180."
                )
            }
        )
    return lat.quantize(_QUANTUM), lon.quantize(_QUANTUM)


class CoordinateField(forms.DecimalField):
    """A latitude or longitude: a number in range, rounded to ``COORDINATE_PLACES``
    decimals (a position copied from a phone has more, and refusing it would help no one)."""

    def __init__(self, *, limit: int, invalid_message, range_message, **kwargs):
        super().__init__(
            required=False,
            min_value=-limit,
            max_value=limit,
            error_messages={
                "invalid": invalid_message,
                "min_value": range_message,
                "max_value": range_message,
            },
            **kwargs,
        )

    def to_python(self, value):
        number = super().to_python(value)
        if number is None:
            return None
        try:
            return number.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:  # far too many digits before the point: out of range anyway
            raise ValidationError(self.error_messages["max_value"], code="max_value") from None


class MapPointWidget(forms.MultiWidget):
    """Latitude and longitude inputs under a map that writes into them (module docstring).

    The inputs post as ``<name>_latitude`` and ``<name>_longitude``.
    """

    template_name = "core/widgets/map_point.html"

    def __init__(self, attrs=None):
        def number(role: str) -> forms.NumberInput:
            return forms.NumberInput(attrs={"step": "any", f"data-map-{role}": ""})

        super().__init__({"latitude": number("latitude"), "longitude": number("longitude")}, attrs)

    def decompress(self, value):
        if value:
            return [value[0], value[1]]
        return [None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attributes = {"data-map-point": "", **_map_settings()}
        if settings.GEOCODER_URL:
            attributes["data-map-geocode-url"] = reverse("core:map-geocode")
        context["map"] = {
            "attributes": flatatt(attributes),
            "geocoder": bool(settings.GEOCODER_URL),
        }
        for subwidget, label in zip(
            context["widget"]["subwidgets"], (_("Latitude"), _("Longitude")), strict=True
        ):
            subwidget["label"] = label
        return context


class LocationField(forms.MultiValueField):
    """An optional place: ``(latitude, longitude)`` as Decimals, or None when both inputs
    are empty. One without the other is refused with a message saying so."""

    widget = MapPointWidget
    default_error_messages = {
        "incomplete": _("Give both latitude and longitude, or neither."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        fields = (
            CoordinateField(
                limit=90,
                label=_("Latitude"),
                invalid_message=_("Write the latitude as a number, for example 64.146600."),
                range_message=_("The latitude is a number from -90 to 90."),
            ),
            CoordinateField(
                limit=180,
                label=_("Longitude"),
                invalid_message=_("Write the longitude as a number, for example -21.942600."),
                range_message=_("The longitude is a number from -180 to 180."),
            ),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        latitude, longitude = data_list
        if latitude is None and longitude is None:
            return None
        if latitude is None or longitude is None:
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        return (latitude, longitude)


# --- Address search -------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float

    def as_dict(self) -> dict:
        return {"label": self.label, "lat": self.latitude, "lon": self.longitude}


class GeocoderUnavailable(Exception):
    """The geocoder did not answer, or answered something that is not a list of places."""


def _areas_viewbox() -> str:
    """Nominatim's ``viewbox`` (left,top,right,bottom) around the council's areas, so that
    places in the council come first; empty without boundaries."""
    longitudes, latitudes = [], []
    for feature in area_feature_collection()["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                for position in ring:
                    longitudes.append(position[0])
                    latitudes.append(position[1])
    if not longitudes:
        return ""
    return f"{min(longitudes)},{max(latitudes)},{max(longitudes)},{min(latitudes)}"


def _place(item) -> Place | None:
    if not isinstance(item, dict):
        return None
    try:
        latitude, longitude = float(item["lat"]), float(item["lon"])
        label = str(item.get("display_name") or item.get("name") or "").strip()
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or not label:
        return None
    return Place(label=label[:300], latitude=latitude, longitude=longitude)


def geocode(query: str, *, language: str) -> list[Place]:
    """Places matching ``query``, best first, from ``GEOCODER_URL``'s ``/search``.

    Asked through the outbound guard, to the geocoder's host only; answers are cached for a
    day. Raises ``GeocoderUnavailable`` when the geocoder cannot be reached or its answer
    is not Nominatim's JSON.
    """
    base = settings.GEOCODER_URL.rstrip("/")
    query = " ".join(query.split())[:GEOCODER_QUERY_MAX_LENGTH]
    key = (
        "core:geocode:"
        + hashlib.sha256(f"{base}\n{language}\n{query.lower()}".encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return [Place(**place) for place in cached]
    params = {
        "q": query,
        "format": "jsonv2",
        "limit": GEOCODER_RESULTS,
        "accept-language": language,
    }
    viewbox = _areas_viewbox()
    if viewbox:
        params["viewbox"] = viewbox
    host = urlsplit(base).hostname or ""
    # Nominatim's usage policy asks every application to name itself.
    headers = {"User-Agent": f"{settings.SITE_NAME} (CivicPortal)", "Accept": "application/json"}
    try:
        with outbound_session(allowed_hosts=[host]) as session:
            response = session.get(
                f"{base}/search", params=params, headers=headers, timeout=GEOCODER_TIMEOUT_SECONDS
            )
        if response.status_code != 200:
            raise GeocoderUnavailable(f"the geocoder answered {response.status_code}")
        items = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise GeocoderUnavailable(str(exc)) from exc
    if not isinstance(items, list):
        raise GeocoderUnavailable("the geocoder's answer is not a list of places")
    places = [place for place in map(_place, items) if place is not None][:GEOCODER_RESULTS]
    cache.set(
        key,
        [{"label": p.label, "latitude": p.latitude, "longitude": p.longitude} for p in places],
        GEOCODER_CACHE_SECONDS,
    )
    return places
