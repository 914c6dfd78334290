"""The shared sidebar filters on every page: URL in, URL out, invalid links, page switches, reset."""

from __future__ import annotations

import pytest

from app_support import exceptions

PAGES = ["app.py", "pages/1_Map.py", "pages/2_Timeline.py", "pages/3_Explore.py", "pages/4_About.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_real_data(open_page, page):
    app = open_page(page)
    assert exceptions(app) == []
    assert app.sidebar.multiselect[0].label == "Countries"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_fixture_data(open_page, mini_dir, page):
    app = open_page(page, data_dir=mini_dir)
    assert exceptions(app) == []


@pytest.mark.parametrize("page", PAGES)
def test_link_filters_are_applied_on_each_page(open_page, mini_dir, page):
    app = open_page(page, data_dir=mini_dir, country="KG", years="2024..2025")
    assert app.sidebar.multiselect[0].value == ["KG"]
    assert app.sidebar.slider[0].value == (2024, 2025)
    assert app.session_state["atlas_filters"].countries == ("KG",)
    assert dict(app.query_params) == {"country": "KG", "years": "2024..2025"}


@pytest.mark.parametrize(("params", "fragment"), [
    ({"country": "XX"}, "'XX'"),                      # unknown country
    ({"years": "abc"}, "'abc'"),                       # not a number
    ({"years": "2025..2010"}, "reversed"),             # reversed range
    ({"years": "1900..2025"}, "covers"),               # outside the data
    ({"status": "operating,bogus"}, "'bogus'"),        # one good, one bad value
    ({"contry": "KZ"}, "'contry'"),                    # a misspelling of one of the atlas's parameters
])
def test_invalid_link_values_give_a_notice_and_no_exception(open_page, mini_dir, params, fragment):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, **params)
    assert exceptions(app) == []
    warnings = " ".join(w.value for w in app.sidebar.warning)
    assert fragment in warnings
    assert "contry" not in app.query_params and app.query_params.get("years") != "abc"


def test_setting_a_filter_writes_the_url_and_survives_a_page_switch(open_page, mini_dir):
    app = open_page("pages/1_Map.py", data_dir=mini_dir)
    app.sidebar.multiselect[0].set_value(["KZ"]).run()
    assert app.query_params["country"] == "KZ"
    app.switch_page("pages/2_Timeline.py").run()
    assert app.sidebar.multiselect[0].value == ["KZ"]
    assert app.query_params["country"] == "KZ"


def test_match_line_counts_change_with_the_filter(open_page, mini_dir):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir)
    before = app.sidebar.caption[0].value
    assert "**3** of 3 workshops" in before
    app.sidebar.multiselect[0].set_value(["KG"]).run()
    assert "**1** of 3 workshops" in app.sidebar.caption[0].value


def test_reset_clears_filters_and_url(open_page, mini_dir):
    app = open_page("pages/1_Map.py", data_dir=mini_dir, country="KZ", q="EKTU")
    app.sidebar.button[0].click().run()
    assert app.sidebar.multiselect[0].value == []
    assert dict(app.query_params) == {}


def test_broken_data_shows_an_error_page_naming_file_row_and_column(open_page, mini_dir):
    from helpers import edit_cell
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "lat", "north")
    app = open_page("app.py", data_dir=mini_dir)
    assert exceptions(app) == []
    assert "could not be loaded" in app.error[0].value
    assert "workshops.csv:2:lat: 'north' is not a number" in app.code[0].value
