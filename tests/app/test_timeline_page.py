"""Timeline page in AppTest: the shared filters change the traces, empty selections are explained, clicks open details."""

from __future__ import annotations

import json

import pandas as pd

from app_support import exceptions

PAGE = "pages/2_Timeline.py"
CHART_KEYS = ("strip", "everything", "growth", "per_year", "claims")


def specs(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def drawn_ids(spec: dict) -> list[str]:
    """Event ids of every clickable point (the first customdata column)."""
    return sorted(row[0] for trace in spec["data"] if trace.get("mode") == "markers" and trace.get("customdata")
                  for row in trace["customdata"])


def infos(app) -> str:
    return " ".join(info.value for info in app.info)


def test_page_draws_five_charts_each_with_caption_and_table(open_page, mini_dir):
    app = open_page(PAGE, data_dir=mini_dir)
    assert exceptions(app) == []
    assert len(app.get("plotly_chart")) == len(CHART_KEYS)
    assert [e.label for e in app.expander] == [
        "Milestone strip as a table", "All events in the selection as a table",
        "Workshops by status per country and year as a table", "Events per category and year as a table",
        "Claims and documented count as a table"]
    assert "1 undated record(s) not drawn: Joint research centre." in [c.value for c in app.caption]


def test_country_filter_changes_the_traces(open_page, mini_dir):
    everyone = specs(open_page(PAGE, data_dir=mini_dir))
    kyrgyz = specs(open_page(PAGE, data_dir=mini_dir, country="KG"))
    # Strip: three workshop rows, then only KG-01.
    assert everyone[0]["layout"]["yaxis"]["tickvals"] == [0, 1, 2]
    assert kyrgyz[0]["layout"]["yaxis"]["tickvals"] == [0]
    # Timeline of everything: the Kazakh events go; the regional meeting stays (regional events are included).
    assert drawn_ids(everyone[1]) == ["EV-001", "EV-002", "EV-003", "EV-004", "EV-005"]
    assert drawn_ids(kyrgyz[1]) == ["EV-003", "EV-005"]
    # Growth: one panel per country, then Kyrgyzstan only (besides the filters and source line under every chart).
    assert [a["text"] for a in everyone[2]["layout"]["annotations"]] == ["Kazakhstan", "Kyrgyzstan"]
    assert [a["text"] for a in kyrgyz[2]["layout"]["annotations"]] == ["Kyrgyzstan"]
    # Every chart says which filters made it and where it comes from, so a downloaded image does too.
    for spec, filters in ((everyone[0], "Filters: no filters<br>"), (kyrgyz[0], "Filters: Kyrgyzstan<br>")):
        source = spec["layout"]["title"]["subtitle"]["text"]
        assert source.startswith(filters) and "Source: Luban Atlas, data version" in source


def test_year_range_changes_the_traces_and_the_window(open_page, mini_dir):
    app = open_page(PAGE, data_dir=mini_dir, years="2024..2025")
    assert exceptions(app) == []
    strip, everything = specs(app)[:2]
    # Only KG-01 has a milestone in 2024-2025; KZ-01's were in 2023.
    assert strip["layout"]["yaxis"]["tickvals"] == [0]
    assert drawn_ids(everything) == ["EV-003", "EV-005"]
    window = [pd.Timestamp(x) for x in everything["layout"]["xaxis"]["range"]]
    assert window == [pd.Timestamp("2024-01-01"), pd.Timestamp("2026-01-01")]
    # Growth stays cumulative (KZ-01 agreed in 2023 still counts) but shows only the chosen years.
    growth = specs(app)[2]
    years = sorted({x for trace in growth["data"] for x in trace["x"]})
    assert years == [2024, 2025]
    assert [a["text"] for a in growth["layout"]["annotations"]] == ["Kazakhstan", "Kyrgyzstan"]


def test_moving_the_year_slider_redraws(open_page, mini_dir):
    app = open_page(PAGE, data_dir=mini_dir)
    app.sidebar.slider[0].set_value((2009, 2010)).run()
    assert exceptions(app) == []
    # Only the 2009 Confucius Institute is left: no workshop to draw, one event on the axis.
    assert "No Luban Workshop matches the current filters (2009–2010)" in infos(app)
    assert drawn_ids(specs(app)[0]) == ["EV-004"]


def test_empty_selection_is_explained_in_sentences(open_page, mini_dir):
    app = open_page(PAGE, data_dir=mini_dir, q="nothing-matches-this")
    assert exceptions(app) == []
    text = infos(app)
    assert "No Luban Workshop matches the current filters (“nothing-matches-this”)" in text
    assert "No dated event matches the current filters (“nothing-matches-this”), so the timeline is empty." in text
    assert "No Luban Workshop with a dated milestone matches the current filters" in text
    assert "Neither an official worldwide count nor a launched Central Asian workshop matches" in text
    assert app.get("plotly_chart") == []


def test_a_clicked_point_opens_the_shared_detail_panel(open_page, mini_dir):
    app = open_page(PAGE, data_dir=mini_dir)
    # AppTest cannot click plotly; the browser test clicks. Here: the state a click leaves behind.
    app.session_state["timeline_detail"] = ("timeline_everything", "event", "EV-004")
    app.run()
    assert exceptions(app) == []
    assert "Confucius Institute at KazNU" in [h.value for h in app.subheader]
    assert "Showing the record you clicked." in [c.value for c in app.caption]
    app.button(key="timeline_everything_close").click().run()
    assert "Confucius Institute at KazNU" not in [h.value for h in app.subheader]


def test_page_runs_on_the_real_data(open_page):
    app = open_page(PAGE)
    assert exceptions(app) == []
    assert len(app.get("plotly_chart")) == len(CHART_KEYS)
    claims = specs(app)[4]
    names = {trace.get("name") for trace in claims["data"]}
    assert {"Worldwide total, as claimed in official and media reports",
            "Central Asia, launched or opened — documented in this atlas"} <= names
