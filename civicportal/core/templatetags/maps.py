"""``{% load maps %}``: read-only maps in templates (see civicportal/core/maps.py).

``{% map_view_attributes "features-id" %}`` writes the ``data-map-*`` attributes of a map
that shows the GeoJSON in the ``json_script`` with that id; ``{% map_place lat lon label %}``
is the FeatureCollection of one place, for ``json_script``.
"""

from __future__ import annotations

from django import template

from civicportal.core import maps

register = template.Library()


@register.simple_tag
def map_view_attributes(features_id: str = ""):
    return maps.map_view_attributes(features_id=features_id)


@register.simple_tag
def map_place(latitude, longitude, label: str = "") -> dict:
    if latitude is None or longitude is None:
        return {"type": "FeatureCollection", "features": []}
    return {
        "type": "FeatureCollection",
        "features": [maps.point_feature(latitude, longitude, label=str(label))],
    }
