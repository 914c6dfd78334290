"""Timeline builders: one row per workshop, milestone markers by type, dates drawn with their precision, empty input,
and valid plotly figures although they are built from plain dicts."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.dates import spans
from components import (chart_arrays, chart_base, chart_event_timeline, chart_growth, chart_milestone_strip,
                        chart_per_year)
from components.figures import assert_valid_figure
from components.palette import STATUS_ORDER
from helpers import DATA_DIR, build_dataset

TODAY = pd.Timestamp("2026-06-15")


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return load_atlas(build_dataset(tmp_path_factory.mktemp("mini")))


def redate(events: pd.DataFrame, event_id: str, date: str, precision: str, **changes: str) -> pd.DataFrame:
    """A copy of events with one event's date (and any other column) changed, spans recomputed like the loader."""
    edited = events.copy()
    row = edited["event_id"] == event_id
    edited.loc[row, "date"] = date
    edited.loc[row, "date_precision"] = precision
    for column, value in changes.items():
        edited.loc[row, column] = value
    edited["date_start"], edited["date_end"] = spans(edited["date"])
    edited["year_start"] = edited["date_start"].dt.year.astype("Int64")
    edited["year_end"] = edited["date_end"].dt.year.astype("Int64")
    return edited


def trace(figure, name: str):
    matches = [t for t in figure.data if t.name == name]
    assert len(matches) == 1, [t.name for t in figure.data]
    return matches[0]


def xs(trace_) -> list:
    return [None if x is None else pd.Timestamp(x) for x in trace_.x]


def rows_of(workshops: pd.DataFrame, events: pd.DataFrame, today: pd.Timestamp = TODAY) -> pd.DataFrame:
    return chart_milestone_strip.workshop_rows(workshops, chart_milestone_strip.workshop_milestones(workshops, events), today)


def milestone_strip(workshops: pd.DataFrame, events: pd.DataFrame, today: pd.Timestamp = TODAY, **options):
    """The milestone strip the way the page builds it: milestones once, then rows, then the figure."""
    milestones = chart_milestone_strip.workshop_milestones(workshops, events)
    rows = chart_milestone_strip.workshop_rows(workshops, milestones, today)
    return chart_milestone_strip.build_milestone_strip(rows, milestones, today, **options)


def growth_of(workshops: pd.DataFrame, events: pd.DataFrame, years: range) -> pd.DataFrame:
    return chart_growth.workshop_status_by_year(chart_growth.stage_years(workshops, chart_milestone_strip.workshop_milestones(workshops, events)),
                                          years)


# ---------------------------------------------------------------- milestone strip

def test_one_row_per_workshop_first_signed_first(mini):
    rows = rows_of(mini.workshops, mini.events)
    # KZ-01 has an MoU; KG-01 only an opening (no signing); KZ-04 has no dated milestone at all but keeps its row.
    assert rows["workshop_id"].tolist() == ["LW-KZ-01", "LW-KG-01", "LW-KZ-04"]
    figure = milestone_strip(mini.workshops, mini.events)
    assert list(figure.layout.yaxis.tickvals) == [0, 1, 2]
    labels = [a.text for a in figure.layout.annotations if a.xref == "paper" and a.x == 0]
    assert labels == ["<b>Kazakhstan (EKTU)</b>", "<b>Kyrgyzstan (KSTU)</b>",
                      "<b>Aktobe (announced)</b>  <i>no dated milestone recorded</i>"]


def test_one_marker_trace_per_milestone_type(mini):
    figure = milestone_strip(mini.workshops, mini.events)
    mou = trace(figure, "Memorandum (MoU)")
    trial = trace(figure, "Trial operation")
    opening = trace(figure, "Opening")
    assert (xs(mou), list(mou.y), mou.marker.symbol) == ([pd.Timestamp("2023-03-02")], [0], "diamond")
    assert (xs(trial), list(trial.y), trial.marker.symbol) == ([pd.Timestamp("2023-12-09")], [0], "triangle-right")
    assert list(opening.y) == [1]
    # The clicked point carries the event and the workshop, and the hover states the date with its precision.
    assert list(mou.customdata[0][:2]) == ["EV-001", "LW-KZ-01"]
    assert mou.customdata[0][5] == "2 March 2023 (day precision)"


@pytest.mark.parametrize(("date", "precision", "band", "marker_x", "symbol", "hover"), [
    # A known day: a filled marker on that day and no band.
    ("2024-10-26", "day", None, "2024-10-26", "star-diamond", "26 October 2024 (day precision)"),
    # A month: a band over the whole month, a hollow marker in its middle, never the 1st as if exact.
    ("2024-10", "month", ("2024-10-01", "2024-11-01"), "2024-10-16 12:00", "star-diamond-open",
     "October 2024 (month precision)"),
    # A year: a band over the whole year; 1 January must not appear as a marker position.
    ("2024", "year", ("2024-01-01", "2025-01-01"), "2024-07-02", "star-diamond-open", "2024 (year precision)"),
])
def test_dates_are_drawn_with_their_precision(mini, date, precision, band, marker_x, symbol, hover):
    events = redate(mini.events, "EV-003", date, precision)
    figure = milestone_strip(mini.workshops, events)
    opening = trace(figure, "Opening")
    assert xs(opening) == [pd.Timestamp(marker_x)]
    assert opening.marker.symbol == symbol
    assert opening.customdata[0][5] == hover
    bands = [t for t in figure.data if t.name == "Opening (span)"]
    if band is None:
        assert bands == []
    else:
        assert xs(bands[0]) == [pd.Timestamp(band[0]), pd.Timestamp(band[1]), None]
        assert list(bands[0].y)[:2] == [1, 1]
    if precision == "year":
        every_x = [x for t in figure.data if t.mode == "markers" for x in xs(t)]
        assert pd.Timestamp("2024-01-01") not in every_x


def test_a_type_with_known_and_partial_dates_gets_filled_and_hollow_markers_one_legend_entry(mini):
    # The MoU becomes month-precision and the trial operation becomes an MoU on a known day: two MoU markers.
    events = redate(redate(mini.events, "EV-001", "2023-03", "month"), "EV-002", "2023-12-09", "day", milestone="mou")
    figure = milestone_strip(mini.workshops, events)
    filled, hollow = [t for t in figure.data if t.name == "Memorandum (MoU)" and t.mode == "markers"]
    assert (filled.marker.symbol, xs(filled), filled.showlegend) == ("diamond", [pd.Timestamp("2023-12-09")], True)
    assert (hollow.marker.symbol, xs(hollow), hollow.showlegend) == (
        "diamond-open", [pd.Timestamp("2023-03-16 12:00")], False)


def test_opened_workshop_gets_a_solid_bar_and_unopened_a_dotted_bar_to_today(mini):
    # KG-01's only milestone becomes an agreement (month precision): signed, never opened.
    events = redate(mini.events, "EV-003", "2024-10", "month", milestone="agreement")
    figure = milestone_strip(mini.workshops, events)
    opened = trace(figure, "Signed → opened")
    waiting = trace(figure, "Signed, not opened yet")
    assert xs(opened) == [pd.Timestamp("2023-03-02"), pd.Timestamp("2023-12-09"), None]
    assert opened.line.dash == "solid"
    # Starts at the middle of the month-precision signing, ends today, dotted and lighter.
    assert xs(waiting) == [pd.Timestamp("2024-10-16 12:00"), TODAY, None]
    assert list(waiting.y)[:2] == [1, 1]  # KZ-01 signed first (March 2023), so KG-01 is the second row
    assert waiting.line.dash == "dot"
    assert waiting.line.color == chart_milestone_strip.UNOPENED_BAR_COLOUR != opened.line.color
    table = chart_milestone_strip.milestone_strip_table(rows_of(mini.workshops, events))
    durations = dict(zip(table["Workshop"], table["Signed → opened"]))
    assert durations["Kazakhstan Luban Workshop (EKTU)"] == "9 months"
    assert durations["Kyrgyzstan Luban Workshop (KSTU)"] == "not opened: 19–20 months since signing"


@pytest.mark.parametrize(("first", "second", "expected"), [
    # Two known days: one answer (282 days).
    (("2023-03-02", "2023-03-02"), ("2023-12-09", "2023-12-09"), (9, 9)),
    # Signed in some month of 2022, opened on a known day: anything from 11 months to 23 months.
    (("2022-01-01", "2022-12-31"), ("2023-11-29", "2023-11-29"), (11, 23)),
    # Both in the same year: from nothing to a year, never negative.
    (("2024-01-01", "2024-12-31"), ("2024-01-01", "2024-12-31"), (0, 12)),
])
def test_months_between_partial_dates_is_a_range(first, second, expected):
    stamps = [pd.Timestamp(d) for d in (*first, *second)]
    assert chart_milestone_strip.months_range(*stamps) == expected


@pytest.mark.parametrize("builder", [
    lambda a: milestone_strip(a.workshops.iloc[0:0], a.events),
    lambda a: chart_event_timeline.build_event_timeline(a.events.iloc[0:0]),
    lambda a: chart_growth.build_workshop_growth(growth_of(a.workshops.iloc[0:0], a.events, range(2020, 2026))),
    lambda a: chart_per_year.build_events_per_year(chart_per_year.events_per_year(a.events.iloc[0:0])),
])
def test_empty_input_gives_an_explained_empty_figure(mini, builder):
    figure = builder(mini)
    assert chart_base.is_empty_figure(figure)
    assert figure.data == ()
    assert "No " in figure.layout.annotations[0].text


# ---------------------------------------------------------------- timeline of everything

@pytest.mark.parametrize(("starts", "ends", "gap_days", "lanes"), [
    # Far apart: one lane.
    (["2020-01-01", "2021-01-01"], ["2020-01-01", "2021-01-01"], 30, [0, 0]),
    # Closer than the gap: the second moves down a lane, the third fits back in the first.
    (["2020-01-01", "2020-01-10", "2020-06-01"], ["2020-01-01", "2020-01-10", "2020-06-01"], 30, [0, 1, 0]),
    # A year-long span blocks its lane for the whole year.
    (["2020-01-01", "2020-06-01", "2021-03-01"], ["2020-12-31", "2020-06-01", "2021-03-01"], 30, [0, 1, 0]),
])
def test_lanes_keep_markers_apart(starts, ends, gap_days, lanes):
    stamps = lambda values: [pd.Timestamp(v) for v in values]  # noqa: E731
    assert chart_event_timeline.assign_lanes(stamps(starts), stamps(ends), pd.Timedelta(days=gap_days)) == lanes


def test_every_dated_event_is_drawn_once_in_its_country_band(mini):
    figure = chart_event_timeline.build_event_timeline(mini.events)
    drawn = [row[0] for t in figure.data if t.mode == "markers" and t.customdata is not None for row in t.customdata]
    # EV-006 is undated: listed below the chart by the page, never drawn.
    assert sorted(drawn) == ["EV-001", "EV-002", "EV-003", "EV-004", "EV-005"]
    assert chart_event_timeline.undated_titles(mini.events) == ["Joint research centre"]
    bands = [a.text for a in figure.layout.annotations]
    assert bands == ["<b>Kazakhstan</b> (3)", "<b>Kyrgyzstan</b> (1)", "<b>Regional</b> (1)"]
    layout = chart_event_timeline.timeline_layout(mini.events).set_index("event_id")
    # Regional last, each band below its own label lane.
    assert layout.loc["EV-005", "y"] > layout.loc["EV-003", "y"] > layout.loc["EV-001", "y"] >= 1


def test_timeline_colours_and_hover(mini):
    figure = chart_event_timeline.build_event_timeline(mini.events)
    confucius = trace(figure, "Confucius Institute")
    assert confucius.marker.color == "#CC79A7"
    assert confucius.marker.symbol == "circle-open"  # year precision
    assert list(confucius.customdata[0][1:]) == ["Confucius Institute at KazNU", "2009 (year precision)",
                                                 "Confucius Institute", "Al-Farabi Kazakh National University",
                                                 "Kazakhstan"]
    band = trace(figure, "Confucius Institute (span)")
    assert xs(band) == [pd.Timestamp("2009-01-01"), pd.Timestamp("2010-01-01"), None]


def test_record_text_is_escaped_in_hovers(mini):
    events = mini.events.copy()
    events.loc[events["event_id"] == "EV-005", "title"] = "<img src=x onerror=alert(1)>"
    conference = trace(chart_event_timeline.build_event_timeline(events), "Conference")
    assert conference.customdata[0][1] == "&lt;img src=x onerror=alert(1)&gt;"


def test_year_range_sets_the_visible_window(mini):
    figure = chart_event_timeline.build_event_timeline(mini.events, year_range=(2023, 2024))
    assert [pd.Timestamp(x) for x in figure.layout.xaxis.range] == [pd.Timestamp("2023-01-01"), pd.Timestamp("2025-01-01")]


# ---------------------------------------------------------------- growth by year

def counts(growth: pd.DataFrame) -> dict:
    return {(r.country_name, r.year, r.status): r.workshops for r in growth.itertuples()}


def test_growth_counts_each_workshop_by_the_furthest_status_reached(mini):
    growth = growth_of(mini.workshops, mini.events, range(2022, 2026))
    assert counts(growth) == {
        # KZ-01: MoU and trial operation in 2023 (partially operating), operating from its status date 2024-10.
        # KZ-04: no milestone, announced as of its status date 2023-12.
        ("Kazakhstan", 2023, "announced"): 1, ("Kazakhstan", 2023, "partially_operating"): 1,
        ("Kazakhstan", 2024, "announced"): 1, ("Kazakhstan", 2024, "operating"): 1,
        ("Kazakhstan", 2025, "announced"): 1, ("Kazakhstan", 2025, "operating"): 1,
        # KG-01: opened October 2024 (month precision) counts in 2024.
        ("Kyrgyzstan", 2024, "operating"): 1, ("Kyrgyzstan", 2025, "operating"): 1,
    }


def test_a_year_precision_milestone_counts_in_its_year(mini):
    events = redate(mini.events, "EV-001", "2022", "year")
    growth = counts(growth_of(mini.workshops, events, range(2021, 2024)))
    assert ("Kazakhstan", 2021, "agreement_signed") not in growth
    assert growth[("Kazakhstan", 2022, "agreement_signed")] == 1


def test_growth_figure_has_one_panel_per_country_and_status_colours(mini):
    growth = growth_of(mini.workshops, mini.events, range(2023, 2026))
    figure = chart_growth.build_workshop_growth(growth)
    assert [a.text for a in figure.layout.annotations] == ["Kazakhstan", "Kyrgyzstan"]
    operating = [t for t in figure.data if t.name == "Operating"]
    assert [list(t.y) for t in operating] == [[0, 1, 1], [0, 1, 1]]
    assert operating[0].marker.color == "#009E73"
    table = chart_growth.workshop_growth_table(growth)
    assert table.loc[table["Year"] == 2024, "Total"].tolist() == [2, 1]


def test_events_per_year_counts_dated_events_in_their_year(mini):
    per_year = chart_per_year.events_per_year(mini.events)
    assert {(r.year, r.category): r.events for r in per_year.itertuples()} == {
        (2009, "confucius_institute"): 1, (2023, "luban_workshop"): 2, (2024, "luban_workshop"): 1,
        (2025, "conference"): 1}
    figure = chart_per_year.build_events_per_year(per_year)
    workshop_bars = trace(figure, "Luban Workshop")
    assert list(workshop_bars.x)[:1] == [2009] and sum(workshop_bars.y) == 3
    # Conference shares its colour with forums and summits, so it carries a pattern.
    assert trace(figure, "Conference").marker.pattern.shape == "/"


@pytest.mark.parametrize(("name", "label"), [
    ("Tajikistan Luban Workshop (TTU, Dushanbe)", "Tajikistan (TTU, Dushanbe)"),
    ("Turkmenistan Lu Ban Workshop (Oil and Gas)", "Turkmenistan (Oil and Gas)"),  # the other transliteration
    ("Luban Workshop", "Luban Workshop"),  # nothing left after removing the shared words: keep the name
])
def test_workshop_labels_drop_the_words_every_row_shares(name, label):
    assert chart_base.workshop_label(name) == label


def test_limits_keep_the_first_workshops_and_the_latest_events(mini):
    strip = milestone_strip(mini.workshops, mini.events, limit=2)
    assert list(strip.layout.yaxis.tickvals) == [0, 1]  # KZ-01 and KG-01; KZ-04 (no milestone) is cut
    timeline = chart_event_timeline.build_event_timeline(mini.events, limit=2)
    drawn = sorted(row[0] for t in timeline.data if t.mode == "markers" and t.customdata is not None
                   for row in t.customdata)
    assert drawn == ["EV-003", "EV-005"]  # October 2024 and May 2025: the two most recent dated events
    table = chart_event_timeline.event_timeline_table(mini.events, limit=2)
    assert table["Id"].tolist() == ["EV-004", "EV-001"]  # the table is earliest first


def test_strip_table_shows_the_first_rows_only(mini):
    rows = rows_of(mini.workshops, mini.events)
    assert chart_milestone_strip.milestone_strip_table(rows, limit=2)["Workshop"].tolist() == rows["name_en"].tolist()[:2]
    assert len(chart_milestone_strip.milestone_strip_table(rows)) == 3


def test_dated_count_leaves_out_undated_events(mini):
    assert chart_event_timeline.dated_count(mini.events) == 5  # EV-006 has no date
    assert chart_event_timeline.dated_count(mini.events.iloc[0:0]) == 0


def test_milestones_of_workshops_not_given_are_ignored(mini):
    # The page computes milestones once for every workshop before the year range and passes them for the selection.
    everyone = chart_milestone_strip.workshop_milestones(mini.workshops, mini.events)
    kyrgyz = mini.workshops[mini.workshops["workshop_id"] == "LW-KG-01"]
    rows = chart_milestone_strip.workshop_rows(kyrgyz, everyone, TODAY)
    assert (rows["workshop_id"].tolist(), rows["milestone_count"].tolist()) == (["LW-KG-01"], [1])
    figure = chart_milestone_strip.build_milestone_strip(rows, everyone, TODAY)
    drawn = [row[0] for t in figure.data if t.mode == "markers" and t.customdata is not None for row in t.customdata]
    assert drawn == ["EV-003"]
    assert counts(chart_growth.workshop_status_by_year(chart_growth.stage_years(kyrgyz, everyone), range(2024, 2026))) == {
        ("Kyrgyzstan", 2024, "operating"): 1, ("Kyrgyzstan", 2025, "operating"): 1}


def test_growth_keeps_the_furthest_status_reached_when_the_current_one_is_lower(mini):
    # KZ-01 reached partial operation in 2023 (trial operation); a later status saying "under construction"
    # does not move it back.
    workshops = mini.workshops.copy()
    workshops.loc[workshops["workshop_id"] == "LW-KZ-01", "status"] = "under_construction"
    growth = counts(growth_of(workshops, mini.events, range(2023, 2026)))
    assert growth[("Kazakhstan", 2024, "partially_operating")] == 1
    assert growth[("Kazakhstan", 2025, "partially_operating")] == 1
    assert not any(status == "under_construction" for _, _, status in growth)


@pytest.fixture(scope="module")
def curated():
    return load_atlas(DATA_DIR)


def growth_year_by_year(stages: pd.DataFrame, years: range) -> dict:
    """The definition, one year and one workshop at a time: counted once, under the furthest status reached."""
    result: dict = {}
    for year in years:
        for stage in stages.to_dict("records"):
            reached = [rank for rank, status in enumerate(STATUS_ORDER)
                       if not math.isnan(stage[status]) and stage[status] <= year]
            if reached:
                key = (stage["country_name"], year, STATUS_ORDER[max(reached)])
                result[key] = result.get(key, 0) + 1
    return result


@pytest.mark.parametrize("filters", [Filters(), Filters(countries=("KZ",)), Filters(statuses=("announced",))])
def test_growth_in_one_pass_matches_counting_year_by_year(curated, filters):
    workshops = apply_filters(curated, filters).workshops
    stages = chart_growth.stage_years(workshops, chart_milestone_strip.workshop_milestones(workshops, curated.events))
    years = chart_growth.growth_years(stages, TODAY)
    assert years.stop == TODAY.year + 1 and len(years) >= 3
    expected = growth_year_by_year(stages, years)
    assert expected and counts(chart_growth.workshop_status_by_year(stages, years)) == expected
    # A window of years still counts what was reached before it.
    assert counts(chart_growth.workshop_status_by_year(stages, range(2024, 2026))) == {
        key: value for key, value in expected.items() if key[1] in (2024, 2025)}


def page_figures(atlas, filters: Filters, year_range=None, strip_limit=60, timeline_limit=1500) -> dict:
    """Every Timeline chart for one selection, built the way the page builds them."""
    selection = apply_filters(atlas, filters)
    milestones = chart_milestone_strip.workshop_milestones(selection.workshops, atlas.events)
    rows = chart_milestone_strip.workshop_rows(selection.workshops, milestones, TODAY)
    stages = chart_growth.stage_years(selection.workshops, milestones)
    return {
        "strip": chart_milestone_strip.build_milestone_strip(rows, milestones, TODAY, year_range=year_range, limit=strip_limit),
        "everything": chart_event_timeline.build_event_timeline(selection.events, year_range=year_range, limit=timeline_limit),
        "growth": chart_growth.build_workshop_growth(chart_growth.workshop_status_by_year(
            stages, chart_growth.growth_years(stages, TODAY, year_range=year_range))),
        "per_year": chart_per_year.build_events_per_year(chart_per_year.events_per_year(selection.events)),
    }


@pytest.mark.parametrize(("filters", "year_range"), [
    (Filters(), None), (Filters(countries=("KZ",)), None), (Filters(countries=("TJ",)), None),
    (Filters(year_min=2024, year_max=2025), (2024, 2025)), (Filters(categories=("forum", "conference")), None)])
def test_timeline_figures_are_valid_plotly_figures_on_real_data(curated, filters, year_range):
    figures = page_figures(curated, filters, year_range)
    for name, figure in figures.items():
        assert_valid_figure(figure)
    drawn = [figure for figure in figures.values() if not chart_base.is_empty_figure(figure)]
    assert len(drawn) >= 2 and all(figure.data for figure in drawn)
    if year_range:
        assert [pd.Timestamp(x).year for x in figures["everything"].layout.xaxis.range] == [2024, 2026]


@pytest.mark.parametrize("filters", [Filters(text="nothing-matches-this"), Filters(countries=("KG",)),
                                     Filters(statuses=("announced",))])
def test_timeline_figures_are_valid_at_the_edges(mini, filters):
    # Nothing selected (empty figures), one workshop with one month-precision milestone, a workshop without any
    # dated milestone; limits smaller than the selection.
    for figure in page_figures(mini, filters, strip_limit=1, timeline_limit=1).values():
        assert_valid_figure(figure)
    assert_valid_figure(chart_base.empty_figure("No data"))


def test_small_trace_arrays_go_to_plotly_as_lists_and_large_ones_as_arrays():
    # Lists are cheaper for plotly to serialise when short, arrays when long; both must keep the values.
    middle_of_october = np.array(["2024-10-16T12:00"], dtype="datetime64[ns]")
    assert chart_arrays.array(middle_of_october) == [datetime.datetime(2024, 10, 16, 12)]
    assert chart_arrays.array(np.array([0, 2])) == [0, 2]
    many = np.arange(chart_arrays.LIST_BELOW)
    assert chart_arrays.array(many) is many


def test_limits_break_ties_on_one_date_by_id_and_put_undated_last(mini):
    events = mini.events
    for event_id in ("EV-003", "EV-001", "EV-005", "EV-002", "EV-004"):
        events = redate(events, event_id, "2024-05-01", "day")
    timeline = chart_event_timeline.build_event_timeline(events, limit=2)
    drawn = sorted(row[0] for t in timeline.data if t.mode == "markers" and t.customdata is not None
                   for row in t.customdata)
    assert drawn == ["EV-004", "EV-005"]
    assert chart_event_timeline.event_timeline_table(events, limit=2)["Id"].tolist() == ["EV-001", "EV-002"]
    assert chart_event_timeline.event_timeline_table(events, limit=6)["Id"].tolist()[-1] == "EV-006"  # the undated one
