"""What the maps ask the portal for (static/js/map.js): the council's areas, drawn as every
map's base, and the address search, answered through the portal so that residents'
browsers never talk to the geocoder themselves."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from civicportal.core import maps
from civicportal.kernel.client import client_address
from civicportal.kernel.ratelimit import rate_limit_take, seconds_to_next_window
from civicportal.kernel.validators import CONTROL_CHARACTERS_RE

logger = logging.getLogger(__name__)

GEOCODE_RATE_SCOPE = "core.geocode"
GEOCODE_RATE_WINDOW = 60
# The areas change when staff redraw them in the admin: a few minutes of browser cache.
AREAS_MAX_AGE = 300


class MapAreasView(View):
    """The council's area boundaries as GeoJSON (the same for everyone, cached)."""

    def get(self, request):
        response = JsonResponse(maps.area_feature_collection(), content_type="application/geo+json")
        response["Cache-Control"] = f"public, max-age={AREAS_MAX_AGE}"
        return response


class MapGeocodeView(View):
    """``?q=`` → ``{"results": [{"label", "lat", "lon"}]}``, or ``{"error": ...}`` with 400
    (no usable query), 429 (too many searches from this address) or 502 (the geocoder
    failed). 404 when no geocoder is configured."""

    def get(self, request):
        if not settings.GEOCODER_URL:
            raise Http404("No geocoder is configured.")
        query = " ".join(request.GET.get("q", "").split())
        if len(query) < 2 or CONTROL_CHARACTERS_RE.search(query):
            return self._error(_("Type at least two letters of an address or a place."), 400)
        if len(query) > maps.GEOCODER_QUERY_MAX_LENGTH:
            return self._error(
                _("Type at most %(count)s characters.") % {"count": maps.GEOCODER_QUERY_MAX_LENGTH},
                400,
            )
        if not rate_limit_take(
            scope=GEOCODE_RATE_SCOPE,
            subject=client_address(request) or "unknown",
            limit=settings.GEOCODER_RATE_LIMIT,
            window=GEOCODE_RATE_WINDOW,
        ):
            response = self._error(
                _("Many searches came from your network just now. Try again in a minute."), 429
            )
            response["Retry-After"] = str(seconds_to_next_window(GEOCODE_RATE_WINDOW))
            return response
        try:
            places = maps.geocode(query, language=get_language() or settings.LANGUAGE_CODE)
        except maps.GeocoderUnavailable as exc:
            logger.warning("geocoder unavailable: %s", exc)
            return self._error(
                _(
                    "The address search is not available now. Mark the place on the map, "
                    "or type its coordinates."
                ),
                502,
            )
        response = JsonResponse({"results": [place.as_dict() for place in places]})
        response["Cache-Control"] = "private, max-age=300"
        return response

    @staticmethod
    def _error(message: str, status: int) -> JsonResponse:
        response = JsonResponse({"error": message}, status=status)
        response["Cache-Control"] = "no-store"
        return response
