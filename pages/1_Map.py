"""Map page: the filtered workshops, partner links and cooperation sites on an offline map, with a detail panel."""

import streamlit as st

from atlas.i18n import t
from components.detail import draw_detail
from components.filters import describe_active
from components.layout import page_setup
from components.map_data import build_map_data
from components.map_deck import build_deck
from components.map_grouping import GROUP
from components.map_legend import caption_text, group_title, legend_html, records_table, selected_record
from components.map_view import MAP_HEIGHT_PX, default_view, fit_view, view_points
from components.text import md_escape

VIEW_KEY, VIEW_COUNT_KEY = "map_view", "map_view_count"

atlas, selection = page_setup("map", "nav.map")

st.title(t("nav.map"))
st.caption(t("map.intro"))

toggles = st.columns([1.2, 1, 1.2, 1, 1])
show_sites = toggles[0].toggle(t("map.show_sites"), value=True, help=t("map.show_sites_help"), key="map_show_sites")
show_arcs = toggles[1].toggle(t("map.show_arcs"), value=True, help=t("map.show_arcs_help"), key="map_show_arcs")
basemap = toggles[2].toggle(t("map.basemap"), value=False, help=t("map.basemap_help"), key="map_basemap")
map_data = build_map_data(selection, atlas, show_sites=show_sites, show_arcs=show_arcs)
fit_clicked = toggles[3].button(t("map.fit"), help=t("map.fit_help"), icon=":material/fit_screen:",
                                disabled=map_data.is_empty)
region_clicked = toggles[4].button(t("map.whole_region"), help=t("map.whole_region_help"), icon=":material/public:",
                                   disabled=map_data.is_empty)
filters_text = describe_active(atlas, selection.filters)

# The view lives in the session and changes only on these buttons, so filter changes never make the map jump.
if VIEW_KEY not in st.session_state:
    st.session_state[VIEW_KEY] = default_view(atlas)
    st.session_state[VIEW_COUNT_KEY] = 0
if fit_clicked or region_clicked:
    st.session_state[VIEW_COUNT_KEY] += 1
    target = fit_view(*view_points(map_data)) if fit_clicked else default_view(atlas)
    st.session_state[VIEW_KEY] = target.nudged(st.session_state[VIEW_COUNT_KEY])

if selection.is_empty:
    st.info(t("map.empty", filters=filters_text), icon=":material/location_off:")
elif map_data.is_empty and not show_sites and not map_data.sites.empty:
    st.info(t("map.sites_off_only", filters=filters_text, sites=len(map_data.sites)), icon=":material/location_off:")
elif map_data.is_empty:
    st.info(t("map.nothing_placed", filters=filters_text, events=len(selection.events)), icon=":material/location_off:")
else:
    # The chart's toolbar (fullscreen, clear selection) floats above its top edge: keep it off the toggles.
    st.space("small")
    map_column, detail_column = st.columns([2, 1], gap="medium")
    caption = caption_text(map_data)
    with map_column:
        event = st.pydeck_chart(build_deck(map_data, atlas, st.session_state[VIEW_KEY], basemap=basemap),
                                on_select="rerun", selection_mode="single-object", key="map_chart",
                                height=MAP_HEIGHT_PX, alt=t("map.alt", caption=caption))
        st.caption(caption + " " + t("map.spread_note"))
        st.html(legend_html(map_data))
        if basemap:
            st.caption(t("map.tiles_notice"))
    with detail_column:
        picked = selected_record(event.selection, map_data)
        if picked is None:
            st.info(t("map.detail_hint"), icon=":material/ads_click:")
        elif picked[0] == GROUP:
            st.info(t("map.group.clicked", group=md_escape(group_title(map_data, picked[1]))), icon=":material/ads_click:")
        else:
            st.caption(t("map.detail_header"))
            draw_detail(atlas, *picked)

    table, total = records_table(map_data)
    with st.expander(t("map.table_expander")):
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(t("map.table_shown", shown=len(table), total=total))
