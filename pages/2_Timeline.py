"""Timeline page: each workshop's milestones, every event on one axis, growth by year, official claims vs our count."""

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from atlas import apply_filters
from atlas.i18n import t
from components import chart_base, chart_event_timeline, chart_growth, chart_milestone_strip, chart_per_year
from components.chart_export import for_export
from components.claims_chart import (build_claims_vs_records, claimed_counts, claims_vs_records_table,
                                     documented_counts, table_size)
from components.detail import draw_detail
from components.filters import describe_active
from components.layout import page_setup
from components.lazy import folded
from components.text import md_escape

MAX_TABLE_ROWS = 500
# Beyond these a chart is unreadable and heavy to send; the page says what was left out.
MAX_STRIP_ROWS = 60
MAX_TIMELINE_POINTS = 1500
MAX_UNDATED_TITLES = 8
DETAIL_KEY = "timeline_detail"
CLICKABLE_FRAGMENT = "timeline_clickable"

atlas, selection = page_setup("timeline", "nav.timeline")
filters = selection.filters
active = describe_active(atlas, filters)
low_year, high_year = atlas.year_bounds
year_range = ((filters.year_min or low_year, filters.year_max or high_year) if filters.has_year_range else None)
# Cumulative counts must include workshops agreed or opened before the chosen years: the range only clips the axis.
unbounded = apply_filters(atlas, filters.without("year_min").without("year_max")) if year_range else selection
# Computed once per run and shared by the strip, its table and the growth chart (the selected workshops are among
# the unbounded ones; builders ignore milestones of workshops they are not given).
milestones = chart_milestone_strip.workshop_milestones(unbounded.workshops, atlas.events)


def show_table(build: Callable[[], pd.DataFrame], label: str, key: str, total: int | None = None) -> None:
    """A chart's table equivalent in an expander, built only while it is open (opening it reruns only the expander);
    at most MAX_TABLE_ROWS rows, saying so when there are more."""
    def draw() -> None:
        frame = build()
        rows = len(frame) if total is None else total
        if rows > MAX_TABLE_ROWS:
            st.caption(t("timeline.table_rows", shown=MAX_TABLE_ROWS, total=rows))
        st.dataframe(frame.head(MAX_TABLE_ROWS), hide_index=True, width="stretch")

    folded(label, key, draw)


def remember_click(chart_key: str, kind: str, id_index: int) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    customdata = points[0].get("customdata") if points else None
    shown_under = st.session_state.get(DETAIL_KEY, ("",))[0]
    if customdata:
        st.session_state[DETAIL_KEY] = (chart_key, kind, customdata[id_index])
    elif shown_under == chart_key:
        del st.session_state[DETAIL_KEY]
    if customdata and shown_under and shown_under != chart_key:
        # The panel moves to this chart: rerun both charts' fragments, so the other one's panel closes.
        st.rerun(CLICKABLE_FRAGMENT)


def close_detail() -> None:
    st.session_state.pop(DETAIL_KEY, None)


def exported(figure, chart: str):
    """The figure with its title, the filters and the source inside, and the config that downloads it as a PNG."""
    return for_export(figure, chart, t(f"chart.title.{chart.replace('-', '_')}"), atlas, filters, active)


# A fragment: a click reruns its chart and panel only, with the figure built in the full run. Both charts are call
# sites of one key, which remember_click reruns when the panel moves from one chart to the other.
@st.fragment(key=CLICKABLE_FRAGMENT)
def clickable_chart(figure, chart_args: dict, key: str, kind: str, id_index: int) -> None:
    """A chart whose points open the shared detail panel right below it."""
    st.plotly_chart(figure, key=key, on_select=partial(remember_click, key, kind, id_index),
                    selection_mode="points", width="stretch", **chart_args)
    shown = st.session_state.get(DETAIL_KEY)
    if shown and shown[0] == key:
        with st.container(border=True):
            st.caption(t("timeline.click_hint"))
            draw_detail(atlas, shown[1], shown[2])
            st.button(t("timeline.close_detail"), key=f"{key}_close", on_click=close_detail)


st.title(t("timeline.title"))
st.markdown(t("timeline.intro"))

st.header(t("timeline.strip_header"))
st.caption(t("timeline.strip_caption"))
if selection.workshops.empty:
    st.info(t("timeline.strip_empty_sentence", active=active), icon=":material/filter_alt_off:")
else:
    if year_range:
        st.caption(t("timeline.strip_year_note", low=year_range[0], high=year_range[1]))
    if len(selection.workshops) > MAX_STRIP_ROWS:
        st.caption(t("timeline.strip_capped", shown=MAX_STRIP_ROWS, total=len(selection.workshops)))
    rows = chart_milestone_strip.workshop_rows(selection.workshops, milestones)
    clickable_chart(*exported(chart_milestone_strip.build_milestone_strip(rows, milestones, year_range=year_range,
                                                                          limit=MAX_STRIP_ROWS), "milestone-strip"),
                    "timeline_strip", "workshop", 1)
    show_table(lambda: chart_milestone_strip.milestone_strip_table(rows, limit=MAX_TABLE_ROWS), t("timeline.strip_table"),
               "timeline_strip_table", total=len(rows))

st.header(t("timeline.everything_header"))
st.caption(t("timeline.everything_caption"))
dated_count = chart_event_timeline.dated_count(selection.events)
if dated_count == 0:
    st.info(t("timeline.everything_empty_sentence", active=active), icon=":material/filter_alt_off:")
else:
    if dated_count > MAX_TIMELINE_POINTS:
        st.caption(t("timeline.everything_capped", shown=MAX_TIMELINE_POINTS, total=dated_count))
    clickable_chart(*exported(chart_event_timeline.build_event_timeline(selection.events, year_range=year_range,
                                                                        limit=MAX_TIMELINE_POINTS), "event-timeline"),
                    "timeline_everything", "event", 0)
undated = chart_event_timeline.undated_titles(selection.events)
if undated:
    titles = "; ".join(md_escape(title) for title in undated[:MAX_UNDATED_TITLES])
    if len(undated) > MAX_UNDATED_TITLES:
        titles += "; " + t("timeline.undated_more", count=len(undated) - MAX_UNDATED_TITLES)
    st.caption(t("timeline.undated", count=len(undated), titles=titles))
if not selection.events.empty:
    show_table(lambda: chart_event_timeline.event_timeline_table(selection.events, limit=MAX_TABLE_ROWS),
               t("timeline.everything_table"), "timeline_everything_table", total=len(selection.events))

st.header(t("timeline.growth_header"))
st.caption(t("timeline.growth_caption"))
stages = chart_growth.stage_years(unbounded.workshops, milestones)
growth = chart_growth.workshop_status_by_year(stages, chart_growth.growth_years(stages, year_range=year_range))
if growth.empty:
    st.info(t("timeline.growth_empty_sentence", active=active), icon=":material/filter_alt_off:")
else:
    if year_range:
        st.caption(t("timeline.growth_years_note"))
    figure, chart_args = exported(chart_growth.build_workshop_growth(growth), "workshop-growth")
    st.plotly_chart(figure, key="timeline_growth", width="stretch", **chart_args)
    show_table(lambda: chart_growth.workshop_growth_table(growth), t("timeline.growth_table"), "timeline_growth_table")

st.caption(t("timeline.per_year_caption"))
per_year = chart_per_year.events_per_year(selection.events)
if per_year.empty:
    st.info(t("timeline.per_year_empty_sentence", active=active), icon=":material/filter_alt_off:")
else:
    figure, chart_args = exported(chart_per_year.build_events_per_year(per_year), "events-per-year")
    st.plotly_chart(figure, key="timeline_per_year", width="stretch", **chart_args)
    show_table(lambda: chart_per_year.events_per_year_table(per_year), t("timeline.per_year_table"), "timeline_per_year_table")

st.header(t("timeline.claims_header"))
st.caption(t("timeline.claims_caption"))
# Counted once for the chart, its caption and its table.
claimed, documented = claimed_counts(selection.claims), documented_counts(unbounded.workshops, atlas.events)
claims_figure = build_claims_vs_records(selection.claims, unbounded.workshops, atlas.events, year_range=year_range,
                                        claimed=claimed, documented=documented)
if chart_base.is_empty_figure(claims_figure):
    st.info(t("timeline.claims_empty_sentence", active=active), icon=":material/filter_alt_off:")
else:
    if claimed.empty:
        st.caption(t("timeline.claims_missing"))
    figure, chart_args = exported(claims_figure, "claims")
    st.plotly_chart(figure, key="timeline_claims", width="stretch", **chart_args)
    show_table(lambda: claims_vs_records_table(selection.claims, unbounded.workshops, atlas.events, claimed=claimed,
                                               documented=documented, limit=MAX_TABLE_ROWS),
               t("timeline.claims_table"), "timeline_claims_table", total=table_size(claimed, documented))
