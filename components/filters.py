"""Shared sidebar filters drawn by every page: one canonical state per session, mirrored into the URL."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from atlas import Atlas, Filters, Selection
from atlas.i18n import labelled, t
from atlas.export import describe_filters
from atlas.permalink import VIEW_PARAMS, link_choices, parse_params, parse_record, to_params, without_param
from atlas.records import record_kind
from components.tables import counted, ways_out
from components.text import md_escape
from components.palette import STATUS_ORDER

CANONICAL_KEY = "atlas_filters"
NOTICES_KEY = "atlas_link_notices"
# The view parameters kept in the link beside the filters, and where their session value lives.
LANGUAGE_KEY = "atlas_language_param"
RECORD_KEY = "atlas_record_param"
VIEW_STATE_KEYS = {"lang": LANGUAGE_KEY, "record": RECORD_KEY}


def _key(name: str, page: str) -> str:
    # Widget identity includes the page, so each page keeps its own widget keys (see shared/design/pages-mpa.md).
    return f"filter_{name}:{page}"


def _valid_values(atlas: Atlas) -> dict[str, object]:
    return link_choices(atlas)


def _canonical(atlas: Atlas) -> Filters:
    if CANONICAL_KEY not in st.session_state:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        filters, notices = parse_params(params, **_valid_values(atlas))
        # The record a link opens travels beside the filters; an unknown id gets the same notice as a bad filter.
        record, record_notices = parse_record(params.get("record"), lambda value: record_kind(atlas, value) is not None)
        st.session_state[RECORD_KEY] = record
        notices = notices + record_notices
        st.session_state[CANONICAL_KEY] = filters
        st.session_state[NOTICES_KEY] = notices
    return st.session_state[CANONICAL_KEY]


def _set(**changes: object) -> None:
    st.session_state[CANONICAL_KEY] = replace(st.session_state[CANONICAL_KEY], **changes)
    st.session_state[NOTICES_KEY] = []


def reset_filters() -> None:
    st.session_state[CANONICAL_KEY] = Filters()
    st.session_state[NOTICES_KEY] = []


def close_record() -> None:
    """Drop the record the link opened (a button callback): the page and the address bar lose `record=`."""
    st.session_state[RECORD_KEY] = None


def linked_record() -> str | None:
    """The id of the record this session's link opened (validated on arrival), or None."""
    return st.session_state.get(RECORD_KEY)


def _seed(key: str, value: object) -> None:
    # Only when missing or different: rewriting every run pushes stale values back mid-drag.
    if key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value


def _widget_values(filters: Filters, bounds: tuple[int, int]) -> dict[str, object]:
    low, high = bounds
    return {
        "countries": list(filters.countries),
        "years": (filters.year_min if filters.year_min is not None else low,
                  filters.year_max if filters.year_max is not None else high),
        "statuses": list(filters.statuses),
        "categories": list(filters.categories),
        "text": filters.text,
        "regional": filters.include_regional,
    }


def _on_change(name: str, key: str, bounds: tuple[int, int]) -> None:
    value = st.session_state[key]
    if name == "years":
        low, high = bounds
        start, end = value
        _set(year_min=None if start == low and end == high else start,
             year_max=None if start == low and end == high else end)
    elif name == "text":
        _set(text=str(value).strip()[:200])
    elif name == "regional":
        _set(include_regional=bool(value))
    else:
        _set(**{name: tuple(value)})


def draw_filters(atlas: Atlas, page: str) -> Filters:
    """Draw the filter widgets in the sidebar and return the canonical filters; keeps the URL in step."""
    filters = _canonical(atlas)
    bounds = atlas.year_bounds
    values = _widget_values(filters, bounds)
    for name, value in values.items():
        _seed(_key(name, page), value)

    country_names = dict(zip(atlas.countries["iso2"], atlas.countries["name_en"]))
    valid = _valid_values(atlas)
    sidebar = st.sidebar
    sidebar.header(t("filters.header"))
    for notice in st.session_state.get(NOTICES_KEY, []):
        # Link values are the visitor's input: rendered as literal text, never as Markdown.
        sidebar.warning(notice.render(md_escape), icon=":material/link_off:")

    def callback(name: str) -> dict:
        return {"on_change": _on_change, "args": (name, _key(name, page), bounds)}

    sidebar.multiselect(t("filters.countries"), sorted(valid["countries"], key=country_names.get),
                        format_func=country_names.get, key=_key("countries", page),
                        placeholder=t("filters.all_countries"), **callback("countries"))
    sidebar.slider(t("filters.years"), min_value=bounds[0], max_value=bounds[1], key=_key("years", page),
                   help=t("filters.years_help"), **callback("years"))
    sidebar.multiselect(t("filters.statuses"), [s for s in STATUS_ORDER if s in valid["statuses"]],
                        format_func=lambda s: t(f"status.{s}"), key=_key("statuses", page),
                        placeholder=t("filters.all_statuses"), **callback("statuses"))
    sidebar.multiselect(t("filters.categories"), list(atlas.specs["events"].field("category").enum),
                        format_func=lambda c: t(f"category.{c}"), key=_key("categories", page),
                        placeholder=t("filters.all_categories"), **callback("categories"))
    sidebar.text_input(t("filters.text"), key=_key("text", page), placeholder=t("filters.text_placeholder"),
                       help=t("filters.text_help"), **callback("text"))
    sidebar.checkbox(t("filters.regional"), key=_key("regional", page), help=t("filters.regional_help"),
                     **callback("regional"))
    sidebar.button(t("filters.reset"), on_click=reset_filters, key=f"filter_reset:{page}",
                   icon=":material/restart_alt:", disabled=filters.is_default)

    canonical_url_params(to_params(filters))
    return filters


def canonical_url_params(desired: dict[str, str]) -> None:
    """Rewrite the address bar to the canonical link: our filters, plus the view parameters (lang, record).

    Parameters the atlas does not own (utm_source, fbclid, ...) are dropped, so the address bar and the
    on-page permalink always agree. Repeated values are compared whole (get_all), not by their last copy.
    """
    desired = dict(desired)
    for name in VIEW_PARAMS:
        kept = st.session_state.get(VIEW_STATE_KEYS[name])
        if kept:
            desired[name] = kept
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    if current != {name: [value] for name, value in desired.items()}:
        st.query_params.from_dict(desired)


def describe_active(atlas: Atlas, filters: Filters) -> str:
    """'Kazakhstan · 2023–2025 · Operating' — the active filters in words."""
    words = describe_filters(atlas, filters)
    return " · ".join(words.values()) if words else t("filters.none_active")


def clear_param(param: str) -> None:
    """Drop one filter (named by its URL parameter); a button callback, so the rerun already sees it."""
    st.session_state[CANONICAL_KEY] = without_param(st.session_state[CANONICAL_KEY], param)
    st.session_state[NOTICES_KEY] = []


def draw_empty_notice(atlas: Atlas, selection: Selection, key: str) -> None:
    """Say which filters exclude everything, with one-click buttons to drop one of them or reset all."""
    filters = selection.filters
    lines = [t("empty_view.nothing", active=describe_active(atlas, filters))]
    found = ways_out(atlas, filters)
    for way in found:
        # Zero counts are left unsaid: 'would bring back 1 event', not '0 workshops and 1 event'.
        counts = [counted(noun, n) for noun, n in (("workshops", way.workshops), ("events", way.events)) if n]
        lines.append(t("empty_view.way_out", filter=t(f"empty_view.param.{way.param}"),
                       counts=t("empty_view.joiner").join(counts)))
    if not found:
        lines.append(t("empty_view.combination"))
    st.warning("\n\n".join(md_escape(line) for line in lines), icon=":material/filter_alt_off:")
    buttons = st.container(horizontal=True)
    words = describe_filters(atlas, filters)
    for way in found:
        buttons.button(labelled(t("empty_view.drop", filter=t(f"empty_view.param.{way.param}")),
                                md_escape(words[way.param])),
                       on_click=clear_param, args=(way.param,), key=f"{key}_drop_{way.param}", icon=":material/close:")
    buttons.button(t("empty_view.reset"), on_click=reset_filters, key=f"{key}_reset", icon=":material/restart_alt:",
                   type="primary")


def draw_match_line(atlas: Atlas, selection: Selection) -> None:
    st.sidebar.caption(t("filters.match_line",
                         workshops=len(selection.workshops), workshops_total=selection.totals["workshops"],
                         events=len(selection.events), events_total=selection.totals["events"],
                         active=md_escape(describe_active(atlas, selection.filters))))
