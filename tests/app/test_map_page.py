"""Map page under AppTest: the deck follows filters and toggles, the view stays put, empty selections say so."""

from __future__ import annotations

import json

import pytest

from app_support import exceptions, open_expander
from atlas import load_atlas
from helpers import DATA_DIR

MAP_PAGE = "pages/1_Map.py"
TABLE_LABEL = "The mapped records as a table"


def deck(app) -> dict:
    (chart,) = app.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def ids(spec: dict, layer_id: str) -> set[str]:
    for layer in spec["layers"]:
        if layer["id"] == layer_id:
            return {record["record_id"] for record in layer["data"]}
    return set()


def captions(app) -> str:
    return " ".join(caption.value for caption in app.main.caption)


def toggle(app, label: str):
    (found,) = [item for item in app.main.toggle if item.label == label]
    return found


def button(app, label: str):
    (found,) = [item for item in app.main.button if item.label == label]
    return found


def test_unfiltered_fixture_map_shows_every_placed_record(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir)
    assert exceptions(app) == []
    spec = deck(app)
    assert ids(spec, "workshops") == {"LW-KZ-01", "LW-KG-01", "LW-KZ-04"}
    assert ids(spec, "sites") == {"EV-004", "EV-005", "EV-006"}
    assert ids(spec, "partners") == {"tvi-cn", "zjweu-cn"}
    assert "3 workshops in 2 countries, 3 other sites; 2 partner cities in China." in captions(app)
    assert spec["mapStyle"] == "/app/static/offline-map-style.json"
    # The fixture directory ships the same outlines as data/, so the browser loads the served copy once.
    (outlines,) = [layer for layer in spec["layers"] if layer["id"] == "outlines"]
    assert outlines["data"] == "/app/static/map-outlines.json"


def test_country_filter_leaves_exactly_the_kyrgyz_records(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir, country="KG", regional="0")
    spec = deck(app)
    assert ids(spec, "workshops") == {"LW-KG-01"}
    assert ids(spec, "sites") == {"EV-006"}
    assert ids(spec, "partners") == {"zjweu-cn"}
    assert ids(spec, "partner-arcs") == {"LW-KG-01"}
    table = open_expander(app, TABLE_LABEL).main.dataframe[-1].value
    assert sorted(table["ID"]) == ["EV-006", "LW-KG-01", "zjweu-cn"]


def test_changing_a_filter_in_the_sidebar_updates_the_deck_but_not_the_view(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir)
    before = deck(app)["initialViewState"]
    app.sidebar.multiselect[0].set_value(["KZ"]).run()
    spec = deck(app)
    assert ids(spec, "workshops") == {"LW-KZ-01", "LW-KZ-04"}
    assert spec["initialViewState"] == before


def test_fit_to_selection_recentres_on_what_is_shown(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir, country="KG", regional="0")
    before = deck(app)["initialViewState"]
    button(app, "Fit to selection").click().run()
    after = deck(app)["initialViewState"]
    # Bishkek workshop, the Bishkek centre and the Hangzhou partner: east of the opening view and closer in.
    assert after["zoom"] > before["zoom"]
    assert 74 < after["longitude"] < 121 and 30 < after["latitude"] < 43
    button(app, "Whole region").click().run()
    back = deck(app)["initialViewState"]
    assert back["zoom"] == pytest.approx(before["zoom"], abs=1e-5)
    assert back["longitude"] == pytest.approx(before["longitude"], abs=1e-5)


@pytest.mark.parametrize(("label", "absent"), [
    ("Other sites", {"sites"}),
    ("Partner links", {"partner-arcs", "partners"}),
])
def test_layer_toggles(open_page, mini_dir, label, absent):
    app = open_page(MAP_PAGE, data_dir=mini_dir)
    toggle(app, label).set_value(False).run()
    layers = {layer["id"] for layer in deck(app)["layers"]}
    assert not layers & absent
    assert "workshops" in layers
    assert "hidden" in captions(app)


def test_street_map_is_opt_in(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir)
    assert toggle(app, "Street map (online)").value is False
    toggle(app, "Street map (online)").set_value(True).run()
    assert deck(app)["mapStyle"].startswith("https://basemaps.cartocdn.com/")


def test_empty_selection_says_so_instead_of_a_blank_map(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir, q="no such record anywhere")
    assert exceptions(app) == []
    assert app.get("deck_gl_json_chart") == []
    (info,) = app.main.info
    assert info.value.startswith("Nothing to map: no workshop or cooperation event matches the filters")
    assert "“no such record anywhere”" in info.value
    assert button(app, "Fit to selection").disabled


def test_only_hidden_sites_left_says_how_to_show_them(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir, category="confucius_institute")
    toggle(app, "Other sites").set_value(False).run()
    assert app.get("deck_gl_json_chart") == []
    assert "Switch on “Other sites”" in app.main.info[0].value


def test_detail_panel_hint_before_any_click(open_page, mini_dir):
    app = open_page(MAP_PAGE, data_dir=mini_dir)
    assert any(info.value.startswith("Click a marker or an arc") for info in app.main.info)


def test_real_data_map(open_page):
    atlas = load_atlas(DATA_DIR)
    app = open_page(MAP_PAGE)
    assert exceptions(app) == []
    assert ids(deck(app), "workshops") == set(atlas.workshops["workshop_id"])
    expected = f"{len(atlas.workshops)} workshops in {atlas.workshops['country'].nunique()} countries"
    assert expected in captions(app)


def test_a_layer_above_the_cap_is_drawn_grouped_by_place(open_page, tmp_path, monkeypatch):
    from components import map_data
    from helpers import build_dataset
    from tools.make_synthetic import make_synthetic

    data_dir = tmp_path / "x5"
    make_synthetic(build_dataset(tmp_path / "mini"), data_dir, 5)   # 5 records in each of the fixture's places
    monkeypatch.setattr(map_data, "MAX_MARKERS_PER_LAYER", 4)
    app = open_page(MAP_PAGE, data_dir=data_dir)
    assert exceptions(app) == []
    spec = deck(app)
    workshops = [layer for layer in spec["layers"] if layer["id"] == "workshops"][0]["data"]
    assert sorted(record["tt_title"] for record in workshops) == [
        "5 workshops in Aktobe, Kazakhstan", "5 workshops in Bishkek, Kyrgyzstan", "5 workshops in Oskemen, Kazakhstan"]
    assert {record["record_kind"] for record in workshops} == {"place"}
    assert "group-counts" in {layer["id"] for layer in spec["layers"]}
    assert "so they are grouped by place (3 places)" in captions(app)
    table = open_expander(app, TABLE_LABEL).main.dataframe[-1].value
    assert len(table) == 8 and set(table["Location"]) == {"grouped by place"}
