"""Map view fitting to the measured map size, the size itself, and country label points inside their outlines."""

from __future__ import annotations

import dataclasses

import pytest

from atlas import load_atlas
from components import map_deck, map_labels, map_view, map_viewport
from helpers import DATA_DIR

SQUARE = [[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]]
# An L: its bounding box's centre (7.5, 7.5) lies outside the shape, as Uzbekistan's or Kyrgyzstan's centroid can.
L_SHAPE = [[[0.0, 0.0], [15.0, 0.0], [15.0, 5.0], [5.0, 5.0], [5.0, 15.0], [0.0, 15.0], [0.0, 0.0]]]
# A square with a hole in the middle: the label must not fall into the hole.
FRAME = SQUARE + [[[3.0, 3.0], [7.0, 3.0], [7.0, 7.0], [3.0, 7.0], [3.0, 3.0]]]
FIVE = ("KZ", "KG", "TJ", "TM", "UZ")


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


@pytest.mark.parametrize("rings, inside_by", [
    (SQUARE, 4.9),      # the centre, 5 from every edge
    (L_SHAPE, 2.4),     # inside one of the arms (2.5 at best), not at the box centre
    (FRAME, 1.4),       # in the frame (1.5 at best), not in the hole
])
def test_the_label_point_lies_deep_inside_the_shape(rings, inside_by):
    x, y = map_labels.pole_of_inaccessibility(rings, precision=0.01)
    assert map_labels.signed_distance(x, y, rings) >= inside_by


def test_every_country_label_sits_inside_its_own_outline(real):
    shapes = {f["properties"]["iso2"]: f["geometry"] for f in real.outlines["features"]}
    points = map_labels.label_points(real.outlines, tuple(real.countries["iso2"]))
    assert set(points) == set(real.countries["iso2"])
    for iso2, (lon, lat) in points.items():
        rings = [[list(map_view.mercator_degrees(*p)) for p in ring]
                 for ring in map_labels._largest_polygon(shapes[iso2])]
        x, y = map_view.mercator_degrees(lon, lat)
        # At least about 50 km inside at Kazakhstan's latitude: a 13-px label at the opening zoom stays in its country.
        assert map_labels.signed_distance(x, y, rings) > 0.5, iso2


def test_country_labels_are_in_the_visitors_language_and_fall_back_to_the_centroid(real):
    labels = {label["name"]: label["position"] for label in map_deck.country_labels(real)}
    assert set(labels) == set(real.countries["name_en"])
    # A data directory without outlines still names each country, at its centroid from countries.csv.
    no_outlines = dataclasses.replace(real, outlines={"type": "FeatureCollection", "features": []})
    fallback = {label["name"]: label["position"] for label in map_deck.country_labels(no_outlines)}
    kz = real.countries.set_index("iso2").loc["KZ"]
    assert fallback[kz["name_en"]] == [float(kz["centroid_lon"]), float(kz["centroid_lat"])]


@pytest.mark.parametrize("width, height", [
    (358, 412),    # a 390-px phone: the map is about square
    (358, 360),    # a phone in landscape gives the map its minimum height
    (906, 648),    # a 1366-px laptop with the sidebar open
    (1220, 900),   # a wide desktop window
])
def test_the_opening_view_shows_all_five_countries_whole(real, width, height):
    view = map_view.default_view(real, width, height)
    for feature in real.outlines["features"]:
        if feature["properties"]["iso2"] not in FIVE:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for rings in polygons:
            for lon, lat in rings[0]:
                x, y = map_view.screen_position(lon, lat, view, width, height)
                assert 0 <= x <= width and 0 <= y <= height, (feature["properties"]["iso2"], lon, lat)


def test_a_landscape_map_also_shows_every_partner_and_a_portrait_one_zooms_to_the_five(real):
    wide, narrow = map_view.default_view(real, 906, 648), map_view.default_view(real, 358, 412)
    partners = real.institutions[real.institutions["institution_id"].isin(
        set(real.workshops["partner_institution_ids"].explode().dropna())) & real.institutions["lat"].notna()]
    for lon, lat in zip(partners["lon"], partners["lat"]):
        x, y = map_view.screen_position(lon, lat, wide, 906, 648)
        assert 0 <= x <= 906 and 0 <= y <= 648, (lon, lat)
    # Fitting eastern China too on a phone would draw Central Asia at about half the size.
    assert narrow.zoom > map_view.fit_view(list(partners["lon"]) + [46.5], list(partners["lat"]) + [55.4],
                                           358, 412).zoom + 0.5


@pytest.mark.parametrize("reported, expected", [
    (None, (map_view.MAP_WIDTH_PX, map_view.MAP_HEIGHT_PX, False)),    # before the browser has answered
    ({"width": 0, "height": 800}, (map_view.MAP_WIDTH_PX, map_view.MAP_HEIGHT_PX, False)),  # hidden column
    ({"width": 906, "height": 900}, (906, 648, True)),                 # 72 % of the window
    ({"width": 1500, "height": 2000}, (1500, 900, True)),               # a tall screen: capped
    ({"width": 1000, "height": 400}, (1000, 360, True)),                # a short window: the minimum
    ({"width": 358, "height": 844}, (358, 412, True)),                  # a phone: about square
])
def test_map_size_from_the_reported_column_and_window(reported, expected):
    size = map_viewport.map_size(reported)
    assert (size.width_px, size.height_px, size.measured) == expected
