"""Checks every table against the schema and the atlas rules; collects all problems, never stops at the first."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from atlas import dates, geo
from atlas.errors import Problem
from atlas.i18n import t
from atlas.schema import TableSpec
from atlas.unicode_tables import PYTHON_WHITESPACE

TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}
# (date field, precision field) pairs whose text length must agree with the stated precision.
DATE_PRECISION_PAIRS = {"events": ("date", "date_precision"), "sources": ("published", "published_precision"),
                        "claims": ("as_of", "as_of_precision")}
# Which country a table's point must fall inside.
POINT_COUNTRY_FIELD = {"institutions": "country", "workshops": "country", "events": "place_country"}
# Milestones that must come in this order for each workshop (first occurrence of each).
MILESTONE_ORDER = (("mou",), ("agreement",), ("trial_operation", "partial_opening", "opening"))
MAX_PROBLEMS_PER_CHECK = 200


def line_numbers(index: pd.Index) -> np.ndarray:
    """Row index -> line number in the CSV file (the header is line 1)."""
    return np.asarray(index) + 2


def _problems(spec: TableSpec, column: str, mask: pd.Series, make_message, root_cause: bool = False) -> list[Problem]:
    rows = mask[mask].index[:MAX_PROBLEMS_PER_CHECK]
    return [Problem(spec.path, int(i) + 2, column, make_message(i), root_cause=root_cause) for i in rows]


# Escapes whose RE2 meaning is wider than Python's (\\D takes Unicode digits that Python's \\d also takes, \\b sees
# ASCII words only): a pattern with one is matched by Python alone.
_WIDER_IN_RE2 = ("\\D", "\\W", "\\s", "\\w", "\\b", "\\B", "(?")


def fullmatches(column: pd.Series, pattern: str) -> np.ndarray:
    """column.str.fullmatch(pattern) as Python's re answers it, with RE2 in Arrow as a first pass.

    pandas hands any pattern with \\d or \\S to Python per value (seconds for 183,000 sources at 1000x). RE2
    reads \\d as ASCII digits, a subset of Python's, and \\S is written out as Python's (not str.isspace()), so
    whatever RE2 accepts Python accepts too; only the values RE2 rejects are asked of Python.
    """
    # Also Python's own alone: an escaped backslash, '{,n}' (RE2 reads it literally), \\S inside a [class].
    if (any(escape in pattern for escape in _WIDER_IN_RE2) or "\\\\" in pattern or "{," in pattern
            or re.search(r"\[[^\]]*\\S", pattern)):
        return column.str.fullmatch(pattern).to_numpy(dtype=bool)
    whitespace = "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_WHITESPACE)
    translated = pattern.replace("\\S", f"[^{whitespace}]")
    try:
        matched = pc.match_substring_regex(pa.array(column.array, type=pa.large_string()), f"^(?:{translated})$")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return column.str.fullmatch(pattern).to_numpy(dtype=bool)
    result = matched.to_numpy(zero_copy_only=False).astype(bool)
    rejected = np.flatnonzero(~result)
    if len(rejected):
        result[rejected] = column.iloc[rejected].str.fullmatch(pattern).to_numpy(dtype=bool)
    return result


def check_fields(spec: TableSpec, frame: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    for field in spec.fields:
        if field.name not in frame.columns:
            continue
        column = frame[field.name]
        empty = column == ""
        present = ~empty
        if field.required:
            problems += _problems(spec, field.name, empty, lambda i: t("validate.required"))
        if field.type in ("number", "integer"):
            numbers = pd.to_numeric(column.where(present), errors="coerce")
            bad = present & numbers.isna()
            problems += _problems(spec, field.name, bad, lambda i: t("validate.not_number", value=column[i]))
            if field.type == "integer":
                not_whole = present & ~bad & ~fullmatches(column, r"[+-]?\d+")
                problems += _problems(spec, field.name, not_whole, lambda i: t("validate.not_integer", value=column[i]))
            if field.minimum is not None:
                problems += _problems(spec, field.name, numbers < field.minimum,
                                      lambda i: t("validate.below_minimum", value=column[i], minimum=field.minimum))
            if field.maximum is not None:
                problems += _problems(spec, field.name, numbers > field.maximum,
                                      lambda i: t("validate.above_maximum", value=column[i], maximum=field.maximum))
        if field.type == "boolean":
            bad = present & ~column.isin(TRUE_VALUES | FALSE_VALUES)
            problems += _problems(spec, field.name, bad, lambda i: t("validate.not_boolean", value=column[i]))
        if field.enum is not None:
            bad = present & ~column.isin(field.enum)
            allowed = ", ".join(field.enum)
            problems += _problems(spec, field.name, bad,
                                  lambda i: t("validate.not_in_enum", value=column[i], allowed=allowed))
        if field.pattern is not None:
            bad = present & ~fullmatches(column, field.pattern)
            problems += _problems(spec, field.name, bad,
                                  lambda i: t("validate.bad_pattern", value=column[i], pattern=field.pattern))
            if "\\d{4}" in field.pattern and "-" in field.pattern:
                start, _ = dates.spans(column.where(present & ~bad, ""))
                unreal = present & ~bad & start.isna()
                problems += _problems(spec, field.name, unreal, lambda i: t("validate.bad_date", value=column[i]))
        if field.unique:
            duplicated = present & column.duplicated(keep="first")
            first_line = column[present].drop_duplicates(keep="first")
            first_row = pd.Series(first_line.index + 2, index=first_line.values)
            # A repeated id is why references to the row it overwrote go missing: listed first.
            problems += _problems(spec, field.name, duplicated, lambda i: t(
                "validate.duplicate", value=column[i], other_row=int(first_row[column[i]])),
                root_cause=field.name == spec.primary_key)
        if field.type == "date":
            # Frictionless 'date': a full calendar day, YYYY-MM-DD.
            form_ok = fullmatches(column, r"\d{4}-\d{2}-\d{2}")
            problems += _problems(spec, field.name, present & ~form_ok,
                                  lambda i: t("validate.not_iso_date", value=column[i]))
            start, _ = dates.spans(column.where(present & form_ok, ""))
            problems += _problems(spec, field.name, present & form_ok & start.isna(),
                                  lambda i: t("validate.bad_date", value=column[i]))
    return problems


def check_references(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame],
                     splits: dict[tuple[str, str], SplitColumn] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    splits = {} if splits is None else splits
    keys = {name: _key_array(frame[specs[name].primary_key]) for name, frame in raw.items()
            if specs[name].primary_key in frame.columns}
    # A table with a repeated id has lost a row's id: references to it are summarised, not listed one by one.
    repeated = {name: _first_repeated_line(frame[specs[name].primary_key]) for name, frame in raw.items()
                if specs[name].primary_key in frame.columns}
    for name, frame in raw.items():
        spec = specs[name]
        for field_name, table, ref_field in spec.foreign_keys:
            if field_name not in frame.columns or table not in keys:
                continue
            column = frame[field_name]
            bad = (column != "") & ~_known(column, keys[table])
            if repeated.get(table) is not None and bad.any():
                problems.append(_after_duplicate(spec, field_name, bad[bad].index, column[bad].tolist(), table,
                                                 specs[table], repeated[table]))
                continue
            problems += _problems(spec, field_name, bad, lambda i, c=column, tb=table, rf=ref_field: t(
                "validate.unknown_reference", value=c[i], field=rf, table=tb))
        for field in spec.fields:
            if field.list_reference is None or field.name not in frame.columns:
                continue
            table, ref_field = field.list_reference
            if table not in keys:
                continue
            split = splits.get((name, field.name)) if field.list_delimiter else None
            split = split if split is not None else split_items(frame[field.name], field.list_delimiter)
            unknown = np.flatnonzero(~_known(split.items, keys[table]))
            if not len(unknown):
                continue
            rows = frame.index[split.rows[unknown]]
            values = split.items.take(pa.array(unknown)).to_pylist()
            if repeated.get(table) is not None:
                problems.append(_after_duplicate(spec, field.name, rows, values, table, specs[table], repeated[table]))
                continue
            for i, value in list(zip(rows, values))[:MAX_PROBLEMS_PER_CHECK]:
                problems.append(Problem(spec.path, int(i) + 2, field.name, t(
                    "validate.unknown_reference", value=value, field=ref_field, table=table)))
    return problems


def _first_repeated_line(keys: pd.Series) -> int | None:
    """Line of the first row whose id repeats an earlier one, or None."""
    repeated = (keys != "") & keys.duplicated(keep="first")
    return int(repeated.idxmax()) + 2 if repeated.any() else None


def _after_duplicate(spec: TableSpec, column: str, rows: pd.Index, values: list[str], table: str,
                     table_spec: TableSpec, repeated_line: int) -> Problem:
    """One line for every reference a repeated id may explain, at the first row that has one."""
    return Problem(spec.path, int(rows[0]) + 2, column, t(
        "validate.references_after_duplicate", count=len(values), first=values[0], table=table_spec.path,
        field=table_spec.primary_key, line=repeated_line))


@dataclass(frozen=True)
class SplitColumn:
    """A list column split once: its trimmed, non-empty items in order, and the row position of each item."""

    items: pa.LargeStringArray
    rows: np.ndarray
    row_count: int

    def cells(self) -> list[list[str]]:
        """Each row's items as a Python list."""
        counts = np.bincount(self.rows, minlength=self.row_count)
        ends = np.cumsum(counts).tolist()
        items = self.items.to_pylist()
        return [items[start:end] for start, end in zip([0] + ends[:-1], ends)]

    def tuples(self) -> list[tuple[str, ...]]:
        """Each row's items as a tuple (what the Atlas's list columns hold)."""
        counts = np.bincount(self.rows, minlength=self.row_count).tolist()
        items = iter(self.items.to_pylist())
        return [tuple(islice(items, count)) if count else () for count in counts]


def split_items(column: pd.Series, delimiter: str | None) -> SplitColumn:
    """'a | b' -> items 'a', 'b' of that row; empty cells have none. The one split that validation, typing and
    links share (splitting each list column once per use cost seconds at 1000x)."""
    # Split, trim and drop empty parts in Arrow. Trimmed of exactly the characters str.strip() removes
    # (Python's isspace).
    array = pa.array(column.fillna(""), type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    parts = pc.split_pattern(array, pattern=delimiter or "|")
    trimmed = pc.utf8_trim(parts.flatten(), characters=PYTHON_WHITESPACE)
    kept = pc.not_equal(trimmed, "")
    rows = pc.list_parent_indices(parts).to_numpy()[kept.to_numpy(zero_copy_only=False)].astype(np.int64)
    return SplitColumn(trimmed.filter(kept), rows, len(array))


def split_list(column: pd.Series, delimiter: str | None) -> pd.Series:
    """'a | b' -> ['a', 'b'] for every cell; empty cells become []."""
    return pd.Series(split_items(column, delimiter).cells(), index=column.index, dtype=object)


def list_splits(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame]) -> dict[tuple[str, str], SplitColumn]:
    """(table, field) -> its split, for every list field present: computed once, used by every check and step."""
    return {(name, field.name): split_items(frame[field.name], field.list_delimiter)
            for name, frame in raw.items() for field in specs[name].fields
            if field.list_delimiter and field.name in frame.columns}


def _key_array(column: pd.Series) -> pa.Array:
    return pc.unique(pa.array(column.array, type=pa.large_string()))


def _known(values: pa.Array | pd.Series, keys: pa.Array) -> np.ndarray:
    """Is each value one of the keys (Arrow hashes them; pandas 3's isin boxes every value)."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values.array, type=pa.large_string())
    return pc.is_in(array.cast(pa.large_string()), value_set=keys).to_numpy(zero_copy_only=False)


def check_date_precision(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    for name, (date_field, precision_field) in DATE_PRECISION_PAIRS.items():
        frame = raw.get(name)
        if frame is None or date_field not in frame.columns or precision_field not in frame.columns:
            continue
        spec = specs[name]
        text, precision = frame[date_field], frame[precision_field]
        implied = text.str.len().map(dates.PRECISION_BY_LENGTH)
        dated = text != ""
        mismatch = dated & precision.isin(["day", "month", "year"]) & (implied != precision)
        problems += _problems(spec, date_field, mismatch, lambda i: t(
            "validate.precision_mismatch", value=text[i], precision=precision[i]))
        no_date_claimed = dated & precision.isin(["undated", "unknown"])
        problems += _problems(spec, date_field, no_date_claimed, lambda i: t("validate.undated_with_date"))
        missing = ~dated & precision.isin(["day", "month", "year"])
        problems += _problems(spec, date_field, missing, lambda i: t("validate.required"))
    return problems


def check_outlines(file: str, outlines: object) -> list[Problem]:
    """The outline file's shape: a FeatureCollection whose features carry an iso2 and a (Multi)Polygon of lon/lat rings."""
    features = outlines.get("features") if isinstance(outlines, dict) else None
    if not isinstance(features, list):
        return [Problem(file, None, None, t("validate.not_feature_collection"), root_cause=True)]
    problems = []
    for index, feature in enumerate(features):
        if not _is_country_outline(feature):
            problems.append(Problem(file, None, None, t("validate.bad_outline_feature", index=index + 1),
                                    root_cause=True))
            if len(problems) >= MAX_PROBLEMS_PER_CHECK:
                break
    return problems


def _is_country_outline(feature: object) -> bool:
    try:
        if not isinstance(feature["properties"]["iso2"], str):
            return False
        geometry = feature["geometry"]
        polygons = {"Polygon": lambda c: [c], "MultiPolygon": lambda c: c}[geometry["type"]](geometry["coordinates"])
        for polygon in polygons:
            for ring in polygon:
                points = np.asarray(ring, dtype=float)
                if points.ndim != 2 or points.shape[1] < 2 or len(points) < 4:
                    return False
        return len(polygons) > 0
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def check_points(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame], outlines: dict) -> list[Problem]:
    problems: list[Problem] = []
    rings = geo.rings_by_country(outlines)
    for name, country_field in POINT_COUNTRY_FIELD.items():
        frame = raw.get(name)
        if frame is None or not {"lat", "lon", country_field} <= set(frame.columns):
            continue
        spec = specs[name]
        lat = pd.to_numeric(frame["lat"], errors="coerce")
        lon = pd.to_numeric(frame["lon"], errors="coerce")
        half = (frame["lat"] == "") != (frame["lon"] == "")
        problems += _problems(spec, "lat", half, lambda i: t("validate.half_coordinate"))
        located = lat.notna() & lon.notna() & lat.between(-90, 90) & lon.between(-180, 180)
        for country, group in frame[located].groupby(country_field):
            if country == "":
                continue
            if country not in rings:
                problems += _problems(spec, country_field, frame.index.to_series().isin(group.index),
                                      lambda i, c=country: t("validate.unknown_outline", country=c))
                continue
            inside = geo.points_inside(lon[group.index].to_numpy(), lat[group.index].to_numpy(), rings[country])
            outside = pd.Series(~inside, index=group.index).reindex(frame.index, fill_value=False)
            problems += _problems(spec, "lat", outside, lambda i, c=country: t(
                "validate.outside_country", lat=lat[i], lon=lon[i], country=c))
    return problems


def check_milestones(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame]) -> list[Problem]:
    events = raw.get("events")
    if events is None or not {"workshop_id", "milestone", "date"} <= set(events.columns):
        return []
    spec = specs["events"]
    linked = events["workshop_id"] != ""
    problems = _problems(spec, "milestone", linked & (events["milestone"] == ""), lambda i: t("validate.milestone_needed"))
    start, end = dates.spans(events["date"])
    frame = pd.DataFrame({"workshop": events["workshop_id"], "milestone": events["milestone"],
                          "date": events["date"], "start": start, "end": end})[linked & start.notna()]
    for stage_index, stage in enumerate(MILESTONE_ORDER):
        for later_stage in MILESTONE_ORDER[stage_index + 1:]:
            earlier = frame[frame["milestone"].isin(stage)].sort_values("start").groupby("workshop").head(1)
            later = frame[frame["milestone"].isin(later_stage)].sort_values("start").groupby("workshop").head(1)
            pairs = earlier.reset_index().merge(later.reset_index(), on="workshop", suffixes=("_a", "_b"))
            # Only a definite reversal counts: the later step ends before the earlier step can have begun.
            reversed_pairs = pairs[pairs["end_b"] < pairs["start_a"]]
            for _, pair in reversed_pairs.iterrows():
                problems.append(Problem(spec.path, int(pair["index_b"]) + 2, "date", t(
                    "validate.milestone_order", later=pair["milestone_b"], later_date=pair["date_b"],
                    earlier=pair["milestone_a"], earlier_date=pair["date_a"], workshop=pair["workshop"])))
    return problems


def check_centroids(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame], outlines: dict) -> list[Problem]:
    """A country's label point lies inside that country's own outline (0, 0 or swapped lat/lon would not)."""
    countries = raw.get("countries")
    if countries is None or not {"iso2", "centroid_lat", "centroid_lon"} <= set(countries.columns):
        return []
    spec = specs["countries"]
    rings = geo.rings_by_country(outlines)
    lat = pd.to_numeric(countries["centroid_lat"], errors="coerce")
    lon = pd.to_numeric(countries["centroid_lon"], errors="coerce")
    # Out-of-range or non-numeric values are already reported by the field checks.
    located = lat.notna() & lon.notna() & lat.between(-90, 90) & lon.between(-180, 180)
    problems: list[Problem] = []
    for country, group in countries[located].groupby("iso2"):
        if country not in rings:
            problems += _problems(spec, "centroid_lat", countries.index.to_series().isin(group.index),
                                  lambda i, c=country: t("validate.unknown_outline", country=c))
            continue
        inside = geo.points_inside(lon[group.index].to_numpy(), lat[group.index].to_numpy(), rings[country])
        outside = pd.Series(~inside, index=group.index).reindex(countries.index, fill_value=False)
        problems += _problems(spec, "centroid_lat", outside, lambda i, c=country: t(
            "validate.centroid_outside", lat=lat[i], lon=lon[i], country=c))
    return problems


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or empty text when an older dataset does not have it yet."""
    return frame[name] if name in frame.columns else pd.Series("", index=frame.index, dtype=object)


def check_sources(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every source reads as a citation: a title, a date (or n.d. with the day it was read), a copy's original."""
    sources = raw.get("sources")
    if sources is None:
        return []
    spec = specs["sources"]
    names = set(spec.field_names)
    problems: list[Problem] = []
    if "title" in sources.columns and not ("title" in names and spec.field("title").required):
        problems += _problems(spec, "title", sources["title"] == "", lambda i: t("validate.source_no_title"))
    if {"published", "published_precision"} <= set(sources.columns):
        published, precision = sources["published"], sources["published_precision"]
        accessed = _text_column(sources, "accessed")
        # 'undated' is the explicit n.d.: the page carries no date, so the day it was read must be given.
        no_date = (published == "") & (precision == "unknown")
        problems += _problems(spec, "published", no_date, lambda i: t("validate.source_no_date"))
        undated_unread = (published == "") & (precision == "undated") & (accessed == "")
        problems += _problems(spec, "accessed", undated_unread, lambda i: t("validate.undated_needs_accessed"))
    if "is_mirror" in sources.columns:
        mirror = sources["is_mirror"].isin(TRUE_VALUES)
        orphan = mirror & (_text_column(sources, "canonical_url") == "") & (_text_column(sources, "original_note") == "")
        problems += _problems(spec, "canonical_url", orphan, lambda i: t("validate.mirror_without_original"))
    return problems


def check_mirror_only_records(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame]) -> list[Problem]:
    """Warnings (never errors): records whose every cited source is a mirror copy. Not capped: the CLI counts them."""
    sources = raw.get("sources")
    if sources is None or not {"source_id", "is_mirror"} <= set(sources.columns):
        return []
    mirror_ids = set(sources["source_id"][sources["is_mirror"].isin(TRUE_VALUES)].tolist())
    if not mirror_ids:
        return []
    warnings: list[Problem] = []
    for name, frame in raw.items():
        spec = specs[name]
        for field in spec.fields:
            if field.list_reference != ("sources", "source_id") or field.name not in frame.columns:
                continue
            positions = np.flatnonzero(_cites_only(frame[field.name], field.list_delimiter, mirror_ids))
            # One take for all flagged rows: a pandas lookup per row cost 30 s for 14,000 warnings at 1000x.
            texts = frame[field.name].iloc[positions].tolist()
            lines = (frame.index[positions] + 2).tolist()
            for line, text in zip(lines, texts):
                cited = " | ".join(part.strip() for part in text.split(field.list_delimiter or "|") if part.strip())
                warnings.append(Problem(spec.path, int(line), field.name, t("validate.only_mirrors", ids=cited),
                                        warning=True))
    return warnings


def _cites_only(column: pd.Series, delimiter: str | None, ids: set[str]) -> np.ndarray:
    """Per row: True when the row cites at least one id and every id it cites is in `ids`.

    Split, trim and membership run in Arrow: at 1000x (240,000 id lists) a Python split per cell cost seconds.
    """
    lists = pc.split_pattern(pa.array(column, type=pa.string()), delimiter or "|")
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    items = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    row = np.repeat(np.arange(len(column)), lengths)
    named = pc.not_equal(items, "").to_numpy(zero_copy_only=False)
    # An unknown id is not in `ids`, so a row citing one is never flagged (it is reported as an error of its own).
    listed = named & pc.is_in(items, value_set=pa.array(list(ids), type=pa.string())).to_numpy(zero_copy_only=False)
    cited = np.bincount(row[named], minlength=len(column))
    return (cited > 0) & (np.bincount(row[listed], minlength=len(column)) == cited)


def validate_tables(specs: dict[str, TableSpec], raw: dict[str, pd.DataFrame], outlines: dict | None,
                    splits: dict[tuple[str, str], SplitColumn] | None = None) -> list[Problem]:
    """Every problem in the already-read tables (header problems are found while reading); warnings flagged as such.

    `outlines` is None when the outline file itself is broken: that is reported once, not as a doubt about every point.
    """
    problems: list[Problem] = []
    for name, frame in raw.items():
        problems += check_fields(specs[name], frame)
    problems += check_references(specs, raw, splits)
    problems += check_date_precision(specs, raw)
    if outlines is not None:
        problems += check_points(specs, raw, outlines)
        problems += check_centroids(specs, raw, outlines)
    problems += check_milestones(specs, raw)
    problems += check_sources(specs, raw)
    problems += check_mirror_only_records(specs, raw)
    return problems
