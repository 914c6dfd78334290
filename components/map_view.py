"""The map's view: fitting it to points in Web Mercator, and where a point lands on screen."""

from __future__ import annotations

import math
from dataclasses import dataclass

from atlas import Atlas
from components.map_data import MapData

# Until the browser reports the map's real size (components/map_viewport.py) views are fitted to this box, a little
# smaller than the map on a laptop, so what is fitted stays in view there too.
MAP_WIDTH_PX, MAP_HEIGHT_PX = 600, 560
FIT_PADDING_PX = 48
# Region of the five countries the atlas covers (countries.csv `region`); China is where partners sit.
FOCUS_REGION = "central_asia"
MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 1.5, 12.0, 7.0
# deck.gl's Web Mercator world is 512 px wide at zoom 0.
WORLD_PX = 512


@dataclass(frozen=True)
class MapView:
    latitude: float
    longitude: float
    zoom: float

    def nudged(self, count: int) -> "MapView":
        """A view that differs from the last one sent in every field.

        The chart only applies the fields of initial_view_state that changed since the last run, so pressing
        "fit" twice on the same selection (after the visitor panned) would otherwise do nothing.
        """
        step = 1e-7 * (count % 2 + 1)
        return MapView(self.latitude + step, self.longitude + step, self.zoom + step)


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator world coordinates in [0, 1] (x east, y south)."""
    lat = max(min(lat, 85.05), -85.05)
    return (lon + 180) / 360, (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _inverse_mercator(x: float, y: float) -> tuple[float, float]:
    return x * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


def mercator_degrees(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator with both axes in degrees of longitude (north up): distances on it look as they do on the map."""
    x, y = _mercator(lon, lat)
    return lon, (0.5 - y) * 360


def inverse_mercator_degrees(x: float, y: float) -> tuple[float, float]:
    return _inverse_mercator((x + 180) / 360, 0.5 - y / 360)


def fit_padding(width_px: float, height_px: float) -> float:
    """Room left around what is fitted: 48 px, less on a phone-sized map so the countries stay large."""
    return min(FIT_PADDING_PX, min(width_px, height_px) / 10)


def fit_view(lons: list[float], lats: list[float], width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX,
             max_zoom: float = MAX_FIT_ZOOM) -> MapView:
    """The view that shows every given point with some padding (a single point gets max_zoom)."""
    points = [_mercator(lon, lat) for lon, lat in zip(lons, lats)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    padding = fit_padding(width_px, height_px)
    usable_w, usable_h = width_px - 2 * padding, height_px - 2 * padding
    zooms = [max_zoom]
    if span_x > 0:
        zooms.append(math.log2(usable_w / (WORLD_PX * span_x)))
    if span_y > 0:
        zooms.append(math.log2(usable_h / (WORLD_PX * span_y)))
    lon, lat = _inverse_mercator((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    return MapView(round(lat, 4), round(lon, 4), round(max(MIN_ZOOM, min(zooms)), 2))


def view_points(map_data: MapData) -> tuple[list[float], list[float]]:
    markers = map_data.markers
    return markers["lon"].to_list(), markers["lat"].to_list()


def region_corners(atlas: Atlas) -> tuple[list[float], list[float]]:
    """South-west and north-east corners of the five countries' outlines (empty without outlines)."""
    focus = set(atlas.countries.loc[atlas.countries["region"] == FOCUS_REGION, "iso2"].tolist())
    lons: list[float] = []
    lats: list[float] = []
    for feature in atlas.outlines.get("features", []):
        if feature.get("properties", {}).get("iso2") not in focus:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for rings in polygons:
            for lon, lat in rings[0]:
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return [], []
    return [min(lons), max(lons)], [min(lats), max(lats)]


def default_view(atlas: Atlas, width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX) -> MapView:
    """The opening view, from the whole atlas (not the filtered part) so it never jumps: the five countries with
    every workshop and partner on a landscape map; on a portrait (phone) map the five countries alone, since the
    partners in eastern China would shrink Central Asia to a strip (the arcs still lead there)."""
    region_lons, region_lats = region_corners(atlas)
    if region_lons and width_px < height_px:
        return fit_view(region_lons, region_lats, width_px, height_px)
    workshops = atlas.workshops
    partners = atlas.institutions[atlas.institutions["institution_id"].isin(
        set(workshops["partner_institution_ids"].explode().dropna())) & atlas.institutions["lat"].notna()]
    lons = workshops["lon"].to_list() + partners["lon"].to_list() + region_lons
    lats = workshops["lat"].to_list() + partners["lat"].to_list() + region_lats
    if not lons:
        return MapView(42.0, 75.0, 3.0)
    return fit_view(lons, lats, width_px, height_px)


def screen_position(lon: float, lat: float, view: MapView, width_px: float, height_px: float) -> tuple[float, float]:
    """Where deck.gl draws a point, in pixels from the chart's top-left corner (used by tests and fitting)."""
    scale = WORLD_PX * 2 ** view.zoom
    x, y = _mercator(lon, lat)
    centre_x, centre_y = _mercator(view.longitude, view.latitude)
    return width_px / 2 + (x - centre_x) * scale, height_px / 2 + (y - centre_y) * scale
