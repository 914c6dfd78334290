"""Pure builders for the Explore tables: Selection -> capped display frames with readable labels and column_config."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from atlas import Atlas, Filters, Selection, apply_filters
from atlas.dates import format_partial
from atlas.i18n import has_key, t
from atlas.permalink import active_params, to_query_string, without_param
from components.text import is_web_url

# The browser gets at most this many rows per table; downloads always carry every filtered row.
MAX_ROWS_SHOWN = 500
TABLE_ORDER = ("workshops", "events", "institutions", "sources", "claims")
ID_COLUMNS = {"workshops": "workshop_id", "events": "event_id", "institutions": "institution_id",
              "sources": "source_id", "claims": "claim_id"}
# Tables whose rows open the shared detail panel (components.detail) when selected.
DETAIL_KINDS = {"workshops": "workshop", "events": "event", "institutions": "institution"}
# Shows the site name instead of the whole address: the full URL stays in the cell and in the downloads.
LINK_DISPLAY = r"https?://(?:www\.)?([^/?#]+)"
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class DisplayTable:
    """One table as shown: at most MAX_ROWS_SHOWN rows, its true total, and how each column is drawn."""

    name: str
    frame: pd.DataFrame
    total: int
    column_config: dict[str, object]

    @property
    def shown(self) -> int:
        return len(self.frame)

    @property
    def truncated(self) -> bool:
        return self.shown < self.total

    def record_id(self, position: int) -> str | None:
        """The id of the row at a position reported by st.dataframe's selection (None if out of range)."""
        if not 0 <= position < self.shown:
            return None
        return str(self.frame.iloc[position][ID_COLUMNS[self.name]])


def counted(noun: str, count: int) -> str:
    """'1 workshop', '3 events', '0 sources' — singular and plural forms come from the locale."""
    return t(f"explore.count.{noun}_{'one' if count == 1 else 'other'}", count=count)


def selection_key(name: str, filters: Filters) -> str:
    """Widget key of a table; it changes with the filters, so a selected row never points at another view's row."""
    return f"explore_{name}_{hashlib.sha1(to_query_string(filters).encode()).hexdigest()[:10]}"


# ---------------------------------------------------------------- cell formatting

def _dates(values: pd.Series, precisions: pd.Series | None = None, empty: str | None = None) -> pd.Series:
    """'2 Mar 2023', 'Oct 2024', '2009' — as precise as the data; empty cells become `empty`."""
    precisions = precisions if precisions is not None else pd.Series(None, index=values.index)
    return pd.Series([format_partial(v, p) if isinstance(v, str) and v else empty
                      for v, p in zip(values, precisions)], index=values.index, dtype=object)


def _joined(values: pd.Series) -> pd.Series:
    return values.map(lambda items: LIST_SEPARATOR.join(items) if len(items) else None)


def _labels(values: pd.Series, section: str) -> pd.Series:
    return values.map(lambda v: t(f"{section}.{v}") if isinstance(v, str) and v else None)


def _first_source_url(atlas: Atlas, source_ids: pd.Series) -> pd.Series:
    urls = atlas.sources.set_index("source_id")["url"]

    def first(ids: tuple[str, ...]) -> str | None:
        for source_id in ids:
            url = urls.get(source_id)
            if is_web_url(url):
                return url
        return None

    return source_ids.map(first)


def _web_or_none(values: pd.Series) -> pd.Series:
    # LinkColumn makes every value clickable: only http(s) addresses may reach it (no javascript:, data:).
    return values.map(lambda url: url if is_web_url(url) else None)


def _students(frame: pd.DataFrame) -> pd.Series:
    def one(count, qualifier, as_of) -> str | None:
        if pd.isna(count):
            return None
        text = t(f"detail.qualifier_{qualifier or 'exact'}") + f"{int(count):,}"
        return f"{text} ({format_partial(as_of)})" if as_of else text
    return pd.Series([one(c, q, a) for c, q, a in zip(frame["students_trained"], frame["students_qualifier"],
                                                      frame["students_as_of"])], index=frame.index, dtype=object)


# ---------------------------------------------------------------- columns

def _text(key: str, **options) -> object:
    return st.column_config.TextColumn(t(f"explore.col.{key}"), help=_help(key), **options)


def _help(key: str) -> str | None:
    return t(f"explore.col_help.{key}") if has_key(f"explore.col_help.{key}") else None


def _year(key: str) -> object:
    return st.column_config.NumberColumn(t(f"explore.col.{key}"), help=_help(key), format="%d", width="small")


def _link(key: str) -> object:
    return st.column_config.LinkColumn(t(f"explore.col.{key}"), help=_help(key), display_text=LINK_DISPLAY)


def _id() -> object:
    return st.column_config.TextColumn(t("explore.col.id"), pinned=True, width="small")


def _workshops(atlas: Atlas, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    frame = frame.sort_values(["country_name", "first_year", "name_en"], na_position="last")
    display = pd.DataFrame({
        "workshop_id": frame["workshop_id"],
        "name": frame["name_en"],
        "country": frame["country_name"],
        "city": frame["city"],
        "status": _labels(frame["status"], "status"),
        "status_as_of": _dates(frame["status_as_of"]),
        "first_year": frame["first_year"],
        "mou": _dates(frame["mou_date"], frame["mou_precision"]),
        "opening": _dates(frame["opening_date"], frame["opening_precision"]),
        "host": frame["host_name"].replace("", None),
        "partners": _joined(frame["partner_names"]),
        "majors": _joined(frame["majors"]),
        "students": _students(frame),
        "location": _labels(frame["coord_precision"], "precision"),
        "sources": _joined(frame["source_ids"]),
        "source_link": _first_source_url(atlas, frame["source_ids"]),
    })
    config = {"workshop_id": _id(), "name": _text("workshop"),
              "first_year": _year("first_year"), "source_link": _link("source_link")}
    config |= {key: _text(key) for key in display.columns if key not in config}
    return display, config


def _events(atlas: Atlas, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    frame = frame.sort_values(["date_start", "event_id"], na_position="last")
    display = pd.DataFrame({
        "event_id": frame["event_id"],
        "date": _dates(frame["date"], frame["date_precision"], empty=t("precision.undated")),
        "year": frame["year_start"],
        "category": _labels(frame["category"], "category"),
        "milestone": _labels(frame["milestone"], "milestone"),
        "title": frame["title"],
        "country": frame["country_name"],
        "place": frame["place"].replace("", None),
        "institutions": _joined(frame["institution_names"]),
        "workshop": frame["workshop_id"].replace("", None),
        "sources": _joined(frame["source_ids"]),
        "source_link": _first_source_url(atlas, frame["source_ids"]),
    })
    config = {"event_id": _id(), "title": _text("title"), "year": _year("year"),
              "source_link": _link("source_link")}
    config |= {key: _text(key) for key in display.columns if key not in config}
    return display, config


def _institutions(atlas: Atlas, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    frame = frame.sort_values(["country_name", "name_en"], na_position="last")
    display = pd.DataFrame({
        "institution_id": frame["institution_id"],
        "name": frame["name_en"],
        "name_ru": frame["name_ru"].replace("", None),
        "name_zh": frame["name_zh"].replace("", None),
        "aliases": _joined(frame["aliases"]),
        "country": frame["country_name"],
        "city": frame["city"].replace("", None),
        "kind": _labels(frame["kind"], "explore.kind"),
        "location": _labels(frame["coord_precision"], "explore.location"),
        "sources": _joined(frame["source_ids"]),
        "source_link": _first_source_url(atlas, frame["source_ids"]),
    })
    config = {"institution_id": _id(), "name": _text("institution"),
              "source_link": _link("source_link")}
    config |= {key: _text(key) for key in display.columns if key not in config}
    return display, config


def citing_counts(selection: Selection) -> pd.Series:
    """How many of the selected records cite each source (index: source_id)."""
    ids = pd.concat([selection.table(name)["source_ids"].explode()
                     for name in ("workshops", "events", "institutions", "claims")])
    return ids.dropna().value_counts()


def _sources(atlas: Atlas, frame: pd.DataFrame, selection: Selection) -> tuple[pd.DataFrame, dict]:
    frame = frame.sort_values("source_id")
    display = pd.DataFrame({
        "source_id": frame["source_id"],
        "source_title": frame["title"].replace("", None),
        "publisher": frame["publisher"],
        "published": _dates(frame["published"], frame["published_precision"]),
        "side": _labels(frame["side"], "side"),
        "language": frame["language"],
        "mirror": frame["is_mirror"].astype(bool),
        "cited_by": frame["source_id"].map(citing_counts(selection)).fillna(0).astype(int),
        "url": _web_or_none(frame["url"]),
        "canonical_url": _web_or_none(frame["canonical_url"]),
    })
    config = {"source_id": _id(), "source_title": _text("source_title"),
              "mirror": st.column_config.CheckboxColumn(t("explore.col.mirror"), help=_help("mirror"), width="small"),
              "cited_by": st.column_config.NumberColumn(t("explore.col.cited_by"), help=_help("cited_by"),
                                                        format="%d", width="small"),
              "url": _link("url"), "canonical_url": _link("canonical_url")}
    config |= {key: _text(key) for key in display.columns if key not in config}
    return display, config


def _claims(atlas: Atlas, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    frame = frame.sort_values(["as_of_start", "claim_id"], na_position="last")
    display = pd.DataFrame({
        "claim_id": frame["claim_id"],
        "subject": frame["subject"],
        "value_as_stated": frame["value_as_stated"],
        "unit": frame["unit"],
        "scope": frame["scope"],
        "country": frame["country_name"].replace("", None),
        "as_of": _dates(frame["as_of"], frame["as_of_precision"]),
        "claimed_by": frame["claimed_by"],
        "sources": _joined(frame["source_ids"]),
        "source_link": _first_source_url(atlas, frame["source_ids"]),
    })
    config = {"claim_id": _id(), "subject": _text("subject"),
              "source_link": _link("source_link")}
    config |= {key: _text(key) for key in display.columns if key not in config}
    return display, config


def build_table(atlas: Atlas, selection: Selection, name: str, max_rows: int | None = None) -> DisplayTable:
    """The display frame of one selected table (sorted, labelled, capped) and its column_config.

    Only st.column_config builders are used here: they return plain dicts and draw nothing."""
    frame = selection.table(name)
    if name == "sources":
        display, config = _sources(atlas, frame, selection)
    else:
        display, config = {"workshops": _workshops, "events": _events, "institutions": _institutions,
                           "claims": _claims}[name](atlas, frame)
    limit = MAX_ROWS_SHOWN if max_rows is None else max_rows
    return DisplayTable(name, display.head(limit).reset_index(drop=True), len(display), config)


# ---------------------------------------------------------------- empty results and sources

@dataclass(frozen=True)
class WayOut:
    """Dropping this one filter (a URL parameter name) would bring back these many workshops and events."""

    param: str
    workshops: int
    events: int


def ways_out(atlas: Atlas, filters: Filters) -> list[WayOut]:
    """For an empty view: each active filter whose removal alone brings records back, most records first."""
    found = []
    for param in active_params(filters):
        relaxed = apply_filters(atlas, without_param(filters, param))
        if not relaxed.is_empty:
            found.append(WayOut(param, len(relaxed.workshops), len(relaxed.events)))
    return sorted(found, key=lambda way: -(way.workshops + way.events))


def citing_records(atlas: Atlas, selection: Selection, source_id: str) -> pd.DataFrame:
    """The selected records that cite one source: kind, id and name, for the sources tab's detail."""
    names = {"workshops": "name_en", "events": "title", "institutions": "name_en", "claims": "subject"}
    parts = []
    for table, name_column in names.items():
        frame = selection.table(table)
        citing = frame[frame["source_ids"].map(lambda ids: source_id in ids)]
        parts.append(pd.DataFrame({
            t("explore.col.record_kind"): t(f"explore.kind_of_record.{table}"),
            t("explore.col.id"): citing[ID_COLUMNS[table]].to_list(),
            t("explore.col.record_name"): citing[name_column].to_list(),
        }))
    return pd.concat(parts, ignore_index=True)
