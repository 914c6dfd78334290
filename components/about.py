"""Pure builders for the About page: display tables for the dictionary, sources, source mix and conflicts; README routing (no st.* calls)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from atlas.dates import format_partial
from atlas.i18n import t
from atlas.load import Atlas
from atlas.summaries import CONFLICT_TABLES, RECORD_TABLES, REGIONAL
from components.text import md_escape

MAX_SOURCE_ROWS = 1000
# st.table is static HTML whose long notes wrap: a few hundred rows are already many screens of reading.
MAX_CONFLICT_ROWS = 200
DICTIONARY_COLUMNS = ("field", "type", "constraints", "description")
# Columns of summaries.conflicts after "table", and the columns of the record tables they come from.
CONFLICT_COLUMNS = ("record_id", "name", "country_name", "conflict_note", "source_ids")
# README sections that the page places itself instead of in file order.
CHANGELOG_HEADING = re.compile(r"change\s*log|changes|version history|releases", re.IGNORECASE)
CONFLICT_HEADING = re.compile(r"conflict|disagree", re.IGNORECASE)


def anchor(heading: str) -> str:
    """A stable in-page anchor for a heading ('Inclusion criteria' -> 'inclusion-criteria')."""
    return re.sub(r"[^0-9a-z]+", "-", heading.casefold()).strip("-") or "section"


def split_changelog(sections: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(sections in file order without the changelog, the changelog sections) — the changelog goes last on the page."""
    body = [s for s in sections if not CHANGELOG_HEADING.search(s[0])]
    return body, [s for s in sections if CHANGELOG_HEADING.search(s[0])]


def is_conflict_section(heading: str) -> bool:
    return bool(CONFLICT_HEADING.search(heading))


def _escaped_table(columns: dict[str, list]) -> pd.DataFrame:
    # Object columns: at these sizes Arrow-backed strings cost more to build (and for st.table to convert) than
    # escaping every cell does.
    return pd.DataFrame({name: [md_escape(value) for value in values] for name, values in columns.items()},
                        dtype=object)


def _dictionary_columns() -> dict[str, str]:
    return {"field": t("about.col_field"), "type": t("about.col_type"),
            "constraints": t("about.col_constraints"), "description": t("about.col_description")}


def dictionary_display(dictionary: pd.DataFrame) -> pd.DataFrame:
    """For st.table, which renders cells as Markdown: patterns like '^S-\\d{3}$' must show literally (and '$' is not maths)."""
    return _escaped_table({label: dictionary[column].to_list() for column, label in _dictionary_columns().items()})


def dictionary_tables(dictionary: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """dictionary_display for every data table, in one pass over plain lists (a frame filter per table cost more)."""
    cells = {column: dictionary[column].to_list() for column in ("table", *DICTIONARY_COLUMNS)}
    rows: dict[str, list[int]] = {}
    for position, table in enumerate(cells["table"]):
        rows.setdefault(table, []).append(position)
    labels = _dictionary_columns()
    return {table: _escaped_table({labels[column]: [cells[column][i] for i in positions]
                                   for column in DICTIONARY_COLUMNS})
            for table, positions in rows.items()}


def most_cited_sources(atlas: Atlas, limit: int = MAX_SOURCE_ROWS) -> pd.DataFrame:
    """The first `limit` rows of summaries.sources_with_counts, sorting only the sources that can be among them."""
    # The links hold every citation as a row position already: no source id is hashed again on each run.
    cited = [atlas.links.lists[(name, "source_ids")].targets for name in RECORD_TABLES]
    records = np.bincount(np.concatenate(cited), minlength=len(atlas.sources)).astype(np.int64)
    candidates = np.arange(len(records))
    if 0 < limit < len(records):
        # Whatever the ties at the limit-th highest count, every row shown has at least that count.
        threshold = np.partition(records, len(records) - limit)[len(records) - limit]
        candidates = np.flatnonzero(records >= threshold)
    keys = pd.DataFrame({"records": records[candidates], "row": candidates,
                         "source_id": atlas.sources["source_id"].take(candidates).to_numpy()})
    shown = keys.sort_values(["records", "source_id"], ascending=[False, True])["row"].to_numpy()[:max(limit, 0)]
    return atlas.sources.iloc[shown].assign(records=records[shown]).reset_index(drop=True)


def sources_display(sources: pd.DataFrame, limit: int = MAX_SOURCE_ROWS) -> pd.DataFrame:
    """Sources as shown: readable date and side, the URL in its own column (rendered as a link by the page)."""
    shown = sources.head(limit)
    # Plain lists: iterating Arrow-backed columns element by element costs several times more.
    published = [format_partial(date, precision) if date else t("precision.unknown")
                 for date, precision in zip(shown["published"].to_list(), shown["published_precision"].to_list())]
    sides = {side: t(f"side.{side}") for side in set(shown["side"].to_list())}
    # Short columns first so the counts and links are visible without scrolling sideways; the long title last.
    return pd.DataFrame({
        t("about.col_id"): shown["source_id"].to_list(),
        t("about.col_publisher"): shown["publisher"].to_list(),
        t("about.col_side"): [sides[side] for side in shown["side"].to_list()],
        t("about.col_published"): published,
        t("about.col_language"): shown["language"].to_list(),
        t("about.col_mirror"): shown["is_mirror"].astype(bool).to_list(),
        t("about.col_records"): shown["records"].astype(int).to_list(),
        t("about.col_link"): shown["url"].to_list(),
        t("about.col_title"): shown["title"].to_list(),
    })


def source_mix(atlas: Atlas) -> pd.DataFrame:
    """summaries.source_mix_by_country, counted on the links' (record, source) row positions, not exploded strings."""
    frames = ("workshops", "events")
    country_codes, country_values = pd.factorize(pd.concat([atlas.table(name)["country"] for name in frames],
                                                           ignore_index=True))
    offsets = np.cumsum([0] + [len(atlas.table(name)) for name in frames])
    links = [atlas.links.lists[(name, "source_ids")] for name in frames]
    countries = np.concatenate([country_codes[offset + link.rows] for offset, link in zip(offsets, links)])
    cited = np.concatenate([link.targets for link in links])
    # Each source counts once per country, however many of its records cite it. A (country, source) grid of flags
    # holds a few MB at 1000x (countries that have records x sources) and is several times faster than sorting.
    cited_by = np.zeros(len(country_values) * len(atlas.sources), dtype=bool)
    cited_by[countries[countries >= 0].astype(np.int64) * len(atlas.sources) + cited[countries >= 0]] = True
    pair_countries, pair_rows = np.divmod(np.flatnonzero(cited_by), max(len(atlas.sources), 1))
    sides = list(atlas.specs["sources"].field("side").enum)
    side_of_source, side_values = pd.factorize(atlas.sources["side"])
    # Position in `sides` of each side value; the extra last entry maps a missing side (code -1) to -1.
    side_position = np.array([sides.index(side) if side in sides else -1 for side in side_values] + [-1],
                             dtype=np.int64)
    side_codes = side_position[side_of_source[pair_rows]]
    # Like the crosstab: a citation of a source without a side neither counts nor lists its country.
    listed = set(pair_countries[side_of_source[pair_rows] >= 0].tolist())
    counted = side_codes >= 0
    counts = np.bincount(pair_countries[counted] * len(sides) + side_codes[counted],
                         minlength=len(country_values) * len(sides)).reshape(len(country_values), len(sides))
    row_of = {country_values[code]: code for code in listed}
    names = dict(zip(atlas.countries["iso2"].to_list(), atlas.countries["name_en"].to_list()))
    order = sorted((code for code in names if code in row_of), key=names.__getitem__)
    order += [REGIONAL] if REGIONAL in row_of else []
    labels = [names.get(code, t("region.regional")) if code else t("region.regional") for code in order]
    mix = pd.DataFrame(counts[[row_of[code] for code in order]].astype(np.int64), columns=sides,
                       index=pd.Index(labels, name="country"))
    mix["total"] = mix[sides].sum(axis=1)
    return mix


def mix_display(mix: pd.DataFrame) -> pd.DataFrame:
    sides = [c for c in mix.columns if c != "total"]
    table = mix.rename(columns={**{side: t(f"side.{side}") for side in sides}, "total": t("about.col_total")})
    return table.rename_axis(t("about.col_country")).reset_index()


def first_conflicts(atlas: Atlas, limit: int = MAX_CONFLICT_ROWS) -> tuple[pd.DataFrame, int]:
    """The first `limit` rows of summaries.conflicts and how many rows it has; only the rows returned are built."""
    columns: dict[str, list] = {name: [] for name in ("table", *CONFLICT_COLUMNS)}
    total = 0
    for table, (key, label) in CONFLICT_TABLES.items():
        frame = atlas.table(table)
        noted = np.flatnonzero((frame["conflict_note"].fillna("").str.strip() != "").to_numpy(dtype=bool))
        # The rows before this table's already count towards the limit.
        shown = frame[[key, label, "country_name", "conflict_note", "source_ids"]].iloc[noted[:max(limit - total, 0)]]
        total += len(noted)
        columns["table"] += [table] * len(shown)
        columns["record_id"] += shown[key].to_list()
        columns["name"] += shown[label].to_list()
        columns["country_name"] += shown["country_name"].fillna("").to_list()
        columns["conflict_note"] += shown["conflict_note"].to_list()
        columns["source_ids"] += [" | ".join(ids) for ids in shown["source_ids"]]
    return pd.DataFrame(columns), total


def conflicts_display(conflicts: pd.DataFrame, limit: int = MAX_CONFLICT_ROWS) -> pd.DataFrame:
    """The first `limit` rows for st.table (long notes wrap there), Markdown-escaped so record text shows as typed."""
    shown = conflicts.head(limit)
    return _escaped_table({
        t("about.col_record"): shown["record_id"].to_list(),
        t("about.col_name"): shown["name"].to_list(),
        t("about.col_country"): shown["country_name"].to_list(),
        t("about.col_conflict"): shown["conflict_note"].to_list(),
        t("about.col_sources"): shown["source_ids"].to_list(),
    })
