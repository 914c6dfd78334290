"""Country outlines and point-in-polygon checks (vectorised ray casting, no GIS dependency)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUTLINES_FILE = "country_outlines.geojson"


def read_outlines(data_dir: Path) -> dict:
    return json.loads((Path(data_dir) / OUTLINES_FILE).read_text(encoding="utf-8"))


def rings_by_country(outlines: dict) -> dict[str, list[list[np.ndarray]]]:
    """iso2 -> list of polygons, each a list of rings (outer first, then holes) as (n, 2) lon/lat arrays."""
    result: dict[str, list[list[np.ndarray]]] = {}
    for feature in outlines.get("features", []):
        iso2 = feature["properties"].get("iso2")
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        result.setdefault(iso2, []).extend([[np.asarray(ring, dtype=float) for ring in poly] for poly in polygons])
    return result


def _inside_ring(lon: np.ndarray, lat: np.ndarray, ring: np.ndarray) -> np.ndarray:
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    # Points as rows, edges as columns: one crossing test for all pairs at once.
    py = lat[:, None]
    straddles = (y1 > py) != (y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
    crossings = straddles & (lon[:, None] < x_cross)
    return crossings.sum(axis=1) % 2 == 1


def points_inside(lon: np.ndarray, lat: np.ndarray, polygons: list[list[np.ndarray]]) -> np.ndarray:
    """True for each point that lies inside any polygon (outside its holes)."""
    inside = np.zeros(len(lon), dtype=bool)
    for rings in polygons:
        in_poly = _inside_ring(lon, lat, rings[0])
        for hole in rings[1:]:
            in_poly &= ~_inside_ring(lon, lat, hole)
        inside |= in_poly
    return inside
