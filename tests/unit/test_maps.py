"""The map builders: markers, arcs, precision styling, spreading, views, tooltips, caption, table, empty input."""

from __future__ import annotations

import base64
import itertools
import json
import math

import pytest

from atlas import Filters, apply_filters, load_atlas
from components import map_data, map_deck, map_grouping, map_icons, map_legend, map_markers, map_view
from components.palette import CATEGORY_COLOURS, STATUS_COLOURS
from helpers import DATA_DIR, REPO, build_dataset, edit_cell


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return load_atlas(build_dataset(tmp_path_factory.mktemp("mini")))


@pytest.fixture(scope="module")
def xss(tmp_path_factory):
    return load_atlas(build_dataset(tmp_path_factory.mktemp("xss"), source=REPO / "tests" / "fixtures" / "xss"))


def data_for(atlas, filters=Filters(), **layers):
    return map_data.build_map_data(apply_filters(atlas, filters), atlas, **layers)


def deck_spec(atlas, data, basemap=False) -> dict:
    return json.loads(map_deck.build_deck(data, atlas, map_view.default_view(atlas), basemap=basemap).to_json())


def layer(spec: dict, layer_id: str) -> dict:
    (found,) = [item for item in spec["layers"] if item["id"] == layer_id]
    return found


def svg_of(url: str) -> str:
    return base64.b64decode(url.split(",", 1)[1]).decode()


def icon_svg(spec_layer: dict, icon: str) -> str:
    """The part of the layer's icon atlas that the mapping assigns to `icon`."""
    cell = spec_layer["iconMapping"][icon]
    atlas = svg_of(spec_layer["iconAtlas"])
    (group,) = [g for g in atlas.split("<g ")[1:] if g.startswith(f'transform="translate({cell["x"]} {cell["y"]})"')]
    return group


# --- layers -------------------------------------------------------------------------------------------------------

def test_all_layers_are_present_in_drawing_order(mini):
    # Country names come last, above the markers, so a marker never hides one (they are not pickable: clicks
    # still reach the markers beneath).
    spec = deck_spec(mini, data_for(mini))
    assert [(item["@@type"], item["id"]) for item in spec["layers"]] == [
        ("GeoJsonLayer", "outlines"), ("ArcLayer", "partner-arcs"), ("IconLayer", "partners"),
        ("IconLayer", "sites"), ("IconLayer", "workshops"), ("TextLayer", "country-labels")]
    assert layer(spec, "country-labels")["pickable"] is False
    assert spec["mapStyle"] == map_deck.OFFLINE_STYLE


@pytest.mark.parametrize(("show_sites", "show_arcs", "absent"), [
    (False, True, {"sites"}),                           # sites switched off: diamonds gone, links stay
    (True, False, {"partner-arcs", "partners"}),        # links off: partner squares go with their arcs
    (False, False, {"sites", "partner-arcs", "partners"}),
])
def test_layer_toggles_remove_exactly_their_layers(mini, show_sites, show_arcs, absent):
    spec = deck_spec(mini, data_for(mini, show_sites=show_sites, show_arcs=show_arcs))
    ids = {item["id"] for item in spec["layers"]}
    assert ids == {"outlines", "country-labels", "partner-arcs", "partners", "sites", "workshops"} - absent


def test_deck_json_is_compact_and_means_the_same_as_pydecks(mini):
    deck = map_deck.build_deck(data_for(mini), mini, map_view.default_view(mini))
    text = deck.to_json()
    assert "\n" not in text
    assert json.loads(text) == json.loads(map_deck.pdk.Deck.to_json(deck))   # pydeck's own, indented serialisation
    assert len(text) < len(map_deck.pdk.Deck.to_json(deck)) * 0.7


def test_basemap_tiles_only_when_asked_and_outlines_stay(mini):
    offline = layer(deck_spec(mini, data_for(mini)), "outlines")
    spec = deck_spec(mini, data_for(mini), basemap=True)
    assert spec["mapStyle"] == map_deck.TILE_STYLE
    street = layer(spec, "outlines")
    assert street["data"] == offline["data"] == map_deck.MAP_OUTLINES_URL
    assert (offline["getFillColor"], street["getFillColor"]) == ("@@=properties.fill", "@@=properties.fill_street")
    # The address is the same, so only a changed trigger makes deck.gl recolour when the street map is switched.
    assert offline["updateTriggers"]["getFillColor"] != street["updateTriggers"]["getFillColor"]


def test_outlines_emphasise_the_focus_countries(mini):
    features = map_deck.outline_features(mini.outlines)["features"]
    focus = [f for f, source in zip(features, mini.outlines["features"]) if source["properties"]["focus"]]
    other = [f for f, source in zip(features, mini.outlines["features"]) if not source["properties"]["focus"]]
    assert len(focus) == 6 and other
    assert {f["properties"]["line_px"] for f in focus} == {1.4}
    assert {f["properties"]["line_px"] for f in other} == {0.6}
    assert {tuple(f["properties"]["fill"]) for f in focus} == {(255, 255, 255, 255)}
    assert {tuple(f["properties"]["fill_street"]) for f in other} == {(0, 0, 0, 0)}   # the street map shows through


def test_served_outlines_are_the_data_directorys_outlines_as_drawn():
    # static/map-outlines.json is what the browser draws; tools/build_outlines.py --static-only rewrites it.
    data_outlines = json.loads((DATA_DIR / "country_outlines.geojson").read_text(encoding="utf-8"))
    served = json.loads(map_deck.MAP_OUTLINES_FILE.read_text(encoding="utf-8"))
    assert served == map_deck.outline_features(data_outlines)
    assert [f["geometry"] for f in served["features"]] == [f["geometry"] for f in data_outlines["features"]]
    # Only colours travel with the shapes: no text from the data file reaches the chart.
    assert {key for f in served["features"] for key in f["properties"]} == {"fill", "fill_street", "line", "line_px"}


def test_other_outlines_than_the_served_ones_travel_with_the_deck(tmp_path):
    directory = build_dataset(tmp_path / "data")
    outlines = json.loads((directory / "country_outlines.geojson").read_text(encoding="utf-8"))
    outlines["features"] = outlines["features"][:-1]          # one context country fewer
    (directory / "country_outlines.geojson").write_text(json.dumps(outlines), encoding="utf-8")
    atlas = load_atlas(directory)
    data = layer(deck_spec(atlas, data_for(atlas)), "outlines")["data"]
    assert data == map_deck.outline_features(outlines)
    assert len(data["features"]) == len(map_deck.served_outlines()["features"]) - 1


# --- colours and precision ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("workshop_id", "status"), [
    ("LW-KZ-01", "operating"),
    ("LW-KG-01", "operating"),
    ("LW-KZ-04", "announced"),   # announced grey must still be visible: dark edge checked below
])
def test_workshops_are_coloured_by_status(mini, workshop_id, status):
    workshops = layer(deck_spec(mini, data_for(mini)), "workshops")
    (record,) = [r for r in workshops["data"] if r["record_id"] == workshop_id]
    assert record["icon"] == f"circle-{STATUS_COLOURS[status]}-city"
    svg = icon_svg(workshops, record["icon"])
    assert f'fill="{STATUS_COLOURS[status]}"' in svg
    assert f'fill="{map_icons.OUTLINE_COLOUR}"' in svg
    assert "<circle" in svg


def test_sites_are_diamonds_coloured_by_category(mini):
    sites = layer(deck_spec(mini, data_for(mini)), "sites")
    by_id = {r["record_id"]: r for r in sites["data"]}
    assert set(by_id) == {"EV-004", "EV-005", "EV-006"}   # EV-001..003 are workshop milestones, not sites
    assert by_id["EV-004"]["icon"] == f"diamond-{CATEGORY_COLOURS['confucius_institute']}-city"
    assert "<path" in icon_svg(sites, by_id["EV-004"]["icon"])


def test_icon_atlas_packs_each_symbol_once():
    ids = ["circle-#009E73-city", "circle-#009E73-city", "diamond-#CC79A7-campus"] + [
        f"square-#{i:06X}-city" for i in range(9)]
    url, mapping = map_icons.icon_atlas(ids)
    assert len(mapping) == 11
    cells = {(cell["x"], cell["y"]) for cell in mapping.values()}
    assert len(cells) == 11                                   # no two symbols share a cell
    svg = svg_of(url)
    assert 'width="512" height="128"' in svg                  # 8 columns of 64 px, 2 rows
    assert svg.count("<g ") == 11


@pytest.mark.parametrize(("precision", "hollow"), [
    ("campus", False),   # a known campus: solid marker
    ("city", True),      # only the city is known: a ring with a white centre
])
def test_location_precision_changes_the_marker(tmp_path, precision, hollow):
    directory = build_dataset(tmp_path / "data")
    edit_cell(directory, "workshops", "LW-KZ-01", "coord_precision", precision)
    atlas = load_atlas(directory)
    workshops = layer(deck_spec(atlas, data_for(atlas)), "workshops")
    (record,) = [r for r in workshops["data"] if r["record_id"] == "LW-KZ-01"]
    assert record["icon"].endswith("city" if hollow else "campus")
    assert ('fill="#FFFFFF"' in icon_svg(workshops, record["icon"])) is hollow


def test_legend_uses_the_marker_symbols_for_the_statuses_shown(mini):
    legend = map_legend.legend_html(data_for(mini))
    assert map_icons.marker_icon("circle", STATUS_COLOURS["operating"], False)["url"] in legend
    assert map_icons.marker_icon("circle", STATUS_COLOURS["announced"], False)["url"] in legend
    assert map_icons.marker_icon("circle", STATUS_COLOURS["under_construction"], False)["url"] not in legend
    assert "campus location" in legend and "city-level location" in legend


# --- arcs and partners --------------------------------------------------------------------------------------------

def test_arcs_run_from_partner_seat_to_host_workshop(mini):
    arcs = data_for(mini).arcs
    got = {(a.partner_id, a.record_id): (a.source_lon, a.source_lat, a.target_lon, a.target_lat)
           for a in arcs.itertuples()}
    # nowhere-cn has no coordinates and LW-KZ-04 no partner: neither gets an arc.
    assert got == {("tvi-cn", "LW-KZ-01"): (117.3616, 39.3434, 82.628, 49.948),
                   ("zjweu-cn", "LW-KG-01"): (120.1551, 30.2741, 74.5698, 42.8746)}
    assert list(arcs["target_colour"]) == [[0, 158, 115, 230]] * 2   # operating green at the host end


def test_partner_marker_names_its_workshops(mini):
    partners = data_for(mini).partners.set_index("record_id")
    assert set(partners.index) == {"tvi-cn", "zjweu-cn"}
    assert "Partner of: Kazakhstan Luban Workshop (EKTU)" in partners.loc["tvi-cn", "tt_body"]
    assert partners.loc["tvi-cn", "tt_kind"] == "Chinese partner institution"


# --- tooltips -----------------------------------------------------------------------------------------------------

def test_workshop_tooltip_has_host_partners_status_and_dates_with_precision(mini):
    workshops = data_for(mini).workshops.set_index("record_id")
    assert workshops.loc["LW-KZ-01", "tt_kind"] == "Luban Workshop · Operating (as of Oct 2024)"
    assert workshops.loc["LW-KZ-01", "tt_body"].split("\n") == [
        "Host: East Kazakhstan Technical University",
        "Partners: Tianjin Vocational Institute",
        "Place: Oskemen, Kazakhstan (city-level location)",
        "Memorandum (MoU): 2 March 2023 (day precision)",
        "Trial operation: 9 December 2023 (day precision)",
    ]
    # A month-precision opening stays a month; an unnamed host says so.
    assert "Opening: October 2024 (month precision)" in workshops.loc["LW-KG-01", "tt_body"]
    assert "Host: not named in the sources" in workshops.loc["LW-KZ-04", "tt_body"]


def test_site_tooltip_keeps_a_year_only_date_a_year(mini):
    sites = data_for(mini).sites.set_index("record_id")
    assert sites.loc["EV-004", "tt_kind"] == "Confucius Institute · 2009 (year precision)"
    assert sites.loc["EV-006", "tt_kind"] == "Centre · undated"


def test_tooltip_template_holds_no_record_text(xss):
    spec = map_deck.tooltip_spec()
    placeholders = set(__import__("re").findall(r"{(.*?)}", spec["html"]))
    assert placeholders == {"tt_title", "tt_kind", "tt_body"}
    assert "alert" not in json.dumps(spec)


def test_hostile_text_reaches_the_chart_as_plain_values(xss):
    # The chart HTML-escapes every value it fills into the template; escaping here too would show '&lt;img'.
    records = layer(deck_spec(xss, data_for(xss)), "workshops")["data"]
    titles = {r["record_id"]: r["tt_title"] for r in records}
    assert titles["LW-KZ-01"] == "<img src=x onerror=alert(1)>"
    sites = {r["record_id"]: r["tt_title"] for r in layer(deck_spec(xss, data_for(xss)), "sites")["data"]}
    assert sites["EV-005"] == "@\u200b@=alert(1)"


@pytest.mark.parametrize(("text", "expected"), [
    ("Astana", "Astana"),                                          # ordinary text untouched
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),  # HTML: the chart escapes it
    ("@@=alert(1)", "@\u200b@=alert(1)"),                          # would become a deck.gl expression
    ("@@#GL.ONE", "@\u200b@#GL.ONE"),                              # would become a deck.gl constant
    ("mail @@ home", "mail @@ home"),                              # only a leading '@@' is special
    ("A {tt_body} B", "A {\u200btt_body} B"),                      # would swallow the real tooltip body
])
def test_deck_safe(text, expected):
    assert map_deck.deck_safe(text) == expected


def test_no_string_in_the_deck_data_starts_with_a_converter_prefix(xss):
    spec = deck_spec(xss, data_for(xss))

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    data_strings = [s for item in spec["layers"] for s in strings(item.get("data", []))]
    assert data_strings and not [s for s in data_strings if s.startswith(("@@=", "@@#"))]


# --- spreading markers that share a place -------------------------------------------------------------------------

def test_a_lone_marker_stays_on_its_point_and_a_shared_city_is_spread(mini):
    markers = data_for(mini).markers.set_index("record_id")
    assert tuple(markers.loc["LW-KZ-01", ["offset_x", "offset_y"]]) == (0.0, 0.0)
    bishkek = markers.loc[["LW-KG-01", "EV-006"], ["offset_x", "offset_y"]].to_numpy()
    assert math.dist(*bishkek) >= 18   # at least one site icon apart
    assert (bishkek != 0).any(axis=1).all()


@pytest.mark.parametrize("count", [2, 3, 7, 12, 25])
def test_every_marker_in_a_crowded_city_is_reachable(count):
    import pandas as pd
    markers = pd.DataFrame({
        "kind": ["workshop"] + ["site"] * (count - 1), "record_kind": "event",
        "record_id": [f"EV-{i:03d}" for i in range(count)], "country": "KZ", "place": "Astana",
        "lon": 71.43, "lat": 51.13})
    spread = map_data.spread_offsets(markers)
    points = list(zip(spread["offset_x"], spread["offset_y"]))
    nearest = min(math.dist(a, b) for a, b in itertools.combinations(points, 2))
    assert nearest >= 18, nearest       # the site icon is 18 px: no marker covers another's centre
    # Deterministic: the same records in another order get the same offsets.
    again = map_data.spread_offsets(markers.iloc[::-1]).loc[markers.index]
    assert again[["offset_x", "offset_y"]].equals(spread[["offset_x", "offset_y"]])


def test_place_names_group_case_insensitively_and_empty_places_by_coordinates():
    import pandas as pd
    markers = pd.DataFrame({
        "kind": "site", "record_kind": "event", "record_id": ["EV-001", "EV-002", "EV-003", "EV-004"],
        "country": "KG", "place": ["Bishkek", "bishkek ", "", ""],
        "lon": [74.57, 74.57, 75.0, 76.0], "lat": [42.87, 42.87, 42.0, 43.0]})
    spread = map_data.spread_offsets(markers).set_index("record_id")
    assert (spread.loc[["EV-001", "EV-002"], "offset_x"] != 0).any()          # same city, spelt differently
    assert tuple(spread.loc["EV-003", ["offset_x", "offset_y"]]) == (0.0, 0.0)  # no place, own coordinates
    assert tuple(spread.loc["EV-004", ["offset_x", "offset_y"]]) == (0.0, 0.0)


# --- views --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("points", [
    [(82.628, 49.948), (120.1551, 30.2741)],                   # Oskemen to Hangzhou: wide
    [(74.57, 42.87), (74.60, 42.88)],                          # two campuses in one city: tight, capped zoom
    [(52.0, 37.9), (71.4, 51.1), (87.6, 43.8), (117.4, 39.3)], # Ashgabat, Astana, Urumqi, Tianjin
])
def test_fit_view_keeps_every_point_inside_the_map(points):
    lons, lats = zip(*points)
    view = map_view.fit_view(list(lons), list(lats))
    for lon, lat in points:
        x, y = map_view.screen_position(lon, lat, view, map_view.MAP_WIDTH_PX, map_view.MAP_HEIGHT_PX)
        assert map_view.FIT_PADDING_PX - 1 <= x <= map_view.MAP_WIDTH_PX - map_view.FIT_PADDING_PX + 1
        assert map_view.FIT_PADDING_PX - 1 <= y <= map_view.MAP_HEIGHT_PX - map_view.FIT_PADDING_PX + 1
    assert view.zoom <= map_view.MAX_FIT_ZOOM


def test_a_single_point_is_centred_at_the_fit_zoom_cap():
    view = map_view.fit_view([74.57], [42.87])
    assert (view.latitude, view.longitude, view.zoom) == (42.87, 74.57, map_view.MAX_FIT_ZOOM)


def test_default_view_ignores_the_filters_and_nudged_views_differ_in_every_field(mini):
    # The opening view comes from the whole atlas, so a filter change never moves the map.
    assert map_view.default_view(mini) == map_view.default_view(mini)
    view = map_view.default_view(mini)
    for count in (1, 2):
        nudged = view.nudged(count)
        assert nudged.latitude != view.latitude and nudged.longitude != view.longitude and nudged.zoom != view.zoom
    assert view.nudged(1) != view.nudged(2)


# --- selection, caption, table, empty input -----------------------------------------------------------------------

@pytest.mark.parametrize(("selection", "show_sites", "expected"), [
    ({"objects": {"workshops": [{"record_kind": "workshop", "record_id": "LW-KZ-01"}]}}, True,
     ("workshop", "LW-KZ-01")),
    ({"objects": {"partner-arcs": [{"record_kind": "workshop", "record_id": "LW-KG-01"}]}}, True,
     ("workshop", "LW-KG-01")),                                             # an arc opens its workshop
    ({"objects": {"partners": [{"record_kind": "institution", "record_id": "tvi-cn"}]}}, True,
     ("institution", "tvi-cn")),
    ({"objects": {"sites": [{"record_kind": "event", "record_id": "EV-004"}]}}, False, None),  # layer now hidden
    ({"objects": {"workshops": [{"record_kind": "workshop", "record_id": "LW-XX-99"}]}}, True, None),  # stale
    ({"indices": {}, "objects": {}}, True, None),                          # nothing clicked
    (None, True, None),
])
def test_selected_record(mini, selection, show_sites, expected):
    assert map_legend.selected_record(selection, data_for(mini, show_sites=show_sites)) == expected


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), "3 workshops in 2 countries, 3 other sites; 2 partner cities in China."),
    # The regional conference in Urumqi stays with a country filter (regional events are included by default).
    (Filters(countries=("KG",)), "1 workshop in 1 country, 2 other sites; 1 partner city in China."),
    (Filters(countries=("KG",), include_regional=False), "1 workshop in 1 country, 1 other site; 1 partner city in China."),
])
def test_caption_counts_what_is_drawn(mini, filters, expected):
    assert map_legend.caption_text(data_for(mini, filters)) == expected


def test_caption_says_what_is_hidden_and_what_has_no_place(tmp_path):
    directory = build_dataset(tmp_path / "data")
    for column, value in (("place", ""), ("lat", ""), ("lon", ""), ("coord_precision", "none")):
        edit_cell(directory, "events", "EV-004", column, value)
    atlas = load_atlas(directory)
    text = map_legend.caption_text(data_for(atlas, show_sites=False, show_arcs=False))
    assert text == ("3 workshops in 2 countries, other sites hidden; partner links hidden. "
                    "1 matching event has no recorded place and is not on the map.")


def test_table_lists_the_mapped_records_and_is_capped(mini):
    table, total = map_legend.records_table(data_for(mini))
    assert total == 8 and len(table) == 8
    assert list(table.columns) == ["Type", "Name", "Country", "Place", "Location", "Status / category", "Date", "ID"]
    first = table.iloc[0].to_dict()
    assert first["ID"] == "LW-KZ-04" and first["Status / category"] == "Announced" and first["Date"] == ""
    kz01 = table[table["ID"] == "LW-KZ-01"].iloc[0]
    assert kz01["Date"] == "Trial operation: 9 December 2023 (day precision)"
    capped, total = map_legend.records_table(data_for(mini), limit=2)
    assert (len(capped), total) == (2, 8)


def test_layers_above_the_cap_are_grouped_by_place_and_the_caption_says_so(mini):
    # Was "the first 2 by id": a layer above its cap is now grouped by place (tests/unit/test_maps_aggregate.py).
    data = map_data.build_map_data(apply_filters(mini, Filters()), mini, limit=2)
    assert set(data.workshops["record_kind"]) == set(data.sites["record_kind"]) == {map_grouping.GROUP}
    assert len(data.workshops) == len(data.sites) == 2                          # 3 places each, 2 drawn
    text = map_legend.caption_text(data)
    assert text.startswith("3 workshops in 2 countries, 3 other sites;")      # totals count every match
    assert "The 3 workshops are more than the 2 markers the map draws one by one, so they are grouped by place " \
           "(3 places)" in text
    assert "The 3 other sites are more than the 2 markers" in text
    assert text.count("Only the 2 largest of these 3 places are drawn.") == 2
    assert "first 2 of 3" not in text


@pytest.mark.parametrize(("names", "expected"), [
    (["A"], "A"),
    (["A", "B", "C", "D"], "A; B; C; D"),                  # exactly the limit: no "more"
    (["A", "B", "C", "D", "E", "F"], "A; B; C; D and 2 more"),
    ([], ""),
])
def test_tooltips_list_a_few_names(names, expected):
    assert map_markers._some(names) == expected


def test_key_dates_take_the_first_event_of_each_milestone_in_life_cycle_order(mini):
    dates = map_markers.key_dates(mini.workshops["workshop_id"], mini.events)
    assert dates == {
        "LW-KZ-01": ["Memorandum (MoU): 2 March 2023 (day precision)",
                     "Trial operation: 9 December 2023 (day precision)"],
        "LW-KG-01": ["Opening: October 2024 (month precision)"],
    }   # LW-KZ-04 has no dated milestone and so no entry


def test_empty_selection_gives_an_empty_map_and_zero_counts(mini):
    data = data_for(mini, Filters(text="no such record anywhere"))
    assert data.is_empty
    spec = deck_spec(mini, data)
    assert [item["id"] for item in spec["layers"]] == ["outlines", "country-labels"]
    assert map_legend.caption_text(data) == "0 workshops in 0 countries, 0 other sites; 0 partner cities in China."
    table, total = map_legend.records_table(data)
    assert total == 0 and table.empty and "Name" in table.columns
    assert map_legend.selected_record({"objects": {"workshops": [{"record_kind": "workshop", "record_id": "LW-KZ-01"}]}},
                                data) is None


# --- the real data ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


def test_real_data_every_workshop_is_on_the_map_inside_the_opening_view(real):
    data = data_for(real)
    assert set(data.workshops["record_id"]) == set(real.workshops["workshop_id"])
    view = map_view.default_view(real)
    markers = data.markers
    opening = markers[markers["kind"].isin(["workshop", "partner"])]
    for lon, lat in zip(opening["lon"], opening["lat"]):
        x, y = map_view.screen_position(lon, lat, view, map_view.MAP_WIDTH_PX, map_view.MAP_HEIGHT_PX)
        assert 0 <= x <= map_view.MAP_WIDTH_PX and 0 <= y <= map_view.MAP_HEIGHT_PX, (lon, lat)


def test_partner_and_link_layers_are_capped_and_the_caption_says_so(real):
    # Workshops within the cap keep their own markers and links; only their partners and links are over it
    # (was limit=3, which now groups the workshops themselves by place).
    limit = len(real.workshops)
    data = map_data.build_map_data(apply_filters(real, Filters()), real, limit=limit)
    drawn = real.workshops.sort_values("workshop_id")
    located = set(real.institutions.loc[real.institutions["lat"].notna(), "institution_id"])
    links = [(w, p) for w, ids in zip(drawn["workshop_id"], drawn["partner_institution_ids"]) for p in ids if p in located]
    partners = sorted({p for _, p in links})
    assert len(partners) > limit and len(links) > limit, "the real workshops should have more partners than workshops"
    assert set(dict(data.grouped)) == {"sites"}                                  # more sites than workshops
    assert list(data.workshops["record_id"]) == list(drawn["workshop_id"])
    assert list(data.partners["record_id"]) == partners[:limit]                   # first by id
    assert list(zip(data.arcs["record_id"], data.arcs["partner_id"])) == sorted(links)[:limit]
    text = map_legend.caption_text(data)
    assert f"The map draws the first {limit} of {len(partners)} partner institutions of these workshops (by id)" in text
    assert f"The map draws the first {limit} of {len(links)} partner links (by workshop id)" in text
    # Hidden links are not "capped".
    hidden = map_data.build_map_data(apply_filters(real, Filters()), real, limit=limit, show_arcs=False)
    hidden_text = map_legend.caption_text(hidden)
    assert "partner links hidden" in hidden_text and "partner institutions" not in hidden_text
    assert "partner links (by workshop id)" not in hidden_text


def test_real_data_every_located_partner_gets_an_arc(real):
    data = data_for(real)
    located = set(real.institutions.loc[real.institutions["lat"].notna(), "institution_id"])
    expected = {(w, p) for w, ids in zip(real.workshops["workshop_id"], real.workshops["partner_institution_ids"])
                for p in ids if p in located}
    assert set(zip(data.arcs["record_id"], data.arcs["partner_id"])) == expected
    assert expected, "the real data should link at least one partner"


@pytest.mark.parametrize(("language", "punctuation", "foreign"), [
    # the caption's sentence takes the language's own punctuation from the catalog, never English ', ' '; '
    ("zh", ("，", "；", "。"), (", ", "; ")),
    ("ru", (", ", "; "), ("，", "；")),
])
def test_caption_punctuation_follows_the_language(mini, language, punctuation, foreign):
    from atlas.i18n import language_context
    with language_context(language):
        text = map_legend.caption_text(data_for(mini))
    assert all(mark in text for mark in punctuation), text
    assert not any(mark in text for mark in foreign), text
