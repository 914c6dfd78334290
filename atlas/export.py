"""Files of a filtered selection (CSV, XLSX, JSON, GeoJSON, ZIP) carrying citation and sources, injection-safe."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from functools import partial
import re
import unicodedata
import zipfile
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from atlas.dates import format_partial
from atlas.filters import Filters, Selection
from atlas.i18n import current_language, labelled, t
from atlas.load import PUBLISHED_TEXT, Atlas
from atlas.permalink import PARAM_NAMES, to_params

EXPORT_TABLES = ("workshops", "events", "institutions", "claims", "sources")
# countries.csv is a small lookup table (names in three languages) that the exported rows refer to; it ships whole.
REFERENCE_TABLES = ("countries",)
# OWASP's list: a spreadsheet treats a cell starting with these as a formula (tab and CR too, after trimming).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Where a spreadsheet would evaluate: at the start of a cell, or after a ';' (a locale that splits CSV on ';'
# opens "a;=cmd" as two cells, the second a formula). Nowhere else: "Kazakhstan = 1" is left as written.
FORMULA_TRIGGER = "[=+\\-@\t\r]"
RISKY_CELL = re.compile(f"^{FORMULA_TRIGGER}|;{FORMULA_TRIGGER}")
RISKY_SEGMENT = re.compile(f";(?={FORMULA_TRIGGER})")
POINT_TABLES = ("workshops", "events", "institutions")
# Tables every reference from the exported rows can be resolved in: shipped whole, or selected as
# "everything the selected rows point at" by apply_filters.
CLOSED_TABLES = ("sources", "institutions", *REFERENCE_TABLES)
LIST_JOINER = " | "
# Record text in other languages (translations.csv) rows for the selected records, shipped beside the tables and
# never in place of the original text; which key of which exported table a translation row points at.
TRANSLATIONS_TABLE = "translations"
TRANSLATED_RECORD_KEYS = {"events": "event_id", "workshops": "workshop_id", "institutions": "institution_id"}
MAX_SLUG_LENGTH = 100
XLSX_MAX_COLUMN_WIDTH = 60

MIME_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
    "zip": "application/zip",
}


# ---------------------------------------------------------------- filters in words and file names

def _country_names(atlas: Atlas) -> dict[str, str]:
    """iso2 -> the country's name in this run's language (countries.csv name_ru/name_zh), English where none.

    Downloads are built from the data as published, whose name_en is English: a Russian README says Казахстан.
    """
    countries = atlas.countries
    column = f"name_{current_language()}"
    names = countries[column] if column in countries.columns else countries["name_en"]
    return dict(zip(countries["iso2"], names.where(names != "", countries["name_en"])))


def describe_filters(atlas: Atlas, filters: Filters) -> dict[str, str]:
    """Each active filter in words, keyed by its URL parameter: {'country': 'Kazakhstan', 'years': '2023–2025'}."""
    names = _country_names(atlas)
    low, high = atlas.year_bounds
    words: dict[str, str] = {}
    for param in to_params(filters):
        if param == "country":
            words[param] = ", ".join(names.get(c, c) for c in filters.countries)
        elif param == "years":
            start = filters.year_min if filters.year_min is not None else low
            end = filters.year_max if filters.year_max is not None else high
            words[param] = str(start) if start == end else f"{start}–{end}"
        elif param == "status":
            words[param] = ", ".join(t(f"status.{s}") for s in filters.statuses)
        elif param == "category":
            words[param] = ", ".join(t(f"category.{c}") for c in filters.categories)
        elif param == "q":
            words[param] = f"“{filters.text}”"
        elif param == "regional":
            words[param] = t("filters.no_regional")
    return {param: words[param] for param in PARAM_NAMES if param in words}


def filters_sentence(atlas: Atlas, filters: Filters) -> str:
    """'Countries: Kazakhstan; Years: 2023–2025' for READMEs, or a phrase saying nothing was filtered."""
    words = describe_filters(atlas, filters)
    if not words:
        return t("export.no_filters")
    return "; ".join(labelled(t(f"export.param.{param}"), value) for param, value in words.items())


def _file_safe(text: str) -> str:
    # ASCII letters, digits, dot, dash and underscore only: names survive every OS, browser and archive tool.
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9._]+", "-", folded)
    cleaned = re.sub(r"-{2,}", "-", cleaned)
    return re.sub(r"-?_-?", "_", cleaned).strip("-_.")


def file_stem(atlas: Atlas, selection: Selection) -> str:
    """'luban-atlas_0.1.0_KZ_2023-2025_operating' — what is inside, readable in a downloads folder."""
    slug = _file_safe(selection.filters.slug())[:MAX_SLUG_LENGTH].strip("-_.") or "all"
    return f"luban-atlas_{_file_safe(atlas.version) or 'unversioned'}_{slug}"


def file_name(atlas: Atlas, selection: Selection, extension: str, table: str | None = None) -> str:
    """File name of one download; a single-table CSV names its table last."""
    return f"{file_stem(atlas, selection)}{'_' + table if table else ''}.{extension}"


# ---------------------------------------------------------------- citation

def _year_of_release(atlas: Atlas) -> str:
    return (atlas.last_updated or "")[:4]


def citation_text(atlas: Atlas, accessed: date | None = None) -> str:
    """The dataset's own citation (datapackage x-citation) for this version, optionally with an access date."""
    template = atlas.package.get("x-citation") or t("export.citation_fallback")
    text = template.format(year=_year_of_release(atlas), version=atlas.version, title=atlas.package.get("title", ""))
    return text + (" " + t("export.accessed", date=accessed.isoformat()) if accessed else "")


def _bibtex_value(text: object) -> str:
    # Braces and backslashes would end or escape the field; the rest of Unicode is fine in biblatex.
    return re.sub(r"[{}\\]", "", str(text)).replace("\n", " ")


def bibtex(atlas: Atlas, url: str = "", accessed: date | None = None) -> str:
    """A @misc entry for the dataset version (biblatex-friendly: version, urldate)."""
    authors = "; ".join(c.get("title", "") for c in atlas.package.get("contributors", [])) or t("export.default_author")
    key = "luban_atlas_" + re.sub(r"[^0-9A-Za-z]+", "_", atlas.version).strip("_")
    licence = ", ".join(lic.get("title") or lic.get("name", "") for lic in atlas.package.get("licenses", []))
    fields = [("title", atlas.package.get("title", "")), ("author", "{" + _bibtex_value(authors) + "}"),
              ("year", _year_of_release(atlas)), ("version", atlas.version), ("howpublished", t("export.bibtex_kind")),
              ("note", licence)]
    if url:
        fields.append(("url", url))
    if accessed:
        fields.append(("urldate", accessed.isoformat()))
    body = ",\n".join(f"  {name} = {{{value if name == 'author' else _bibtex_value(value)}}}"
                      for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"


# ---------------------------------------------------------------- tables as published

def neutralise_formula(value: object) -> object:
    """A quote before each place a spreadsheet would start a formula ('=cmd' -> "'=cmd", 'a;=cmd' -> "a;'=cmd"),
    so it is shown as text instead of run (CSV cells); other text and every number is left as it is."""
    if not isinstance(value, str) or not RISKY_CELL.search(value):
        return value
    value = RISKY_SEGMENT.sub(";'", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _as_published(text: pd.Series) -> pd.Series:
    """A number column from its published text: '20' -> 20, '12.33' -> 12.33, '48.0' -> 48.0, '' -> None."""
    def parse(value: str) -> object:
        if not value:
            return None
        try:
            return int(value) if value.lstrip("+-").isdigit() else float(value)
        except ValueError:
            return None
    # Built as an object array: Series.map would infer float64 for mixed results and turn 20 back into 20.0.
    return pd.Series([parse(value) for value in text.to_numpy()], index=text.index, dtype=object)


def export_frame(atlas: Atlas, selection: Selection, name: str) -> pd.DataFrame:
    """The published columns of one table (schema order), lists joined with ' | ', no internal helpers."""
    spec = atlas.specs[name]
    source = atlas.table(name) if name in REFERENCE_TABLES else selection.table(name)
    frame = source[spec.field_names].copy()
    for field in spec.fields:
        if field.list_delimiter:
            frame[field.name] = frame[field.name].map(LIST_JOINER.join)
        elif field.type == "number" and PUBLISHED_TEXT.format(field.name) in source.columns:
            # Numbers as the data writes them: claims.value 20 stays 20 (a float column would write 20.0).
            frame[field.name] = _as_published(source[PUBLISHED_TEXT.format(field.name)])
    return frame.reset_index(drop=True)


NUMERIC_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "empty", "boolean")


def translations_frame(atlas: Atlas, selection: Selection) -> pd.DataFrame:
    """The translations.csv rows of the selected records (all languages), published columns, origin as recorded.

    origin says whose words they are: our_translation (the atlas's translation of its English text) or source
    (the wording a cited source states); the tables keep the original text either way.
    """
    frame = atlas.translations
    spec = atlas.specs.get(TRANSLATIONS_TABLE)
    columns = spec.field_names if spec else list(frame.columns)
    chosen = pd.Series(False, index=frame.index)
    for table, key in TRANSLATED_RECORD_KEYS.items():
        chosen |= (frame["table"] == table) & frame["record_id"].isin(selection.table(table)[key])
    result = frame.loc[chosen, columns].copy()
    for field in spec.fields if spec else ():
        if field.list_delimiter:
            result[field.name] = result[field.name].map(lambda ids: LIST_JOINER.join(ids) if isinstance(ids, tuple) else ids)
    return result.sort_values(["table", "record_id", "field", "language"]).reset_index(drop=True)


def _text_columns(frame: pd.DataFrame) -> list[str]:
    # Number columns as published are object columns of int/float/None: no text, nothing to neutralise.
    return [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) and (
        frame[c].dtype != object or pd.api.types.infer_dtype(frame[c], skipna=True) not in NUMERIC_KINDS)]


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in _text_columns(safe):
        cells = safe[column]
        # Literal vectorised tests first, the regex only on cells holding a ';' (a regex over every column was
        # most of a CSV's time, a Python call per cell more): only the risky cells are rewritten one by one.
        texts = cells.fillna("").astype(str)
        risky = np.array(texts.str.startswith(FORMULA_PREFIXES), dtype=bool)   # writable (Arrow gives read-only)
        semicolon = texts.str.contains(";", regex=False).to_numpy(bool)
        if semicolon.any():
            risky[semicolon] |= texts[semicolon].str.contains(RISKY_CELL, regex=True).to_numpy(bool)
        if risky.any():
            fixed = cells[risky].map(neutralise_formula)
            safe[column] = cells.astype(object).where(~risky, fixed)
    return safe


def _published_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    # data/*.csv writes true/false (the Frictionless default); pandas would write True/False.
    flags = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]
    if not flags:
        return frame
    return frame.assign(**{c: frame[c].map({True: "true", False: "false"}) for c in flags})


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark (so Excel shows Cyrillic and Chinese), CRLF rows as RFC 4180 asks."""
    return _safe_text(_published_booleans(frame)).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def table_csv_bytes(atlas: Atlas, selection: Selection, name: str) -> bytes:
    return to_csv_bytes(export_frame(atlas, selection, name))


# ---------------------------------------------------------------- README (ZIP) and README sheet (XLSX)

def _source_line(row) -> str:
    parts = [row.publisher or t("export.no_publisher")]
    if row.title:
        parts.append(f"“{row.title}”")
    if row.published:
        parts.append(format_partial(row.published, row.published_precision))
    parts.append(t("export.side", side=t(f"side.{row.side}")))
    line = ", ".join(parts) + f". {row.url}"
    if row.is_mirror:
        line += " " + (t("export.mirror_of", url=row.canonical_url) if row.canonical_url else t("export.mirror"))
    return line


def readme_facts(atlas: Atlas, selection: Selection, permalink: str = "",
                 today: date | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs shared by README.md and the README sheet, so both always say the same."""
    today = today or date.today()
    licence = ", ".join(f"{lic.get('title') or lic.get('name', '')} ({lic.get('path', '')})".replace(" ()", "")
                        for lic in atlas.package.get("licenses", []))
    return [
        (t("export.fact.title"), atlas.package.get("title", "")),
        (t("export.fact.version"), t("export.version_value", version=atlas.version, date=atlas.last_updated)),
        (t("export.fact.extracted"), today.isoformat()),
        (t("export.fact.filters"), filters_sentence(atlas, selection.filters)),
        (t("export.fact.permalink"), permalink or t("export.no_permalink")),
        (t("export.fact.citation"), citation_text(atlas, today)),
        (t("export.fact.licence"), t("export.licence_value", licence=licence or t("export.no_licence"))),
    ]


def _row_counts(selection: Selection) -> list[tuple[str, int, int]]:
    return [(name, len(selection.table(name)), selection.totals.get(name, len(selection.table(name))))
            for name in EXPORT_TABLES]


def readme_text(atlas: Atlas, selection: Selection, permalink: str = "", today: date | None = None) -> str:
    """README.md of the ZIP: what, which version, which filters, how to cite, licence, every source cited."""
    facts = "\n".join("- " + labelled(f"**{label}**", value) for label, value in readme_facts(atlas, selection, permalink, today))
    counts = "\n".join(f"- `{name}.csv`: " + t("export.rows_of", rows=rows, total=total)
                       for name, rows, total in _row_counts(selection))
    references = "\n".join(f"- `{name}.csv`: " + t("export.reference_table") for name in REFERENCE_TABLES)
    references += f"\n- `{TRANSLATIONS_TABLE}.csv`: " + t("export.translations_table")
    sources = "\n".join(f"- [{row.source_id}] {_source_line(row)}" for row in selection.sources.itertuples())
    return "\n".join([
        f"# {t('export.readme_heading', title=atlas.package.get('title', ''))}", "",
        facts, "",
        f"## {t('export.files_heading')}", counts, references,
        f"- `datapackage.json`: {t('export.datapackage_line')}", "",
        t("export.notes"), "",
        f"## {t('export.sources_heading', count=len(selection.sources))}",
        sources or f"- {t('export.no_sources')}", "",
    ])


# ---------------------------------------------------------------- formats

def _xlsx_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        # openpyxl refuses control characters that XML 1.0 cannot carry; they carry no meaning in our data.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if hasattr(value, "item"):
        return value.item()  # numpy scalars -> plain Python numbers
    return value


def _append_rows(sheet, rows: list[list[object]]) -> None:
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                # Written as a plain string with Excel's quote prefix: shown as typed, never evaluated,
                # and still text if the visitor edits the cell (openpyxl would store '=…' as a formula).
                cell.data_type = "s"
                cell.quotePrefix = True


def _finish_sheet(sheet, header: bool = True) -> None:
    if header:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for column in sheet.columns:
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(longest + 2, 8), XLSX_MAX_COLUMN_WIDTH)


def to_xlsx_bytes(atlas: Atlas, selection: Selection, permalink: str = "", today: date | None = None) -> bytes:
    """One sheet per table plus a README sheet (facts, files, sources), injection-safe."""
    workbook = Workbook()
    readme = workbook.active
    readme.title = "README"
    rows: list[list[object]] = [[t("export.sheet_field"), t("export.sheet_value")]]
    rows += [[label, value] for label, value in readme_facts(atlas, selection, permalink, today)]
    rows += [[f"{name}", t("export.rows_of", rows=n, total=total)] for name, n, total in _row_counts(selection)]
    rows += [[name, t("export.reference_table")] for name in REFERENCE_TABLES]
    rows += [[TRANSLATIONS_TABLE, t("export.translations_table")]]
    rows += [[t("export.fact.notes"), t("export.notes")]]
    rows += [[], [t("export.sources_heading", count=len(selection.sources)), ""]]
    rows += [[row.source_id, _source_line(row)] for row in selection.sources.itertuples()]
    _append_rows(readme, rows)
    _finish_sheet(readme)
    for name in EXPORT_TABLES + REFERENCE_TABLES:
        frame = export_frame(atlas, selection, name)
        sheet = workbook.create_sheet(name)
        _append_rows(sheet, [list(frame.columns)] + frame.astype(object).values.tolist())
        _finish_sheet(sheet)
    translations = translations_frame(atlas, selection)
    sheet = workbook.create_sheet(TRANSLATIONS_TABLE)
    _append_rows(sheet, [list(translations.columns)] + translations.astype(object).values.tolist())
    _finish_sheet(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json_ready(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _header(atlas: Atlas, selection: Selection, permalink: str) -> dict:
    return {
        "title": atlas.package.get("title"), "version": atlas.version, "last_updated": atlas.last_updated,
        "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in selection.filters.active().items()},
        "filters_described": filters_sentence(atlas, selection.filters),
        "permalink": permalink, "citation": citation_text(atlas),
        "licenses": atlas.package.get("licenses", []),
    }


def to_json_bytes(atlas: Atlas, selection: Selection, permalink: str = "") -> bytes:
    """One JSON document: the extract's facts and every table as a list of records (lists joined as in the CSV)."""
    document = {**_header(atlas, selection, permalink),
                "tables": {name: _json_ready(export_frame(atlas, selection, name)) for name in EXPORT_TABLES}}
    document["tables"][TRANSLATIONS_TABLE] = _json_ready(translations_frame(atlas, selection))
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def to_geojson_bytes(atlas: Atlas, selection: Selection, permalink: str = "") -> bytes:
    """Workshops, events and institutions that have coordinates, as points in [lon, lat] order (RFC 7946)."""
    features = []
    for name in POINT_TABLES:
        frame = export_frame(atlas, selection, name)
        located = frame[frame["lat"].notna() & frame["lon"].notna()]
        for record in _json_ready(located):
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
                             "properties": {"table": name, **record}})
    cited = _json_ready(export_frame(atlas, selection, "sources"))
    # Foreign members (RFC 7946 §6.1) carry the citation and sources along with the points.
    collection = {"type": "FeatureCollection", "features": features,
                  **{f"x-{key}": value for key, value in _header(atlas, selection, permalink).items()},
                  "x-sources": cited}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def package_subset(atlas: Atlas, selection: Selection, permalink: str = "") -> dict:
    """datapackage.json for the extract: the same table schemas, marked as a filtered subset."""
    package = json.loads(json.dumps(atlas.package))
    keep = EXPORT_TABLES + REFERENCE_TABLES + (TRANSLATIONS_TABLE,)
    package["resources"] = [r for r in package["resources"] if r["name"] in keep]
    for resource in package["resources"]:
        schema = resource["schema"]
        # A filtered row may point at a record outside the filter (an event's workshop, a claim's workshop):
        # keep only references whose target table ships whole or is closed under the filter.
        schema["foreignKeys"] = [fk for fk in schema.get("foreignKeys", [])
                                 if fk["reference"]["resource"] in CLOSED_TABLES]
        if not schema["foreignKeys"]:
            del schema["foreignKeys"]
    package["description"] = package.get("description", "") + " " + t("export.package_note")
    # Frictionless wants an RFC 3339 datetime here; the extract was created now, not when the data was.
    package["created"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    package["x-extract"] = {"filters": filters_sentence(atlas, selection.filters), "permalink": permalink,
                            "rows": {name: n for name, n, _ in _row_counts(selection)}}
    return package


def to_zip_bytes(atlas: Atlas, selection: Selection, permalink: str = "", today: date | None = None) -> bytes:
    """The CSVs (UTF-8 with BOM), datapackage.json for them, and a README.md with citation and sources."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in EXPORT_TABLES + REFERENCE_TABLES:
            archive.writestr(f"{name}.csv", table_csv_bytes(atlas, selection, name))
        archive.writestr(f"{TRANSLATIONS_TABLE}.csv", to_csv_bytes(translations_frame(atlas, selection)))
        archive.writestr("datapackage.json",
                         json.dumps(package_subset(atlas, selection, permalink), ensure_ascii=False, indent=2))
        archive.writestr("README.md", readme_text(atlas, selection, permalink, today))
    return buffer.getvalue()


DOWNLOAD_FORMATS = ("csv", "xlsx", "json", "geojson", "zip")


def file_row_counts(selection: Selection, fmt: str, table: str = EXPORT_TABLES[0],
                    atlas: Atlas | None = None) -> dict[str, int]:
    """Rows per table in one download: the chosen table for a CSV, the located rows of the point tables for a
    GeoJSON (a point needs coordinates), every exported table for XLSX, JSON and ZIP — with `atlas`, also the
    translated record texts those three carry."""
    if fmt == "csv":
        return {table: len(selection.table(table))}
    if fmt == "geojson":
        return {name: int((selection.table(name)["lat"].notna() & selection.table(name)["lon"].notna()).sum())
                for name in POINT_TABLES}
    counts = {name: len(selection.table(name)) for name in EXPORT_TABLES}
    if atlas is not None:
        counts[TRANSLATIONS_TABLE] = len(translations_frame(atlas, selection))
    return counts


def download_builder(atlas: Atlas, selection: Selection, fmt: str, table: str = EXPORT_TABLES[0],
                     permalink: str = "") -> Callable[[], bytes]:
    """The builder of one download (a CSV is one table; the other formats carry every table): the Explore page
    and the plain-URL downloads (/api/v1/download.<fmt>) call the same one."""
    if fmt == "csv":
        return partial(table_csv_bytes, atlas, selection, table)
    return partial({"xlsx": to_xlsx_bytes, "json": to_json_bytes, "geojson": to_geojson_bytes,
                    "zip": to_zip_bytes}[fmt], atlas, selection, permalink)
