"""Map layers above their cap: grouped by place, counts add up, bytes stay bounded; below the cap nothing changes."""

from __future__ import annotations

import json

import pytest

from atlas import Filters, apply_filters, load_atlas
from components import map_data, map_deck, map_grouping, map_icons, map_legend, map_view
from components.palette import STATUS_COLOURS
from helpers import REPO, build_dataset
from tools.make_synthetic import make_synthetic

CAP = 4   # the tiled fixture has 3 workshop places, 3 site places and 2 partner places: all of them fit


def tiled(tmp_path_factory, copies: int):
    """The fixture dataset `copies` times over, with fresh ids (tools/make_synthetic.py)."""
    target = tmp_path_factory.mktemp(f"x{copies}")
    make_synthetic(build_dataset(tmp_path_factory.mktemp(f"source{copies}")), target, copies)
    return load_atlas(target)


@pytest.fixture(scope="module")
def x5(tmp_path_factory):
    return tiled(tmp_path_factory, 5)


@pytest.fixture(scope="module")
def x10(tmp_path_factory):
    return tiled(tmp_path_factory, 10)


def grouped(atlas, limit=CAP, filters=Filters(), **layers):
    return map_data.build_map_data(apply_filters(atlas, filters), atlas, limit=limit, **layers)


def deck_text(atlas, data) -> str:
    return map_deck.build_deck(data, atlas, map_view.default_view(atlas)).to_json()


def layer(spec: dict, layer_id: str) -> dict:
    (found,) = [item for item in spec["layers"] if item["id"] == layer_id]
    return found


def test_layers_above_the_cap_become_one_marker_per_place_whose_counts_add_up(x5):
    data = grouped(x5)
    assert (data.workshop_total, data.site_total, data.partner_total, data.arc_total) == (15, 15, 10, 10)
    for frame, total in ((data.workshops, data.workshop_total), (data.sites, data.site_total),
                         (data.partners, data.partner_total), (data.arcs, data.arc_total)):
        assert set(frame["record_kind"]) == {map_grouping.GROUP}
        assert frame["count"].sum() == total
    assert dict(data.grouped) == {"workshops": 3, "sites": 3, "partners": 2, "arcs": 2}
    workshops = data.workshops.set_index("place")
    assert list(workshops["count"]) == [5, 5, 5]
    assert workshops.loc["Oskemen", "tt_title"] == "5 workshops in Oskemen, Kazakhstan"
    assert workshops.loc["Oskemen", "tt_body"] == "Too many to draw one by one: filter or use Explore to see them."
    # Coloured by the most common status of the place.
    assert workshops.loc["Aktobe", "colour"] == STATUS_COLOURS["announced"]
    assert workshops.loc["Aktobe", "tt_kind"] == "Grouped by place · mostly Announced"
    assert workshops.loc["Bishkek", "colour"] == STATUS_COLOURS["operating"]
    assert (workshops.loc["Bishkek", "lon"], workshops.loc["Bishkek", "lat"]) == pytest.approx((74.5698, 42.8746))
    # One arc per (partner place, workshop place), from the partner group to the workshop group.
    arcs = {(a.source_lon, a.source_lat, a.target_lon, a.target_lat): a.count for a in data.arcs.itertuples()}
    assert arcs == pytest.approx({(117.3616, 39.3434, 82.628, 49.948): 5, (120.1551, 30.2741, 74.5698, 42.8746): 5})
    assert set(data.arcs["tt_title"]) == {"5 partner links: Tianjin, China → Oskemen, Kazakhstan",
                                          "5 partner links: Hangzhou, China → Bishkek, Kyrgyzstan"}
    partners = data.partners.set_index("place")
    assert partners.loc["Tianjin", "tt_title"] == "5 partner institutions in Tianjin, China"


def test_grouped_deck_sizes_markers_labels_counts_and_stays_the_same_size_as_data_grows(x5, x10):
    small, large = deck_text(x5, grouped(x5)), deck_text(x10, grouped(x10))
    ungrouped = deck_text(x10, grouped(x10, limit=1000))
    spec = json.loads(large)
    assert [len(layer(spec, name)["data"]) for name in ("partner-arcs", "partners", "sites", "workshops")] == [2, 2, 3, 3]
    sizes = {r["size"] for r in layer(spec, "workshops")["data"]}
    assert sizes == {map_icons.ICON_SIZE_PX["workshop"] + 6}                  # 10 per place: 6 px bigger than one
    assert {r["width"] for r in layer(spec, "partner-arcs")["data"]} == {4.5}
    labels = layer(spec, "group-counts")["data"]
    assert [label["text"] for label in labels] == ["10"] * 8            # under each of the 3 + 3 + 2 markers
    # Twice the records, the same grouped deck give or take the digits of the counts.
    assert abs(len(large) - len(small)) < 100, (len(small), len(large))
    assert len(large) < len(ungrouped) / 2


def test_places_beyond_the_cap_keep_the_largest_and_the_caption_says_so(x5):
    data = grouped(x5, limit=2)
    assert len(data.workshops) == 2 and data.workshops["count"].sum() == 10
    text = map_legend.caption_text(data)
    assert ("The 15 workshops are more than the 2 markers the map draws one by one, so they are grouped by place "
            "(3 places); filter or use Explore to see them individually.") in text
    assert "Only the 2 largest of these 3 places are drawn." in text
    assert "Their 10 partner institutions are grouped by place too (2 places)." in text
    assert "Their 10 partner links are drawn as one arc per pair of places (2 arcs)." in text


def test_hidden_links_are_not_mentioned_as_grouped(x5):
    text = map_legend.caption_text(grouped(x5, show_arcs=False, show_sites=False))
    assert "partner links hidden" in text and "other sites hidden" in text
    assert "partner institutions are grouped" not in text and "other sites are more" not in text
    assert "The 15 workshops are more than the 4 markers" in text


def test_below_the_cap_every_record_keeps_its_own_marker(x5):
    data = grouped(x5, limit=15)   # exactly at the cap: not above it
    assert not data.grouped and "count" not in data.markers.columns
    assert set(data.workshops["record_kind"]) == {"workshop"} and len(data.workshops) == 15
    assert len(data.sites) == 15 and len(data.arcs) == 10
    spec = json.loads(deck_text(x5, data))
    assert "group-counts" not in {item["id"] for item in spec["layers"]}
    assert layer(spec, "partner-arcs")["getWidth"] == 2.5
    assert {r["size"] for r in layer(spec, "workshops")["data"]} == {map_icons.ICON_SIZE_PX["workshop"]}
    assert "grouped" not in map_legend.caption_text(data) and "grouped" not in map_legend.legend_html(data)


def test_clicking_a_group_opens_no_record_but_names_what_it_stands_for(x5):
    data = grouped(x5)
    oskemen = data.workshops.loc[data.workshops["place"] == "Oskemen", "record_id"].iloc[0]
    picked = map_legend.selected_record({"objects": {"workshops": [{"record_kind": map_grouping.GROUP, "record_id": oskemen}]}}, data)
    assert picked == (map_grouping.GROUP, oskemen)
    assert map_legend.group_title(data, oskemen) == "5 workshops in Oskemen, Kazakhstan"
    arc = data.arcs["record_id"].iloc[0]
    assert map_legend.selected_record({"objects": {"partner-arcs": [{"record_kind": map_grouping.GROUP, "record_id": arc}]}},
                                data) == (map_grouping.GROUP, arc)
    # Gone after a filter change (Kyrgyzstan only: 5 workshops, below the cap): nothing stays selected.
    narrowed = grouped(x5, filters=Filters(countries=("KG",)), limit=5)
    assert map_legend.selected_record({"objects": {"workshops": [{"record_kind": map_grouping.GROUP, "record_id": oskemen}]}},
                                narrowed) is None
    assert map_legend.group_title(narrowed, oskemen) == ""


def test_table_lists_groups_as_places(x5):
    table, total = map_legend.records_table(grouped(x5))
    assert total == 8                                     # 3 workshop, 3 site and 2 partner places
    row = table[table["Name"] == "5 workshops in Oskemen, Kazakhstan"].iloc[0]
    assert (row["Location"], row["ID"], row["Status / category"]) == ("grouped by place", "", "Operating")


def test_place_keys_ignore_case_and_spaces_and_fall_back_to_coordinates():
    keys = map_grouping.place_keys(["KG", "KG", "KZ", "KG", "KG"], ["Bishkek", " bishkek", "Bishkek", "", ""],
                           [74.57, 74.58, 74.57, 75.0, 75.00001], [42.87, 42.87, 42.87, 42.0, 42.0]).to_pylist()
    assert keys[0] == keys[1] != keys[2]                 # same city spelt differently; same name, other country
    assert keys[3] == keys[4] and "|" not in keys[3]     # no name: rounded coordinates


def test_hostile_place_text_in_groups_reaches_the_chart_defused(tmp_path):
    atlas = load_atlas(build_dataset(tmp_path / "xss", source=REPO / "tests" / "fixtures" / "xss"))
    spec = json.loads(deck_text(atlas, grouped(atlas, limit=1)))
    strings = [value for item in spec["layers"] if item["id"] in ("workshops", "sites", "partners", "partner-arcs")
               for record in item["data"] for value in record.values() if isinstance(value, str)]
    assert strings and not [s for s in strings if s.startswith(("@@=", "@@#"))]
    assert not [s for s in strings if "{tt_" in s]


def test_tooltip_hint_says_what_a_click_does_once_groups_are_on_the_map(x5):
    deck = map_deck.build_deck(grouped(x5, limit=14), x5, map_view.default_view(x5))   # every layer above the cap
    spec = json.loads(deck.to_json())
    assert "{tt_hint}" in deck._tooltip["html"] and "Click for the full record" not in deck._tooltip["html"]
    hints = {(r["record_kind"], r["tt_hint"]) for item in spec["layers"]
             if item["id"] in ("workshops", "sites", "partners", "partner-arcs") for r in item["data"]}
    assert hints == {(map_grouping.GROUP, "Click for a note on how to see these records")}
    mixed = json.loads(deck_text(x5, grouped(x5, filters=Filters(countries=("KG",)), limit=5)))
    workshops = layer(mixed, "workshops")["data"]
    assert {r["record_kind"] for r in workshops} == {"workshop"}              # 5: not above the cap
    assert {r["tt_hint"] for r in workshops} == {"Click for the full record and its sources"}
    assert {r["record_kind"] for r in layer(mixed, "sites")["data"]} == {map_grouping.GROUP}
    # Without groups the template keeps its fixed hint and the records carry none.
    plain_deck = map_deck.build_deck(grouped(x5, limit=1000), x5, map_view.default_view(x5))
    plain = json.loads(plain_deck.to_json())
    assert plain_deck._tooltip == map_deck.tooltip_spec() and "{tt_hint}" not in plain_deck._tooltip["html"]
    assert not [r for r in layer(plain, "workshops")["data"] if "tt_hint" in r]
