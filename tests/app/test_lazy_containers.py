"""Folded content is built only while a visitor has it open: not sent closed, sent once opened, kept open across filters."""

from __future__ import annotations

import pytest

from app_support import exceptions, expander_open, open_expander

COMPARISON_TABLE = "The chart as a table (every category)"
MAP_TABLE = "The mapped records as a table"
STRIP_TABLE = "Milestone strip as a table"
CLAIMS_TABLE = "Claims and documented count as a table"


def table_columns(app) -> list[list[str]]:
    return [list(frame.value.columns) for frame in app.main.dataframe]


@pytest.mark.parametrize("page, label", [("app.py", COMPARISON_TABLE), ("pages/1_Map.py", MAP_TABLE),
                                         ("pages/2_Timeline.py", STRIP_TABLE), ("pages/2_Timeline.py", CLAIMS_TABLE)])
def test_a_table_is_sent_only_once_its_expander_is_opened(open_page, mini_dir, page, label):
    app = open_page(page, data_dir=mini_dir)
    assert exceptions(app) == []
    closed = table_columns(app)
    assert not expander_open(app, label)
    open_expander(app, label)
    assert exceptions(app) == [] and expander_open(app, label)
    opened = table_columns(app)
    # Exactly one more table: the one inside the expander; closing it again takes it away.
    assert len(opened) == len(closed) + 1
    open_expander(app, label, expanded=False)
    assert table_columns(app) == closed


def test_no_folded_table_is_sent_on_a_fresh_page(open_page, mini_dir):
    # Overview, Map and Timeline send charts and metrics; their table equivalents wait until opened.
    for page in ("app.py", "pages/1_Map.py", "pages/2_Timeline.py"):
        app = open_page(page, data_dir=mini_dir)
        assert exceptions(app) == []
        assert app.main.dataframe.len == 0, page
        assert app.main.expander.len > 0, page


def test_an_open_table_stays_open_and_follows_a_filter_change(open_page, mini_dir):
    app = open_expander(open_page("app.py", data_dir=mini_dir), COMPARISON_TABLE)
    everyone = app.main.dataframe[0].value
    app.sidebar.multiselect[0].set_value(["KG"]).run()
    assert exceptions(app) == []
    assert expander_open(app, COMPARISON_TABLE)
    kyrgyz = app.main.dataframe[0].value
    # The fixture's two countries and its regional events; with Kyrgyzstan chosen, Kazakhstan leaves the open table.
    assert list(everyone["Country"]) == ["Kazakhstan", "Kyrgyzstan", "Regional (several countries)"]
    assert list(kyrgyz["Country"]) == ["Kyrgyzstan", "Regional (several countries)"]


def test_a_latest_event_panel_opens_and_stays_open_while_the_event_is_listed(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir)
    label = next(expander.label for expander in app.main.expander if expander.label.endswith("Ministers meet in Urumqi"))
    assert "Ministers meet in Urumqi" not in [sub.value for sub in app.main.subheader]
    open_expander(app, label)
    assert "Ministers meet in Urumqi" in [sub.value for sub in app.main.subheader]
    # The regional meeting is still among the latest with Kyrgyzstan chosen: its panel is still open.
    app.sidebar.multiselect[0].set_value(["KG"]).run()
    assert expander_open(app, label)
    assert "Ministers meet in Urumqi" in [sub.value for sub in app.main.subheader]
