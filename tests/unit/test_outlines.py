"""Checks on the committed offline map assets: country outlines GeoJSON and background style."""

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTLINES = ROOT / "data" / "country_outlines.geojson"
STYLE = ROOT / "static" / "offline-map-style.json"
FOCUS = {"KZ", "KG", "TJ", "TM", "UZ", "CN"}

ASTANA = (71.45, 51.17)
TASHKENT = (69.24, 41.30)
URUMQI = (87.62, 43.83)
BEIJING = (116.40, 39.90)


@pytest.fixture(scope="module")
def fc():
    return json.loads(OUTLINES.read_text(encoding="utf-8"))


def by_iso2(fc, iso2):
    (feature,) = [f for f in fc["features"] if f["properties"]["iso2"] == iso2]
    return feature


def polygons(geometry):
    """Every polygon (list of rings) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon", geometry["type"]
    return geometry["coordinates"]


def ring_contains(ring, lon, lat):
    """Ray casting: count edge crossings of a ray going east from the point."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def geometry_contains(geometry, lon, lat):
    # Inside the outer ring and inside none of the holes, of any one polygon.
    return any(
        ring_contains(rings[0], lon, lat) and not any(ring_contains(h, lon, lat) for h in rings[1:])
        for rings in polygons(geometry)
    )


def bbox(geometry):
    pts = [p for rings in polygons(geometry) for ring in rings for p in ring]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    return min(lons), min(lats), max(lons), max(lats)


def test_ray_casting_helper_on_a_square():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                                                  [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]}
    assert geometry_contains(square, 2, 2)
    assert not geometry_contains(square, 5, 5)  # in the hole
    assert not geometry_contains(square, 11, 5)


def test_feature_collection_shape(fc):
    assert fc["type"] == "FeatureCollection"
    assert "Natural Earth" in fc["x-source"]
    assert "public domain" in fc["x-source"]
    for f in fc["features"]:
        assert f["type"] == "Feature"
        props = f["properties"]
        assert set(props) == {"iso2", "name_en", "focus"}
        assert len(props["iso2"]) == 2 and props["iso2"].isupper() and props["iso2"].isalpha()
        assert isinstance(props["focus"], bool)
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_iso2_unique(fc):
    codes = [f["properties"]["iso2"] for f in fc["features"]]
    assert len(codes) == len(set(codes))


def test_focus_countries_exactly_once(fc):
    for code in FOCUS:
        matches = [f for f in fc["features"] if f["properties"]["iso2"] == code]
        assert len(matches) == 1, code
        assert matches[0]["properties"]["focus"] is True, code
    focused = {f["properties"]["iso2"] for f in fc["features"] if f["properties"]["focus"]}
    assert focused == FOCUS
    assert len(fc["features"]) > len(FOCUS)  # context countries exist too


def test_coordinates_are_lon_lat_in_range(fc):
    for f in fc["features"]:
        for rings in polygons(f["geometry"]):
            for ring in rings:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                for point in ring:
                    assert len(point) == 2
                    lon, lat = point
                    assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_kazakhstan_bbox(fc):
    lon0, lat0, lon1, lat1 = bbox(by_iso2(fc, "KZ")["geometry"])
    assert lon0 <= ASTANA[0] <= lon1 and lat0 <= ASTANA[1] <= lat1
    assert not (lon0 <= BEIJING[0] <= lon1 and lat0 <= BEIJING[1] <= lat1)


@pytest.mark.parametrize("iso2, city", [("KZ", ASTANA), ("UZ", TASHKENT), ("CN", URUMQI), ("CN", BEIJING)])
def test_city_inside_its_country(fc, iso2, city):
    assert geometry_contains(by_iso2(fc, iso2)["geometry"], *city)


@pytest.mark.parametrize("iso2, city", [("KZ", BEIJING), ("UZ", ASTANA), ("CN", TASHKENT)])
def test_city_outside_other_country(fc, iso2, city):
    assert not geometry_contains(by_iso2(fc, iso2)["geometry"], *city)


def test_outlines_file_small():
    assert OUTLINES.stat().st_size < 150 * 1024


def test_offline_style():
    text = STYLE.read_text(encoding="utf-8")
    assert "http" not in text.lower()
    style = json.loads(text)
    assert style["version"] == 8
    assert "glyphs" not in style and "sprite" not in style
    assert style.get("sources", {}) == {}
    assert [layer["type"] for layer in style["layers"]] == ["background"]
