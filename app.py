"""Home page (Overview): what the atlas is, headline numbers for the current filters, and where to go next."""

from functools import partial

import streamlit as st

from atlas.dates import format_partial
from atlas.i18n import t
from atlas import apply_filters
from atlas.summaries import country_comparison, headline, latest_events
from components.chart_base import is_empty_figure
from components.chart_export import for_export
from components.claims_chart import (build_claims_vs_records, claimed_counts, claims_vs_records_table,
                                     documented_counts, table_size)
from components.detail import draw_detail
from components.filters import describe_active
from components.layout import PAGES, page_setup
from components.lazy import folded
from components.overview import build_events_by_country, build_workshops_by_country, comparison_table, event_label

# More rows than anyone reads in an expander; the caption says how many are left out.
MAX_TABLE_ROWS = 500

atlas, selection = page_setup("overview", "nav.overview")
active = describe_active(atlas, selection.filters)

st.title(t("app.title"))
st.markdown(t("overview.what_is"))
st.caption(t("app.data_as_of", version=atlas.version, date=format_partial(atlas.last_updated, long=True)) + " "
           + (t("overview.scope_all") if selection.filters.is_default else t("overview.scope_filtered", active=active)))
if selection.is_empty:
    st.info(t("overview.empty", active=active), icon=":material/filter_alt_off:")

numbers = headline(atlas, selection)
kpis = [(t("overview.kpi_workshops"), numbers.workshops, t("overview.kpi_workshops_help")),
        (t("overview.kpi_countries"), numbers.countries_with_workshop, t("overview.kpi_countries_help")),
        (t("overview.kpi_partners"), numbers.chinese_partners, t("overview.kpi_partners_help")),
        (t("overview.kpi_other_events"), numbers.other_events, t("overview.kpi_other_events_help")),
        (t("overview.kpi_sources"), numbers.sources_cited, t("overview.kpi_sources_help"))]
# Horizontal containers wrap on a phone (two or three cards a row) where columns would stack one per row.
with st.container(horizontal=True):
    for label, value, help_text in kpis:
        st.metric(label, value, help=help_text, border=True)
st.markdown(f"**{t('overview.status_heading')}**")
with st.container(horizontal=True):
    for status, count in numbers.by_status.items():
        st.metric(t(f"status.{status}"), count, help=t("overview.status_help"))

st.header(t("overview.comparison_heading"))
comparison = country_comparison(atlas, selection)
if comparison.is_empty:
    st.info(t("overview.empty", active=active))
else:
    workshops_figure, events_figure = build_workshops_by_country(comparison), build_events_by_country(comparison)
    if workshops_figure is None:
        st.caption(t("overview.comparison_no_workshops", active=active))
    if events_figure is None:
        st.caption(t("overview.comparison_no_events", active=active))
    # Two charts in columns rather than one with two panels: on a phone the columns stack and each stays legible.
    drawn = [(figure, chart) for figure, chart in ((workshops_figure, "workshops-by-country"),
                                                   (events_figure, "events-by-country")) if figure is not None]
    for column, (figure, chart) in zip(st.columns(len(drawn), gap="large"), drawn):
        figure, chart_args = for_export(figure, chart, "", atlas, selection.filters, active)
        column.plotly_chart(figure, width="stretch", **chart_args)
    st.caption(t("overview.comparison_caption"))
    # Built only while open: a closed table costs nothing on a filter change, and opening it reruns only itself.
    folded(t("overview.comparison_table"), "overview_comparison_table",
           lambda: st.dataframe(comparison_table(comparison), hide_index=True, width="stretch"))

st.header(t("overview.claims_heading"))
st.markdown(t("overview.claims_ours", count=numbers.workshops, operating=numbers.by_status.get("operating", 0)))
# As on the Timeline: the documented count is cumulative, so it needs every milestone, not only those in the years.
filters = selection.filters
year_range = (filters.year_min or atlas.year_bounds[0], filters.year_max or atlas.year_bounds[1]) if filters.has_year_range else None
unbounded = apply_filters(atlas, filters.without("year_min").without("year_max")) if year_range else selection
# Counted once for the chart and its table.
claimed, documented = claimed_counts(selection.claims), documented_counts(unbounded.workshops, atlas.events)
claims_figure = build_claims_vs_records(selection.claims, unbounded.workshops, atlas.events, year_range=year_range,
                                        claimed=claimed, documented=documented)
if is_empty_figure(claims_figure):
    st.info(t("overview.claims_empty", active=active))
else:
    figure, chart_args = for_export(claims_figure, "claims", t("chart.title.claims"), atlas, selection.filters, active)
    st.plotly_chart(figure, width="stretch", **chart_args)
    st.caption(t("overview.claims_why"))
    def draw_claims_table() -> None:
        rows = table_size(claimed, documented)
        if rows > MAX_TABLE_ROWS:
            st.caption(t("overview.claims_table_capped", shown=f"{MAX_TABLE_ROWS:,}", total=f"{rows:,}"))
        st.dataframe(claims_vs_records_table(selection.claims, unbounded.workshops, atlas.events, claimed=claimed,
                                             documented=documented, limit=MAX_TABLE_ROWS),
                     hide_index=True, width="stretch")

    folded(t("overview.claims_table"), "overview_claims_table", draw_claims_table)

latest_column, pages_column = st.columns([3, 2], gap="large")
with latest_column:
    st.header(t("overview.latest_heading"))
    st.caption(t("overview.latest_caption"))
    latest = latest_events(selection, as_of=atlas.last_updated)
    if latest.empty:
        st.info(t("overview.latest_empty", active=active))
    for _, event in latest.iterrows():
        # Keyed by the event, so one left open stays open while it is among the latest under other filters.
        folded(event_label(event), f"overview_event_{event['event_id']}",
               partial(draw_detail, atlas, "event", event["event_id"]))

with pages_column:
    st.header(t("overview.pages_heading"))
    blurbs = {"pages/1_Map.py": t("overview.page_map"), "pages/2_Timeline.py": t("overview.page_timeline"),
              "pages/3_Explore.py": t("overview.page_explore"), "pages/4_About.py": t("overview.page_about")}
    for path, label_key, icon in PAGES:
        if path in blurbs:
            st.page_link(path, label=t(label_key), icon=icon)
            st.caption(blurbs[path])
