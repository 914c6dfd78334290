"""Files of a filtered selection (CSV, XLSX, JSON, GeoJSON, ZIP) that carry their citation, injection-safe."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pandas as pd

from atlas.filters import Selection
from atlas.load import Atlas

EXPORT_TABLES = ("workshops", "events", "institutions", "claims", "sources")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
POINT_TABLES = ("workshops", "events", "institutions")


def neutralise_formula(value: object) -> object:
    """Prefix a quote so spreadsheets show '=cmd' as text instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_frame(atlas: Atlas, selection: Selection, name: str) -> pd.DataFrame:
    """The published columns of one table (schema order), lists joined with ' | ', no internal helpers."""
    spec = atlas.specs[name]
    frame = selection.table(name)[spec.field_names].copy()
    for field in spec.fields:
        if field.list_delimiter:
            frame[field.name] = frame[field.name].map(lambda items: " | ".join(items))
    return frame.reset_index(drop=True)


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark so Excel shows Cyrillic and Chinese correctly."""
    return _safe_text(frame).to_csv(index=False).encode("utf-8-sig")


def file_stem(atlas: Atlas, selection: Selection) -> str:
    return f"luban-atlas_{atlas.version}_{selection.filters.slug()}"


def citation_text(atlas: Atlas, accessed: date | None = None) -> str:
    template = atlas.package.get("x-citation", "{title}, version {version}.")
    text = template.format(year=(atlas.last_updated or "")[:4], version=atlas.version, title=atlas.package.get("title", ""))
    return text + (f" Accessed {accessed.isoformat()}." if accessed else "")


def describe_filters(selection: Selection) -> str:
    active = selection.filters.active()
    if not active:
        return "none (the whole dataset)"
    return "; ".join(f"{name} = {', '.join(map(str, value)) if isinstance(value, tuple) else value}"
                     for name, value in active.items())


def readme_text(atlas: Atlas, selection: Selection, permalink: str = "", today: date | None = None) -> str:
    today = today or date.today()
    counts = "\n".join(f"- {name}.csv: {len(selection.table(name))} of {selection.totals.get(name, '?')} rows"
                       for name in EXPORT_TABLES)
    source_lines = "\n".join(
        f"- [{row.source_id}] {row.publisher}"
        + (f", \"{row.title}\"" if row.title else "")
        + (f" ({row.published})" if row.published else "")
        + f". {row.url}" + (" (mirror copy)" if row.is_mirror else "")
        for row in selection.sources.itertuples())
    license_name = ", ".join(lic.get("name", "") for lic in atlas.package.get("licenses", []))
    return f"""# {atlas.package.get('title', 'Luban Atlas')} — filtered extract

- Data version: {atlas.version} (last updated {atlas.last_updated})
- Extracted: {today.isoformat()}
- Filters applied: {describe_filters(selection)}
- Permalink of this view: {permalink or '(not available)'}
- Licence: {license_name} — reuse freely, with attribution.

## Cite as
{citation_text(atlas, today)}
Please also cite the original sources below for any fact you reuse.

## Files
{counts}
- datapackage.json: the schema of these tables (field types, descriptions, keys).

Dates carry their precision (day / month / year); coordinates carry theirs (campus / city).
Official counts are in claims.csv, kept apart from our own records.

## Sources cited by the included rows ({len(selection.sources)})
{source_lines or '- none'}
"""


def to_xlsx_bytes(atlas: Atlas, selection: Selection, permalink: str = "") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        readme = pd.DataFrame({"README": readme_text(atlas, selection, permalink).splitlines()})
        _safe_text(readme).to_excel(writer, sheet_name="README", index=False)
        for name in EXPORT_TABLES:
            _safe_text(export_frame(atlas, selection, name)).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def _json_ready(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def to_json_bytes(atlas: Atlas, selection: Selection, permalink: str = "") -> bytes:
    document = {
        "title": atlas.package.get("title"), "version": atlas.version, "last_updated": atlas.last_updated,
        "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in selection.filters.active().items()},
        "permalink": permalink, "citation": citation_text(atlas),
        "licenses": atlas.package.get("licenses", []),
        "tables": {name: _json_ready(export_frame(atlas, selection, name)) for name in EXPORT_TABLES},
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def to_geojson_bytes(atlas: Atlas, selection: Selection) -> bytes:
    """Workshops, events and institutions that have coordinates, as points in [lon, lat] order."""
    features = []
    for name in POINT_TABLES:
        frame = export_frame(atlas, selection, name)
        located = frame[frame["lat"].notna() & frame["lon"].notna()]
        for record in _json_ready(located):
            lon, lat = record["lon"], record["lat"]
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                             "properties": {"table": name, **record}})
    collection = {"type": "FeatureCollection", "features": features,
                  "x-citation": citation_text(atlas), "x-version": atlas.version}
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def package_subset(atlas: Atlas) -> dict:
    """datapackage.json for the extract: the same schemas, marked as a filtered subset."""
    package = json.loads(json.dumps(atlas.package))
    package["resources"] = [r for r in package["resources"] if r["name"] in EXPORT_TABLES]
    package["description"] = package.get("description", "") + " Filtered extract; see README.md for the filters."
    return package


def to_zip_bytes(atlas: Atlas, selection: Selection, permalink: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in EXPORT_TABLES:
            archive.writestr(f"{name}.csv", to_csv_bytes(export_frame(atlas, selection, name)))
        archive.writestr("datapackage.json", json.dumps(package_subset(atlas), ensure_ascii=False, indent=2))
        archive.writestr("README.md", readme_text(atlas, selection, permalink))
    return buffer.getvalue()
