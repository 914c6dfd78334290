"""Country outlines and point-in-polygon checks (shapely's vectorised contains_xy)."""

from __future__ import annotations

import numpy as np
import shapely

OUTLINES_FILE = "country_outlines.geojson"


def rings_by_country(outlines: dict) -> dict[str, list[list[np.ndarray]]]:
    """iso2 -> list of polygons, each a list of rings (outer first, then holes) as (n, 2) lon/lat arrays."""
    result: dict[str, list[list[np.ndarray]]] = {}
    for feature in outlines.get("features", []):
        iso2 = feature["properties"].get("iso2")
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        result.setdefault(iso2, []).extend([[np.asarray(ring, dtype=float) for ring in poly] for poly in polygons])
    return result


def points_inside(lon: np.ndarray, lat: np.ndarray, polygons: list[list[np.ndarray]]) -> np.ndarray:
    """True for each point that lies inside any polygon (outside its holes)."""
    # GEOS on prepared polygons (a point-by-edge matrix in numpy cost seconds at 1000x); one polygon at a
    # time, so overlapping parts of a country mean "inside any", as before.
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(len(lon), dtype=bool)
    for rings in polygons:
        polygon = shapely.Polygon(rings[0], rings[1:])
        shapely.prepare(polygon)
        inside |= shapely.contains_xy(polygon, lon, lat)
    return inside
