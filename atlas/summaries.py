"""Counts and aggregates for the Overview and About pages: KPIs, country comparison, latest events, sources, conflicts, data dictionary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from atlas import dates
from atlas.arrays import is_in
from atlas.filters import Selection
from atlas.i18n import t
from atlas.load import Atlas
from atlas.schema import FieldSpec, TableSpec

LUBAN_CATEGORY = "luban_workshop"
RECORD_TABLES = ("workshops", "events", "institutions", "claims")
# Tables whose rows may carry a conflict_note, with the column that names a row for people.
CONFLICT_TABLES = {"workshops": ("workshop_id", "name_en"), "events": ("event_id", "title")}
# Columns of first_conflicts after "table".
CONFLICT_COLUMNS = ("record_id", "name", "country_name", "conflict_note", "source_ids")
REGIONAL = ""  # events.country is empty for events that concern several Central Asian countries


@dataclass(frozen=True)
class Headline:
    """The KPI cards: what the current selection holds, in a handful of numbers."""

    workshops: int
    by_status: dict[str, int]
    countries_with_workshop: int
    chinese_partners: int
    other_events: int
    sources_cited: int


def statuses_in_use(atlas: Atlas) -> tuple[str, ...]:
    """Statuses that at least one workshop has, most advanced first (the schema lists them earliest first)."""
    present = set(atlas.workshops["status"].unique().tolist())
    return tuple(s for s in reversed(atlas.specs["workshops"].field("status").enum) if s in present)


def other_events_mask(events: pd.DataFrame) -> pd.Series:
    """Events that are not a Luban Workshop milestone: the wider cooperation around the workshops."""
    return (events["category"] != LUBAN_CATEGORY) & (events["workshop_id"] == "")


def chinese_partner_ids(atlas: Atlas, workshops: pd.DataFrame) -> set[str]:
    """Distinct partner institutions of these workshops that are seated in China."""
    china = atlas.countries.loc[atlas.countries["region"] == "china", "iso2"].tolist()
    partners = workshops["partner_institution_ids"].explode().dropna().unique().tolist()
    institutions = atlas.institutions
    # Looking the few partners up among the institutions, rather than building the set of every Chinese
    # institution's id, keeps this proportional to the selection.
    in_china = institutions["country"].isin(china).to_numpy(dtype=bool)
    seated_in_china = in_china & is_in(institutions["institution_id"], partners)
    return set(institutions.loc[seated_in_china, "institution_id"].tolist())


def headline(atlas: Atlas, selection: Selection) -> Headline:
    workshops = selection.workshops
    counts = workshops["status"].value_counts()
    return Headline(
        workshops=len(workshops),
        by_status={status: int(counts.get(status, 0)) for status in statuses_in_use(atlas)},
        countries_with_workshop=workshops["country"].nunique(),
        chinese_partners=len(chinese_partner_ids(atlas, workshops)),
        other_events=int(other_events_mask(selection.events).sum()),
        sources_cited=len(selection.sources),
    )


@dataclass(frozen=True)
class CountryComparison:
    """Workshops per country by status and other events per country by category; zeros kept, rows in display order."""

    names: pd.Series        # iso2 ("" for regional) -> display name, in display order
    workshops: pd.DataFrame  # index iso2, one column per status in use (most advanced first)
    events: pd.DataFrame     # index iso2, one column per category present in the selection (schema order)

    @property
    def is_empty(self) -> bool:
        return int(self.workshops.to_numpy().sum()) == 0 and int(self.events.to_numpy().sum()) == 0


def _counts(rows: pd.Series, columns: pd.Series, index: pd.Index, order: list[str]) -> pd.DataFrame:
    """How often each (row, column) pair occurs, on a fixed index and column order, zeros kept.

    The same table as `pd.crosstab(...).reindex(...)`, counted with one bincount instead of a pivot table."""
    row_codes = index.get_indexer(rows)
    column_codes = pd.Index(order, dtype=object).get_indexer(columns)
    known = (row_codes >= 0) & (column_codes >= 0)
    flat = np.bincount(row_codes[known] * len(order) + column_codes[known], minlength=len(index) * len(order))
    return pd.DataFrame(flat.reshape(len(index), len(order)), index=index.copy(),
                        columns=pd.Index(order, dtype="str"))


def country_comparison(atlas: Atlas, selection: Selection) -> CountryComparison:
    countries = atlas.countries
    chosen = set(selection.filters.countries)
    # Six rows: plain lists beat filtering and sorting a frame. Names are unique, so (name, code) sorts by name.
    central_asia = sorted((name, code) for code, name, region in zip(countries["iso2"].tolist(),
                                                                     countries["name_en"].tolist(),
                                                                     countries["region"].tolist())
                          if region == "central_asia" and (not chosen or code in chosen))
    names = pd.Series([name for name, _ in central_asia], index=[code for _, code in central_asia], dtype=object)
    # Only the two columns counted: taking every column of every selected event is most of the cost at scale.
    events = selection.events
    other = events.loc[other_events_mask(events).to_numpy(dtype=bool), ["country", "category"]]
    if (other["country"] == REGIONAL).any():
        names[REGIONAL] = t("region.regional")

    statuses = list(statuses_in_use(atlas))
    workshops = _counts(selection.workshops["country"], selection.workshops["status"], names.index, statuses)
    present = set(other["category"].unique())
    categories = [c for c in atlas.specs["events"].field("category").enum if c in present]
    events = _counts(other["country"], other["category"], names.index, categories)
    for frame in (workshops, events):
        frame.index.name, frame.columns.name = "country", None
    return CountryComparison(names=names, workshops=workshops, events=events)


@lru_cache(maxsize=8)
def _end_of(as_of: str) -> pd.Timestamp:
    # Parsing one partial date through the vectorised `spans` costs milliseconds; the data date rarely changes.
    return dates.spans(pd.Series([as_of]))[1].iloc[0]


def latest_events(selection: Selection, limit: int = 5, as_of: str = "") -> pd.DataFrame:
    """The most recent dated events, newest first; events starting after `as_of` (a partial date) are upcoming, not latest."""
    events = selection.events
    starts = events["date_start"].to_numpy()
    cutoff = _end_of(as_of)
    dated = ~np.isnat(starts)
    if pd.notna(cutoff):
        dated &= starts <= cutoff.to_datetime64()
    positions = np.flatnonzero(dated)
    if 0 < limit < len(positions):
        # Only events starting on or after the limit-th newest start can be among the latest (ties included),
        # so the three-key sort below runs on a handful of rows instead of every selected event.
        candidates = starts[positions]
        newest = np.partition(candidates, len(positions) - limit)[len(positions) - limit]
        positions = positions[candidates >= newest]
    # Sorted by the start of each span: a year-only '2024' starts in January, so it never jumps ahead of a
    # precise date later in 2024 merely because its span ends on 31 December. A dated event always has both
    # ends of its span, so the keys have no NaT.
    start_keys = starts[positions].view("int64")
    end_keys = events["date_end"].to_numpy()[positions].view("int64")
    ids = events["event_id"].iloc[positions].tolist()
    order = sorted(range(len(positions)), key=lambda i: (-start_keys[i], -end_keys[i], ids[i]))
    return events.iloc[positions[order][:limit]]


def most_cited_sources(atlas: Atlas, limit: int) -> pd.DataFrame:
    """The `limit` most cited sources with a `records` column (records citing each), ties in id order; only the
    sources that can be among them are sorted."""
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


def source_mix_by_country(atlas: Atlas) -> pd.DataFrame:
    """Distinct sources per country and side, from the workshops and events of each country (regional events as one
    row), counted on the links' (record, source) row positions rather than exploded id strings."""
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


def first_conflicts(atlas: Atlas, limit: int) -> tuple[pd.DataFrame, int]:
    """The first `limit` records whose sources disagree (non-empty conflict_note), and how many there are in all;
    only the rows returned are built."""
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


def _constraints(spec: TableSpec, field: FieldSpec) -> str:
    parts: list[str] = []
    if field.required:
        parts.append(t("about.constraint.required"))
    if field.unique:
        parts.append(t("about.constraint.unique"))
    if field.name == spec.primary_key:
        parts.append(t("about.constraint.primary_key"))
    if field.enum:
        parts.append(t("about.constraint.enum", values=", ".join(field.enum)))
    if field.pattern:
        parts.append(t("about.constraint.pattern", pattern=field.pattern))
    if field.minimum is not None:
        parts.append(t("about.constraint.minimum", minimum=f"{field.minimum:g}"))
    if field.maximum is not None:
        parts.append(t("about.constraint.maximum", maximum=f"{field.maximum:g}"))
    if field.list_delimiter:
        parts.append(t("about.constraint.list", delimiter=field.list_delimiter))
    references = [f"{table}.{ref}" for name, table, ref in spec.foreign_keys if name == field.name]
    if field.list_reference:
        references.append(".".join(field.list_reference))
    if references:
        parts.append(t("about.constraint.references", target=", ".join(references)))
    return "; ".join(parts)


def data_dictionary(specs: dict[str, TableSpec]) -> pd.DataFrame:
    """One row per field of every table: type, constraints in words, description (from datapackage.json)."""
    rows = [{"table": spec.name, "field": field.name, "type": field.type,
             "constraints": _constraints(spec, field), "description": field.description}
            for spec in specs.values() for field in spec.fields]
    return pd.DataFrame(rows, columns=["table", "field", "type", "constraints", "description"])


HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def readme_sections(text: str, level: int = 2) -> list[tuple[str, str]]:
    """Split Markdown into (heading, body) at headings of `level`; text before the first one has heading ''.

    Headings above `level` (the document title) are dropped; deeper headings stay inside their section;
    lines inside code fences are never taken for headings.
    """
    sections: list[tuple[str, list[str]]] = [("", [])]
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match and len(match.group(1)) == level:
            sections.append((match.group(2), []))
        elif match and len(match.group(1)) < level:
            continue
        else:
            sections[-1][1].append(line)
    result = [(heading, "\n".join(lines).strip()) for heading, lines in sections]
    return [(heading, body) for heading, body in result if heading or body]


def bibtex(atlas: Atlas) -> str:
    """A BibTeX @misc entry naming the exact data version."""
    package = atlas.package
    # Each contributor in braces: a group name like 'Luban Atlas contributors' is not split into first/last names.
    authors = " and ".join(f"{{{c['title']}}}" for c in package.get("contributors", []) if c.get("title"))
    licence = ", ".join(lic.get("name", "") for lic in package.get("licenses", []))
    version = atlas.version
    fields = {
        "author": authors,
        "title": package.get("title", ""),
        "year": (atlas.last_updated or "")[:4],
        "version": version,
        "date": atlas.last_updated,
        "howpublished": package.get("homepage", ""),
        "note": f"Dataset, version {version}" + (f", licence {licence}" if licence else ""),
    }
    key = f"luban_atlas_{re.sub(r'[^0-9A-Za-z]+', '_', version).strip('_') or 'dataset'}"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@misc{{{key},\n{body}\n}}"


COVERAGE_REGIONAL_KEY = "regional"  # x-coverage's key for events that concern several countries


def coverage(atlas: Atlas) -> pd.DataFrame:
    """Dated events per Central Asian country (and regional) and year, with how far each country was searched.

    One row per country code ('' = regional) with `period`, `languages`, `searched_through` from the package's
    `x-coverage`, then one integer column per year from the first event to the last year searched."""
    meta = atlas.package.get("x-coverage", {})
    per_country = meta.get("countries", {})
    codes = atlas.countries.loc[atlas.countries["region"] == "central_asia", "iso2"].tolist() + [REGIONAL]
    events = atlas.events[atlas.events["year_start"].notna()]
    through = [str(per_country.get(code or COVERAGE_REGIONAL_KEY, {}).get("searched_through", "")) for code in codes]
    last_searched = max((int(value[:4]) for value in through + [str(meta.get("searched_through", ""))]
                         if value[:4].isdigit()), default=atlas.year_bounds[1])
    years = list(range(atlas.year_bounds[0], max(atlas.year_bounds[1], last_searched) + 1))
    counts = pd.crosstab(events["country"], events["year_start"].astype(int)).reindex(index=codes, columns=years,
                                                                                         fill_value=0)
    table = pd.DataFrame({
        "country": codes,
        "period": [str(per_country.get(code or COVERAGE_REGIONAL_KEY, {}).get("period", "")) for code in codes],
        "languages": [tuple(per_country.get(code or COVERAGE_REGIONAL_KEY, {}).get("languages", ())) for code in codes],
        "searched_through": through,
    })
    return pd.concat([table, counts.fillna(0).astype(int).reset_index(drop=True)], axis=1)


def searched_through(atlas: Atlas) -> str:
    """The newest month ('YYYY-MM') the search for sources reached overall, or '' if the package does not say."""
    return str(atlas.package.get("x-coverage", {}).get("searched_through", ""))
