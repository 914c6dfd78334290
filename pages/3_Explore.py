"""Explore page: tables of the filtered records with a detail panel, the view's permalink, downloads, citation."""

import streamlit as st

from atlas.i18n import t
from components.detail import draw_detail
from components.downloads import current_view_url, draw_citation, draw_downloads, draw_permalink
from components.filters import describe_active, draw_empty_notice
from components.layout import page_setup
from components.tables import (DETAIL_KINDS, MAX_ROWS_SHOWN, TABLE_ORDER, DisplayTable, build_table,
                               citing_records, selection_key)
from components.text import md_escape

atlas, selection = page_setup("explore", "nav.explore")
permalink = current_view_url(selection)

st.title(t("nav.explore"))
st.caption(t("explore.intro"))
draw_permalink(permalink)
if selection.is_empty:
    draw_empty_notice(atlas, selection, key="explore_empty")


def draw_selected(table: DisplayTable, record_id: str) -> None:
    with st.container(border=True):
        if table.name in DETAIL_KINDS:
            draw_detail(atlas, DETAIL_KINDS[table.name], record_id)
        elif table.name == "sources":
            citing = citing_records(atlas, selection, record_id)
            st.markdown(f"**{t('explore.cited_by_heading', source_id=record_id)}**")
            if citing.empty:
                st.caption(t("explore.no_citing", source_id=record_id))
            else:
                if len(citing) > MAX_ROWS_SHOWN:
                    st.caption(t("explore.citing_truncated", shown=MAX_ROWS_SHOWN, total=len(citing),
                                 source_id=record_id))
                st.dataframe(citing.head(MAX_ROWS_SHOWN), hide_index=True, width="stretch")


def draw_table(name: str) -> None:
    table = build_table(atlas, selection, name)
    what = t(f"explore.what.{name}")
    if table.total == 0:
        st.info(md_escape(t("explore.empty_table", what=what, active=describe_active(atlas, selection.filters))),
                icon=":material/search_off:")
        return
    st.caption(t("explore.showing", shown=table.shown, total=table.total, what=what)
               + (" " + t("explore.truncated", shown=table.shown, total=table.total) if table.truncated else ""))
    if name == "claims":
        st.caption(t("explore.claims_note"))
    selectable = name != "claims"
    event = st.dataframe(table.frame, column_config=table.column_config, hide_index=True, width="stretch",
                         placeholder="—", key=selection_key(name, selection.filters),
                         on_select="rerun" if selectable else "ignore", selection_mode="single-row")
    if not selectable:
        return
    rows = event.selection.rows if event else []
    record_id = table.record_id(rows[0]) if rows else None
    if record_id is None:
        st.caption(t("explore.select_hint"))
    else:
        draw_selected(table, record_id)


@st.fragment
def draw_tables() -> None:
    """The tables in tabs with the selected row's detail: a tab switch or a row selection reruns only this part."""
    # Stateful tabs: only the open one is built and sent, so a filter change formats one table, not five.
    tabs = st.tabs([t(f"explore.tab.{name}") for name in TABLE_ORDER], key="explore_tab", on_change="rerun")
    for tab, name in zip(tabs, TABLE_ORDER):
        if tab.open:
            with tab:
                draw_table(name)


draw_tables()

st.divider()
# A section of the page (h2 under the page title): an h3 straight after the h1 skips a heading level.
st.header(t("explore.downloads.heading"))
downloads, citation = st.columns([3, 2], gap="large")
with downloads:
    draw_downloads(atlas, selection, permalink)
with citation:
    draw_citation(atlas, st.context.url or "")
