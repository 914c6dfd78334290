"""Counts and aggregates for the Overview and About pages: KPIs, country comparison, latest events, sources, conflicts, data dictionary."""

from __future__ import annotations

import re
from dataclasses import dataclass
import pandas as pd

from atlas import dates
from atlas.filters import Selection
from atlas.i18n import t
from atlas.load import Atlas
from atlas.schema import FieldSpec, TableSpec

LUBAN_CATEGORY = "luban_workshop"
RECORD_TABLES = ("workshops", "events", "institutions", "claims")
# Tables whose rows may carry a conflict_note, with the column that names a row for people.
CONFLICT_TABLES = {"workshops": ("workshop_id", "name_en"), "events": ("event_id", "title")}
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
    present = set(atlas.workshops["status"])
    return tuple(s for s in reversed(atlas.specs["workshops"].field("status").enum) if s in present)


def other_events_mask(events: pd.DataFrame) -> pd.Series:
    """Events that are not a Luban Workshop milestone: the wider cooperation around the workshops."""
    return (events["category"] != LUBAN_CATEGORY) & (events["workshop_id"] == "")


def chinese_partner_ids(atlas: Atlas, workshops: pd.DataFrame) -> set[str]:
    """Distinct partner institutions of these workshops that are seated in China."""
    china = set(atlas.countries.loc[atlas.countries["region"] == "china", "iso2"])
    seated_in_china = set(atlas.institutions.loc[atlas.institutions["country"].isin(china), "institution_id"])
    partners = set(workshops["partner_institution_ids"].explode().dropna())
    return partners & seated_in_china


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


def country_comparison(atlas: Atlas, selection: Selection) -> CountryComparison:
    countries = atlas.countries
    central_asia = countries[countries["region"] == "central_asia"].sort_values("name_en")
    if selection.filters.countries:
        central_asia = central_asia[central_asia["iso2"].isin(selection.filters.countries)]
    names = pd.Series(central_asia["name_en"].to_list(), index=central_asia["iso2"].to_list(), dtype=object)
    other = selection.events[other_events_mask(selection.events)]
    if (other["country"] == REGIONAL).any():
        names[REGIONAL] = t("region.regional")

    statuses = list(statuses_in_use(atlas))
    workshops = (pd.crosstab(selection.workshops["country"], selection.workshops["status"])
                 .reindex(index=names.index, columns=statuses, fill_value=0).fillna(0).astype(int))
    categories = [c for c in atlas.specs["events"].field("category").enum if c in set(other["category"])]
    events = (pd.crosstab(other["country"], other["category"])
              .reindex(index=names.index, columns=categories, fill_value=0).fillna(0).astype(int))
    for frame in (workshops, events):
        frame.index.name, frame.columns.name = "country", None
    return CountryComparison(names=names, workshops=workshops, events=events)


def latest_events(selection: Selection, limit: int = 5, as_of: str = "") -> pd.DataFrame:
    """The most recent dated events, newest first; events starting after `as_of` (a partial date) are upcoming, not latest."""
    events = selection.events[selection.events["date_start"].notna()]
    cutoff = dates.spans(pd.Series([as_of]))[1].iloc[0]
    if pd.notna(cutoff):
        events = events[events["date_start"] <= cutoff]
    # Sorted by the start of each span: a year-only '2024' starts in January, so it never jumps ahead of a
    # precise date later in 2024 merely because its span ends on 31 December.
    return events.sort_values(["date_start", "date_end", "event_id"], ascending=[False, False, True]).head(limit)


def citation_counts(atlas: Atlas) -> pd.Series:
    """How many records (workshops, events, institutions, claims) cite each source; 0 for uncited sources."""
    cited = pd.concat([atlas.table(name)["source_ids"].explode() for name in RECORD_TABLES]).dropna()
    return cited.value_counts().reindex(atlas.sources["source_id"], fill_value=0).astype(int)


def sources_with_counts(atlas: Atlas) -> pd.DataFrame:
    """Every source with the number of records citing it, most cited first."""
    sources = atlas.sources.copy()
    sources["records"] = citation_counts(atlas).to_numpy()
    return sources.sort_values(["records", "source_id"], ascending=[False, True]).reset_index(drop=True)


def source_mix_by_country(atlas: Atlas) -> pd.DataFrame:
    """Distinct sources per country and side, from the workshops and events of each country (regional events as one row)."""
    frames = [atlas.workshops[["country", "source_ids"]], atlas.events[["country", "source_ids"]]]
    citations = pd.concat(frames).explode("source_ids").dropna(subset=["source_ids"]).drop_duplicates()
    side = atlas.sources.set_index("source_id")["side"]
    citations["side"] = citations["source_ids"].map(side)
    sides = list(atlas.specs["sources"].field("side").enum)
    mix = pd.crosstab(citations["country"], citations["side"]).reindex(columns=sides, fill_value=0)
    names = atlas.countries.set_index("iso2")["name_en"]
    order = [c for c in names.sort_values().index if c in mix.index] + ([REGIONAL] if REGIONAL in mix.index else [])
    mix = mix.reindex(order).fillna(0).astype(int)
    mix.index = [names.get(code, t("region.regional")) if code else t("region.regional") for code in mix.index]
    mix.index.name, mix.columns.name = "country", None
    mix["total"] = mix[sides].sum(axis=1)
    return mix


def conflicts(atlas: Atlas) -> pd.DataFrame:
    """Every record whose sources disagree (non-empty conflict_note), with the record it affects."""
    rows = []
    for table, (key, label) in CONFLICT_TABLES.items():
        frame = atlas.table(table)
        noted = frame[frame["conflict_note"].fillna("").str.strip() != ""]
        rows.append(pd.DataFrame({
            "table": table, "record_id": noted[key].to_numpy(), "name": noted[label].to_numpy(),
            "country_name": noted["country_name"].fillna("").to_numpy(),
            "conflict_note": noted["conflict_note"].to_numpy(),
            "source_ids": noted["source_ids"].map(" | ".join).to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True)


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
