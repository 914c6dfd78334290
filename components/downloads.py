"""Download of the filtered rows in one chosen format (ready before the click, no rerun), the permalink, "Cite this"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from urllib.parse import urlencode

import streamlit as st

from atlas import Atlas, Selection
from atlas.export import (EXPORT_TABLES, MIME_TYPES, bibtex, citation_text, file_name, file_row_counts,
                          table_csv_bytes, to_geojson_bytes, to_json_bytes, to_xlsx_bytes, to_zip_bytes)
from atlas.i18n import DEFAULT_LANGUAGE, current_language, join_list, t
from atlas.permalink import to_query_string, view_url
from components.filters import LANGUAGE_KEY
from components.lazy import folded
from components.tables import counted

FORMATS = ("csv", "xlsx", "json", "geojson", "zip")
ICONS = {"csv": ":material/table:", "xlsx": ":material/grid_on:", "json": ":material/data_object:",
         "geojson": ":material/location_on:", "zip": ":material/folder_zip:"}
# Up to these many rows in the file (the chosen table for a CSV, every exported table otherwise) the file is built
# with the page and handed to st.download_button as bytes; above them, as a callable that builds it on click.
# Why not always a callable: Streamlit 1.67 stores a file built on click without tying it to the session, and the
# finished runs of other sessions may delete it before the browser fetches it (a 404, "canceled" in Chromium; see
# tests/unit/test_tables_download_race.py). Bytes are tied to the session until its next run re-registers them.
# Why not always bytes: they are built on the page's runs. Measured on this 2-core machine under load (min of 3-9
# builds; curated, 10x and 100x data): ~10-15 ms plus 0.03-0.1 ms per row for a CSV, ~25 ms + 0.06 ms/row for
# JSON, ~20 ms + 0.04 ms/row for GeoJSON, ~50-100 ms + 0.09 ms/row for the ZIP and 0.55-0.9 ms/row for XLSX.
# The curated dataset unfiltered (421 rows) takes 15-40 ms as a CSV, 30-60 ms as JSON or GeoJSON, 110-180 ms as
# a ZIP and 190-320 ms as XLSX: building all five on every filter change would cost several times the whole
# Explore rerun (~90 ms), so only the chosen format is built, once per view (_view_file). These limits keep that
# build near 250 ms (XLSX: ~400 ms, so that the curated dataset, 421 rows, is below every limit with room to grow
# and its visitors never meet the race).
EAGER_MAX_ROWS = {"csv": 2_500, "json": 3_000, "geojson": 4_000, "zip": 2_000, "xlsx": 600}


def current_view_url(selection: Selection) -> str:
    """The full address of this page with the filters; st.context.url is the page URL without its query."""
    url = view_url(st.context.url, selection.filters)
    # The language travels with the view, as in the address bar: a shared Russian view opens in Russian.
    language = st.session_state.get(LANGUAGE_KEY) or (current_language() if current_language() != DEFAULT_LANGUAGE
                                                      else None)
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'lang': language})}" if language else url


def draw_permalink(url: str) -> None:
    # st.code gives a copy button and never interprets the text (search terms stay literal).
    if not url:
        return
    st.caption(t("explore.permalink_label"))
    st.code(url, language=None, wrap_lines=True)


def _counts(selection: Selection) -> str:
    return join_list([counted(name, len(selection.table(name))) for name in EXPORT_TABLES])


def file_rows(selection: Selection, fmt: str, table: str) -> int:
    """Rows the file carries: the chosen table for a CSV, every exported table for the other formats."""
    if fmt == "csv":
        return len(selection.table(table))
    return sum(len(selection.table(name)) for name in EXPORT_TABLES)


def is_eager(selection: Selection, fmt: str, table: str) -> bool:
    return file_rows(selection, fmt, table) <= EAGER_MAX_ROWS[fmt]


def _builder(atlas: Atlas, selection: Selection, fmt: str, table: str, permalink: str) -> Callable[[], bytes]:
    # The same dispatch as atlas.export.download_builder (the API's); kept here so that tests can count builds
    # through this module's names (tests/unit/test_http_routes.py proves both give the same files).
    if fmt == "csv":
        return partial(table_csv_bytes, atlas, selection, table)
    return partial({"xlsx": to_xlsx_bytes, "json": to_json_bytes, "geojson": to_geojson_bytes,
                    "zip": to_zip_bytes}[fmt], atlas, selection, permalink)


def _view_file(state_key: str, view: tuple, build: Callable[[], bytes]) -> bytes:
    """The file of this view, kept in the session so that reruns keeping the view (a row selected in a table)
    reuse it; the next view or format replaces it, so a session holds one file."""
    kept = st.session_state.get(state_key)
    if kept is not None and kept[0] == view:
        return kept[1]
    data = build()
    st.session_state[state_key] = (view, data)
    return data


def draw_downloads(atlas: Atlas, selection: Selection, permalink: str, key: str = "explore") -> None:
    """The format (and for CSV the table) of exactly the filtered rows, and one button that downloads it."""
    # Files carry the data as published, whatever language the page shows (the README follows the page).
    atlas, selection = atlas.original, selection.on(atlas.original)
    st.caption(t("explore.downloads.caption", counts=_counts(selection)))
    fmt = st.segmented_control(t("explore.downloads.format"), FORMATS, default="csv", required=True,
                               key=f"{key}_format", format_func=lambda name: t(f"explore.downloads.format_name.{name}"))
    table = EXPORT_TABLES[0]
    if fmt == "csv":
        table = st.selectbox(
            t("explore.downloads.csv_table"), EXPORT_TABLES, key=f"{key}_csv_table",
            format_func=lambda name: t("explore.downloads.csv_option", label=t(f"explore.tab.{name}"),
                                       rows=counted("rows", len(selection.table(name)))))
    name = file_name(atlas, selection, fmt, table if fmt == "csv" else None)
    build = _builder(atlas, selection, fmt, table, permalink)
    eager = is_eager(selection, fmt, table)
    if eager:
        # The README of XLSX and ZIP carries today's date, so a file kept past midnight is rebuilt.
        view = (fmt, table, name, to_query_string(selection.filters), permalink, atlas.version, date.today())
        data: bytes | Callable[[], bytes] = _view_file(f"_{key}_download_file", view, build)
    else:
        st.session_state.pop(f"_{key}_download_file", None)   # a file of an earlier view is no longer needed
        data = build
    # on_click="ignore": the download neither reruns the page nor loses the table selection.
    st.download_button(t(f"explore.downloads.{fmt}", table=t(f"explore.tab.{table}")), data=data, file_name=name,
                       mime=MIME_TYPES[fmt], on_click="ignore", key=f"{key}_download", icon=ICONS[fmt],
                       type="primary")
    st.caption(t(f"explore.downloads.{fmt}_help") + ("" if eager else " " + t("explore.downloads.built_on_click")))
    # Each format's own rows: a GeoJSON holds only the rows that have coordinates.
    counts = join_list([counted(name, n) for name, n in file_row_counts(selection, fmt, table, atlas).items()])
    st.caption(t("explore.downloads.file_counts_geojson" if fmt == "geojson" else "explore.downloads.file_counts",
                 counts=counts))


def draw_citation(atlas: Atlas, url: str = "") -> None:
    """Ready citation text for the dataset version, and the same as BibTeX."""
    today = date.today()
    st.markdown(f"**{t('explore.cite.heading')}**")
    st.caption(t("explore.cite.text"))
    st.code(citation_text(atlas, today), language=None, wrap_lines=True)
    folded(t("explore.cite.bibtex"), "explore_bibtex", lambda: st.code(bibtex(atlas, url, today), language="bibtex"))
