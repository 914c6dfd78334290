"""Pure builders for the About page: display tables for the dictionary, sources, source mix and conflicts; README routing (no st.* calls)."""

from __future__ import annotations

import re

import pandas as pd

from atlas.dates import format_partial
from atlas.i18n import current_language, t
from components.text import md_escape

MAX_SOURCE_ROWS = 1000
# st.table is static HTML whose long notes wrap: a few hundred rows are already many screens of reading.
MAX_CONFLICT_ROWS = 200
DICTIONARY_COLUMNS = ("field", "type", "constraints", "description")
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


def sources_display(sources: pd.DataFrame, limit: int = MAX_SOURCE_ROWS) -> pd.DataFrame:
    """Sources as shown: readable date and side, the URL in its own column (rendered as a link by the page)."""
    shown = sources.head(limit)
    # Plain lists: iterating Arrow-backed columns element by element costs several times more.
    accessed = shown["accessed"].to_list() if "accessed" in shown.columns else [""] * len(shown)
    # A page with no date is cited the way style guides do: "n.d., accessed <date>".
    published = [format_partial(date, precision) if date
                 else t("detail.undated_accessed", date=format_partial(seen, "day")) if seen else t("precision.unknown")
                 for date, precision, seen in zip(shown["published"].to_list(), shown["published_precision"].to_list(),
                                                  accessed)]
    originals = [url if isinstance(url, str) and url else None for url in (shown["canonical_url"].to_list() if "canonical_url" in shown.columns
                                         else [""] * len(shown))]
    titles = [f"{title} [{english}]" if english else title for title, english in
              zip(shown["title"].to_list(), shown["title_en"].to_list() if "title_en" in shown.columns
                  else [""] * len(shown))]
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
        t("about.col_original"): originals,
        t("about.col_title"): titles,
    })


def mix_display(mix: pd.DataFrame) -> pd.DataFrame:
    sides = [c for c in mix.columns if c != "total"]
    table = mix.rename(columns={**{side: t(f"side.{side}") for side in sides}, "total": t("about.col_total")})
    return table.rename_axis(t("about.col_country")).reset_index()


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


def _language_names(codes: tuple[str, ...]) -> str:
    from babel import Locale
    shown_in = Locale.parse({"en": "en_GB"}.get(current_language(), current_language()))
    return ", ".join(Locale.parse(code).get_language_name(shown_in) or code for code in codes)


def coverage_display(coverage: pd.DataFrame, country_names: dict[str, str]) -> pd.DataFrame:
    """Records per country and year beside how far each country was searched; years past the search show '—'."""
    years = [column for column in coverage.columns if isinstance(column, int)]
    through = [int(value[:4]) if value[:4].isdigit() else None for value in coverage["searched_through"]]
    table = {
        t("about.col_country"): [country_names.get(code, code) if code else t("region.regional")
                                 for code in coverage["country"]],
        t("about.coverage.col_period"): [period.replace("/", " – ") or "—" for period in coverage["period"]],
        t("about.coverage.col_languages"): [_language_names(codes) or "—" for codes in coverage["languages"]],
        t("about.coverage.col_through"): [format_partial(value, "month") if value else "—"
                                          for value in coverage["searched_through"]],
    }
    for year in years:
        table[str(year)] = [str(count) if last is None or year <= last else "—"
                            for count, last in zip(coverage[year].to_list(), through)]
    return pd.DataFrame(table, dtype=object)
