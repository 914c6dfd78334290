"""A map click, a row selection, a tab switch or a chart click reruns only its fragment, never the page and its sidebar."""

from __future__ import annotations

import json

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

import components.layout
from app_support import exceptions, fragment_of, interact_in_fragment

INTRO = "Every workshop, event, institution, official claim and source that matches the filters in the sidebar."


@pytest.fixture
def page_runs(monkeypatch):
    """How many times a page ran in full (page_setup draws the sidebar; a fragment rerun never calls it)."""
    calls = []
    real = components.layout.page_setup

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(components.layout, "page_setup", counted)
    return calls


def test_a_map_click_reruns_only_the_map_and_opens_the_detail(open_page, mini_dir, page_runs):
    app = open_page("pages/1_Map.py", data_dir=mini_dir)
    assert exceptions(app) == [] and page_runs == ["map"]
    (chart,) = app.get("deck_gl_json_chart")
    fragment = fragment_of(app, chart.proto.id)
    # What the browser sends when LW-KG-01's marker is clicked: the object as the deck holds it.
    click = {"selection": {"indices": {"workshops": [0]},
                           "objects": {"workshops": [{"record_kind": "workshop", "record_id": "LW-KG-01"}]}}}
    app = interact_in_fragment(app, fragment, WidgetState(id=chart.proto.id, string_value=json.dumps(click)))
    assert exceptions(app) == []
    assert page_runs == ["map"]                                    # the page did not run again
    # Nothing outside the fragment was sent again: not the sidebar's filters, not the toggles above the map.
    assert app.multiselect.len == 0 and app.toggle.len == 0
    assert "Kyrgyzstan Luban Workshop \\(KSTU\\)" in [h.value for h in app.subheader]


def test_a_row_selection_on_explore_reruns_only_the_tables(open_page, mini_dir, page_runs):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir)
    assert exceptions(app) == [] and page_runs == ["explore"]
    assert any(c.value.startswith(INTRO) for c in app.caption) and app.get("download_button") != []
    table = next(frame for frame in app.dataframe if list(frame.value.columns[:1]) == ["workshop_id"])
    fragment = fragment_of(app, table.proto.id)
    selected = {"selection": {"rows": [1], "columns": [], "cells": []}}
    app = interact_in_fragment(app, fragment, WidgetState(id=table.proto.id, string_value=json.dumps(selected)))
    assert exceptions(app) == []
    assert page_runs == ["explore"] and app.multiselect.len == 0
    assert "Aktobe Luban Workshop \\(announced\\)" in [s.value for s in app.subheader]
    # The page's introduction above and the downloads below are outside the fragment: not sent again.
    assert app.get("download_button") == [] and not any(c.value.startswith(INTRO) for c in app.caption)


def test_a_tab_switch_on_explore_reruns_only_the_tables(open_page, mini_dir, page_runs):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir)
    tabs = next(node for node in app._tree if getattr(node, "type", "") == "tab_container")
    fragment = fragment_of(app, tabs.proto.tab_container.id)
    app = interact_in_fragment(app, fragment, WidgetState(id=tabs.proto.tab_container.id, string_value="Sources"))
    assert exceptions(app) == []
    assert page_runs == ["explore"]
    assert [list(frame.value.columns[:1]) for frame in app.dataframe] == [["source_id"]]


def test_a_timeline_close_button_reruns_only_its_chart(open_page, mini_dir, page_runs):
    app = open_page("pages/2_Timeline.py", data_dir=mini_dir)
    app.session_state["timeline_detail"] = ("timeline_everything", "event", "EV-004")
    app.run()
    assert "Confucius Institute at KazNU" in [h.value for h in app.subheader]
    close = app.button(key="timeline_everything_close")
    everything = fragment_of(app, close.id)
    app = interact_in_fragment(app, everything, WidgetState(id=close.id, trigger_value=True))
    assert exceptions(app) == []
    assert page_runs == ["timeline", "timeline"]                   # the first open and the run above, not the click
    assert "Confucius Institute at KazNU" not in [h.value for h in app.subheader]
    assert len(app.get("plotly_chart")) == 1                       # only the event timeline was sent again


def test_opening_a_table_on_the_overview_reruns_only_that_expander(open_page, mini_dir, page_runs):
    app = open_page("app.py", data_dir=mini_dir)
    expander = next(e for e in app.main.expander if e.label == "The chart as a table (every category)")
    app = interact_in_fragment(app, fragment_of(app, expander.proto.id), WidgetState(id=expander.proto.id, bool_value=True))
    assert exceptions(app) == []
    assert page_runs == ["overview"]
    # Only the expander and its table were sent: no metric, no chart, no other table.
    assert app.metric.len == 0 and app.get("plotly_chart") == []
    assert [list(frame.value["Country"]) for frame in app.dataframe] == [
        ["Kazakhstan", "Kyrgyzstan", "Regional (several countries)"]]


def test_a_timeline_click_moving_the_panel_reruns_both_charts_and_closes_the_other_panel(open_page, mini_dir, page_runs):
    app = open_page("pages/2_Timeline.py", data_dir=mini_dir)
    app.session_state["timeline_detail"] = ("timeline_strip", "workshop", "LW-KZ-01")
    app.run()
    assert [h.value for h in app.subheader] == ["Kazakhstan Luban Workshop \\(EKTU\\)"]
    everything = app.get("plotly_chart")[1]
    # What plotly sends for a click on EV-004 in the event timeline (its id is the first customdata column).
    click = {"selection": {"points": [{"customdata": ["EV-004"]}], "point_indices": [0], "box": [], "lasso": []}}
    app = interact_in_fragment(app, fragment_of(app, everything.proto.id),
                               WidgetState(id=everything.proto.id, string_value=json.dumps(click)))
    assert exceptions(app) == []
    assert page_runs == ["timeline", "timeline"]
    # Both clickable charts were sent again (one fragment key), the other three were not; the strip's panel closed.
    assert len(app.get("plotly_chart")) == 2
    assert [h.value for h in app.subheader] == ["Confucius Institute at KazNU"]
