"""Map page: the filtered workshops, partner links and cooperation sites on an offline map, full width, the detail below."""

import streamlit as st

from atlas.i18n import t
from components.detail import draw_detail
from components.filters import describe_active
from components.layout import page_setup
from components.lazy import lazy_expander
from components.map_data import build_map_data
from components.map_deck import build_deck
from components.map_grouping import GROUP
from components.map_legend import caption_text, group_title, legend_html, records_table, selected_record
from components.map_view import default_view, fit_view, view_points
from components.map_viewport import measure_map
from components.text import md_escape

VIEW_KEY, VIEW_COUNT_KEY, VIEW_SIZE_KEY = "map_view", "map_view_count", "map_view_size"

atlas, selection = page_setup("map", "nav.map")

st.title(t("nav.map"))
st.caption(t("map.intro"))

# A horizontal container wraps on a phone (two or three controls a row) where columns would stack one per row.
with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    show_sites = st.toggle(t("map.show_sites"), value=True, help=t("map.show_sites_help"), key="map_show_sites")
    show_arcs = st.toggle(t("map.show_arcs"), value=True, help=t("map.show_arcs_help"), key="map_show_arcs")
    basemap = st.toggle(t("map.basemap"), value=False, help=t("map.basemap_help"), key="map_basemap")
    map_data = build_map_data(selection, atlas, show_sites=show_sites, show_arcs=show_arcs)
    fit_clicked = st.button(t("map.fit"), help=t("map.fit_help"), icon=":material/fit_screen:",
                            disabled=map_data.is_empty)
    region_clicked = st.button(t("map.whole_region"), help=t("map.whole_region_help"), icon=":material/public:",
                               disabled=map_data.is_empty)
filters_text = describe_active(atlas, selection.filters)


@st.fragment
def draw_map(deck, map_data, caption: str, basemap: bool, height_px: int) -> None:
    """The map, its legend, the clicked record's detail and the table: a click or opening the table reruns only this."""
    # The chart's toolbar (fullscreen, clear selection) floats above its top edge: the measuring element above the
    # map (components/map_viewport.py) keeps it off the toggles.
    # The map takes the main column's full width; what a click opens goes below it, not in a side column.
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map_chart",
                            height=height_px, alt=t("map.alt", caption=caption))
    st.html(legend_html(map_data))
    st.caption(caption + " " + t("map.spread_note"))
    if basemap:
        st.caption(t("map.tiles_notice"))
    picked = selected_record(event.selection, map_data)
    with st.container(border=picked is not None):
        if picked is None:
            st.info(t("map.detail_hint"), icon=":material/ads_click:")
        elif picked[0] == GROUP:
            st.info(t("map.group.clicked", group=md_escape(group_title(map_data, picked[1]))), icon=":material/ads_click:")
        else:
            st.caption(t("map.detail_header"))
            draw_detail(atlas, *picked)

    # Built only while open: the map's table equivalent costs nothing on a filter change nobody reads it for.
    with lazy_expander(t("map.table_expander"), "map_table") as is_open:
        if is_open:
            table, total = records_table(map_data)
            st.dataframe(table, hide_index=True, width="stretch")
            st.caption(t("map.table_shown", shown=len(table), total=total))


size = measure_map()
# The view lives in the session and changes only on these buttons or when the map's size changes (a phone turned,
# a window resized), so filter changes never make the map jump.
if VIEW_KEY not in st.session_state or st.session_state.get(VIEW_SIZE_KEY) != size:
    st.session_state[VIEW_KEY] = default_view(atlas, size.width_px, size.height_px)
    st.session_state[VIEW_SIZE_KEY] = size
    st.session_state.setdefault(VIEW_COUNT_KEY, 0)
if fit_clicked or region_clicked:
    st.session_state[VIEW_COUNT_KEY] += 1
    target = (fit_view(*view_points(map_data), size.width_px, size.height_px) if fit_clicked
              else default_view(atlas, size.width_px, size.height_px))
    st.session_state[VIEW_KEY] = target.nudged(st.session_state[VIEW_COUNT_KEY])

if selection.is_empty:
    st.info(t("map.empty", filters=filters_text), icon=":material/location_off:")
elif map_data.is_empty and not show_sites and not map_data.sites.empty:
    st.info(t("map.sites_off_only", filters=filters_text, sites=len(map_data.sites)), icon=":material/location_off:")
elif map_data.is_empty:
    st.info(t("map.nothing_placed", filters=filters_text, events=len(selection.events)), icon=":material/location_off:")
else:
    # Built in the full run and handed to the fragment, so a click (a fragment rerun) does not rebuild it.
    caption = caption_text(map_data)
    deck = build_deck(map_data, atlas, st.session_state[VIEW_KEY], basemap=basemap)
    draw_map(deck, map_data, caption, basemap, size.height_px)
