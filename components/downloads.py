"""Download buttons for the filtered rows (built only when clicked, no rerun), the view's permalink and "Cite this"."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from atlas import Atlas, Selection
from atlas.export import (EXPORT_TABLES, MIME_TYPES, bibtex, citation_text, file_name, table_csv_bytes,
                          to_geojson_bytes, to_json_bytes, to_xlsx_bytes, to_zip_bytes)
from atlas.i18n import t
from atlas.permalink import view_url
from components.tables import counted


def current_view_url(selection: Selection) -> str:
    """The full address of this page with the filters; st.context.url is the page URL without its query."""
    return view_url(st.context.url, selection.filters)


def draw_permalink(url: str) -> None:
    # st.code gives a copy button and never interprets the text (search terms stay literal).
    if not url:
        return
    st.caption(t("explore.permalink_label"))
    st.code(url, language=None, wrap_lines=True)


def _counts(selection: Selection) -> str:
    return ", ".join(counted(name, len(selection.table(name))) for name in EXPORT_TABLES)


def _button(label_key: str, data, name: str, extension: str, key: str, icon: str, primary: bool = False,
            container=st, **label_values: object) -> None:
    # on_click="ignore": the download neither reruns the page nor loses the table selection;
    # a callable `data` is run only when the visitor clicks, on a thread of its own.
    container.download_button(t(f"explore.downloads.{label_key}", **label_values), data=data, file_name=name,
                              mime=MIME_TYPES[extension], on_click="ignore", key=key, icon=icon,
                              help=t(f"explore.downloads.{label_key}_help"), type="primary" if primary else "secondary")


def draw_downloads(atlas: Atlas, selection: Selection, permalink: str, key: str = "explore") -> None:
    """A CSV per table (chosen in a list), XLSX, JSON, GeoJSON and the ZIP bundle of exactly the filtered rows."""
    st.caption(t("explore.downloads.caption", counts=_counts(selection)))
    table = st.selectbox(
        t("explore.downloads.csv_table"), EXPORT_TABLES, key=f"{key}_csv_table",
        format_func=lambda name: t("explore.downloads.csv_option", label=t(f"explore.tab.{name}"),
                                   rows=counted("rows", len(selection.table(name)))))
    row = st.container(horizontal=True)
    _button("csv", partial(table_csv_bytes, atlas, selection, table), file_name(atlas, selection, "csv", table),
            "csv", f"{key}_download_csv", ":material/table:", container=row, table=t(f"explore.tab.{table}"))
    _button("xlsx", partial(to_xlsx_bytes, atlas, selection, permalink), file_name(atlas, selection, "xlsx"),
            "xlsx", f"{key}_download_xlsx", ":material/grid_on:", container=row)
    _button("json", partial(to_json_bytes, atlas, selection, permalink), file_name(atlas, selection, "json"),
            "json", f"{key}_download_json", ":material/data_object:", container=row)
    _button("geojson", partial(to_geojson_bytes, atlas, selection, permalink), file_name(atlas, selection, "geojson"),
            "geojson", f"{key}_download_geojson", ":material/location_on:", container=row)
    _button("zip", partial(to_zip_bytes, atlas, selection, permalink), file_name(atlas, selection, "zip"),
            "zip", f"{key}_download_zip", ":material/folder_zip:", primary=True, container=row)


def draw_citation(atlas: Atlas, url: str = "") -> None:
    """Ready citation text for the dataset version, and the same as BibTeX."""
    today = date.today()
    st.markdown(f"**{t('explore.cite.heading')}**")
    st.caption(t("explore.cite.text"))
    st.code(citation_text(atlas, today), language=None, wrap_lines=True)
    with st.expander(t("explore.cite.bibtex")):
        st.code(bibtex(atlas, url, today), language="bibtex")
