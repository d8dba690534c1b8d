"""Alert areas as CAP shapes, and which council areas a drawn shape touches.

CAP writes positions ``lat,lon`` (WGS 84) and a polygon as a closed ring of at least four
pairs; GeoJSON (the areas' boundaries) writes ``[lon, lat]``. Everything here takes and
returns ``(lat, lon)`` tuples. Distances are small (a council), so a local flat projection
is accurate enough for "does this circle touch this district".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Point = tuple[float, float]  # (lat, lon)
Ring = list[Point]

EARTH_RADIUS_KM = 6371.0


def _number(text: str) -> float:
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def _point(text: str) -> Point:
    lat_text, lon_text = text.split(",")
    lat, lon = _number(lat_text), _number(lon_text)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(text)
    return lat, lon


def polygons_parse(text: str) -> list[Ring]:
    """One polygon per line, as CAP ``lat,lon lat,lon …`` pairs; closes open rings.

    Raises ``ValidationError`` naming the line for anything else.
    """
    rings: list[Ring] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            ring = [_point(pair) for pair in line.split()]
        except ValueError:
            raise ValidationError(
                _(
                    "Polygon on line %(line)s: write points as “latitude,longitude” separated "
                    "by spaces, e.g. 64.14,-21.94 64.15,-21.90 64.13,-21.88."
                )
                % {"line": number}
            ) from None
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        if len(ring) < 4:
            raise ValidationError(
                _("Polygon on line %(line)s needs at least three different points.")
                % {"line": number}
            )
        rings.append(ring)
    return rings


def circles_parse(text: str) -> list[tuple[float, float, float]]:
    """One circle per line, as CAP ``lat,lon radius_km``."""
    circles = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            centre_text, radius_text = line.split()
            lat, lon = _point(centre_text)
            radius = _number(radius_text)
            if not 0 < radius <= 500:
                raise ValueError(radius_text)
        except ValueError:
            raise ValidationError(
                _(
                    "Circle on line %(line)s: write the centre and the radius in km, "
                    "e.g. 64.14,-21.94 2.5 (radius above 0 and at most 500 km)."
                )
                % {"line": number}
            ) from None
        circles.append((lat, lon, radius))
    return circles


def polygons_format(polygons: Iterable[Iterable[Iterable[float]]]) -> str:
    return "\n".join(cap_polygon(ring) for ring in polygons)


def circles_format(circles: Iterable[Iterable[float]]) -> str:
    return "\n".join(cap_circle(circle) for circle in circles)


def _coordinate(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.1f}"


def cap_polygon(ring: Iterable[Iterable[float]]) -> str:
    return " ".join(f"{_coordinate(lat)},{_coordinate(lon)}" for lat, lon in ring)


def cap_circle(circle: Iterable[float]) -> str:
    lat, lon, radius = circle
    return f"{_coordinate(lat)},{_coordinate(lon)} {_coordinate(radius)}"


def boundary_rings(boundary: dict | None) -> list[Ring]:
    """The outer rings of a GeoJSON Polygon/MultiPolygon (or Feature), as (lat, lon)."""
    if not boundary:
        return []
    geometry = boundary.get("geometry") if boundary.get("type") == "Feature" else boundary
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return []
    rings = []
    for polygon in polygons:
        outer = polygon[0]
        ring = [(float(position[1]), float(position[0])) for position in outer]
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        rings.append(ring)
    return rings


# --- Intersections -------------------------------------------------------------------------


def _project(point: Point, origin_lat: float) -> tuple[float, float]:
    """(x, y) in km on a plane tangent at ``origin_lat``."""
    lat, lon = point
    scale = math.cos(math.radians(origin_lat))
    return (
        math.radians(lon) * EARTH_RADIUS_KM * scale,
        math.radians(lat) * EARTH_RADIUS_KM,
    )


def point_in_ring(point: Point, ring: Ring) -> bool:
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(ring):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def _segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    def orientation(p, q, r) -> float:
        return (q[1] - p[1]) * (r[0] - p[0]) - (q[0] - p[0]) * (r[1] - p[1])

    o1, o2 = orientation(a, b, c), orientation(a, b, d)
    o3, o4 = orientation(c, d, a), orientation(c, d, b)
    return (o1 * o2 < 0) and (o3 * o4 < 0)


def rings_intersect(first: Ring, second: Ring) -> bool:
    if any(point_in_ring(p, second) for p in first[:-1]):
        return True
    if any(point_in_ring(p, first) for p in second[:-1]):
        return True
    return any(
        _segments_cross(a, b, c, d)
        for a, b in itertools.pairwise(first)
        for c, d in itertools.pairwise(second)
    )


def _distance_to_segment_km(point: Point, a: Point, b: Point) -> float:
    origin = point[0]
    px, py = _project(point, origin)
    ax, ay = _project(a, origin)
    bx, by = _project(b, origin)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def circle_touches_ring(circle: tuple[float, float, float], ring: Ring) -> bool:
    lat, lon, radius = circle
    centre = (lat, lon)
    if point_in_ring(centre, ring):
        return True
    return any(_distance_to_segment_km(centre, a, b) <= radius for a, b in itertools.pairwise(ring))


def shapes_touch_boundary(
    *, polygons: list[Ring], circles: list[tuple[float, float, float]], boundary: dict | None
) -> bool:
    """Whether any drawn polygon or circle overlaps the area's GeoJSON boundary."""
    for ring in boundary_rings(boundary):
        if any(rings_intersect([tuple(p) for p in drawn], ring) for drawn in polygons):
            return True
        if any(circle_touches_ring(tuple(c), ring) for c in circles):
            return True
    return False
