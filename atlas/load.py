"""Reads data/ into one validated, typed Atlas: dates as spans with their precision, lists as tuples, search text ready."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import sys
import tomllib
from datetime import date
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from atlas import dates, geo
from atlas.links import Links, build_links
from atlas.errors import AtlasDataError, Problem, report_order
from atlas.i18n import number, t
from atlas.schema import TableSpec, read_package, table_specs
from atlas.validate import FALSE_VALUES, TRUE_VALUES, SplitColumn, check_outlines, list_splits, split_items, \
    validate_tables

# The largest table file the atlas reads, in MB: a documented setting (config.toml `max_table_mb`, or
# the environment variable below), named in the refusal so an operator knows what to raise.
MAX_TABLE_MB_ENV = "LUBAN_ATLAS_MAX_TABLE_MB"
DEFAULT_MAX_TABLE_MB = 20
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
OPENING_MILESTONES = ("trial_operation", "partial_opening", "opening")
TABLE_NAMES = ("countries", "sources", "institutions", "workshops", "events", "claims")
# Tables a dataset may leave out (fixtures, older copies): an absent one is an empty frame.
OPTIONAL_TABLES = ("translations",)
EMPTY_TEXT = pd.Series(dtype=object)
# Bytes that may stand next to a well-placed quote: a delimiter, a line end or the other half of a doubled quote.
QUOTE_NEIGHBOURS = np.isin(np.arange(256), np.frombuffer(b',"\r\n', dtype=np.uint8))
# A number field's text as the CSV wrote it ('20', '48.0'), kept beside the parsed float so that downloads write
# the value as published: a float cannot tell '20' from '20.0'. Not a published column (export selects by schema).
PUBLISHED_TEXT = "{}__as_published"
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)   # pandas 3's default text dtype, as read_csv(dtype=str) gives
TRANSLATION_COLUMNS = ("table", "record_id", "field", "language", "text", "origin", "source_ids", "notes")


@dataclass(frozen=True)
class Atlas:
    """The whole dataset. Treat every frame as read-only: it is shared by all visitors through the cache."""

    countries: pd.DataFrame
    sources: pd.DataFrame
    institutions: pd.DataFrame
    workshops: pd.DataFrame
    events: pd.DataFrame
    claims: pd.DataFrame
    package: dict
    outlines: dict
    # Built from the frames when not given; filters follow links through it (see atlas/links.py).
    links: Links | None = dataclass_field(default=None, repr=False, compare=False)
    # Record text in other languages (data/translations.csv): sourced wording or our marked translations.
    translations: pd.DataFrame | None = dataclass_field(default=None, repr=False, compare=False)
    # For a display copy in another language (atlas/localise.py): the Atlas as published.
    source_atlas: "Atlas | None" = dataclass_field(default=None, repr=False, compare=False)
    # What the validator warns about without refusing the data (records citing only mirrors).
    warnings: tuple[Problem, ...] = dataclass_field(default=(), repr=False, compare=False)

    # Asked for on every run of every page: computed once here, inside the one cache boundary.
    specs: dict[str, TableSpec] = dataclass_field(init=False, repr=False, compare=False)
    year_bounds: tuple[int, int] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.translations is None:
            object.__setattr__(self, "translations", pd.DataFrame({c: pd.Series(dtype=str) for c in TRANSLATION_COLUMNS}))
        if self.links is None:
            object.__setattr__(self, "links", build_links({name: getattr(self, name) for name in TABLE_NAMES}))
        object.__setattr__(self, "specs", table_specs(self.package))
        years = pd.concat([self.events["year_start"], self.events["year_end"]]).dropna()
        # With no dated event at all the range collapses to this year rather than failing every page.
        this_year = date.today().year
        object.__setattr__(self, "year_bounds", (int(years.min()), int(years.max())) if len(years) else (this_year, this_year))

    @property
    def version(self) -> str:
        return self.package.get("version", "")

    @property
    def last_updated(self) -> str:
        return self.package.get("x-last-updated", self.package.get("created", ""))

    @property
    def original(self) -> "Atlas":
        """The data as published (downloads, API): itself, unless this is a display copy in another language."""
        return self.source_atlas if self.source_atlas is not None else self

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def fingerprint(self) -> str:
        """A hash of every value of every table: equal before and after a page run proves nothing mutated it."""
        digest = hashlib.sha256()
        for name in TABLE_NAMES + OPTIONAL_TABLES:
            frame = getattr(self, name)
            digest.update(name.encode())
            digest.update(",".join(map(str, frame.columns)).encode())
            hashed = pd.util.hash_pandas_object(frame.map(lambda v: repr(v) if isinstance(v, (tuple, list)) else v)
                                                if any(frame[c].dtype == object for c in frame.columns) else frame,
                                                index=True)
            digest.update(hashed.to_numpy().tobytes())
        digest.update(json.dumps(self.package, sort_keys=True, default=str).encode())
        return digest.hexdigest()


def text_series(values: pa.Array | list[str], index: pd.Index, name=None) -> pd.Series:
    """pandas' text Series from an Arrow string array or a list of str, without a Python pass per value."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.large_string())
    return pd.Series(array.to_pandas(types_mapper={pa.large_string(): _TEXT, pa.string(): _TEXT}.get).array,
                     index=index, name=name)


def _fold_character(char: str) -> str:
    """One character as search folds it: NFKD, combining marks dropped, casefold (the reference's steps)."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part)).casefold()


def _fold_by_character(array: pa.LargeStringArray) -> pa.LargeStringArray:
    """Every string folded as _fold_character folds each of its characters, without a Python pass per string.

    Folding a string is folding each character in turn: NFKD only decomposes and reorders combining marks,
    which are then all dropped, and casefold has no context (unlike lower's final sigma). So all rows are
    taken as one array of code points and each distinct code point is folded once in Python; numpy maps the
    characters that fold to one character, the few that fold to none or several (a lone mark, №, …) are
    spliced in, and each row's byte length is corrected where a character's UTF-8 length changed (full-width
    punctuation). tests/unit/test_load_speed.py compares this with the per-string reference.
    """
    count = len(array)
    byte_offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset: array.offset + count + 1]
    data = array.buffers()[2]
    text = (data.to_pybytes()[byte_offsets[0]: byte_offsets[-1]] if data is not None else b"").decode("utf-8")
    # Indices as intp once: numpy converts a uint32 index array on every gather otherwise.
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.intp)
    seen = np.zeros(sys.maxunicode + 1, dtype=bool)
    seen[codes] = True
    present = np.flatnonzero(seen).tolist()
    folded = [_fold_character(chr(code)) for code in present]
    mapping = np.arange(sys.maxunicode + 1, dtype=np.uint32)
    # 1: folds to one character of another UTF-8 length (the row's byte length changes); 2: to none or several.
    irregular = np.zeros(sys.maxunicode + 1, dtype=np.int8)
    replacement, byte_change = {}, {}
    for code, result in zip(present, folded):
        if len(result) == 1:
            mapping[code] = ord(result)
        else:
            replacement[code] = result
        change = len(result.encode("utf-8")) - len(chr(code).encode("utf-8"))
        if change:
            byte_change[code] = change
        irregular[code] = 2 if len(result) != 1 else 1 if change else 0
    out_text = codecs.utf_32_le_decode(mapping[codes])[0]
    out_offsets = byte_offsets - byte_offsets[0]
    positions = np.flatnonzero(irregular[codes]) if byte_change or replacement else np.zeros(0, dtype=np.intp)
    position_codes = codes[positions].tolist()
    if replacement:
        # Characters folding to none or several kept their place above; spliced in here, one slice each.
        pieces, previous = [], 0
        for position, code in zip(positions.tolist(), position_codes):
            if code in replacement:
                pieces.append(out_text[previous:position])
                pieces.append(replacement[code])
                previous = position + 1
        pieces.append(out_text[previous:])
        out_text = "".join(pieces)
    out_data = out_text.encode("utf-8")
    if len(positions):
        char_offsets = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(pc.utf8_length(array).to_numpy(zero_copy_only=False), out=char_offsets[1:])
        rows = np.searchsorted(char_offsets, positions, side="right") - 1
        changes = np.array([byte_change.get(code, 0) for code in position_codes], dtype=np.int64)
        per_row = np.bincount(rows, weights=changes, minlength=count).astype(np.int64)
        out_offsets = out_offsets + np.concatenate([[0], np.cumsum(per_row)])
    if out_offsets[-1] != len(out_data):
        raise AssertionError("folded text and its offsets disagree")
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(out_offsets), pa.py_buffer(out_data))


def normalise_text(series: pd.Series) -> pd.Series:
    """Case- and accent-insensitive form for search (ё→е, é→e; Chinese unchanged)."""
    values = series.fillna("").astype(str)
    array = pa.array(values.array, type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    # ASCII text needs only lower case (NFKD leaves it as is; casefold() of ASCII is lower()).
    ascii_rows = pc.string_is_ascii(array).to_numpy(zero_copy_only=False)
    folded = pc.ascii_lower(array)
    if not ascii_rows.all():
        others = _fold_by_character(array.filter(pa.array(~ascii_rows)))
        folded = pc.replace_with_mask(folded, pa.array(~ascii_rows), others)
    return text_series(folded, values.index, values.name)


def max_table_mb() -> float:
    """The size limit in force: LUBAN_ATLAS_MAX_TABLE_MB, else config.toml max_table_mb, else 20."""
    configured = os.environ.get(MAX_TABLE_MB_ENV)
    if configured is None:
        config = Path(__file__).resolve().parent.parent / "config.toml"
        with config.open("rb") as handle:
            configured = tomllib.load(handle).get("max_table_mb", DEFAULT_MAX_TABLE_MB)
    try:
        return float(configured)
    except ValueError:
        return DEFAULT_MAX_TABLE_MB


def size_problems(data_dir: Path, specs: dict[str, TableSpec]) -> list[Problem]:
    limit = max_table_mb()
    problems = []
    for spec in specs.values():
        path = Path(data_dir) / spec.path
        size = path.stat().st_size if path.exists() else 0
        if size > limit * 1024 * 1024:
            problems.append(Problem(spec.path, None, None, t(
                "validate.too_large", size_mb=number(size / 1024 / 1024, decimals=1), limit_mb=number(limit),
                setting=MAX_TABLE_MB_ENV)))
    return problems


def dataset_signature(data_dir: Path | str) -> tuple:
    """(name, size, mtime) of every file in the data folder: a changed file makes a new cache key."""
    folder = Path(data_dir)
    if not folder.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()))


def read_csv_fast(data: bytes, field_names: list[str]) -> pd.DataFrame | None:
    """The table as pandas' C reader gives it (all text, '' for empty), read by Arrow's multi-threaded reader;
    None for anything unusual, so that pandas reads it and reports problems in its own words.

    Arrow accepts a quoted value left open at the end of the file (pandas refuses it): a file that does
    not end with a line feed, or whose last value ends with a line break, is left to pandas. So are lone
    carriage returns and one-column files (the two readers split and skip lines differently there). The
    header must be known fields, unique and all read as text; Arrow checks that every value is UTF-8.
    tests/unit/test_load_speed.py compares both readers on generated files.
    """
    # pandas and Arrow split lines differently around a carriage return not followed by a line feed.
    if not data.endswith(b"\n") or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(data), parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(field_names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    names = table.column_names
    # One column: pandas skips lines of only blanks there, Arrow keeps them as values.
    if (len(names) < 2 or len(set(names)) != len(names) or not set(names) <= set(field_names)
            or any(column.type != pa.string() for column in table.columns)):
        return None
    if table.num_rows and table.column(len(names) - 1)[-1].as_py().endswith(("\n", "\r")):
        return None
    return table.to_pandas(types_mapper={pa.string(): _TEXT}.get)


def read_raw_tables(data_dir: Path, specs: dict[str, TableSpec]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every table as strings, plus the problems found while reading (missing file, encoding, quoting, header)."""
    raw: dict[str, pd.DataFrame] = {}
    problems = size_problems(data_dir, specs)
    if problems:
        # Every size is checked before any file is read: one oversized table refuses the dataset at once.
        return raw, problems
    for name, spec in specs.items():
        path = Path(data_dir) / spec.path
        if not path.exists():
            if name not in OPTIONAL_TABLES:
                problems.append(Problem(spec.path, None, None, t("validate.missing_file"), root_cause=True))
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            # strerror only: str(error) would show the server's absolute path on the error page.
            problems.append(Problem(spec.path, None, None, t("validate.cannot_open", error=error.strerror),
                                    root_cause=True))
            continue
        # Arrow reads ordinary files fast; anything unusual returns None and pandas reads it in its own words.
        frame = read_csv_fast(data, spec.field_names)
        if frame is None:
            try:
                data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                problems.append(Problem(spec.path, line, None, t("validate.not_utf8", position=error.start),
                                        root_cause=True))
                continue
            try:
                frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except pd.errors.EmptyDataError as error:
                problems.append(Problem(spec.path, None, None, t("validate.unreadable", error=str(error).strip()),
                                        root_cause=True))
                continue
            except (pd.errors.ParserError, ValueError) as error:
                structure = csv_structure_problems(spec.path, data.decode("utf-8-sig"))
                problems += structure or [Problem(spec.path, None, None,
                                                  t("validate.unreadable", error=str(error).strip()), root_cause=True)]
                continue
        if _rows_may_be_merged(data, frame):
            # A quote left open swallows the lines after it into one value: report that, not the values it garbles.
            structure = csv_structure_problems(spec.path, data.decode("utf-8-sig"))
            if structure:
                problems += structure
                continue
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [f for f in spec.field_names if f not in frame.columns]
        unexpected = [c for c in frame.columns if c not in spec.field_names]
        problems += [Problem(spec.path, 1, column, t("validate.missing_column"), root_cause=True) for column in missing]
        problems += [Problem(spec.path, 1, column, t("validate.unexpected_column"), root_cause=True)
                     for column in unexpected]
        raw[name] = frame.apply(lambda col: col.str.strip())
    return raw, problems


def _rows_may_be_merged(data: bytes, frame: pd.DataFrame) -> bool:
    """Cheap signs of a quoting fault, so the full scan runs only on suspect files (it would add ~4 s at 1000x).

    Fewer rows than lines: a quote left open merged lines. A non-range index: pandas took the extra fields of a
    first row that is too long as an index instead of complaining. A quote with text on both sides: a value closed
    and then continued (`"a" b`), which pandas silently glues together (or a harmless literal quote; the scan tells).
    """
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines != len(frame) + 1 or not isinstance(frame.index, pd.RangeIndex):
        return True
    text = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(text == ord('"'))
    # The file's first and last bytes count as line ends (no padded copy: it costs more than the test).
    fine_before = (quotes == 0) | QUOTE_NEIGHBOURS[text[np.maximum(quotes - 1, 0)]]
    fine_after = (quotes == len(text) - 1) | QUOTE_NEIGHBOURS[text[np.minimum(quotes + 1, len(text) - 1)]]
    return bool((~fine_before & ~fine_after).any())


def _quote_faults(line: str) -> tuple[int | None, int | None]:
    """(field whose quote is still open at the end of `line`, field where a closing quote is followed by text)."""
    field, opened_in, misplaced_in = 0, 0, None
    in_quotes, at_field_start, just_closed = False, True, False
    for char in line:
        if in_quotes:
            if char == '"':
                in_quotes, just_closed = False, True
            continue
        if char == '"' and (at_field_start or just_closed):
            # At a field's start a quote opens it; right after a closing quote it is a doubled (escaped) quote.
            in_quotes = True
            opened_in = field if at_field_start else opened_in
        elif char == ",":
            field += 1
        elif just_closed and char not in "\r\n" and misplaced_in is None:
            misplaced_in = field
        at_field_start, just_closed = char == ",", False
    return (opened_in if in_quotes else None), misplaced_in


def csv_structure_problems(file: str, text: str) -> list[Problem]:
    """Root causes that pandas hides or reports as their symptoms: an unbalanced quote, rows with the wrong field count."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    header: list[str] = []
    previous_end = 0
    try:
        for record in reader:
            start, end = previous_end + 1, reader.line_num
            previous_end = end
            if not header:
                header = [name.strip() for name in record]
                continue
            if not record or len(record) == len(header):
                continue
            if end > start:
                # The row runs over several lines and has the wrong shape: a quote opened here closed too late.
                problems.append(_quote_problem(file, lines, header, start, end))
                break
            problems.append(Problem(file, start, None, t("validate.wrong_field_count", found=len(record),
                                                         expected=len(header)), root_cause=True))
            if len(problems) >= 200:
                break
    except csv.Error:
        # strict mode stops where the runaway quoted value ends, at the end of the file, or at a misplaced quote.
        problems.append(_quote_problem(file, lines, header, previous_end + 1, max(reader.line_num, previous_end + 1)))
    return problems


def _quote_problem(file: str, lines: list[str], header: list[str], start: int, end: int) -> Problem:
    unclosed, misplaced = _quote_faults(lines[start - 1] if start - 1 < len(lines) else "")

    def column(index: int | None) -> str | None:
        return header[index] if index is not None and index < len(header) else None
    if unclosed is None and misplaced is not None:
        return Problem(file, start, column(misplaced), t("validate.misplaced_quote"), root_cause=True)
    return Problem(file, start, column(unclosed), t("validate.unbalanced_quote", end=end), root_cause=True)


def _typed(spec: TableSpec, frame: pd.DataFrame,
           splits: dict[tuple[str, str], SplitColumn] | None = None) -> pd.DataFrame:
    typed = frame.copy()
    splits = {} if splits is None else splits
    for field in spec.fields:
        column = frame[field.name]
        if field.type == "number":
            typed[field.name] = pd.to_numeric(column.replace("", None), errors="coerce").astype("float64")
            typed[PUBLISHED_TEXT.format(field.name)] = column
        elif field.type == "integer":
            typed[field.name] = pd.to_numeric(column.replace("", None), errors="coerce").astype("Int64")
        elif field.type == "boolean":
            typed[field.name] = column.isin(TRUE_VALUES)
        elif field.list_delimiter:
            split = splits.get((spec.name, field.name)) or split_items(column, field.list_delimiter)
            typed[field.name] = pd.Series(split.tuples(), index=column.index, dtype=object)
    return typed


def _names(institutions: pd.DataFrame) -> pd.Series:
    return institutions.set_index("institution_id")["name_en"]


def _translated_search_text(translations: pd.DataFrame | None) -> dict[str, pd.Series]:
    """table -> (record_id -> normalised text of all its translations), for cross-language search."""
    if translations is None or translations.empty:
        return {}
    keys = pa.table({"table": pa.array(translations["table"].array, type=pa.large_string()),
                     "record_id": pa.array(translations["record_id"].array, type=pa.large_string())})
    text = pa.array(normalise_text(translations["text"]).array, type=pa.large_string())
    # What groupby(["table", "record_id"]).agg(" ".join) gave, in Arrow: a stable sort by the keys (code point
    # order, as Python sorts str), then each run of equal keys joined by spaces (a Python join per group took ~9 s
    # for the 157,000 records at 1000x).
    order = pc.sort_indices(keys, sort_keys=[("table", "ascending"), ("record_id", "ascending")])
    tables, records = keys["table"].take(order).combine_chunks(), keys["record_id"].take(order).combine_chunks()
    text = text.take(order)
    changed = np.ones(len(order), dtype=bool)
    changed[1:] = (pc.not_equal(tables[1:], tables[:-1]).to_numpy(zero_copy_only=False)
                   | pc.not_equal(records[1:], records[:-1]).to_numpy(zero_copy_only=False))
    starts = np.flatnonzero(changed)
    offsets = np.append(starts, len(order)).astype(np.int64)
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), text), pa.scalar(" ", pa.large_string()))
    group_tables, group_records = tables.take(pa.array(starts)), records.take(pa.array(starts))
    result = {}
    for table in pc.unique(group_tables).to_pylist():
        rows = pc.equal(group_tables, table)
        index = pd.Index(text_series(group_records.filter(rows), pd.RangeIndex(int(pc.sum(rows).as_py()))).array,
                         name="record_id")
        result[table] = text_series(joined.filter(rows), index, "text")
    return result


def _as_dict(lookup: pd.Series) -> dict:
    # Plain dicts for per-item lookups: Series.get costs microseconds per call (pandas 3, Arrow strings).
    return dict(zip(lookup.index.tolist(), lookup.tolist()))


def _spaced(lists: pd.Series) -> pd.Series:
    """Each tuple of words joined by spaces."""
    return text_series([" ".join(cell) for cell in lists.tolist()], lists.index)


def names_of(ids: pd.Series, name_of: pd.Series) -> pd.Series:
    """Each tuple of ids as a tuple of names; an id with no name stays itself."""
    names = _as_dict(name_of)
    return pd.Series([tuple(names.get(i, i) for i in cell) for cell in ids.tolist()], index=ids.index, dtype=object)


def joined_text(ids: pd.Series, lookup: pd.Series) -> pd.Series:
    """Each tuple of ids as the space-joined lookup texts of its ids ('' for an unknown id)."""
    text_of = _as_dict(lookup.fillna(""))
    return text_series([" ".join([text_of.get(i, "") for i in cell]) for cell in ids.tolist()], ids.index)


def looked_up(keys: pd.Series, lookup: pd.Series) -> pd.Series:
    """keys.map(lookup).fillna("") for text, by Arrow index_in and take (pandas' map makes a Python string of every
    key first). The lookup's index must be unique, as map requires; the validator has made sure of that."""
    index_values = pa.array(lookup.index.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    if pc.count_distinct(index_values, mode="all").as_py() != len(index_values):
        return keys.map(lookup).astype(object).fillna("")
    positions = pc.index_in(pa.array(keys.array, type=pa.large_string(), from_pandas=True), value_set=index_values)
    values = pa.array(lookup.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    found = values.take(positions).fill_null("")
    return text_series(found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found, keys.index)


def spaced_columns(*columns: pd.Series) -> pd.Series:
    """columns[0] + " " + columns[1] + ..., row by row, in one Arrow pass: pandas' + copies the growing text once per
    operator (a dozen copies of the events' search text at 1000x). Missing stays missing, as with +."""
    index = columns[0].index
    if any(not column.index.equals(index) for column in columns[1:]):
        raise ValueError("spaced_columns needs columns on one index")
    arrays = [pa.array(column.array, type=pa.large_string(), from_pandas=True) for column in columns]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar(" ", pa.large_string()))
    return text_series(joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined, index)


def _derive(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    countries, institutions = tables["countries"], tables["institutions"]
    workshops, events, claims = tables["workshops"], tables["events"], tables["claims"]
    country_name = countries.set_index("iso2")["name_en"]
    name_of = _names(institutions)
    # Search finds a record by its text in any language: country names in all three, our translations.
    country_words = normalise_text(spaced_columns(countries["name_en"], countries["name_ru"], countries["name_zh"]))
    country_search = pd.Series(country_words.to_numpy(), index=countries["iso2"])
    translated = _translated_search_text(tables.get("translations"))

    institution_text = spaced_columns(institutions["name_en"], institutions["name_ru"], institutions["name_zh"],
                                      _spaced(institutions["aliases"]), institutions["city"])
    institutions["country_name"] = institutions["country"].map(country_name)
    institutions["search_text"] = spaced_columns(normalise_text(institution_text),
                                                 looked_up(institutions["country"], country_search))
    search_of = institutions.set_index("institution_id")["search_text"]

    # Events: spans honest to the precision; undated rows keep NaT and stay off the timeline.
    events["date_start"], events["date_end"] = dates.spans(events["date"])
    events["year_start"] = events["date_start"].dt.year.astype("Int64")
    events["year_end"] = events["date_end"].dt.year.astype("Int64")
    # The data's own names are English; other languages are display copies (atlas/localise.py).
    events["country_name"] = events["country"].map(country_name).fillna(t("region.regional", language="en"))
    events["institution_names"] = names_of(events["institution_ids"], name_of)
    events["search_text"] = spaced_columns(
        normalise_text(spaced_columns(events["title"], events["summary"], events["place"],
                                      events["other_participants"])),
        joined_text(events["institution_ids"], search_of),
        looked_up(events["country"], country_search),
        looked_up(events["place_country"], country_search),
        looked_up(events["event_id"], translated.get("events", EMPTY_TEXT)))

    # Workshops: milestone dates come from their events, so a date lives in one place only.
    linked = events[events["workshop_id"] != ""].sort_values("date_start")
    for column, milestones in (("mou", ("mou",)), ("agreement", ("agreement",)), ("opening", OPENING_MILESTONES)):
        first = linked[linked["milestone"].isin(milestones)].groupby("workshop_id").head(1).set_index("workshop_id")
        aligned = first.reindex(workshops["workshop_id"])
        workshops[f"{column}_date"] = aligned["date"].fillna("").array
        workshops[f"{column}_precision"] = aligned["date_precision"].fillna("").array
        workshops[f"{column}_start"] = aligned["date_start"].array
    spans = linked.groupby("workshop_id").agg(first_start=("date_start", "min"), last_end=("date_end", "max"))
    spans = spans.reindex(workshops["workshop_id"])
    workshops["first_year"] = spans["first_start"].dt.year.astype("Int64").array
    workshops["last_year"] = spans["last_end"].dt.year.astype("Int64").array
    workshops["country_name"] = workshops["country"].map(country_name)
    workshops["host_name"] = workshops["host_institution_id"].map(name_of).fillna("")
    workshops["partner_names"] = names_of(workshops["partner_institution_ids"], name_of)
    workshops["search_text"] = spaced_columns(
        normalise_text(spaced_columns(workshops["name_en"], workshops["city"], _spaced(workshops["majors"]))),
        looked_up(workshops["host_institution_id"], search_of),
        joined_text(workshops["partner_institution_ids"], search_of),
        looked_up(workshops["country"], country_search),
        looked_up(workshops["workshop_id"], translated.get("workshops", EMPTY_TEXT)))

    claims["as_of_start"], claims["as_of_end"] = dates.spans(claims["as_of"])
    claims["year"] = claims["as_of_start"].dt.year.astype("Int64")
    claims["country_name"] = claims["country"].map(country_name).fillna("")
    workshop_search = workshops.set_index("workshop_id")["search_text"]
    claims["search_text"] = spaced_columns(
        normalise_text(spaced_columns(claims["subject"], claims["value_as_stated"], claims["claimed_by"],
                                      claims["country_name"])),
        looked_up(claims["workshop_id"], workshop_search))
    return tables


def read_outlines(data_dir: Path) -> tuple[dict | None, list[Problem]]:
    """The country outlines, or None with the problem that names the file as bad GeoJSON (checks that need it skip)."""
    path = Path(data_dir) / geo.OUTLINES_FILE
    if not path.exists():
        return None, [Problem(geo.OUTLINES_FILE, None, None, t("validate.missing_file"), root_cause=True)]
    try:
        text = path.read_bytes().decode("utf-8")
        outlines = json.loads(text)
    except OSError as error:
        return None, [Problem(geo.OUTLINES_FILE, None, None, t("validate.cannot_open", error=error.strerror),
                              root_cause=True)]
    except UnicodeDecodeError as error:
        return None, [Problem(geo.OUTLINES_FILE, None, None, t("validate.not_utf8", position=error.start),
                              root_cause=True)]
    except json.JSONDecodeError as error:
        # Text that stops in the middle of the JSON (a cut-short copy) says so; other faults give the parser's words.
        key = "validate.geojson_truncated" if error.pos >= len(error.doc.rstrip()) else "validate.bad_geojson"
        return None, [Problem(geo.OUTLINES_FILE, error.lineno, None, t(key, error=error.msg, position=error.pos),
                              root_cause=True)]
    problems = check_outlines(geo.OUTLINES_FILE, outlines)
    return (None if problems else outlines), problems


def load_atlas(data_dir: Path | str = DEFAULT_DATA_DIR) -> Atlas:
    """Read, validate and type every table; raise AtlasDataError listing every problem found (warnings never raise)."""
    data_dir = Path(data_dir)
    package = read_package(data_dir)
    specs = table_specs(package)
    raw, problems = read_raw_tables(data_dir, specs)
    outlines, outline_problems = read_outlines(data_dir)
    problems += outline_problems
    # Field checks only on tables whose header is complete, so one broken file does not bury the rest.
    complete = {name: frame for name, frame in raw.items()
                if not any(p.file == specs[name].path and p.row == 1 for p in problems)}
    # Every list column split once, shared by the reference checks, the typed tuples and the links.
    splits = list_splits(specs, complete)
    found = validate_tables(specs, complete, outlines, splits)
    problems += [p for p in found if not p.warning]
    warnings = sorted((p for p in found if p.warning), key=report_order)
    if problems or not (set(specs) - set(OPTIONAL_TABLES)) <= set(complete):
        raise AtlasDataError(problems, warnings)
    tables = _derive({name: _typed(specs[name], frame, splits) for name, frame in complete.items()})
    links = build_links(tables, splits)
    return Atlas(package=package, outlines=outlines, warnings=tuple(warnings), links=links, **tables)
