"""Country label points: the spot deepest inside each outline (pole of inaccessibility), so a name sits inside its country."""

from __future__ import annotations

import heapq
import math

from components.map_view import mercator_degrees, inverse_mercator_degrees

# About 5 km: far finer than a label, and few enough cells that the six outlines take milliseconds.
PRECISION_DEG = 0.05
_CACHE_SIZE = 4
_cache: dict[tuple[int, tuple[str, ...]], tuple[dict, dict[str, tuple[float, float]]]] = {}


def _ring_area(ring: list[list[float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 2


def _segment_distance_sq(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    if dx or dy:
        t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        ax, ay = ax + t * dx, ay + t * dy
    return (px - ax) ** 2 + (py - ay) ** 2


def signed_distance(x: float, y: float, rings: list[list[list[float]]]) -> float:
    """Distance from (x, y) to the polygon's edge: positive inside, negative outside (holes count as outside)."""
    inside = False
    nearest = math.inf
    for ring in rings:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
            if (ay > y) != (by > y) and x < (bx - ax) * (y - ay) / (by - ay) + ax:
                inside = not inside
            nearest = min(nearest, _segment_distance_sq(x, y, ax, ay, bx, by))
    return (1 if inside else -1) * math.sqrt(nearest)


def pole_of_inaccessibility(rings: list[list[list[float]]], precision: float = PRECISION_DEG) -> tuple[float, float]:
    """The point inside the polygon farthest from its edge (Mapbox's polylabel: a quadtree search with a bound)."""
    xs = [x for x, _ in rings[0]]
    ys = [y for _, y in rings[0]]
    min_x, min_y, max_x, max_y = min(xs), min(ys), max(xs), max(ys)
    size = min(max_x - min_x, max_y - min_y)
    if size <= 0:
        return min_x, min_y

    def cell(x: float, y: float, half: float) -> tuple[float, float, float, float, float]:
        distance = signed_distance(x, y, rings)
        # Heap entries sort by the best distance any point in the cell could reach (negated: heapq is a min-heap).
        return -(distance + half * math.sqrt(2)), distance, x, y, half

    best = cell((min_x + max_x) / 2, (min_y + max_y) / 2, 0)
    queue: list = []
    half = size / 2
    x = min_x
    while x < max_x:
        y = min_y
        while y < max_y:
            heapq.heappush(queue, cell(x + half, y + half, half))
            y += size
        x += size
    while queue:
        bound, distance, x, y, half = heapq.heappop(queue)
        if distance > best[1]:
            best = (bound, distance, x, y, half)
        if -bound - best[1] <= precision:
            continue
        half /= 2
        for dx in (-half, half):
            for dy in (-half, half):
                heapq.heappush(queue, cell(x + dx, y + dy, half))
    return best[2], best[3]


def _largest_polygon(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return max(polygons, key=lambda rings: _ring_area(rings[0]))


def label_point(geometry: dict) -> tuple[float, float]:
    """(lon, lat) deepest inside the largest part of a (Multi)Polygon, searched in Web Mercator so it looks centred."""
    rings = [[list(mercator_degrees(lon, lat)) for lon, lat in ring] for ring in _largest_polygon(geometry)]
    x, y = pole_of_inaccessibility(rings)
    lon, lat = inverse_mercator_degrees(x, y)
    return round(lon, 3), round(lat, 3)


def label_points(outlines: dict, iso2s: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """iso2 -> (lon, lat) of its label, for these countries where the outlines have a shape (computed once per
    outlines object and list of countries: China's outline alone takes about a tenth of a second)."""
    key = (id(outlines), iso2s)
    cached = _cache.get(key)
    if cached is not None and cached[0] is outlines:
        return cached[1]
    wanted = set(iso2s)
    points = {feature["properties"]["iso2"]: label_point(feature["geometry"])
              for feature in outlines.get("features", [])
              if feature.get("properties", {}).get("iso2") in wanted
              and feature.get("geometry", {}).get("type") in ("Polygon", "MultiPolygon")}
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    # The outlines object is kept with its points, so its id cannot be reused by another object while cached.
    _cache[key] = (outlines, points)
    return points
