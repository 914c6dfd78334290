"""Downloads say exactly what the data says: unfiltered CSVs equal data/*.csv cell for cell, integers stay
integers in every format, formulas are neutralised only where a spreadsheet would run them, and each format's
row counts are its own."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas import export
from helpers import DATA_DIR

TABLES = export.EXPORT_TABLES + export.REFERENCE_TABLES


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def published(table: str) -> list[list[str]]:
    # Every cell as the atlas reads it: the loader trims the spaces around a value (atlas.load.read_raw_tables),
    # so a stray trailing space in a notes cell is not part of the value that downloads carry.
    with (DATA_DIR / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [[cell.strip() for cell in row] for row in csv.reader(handle)]


@pytest.mark.parametrize("table", TABLES)
def test_unfiltered_csv_equals_the_data_file_cell_for_cell(real, table):
    selection = apply_filters(real, Filters())
    assert rows_of(export.table_csv_bytes(real, selection, table)) == published(table)


def test_unfiltered_zip_carries_the_data_files(real):
    selection = apply_filters(real, Filters())
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip_bytes(real, selection)))
    for table in TABLES:
        assert rows_of(archive.read(f"{table}.csv")) == published(table), table


def test_integers_stay_integers_in_json_and_xlsx(real):
    selection = apply_filters(real, Filters())
    tables = json.loads(export.to_json_bytes(real, selection))["tables"]
    claim = next(row for row in tables["claims"] if row["claim_id"] == "CL-002")
    assert claim["value"] == 20 and isinstance(claim["value"], int)            # written '20' in claims.csv
    rate = next(row for row in tables["claims"] if row["claim_id"] == "CL-001")
    assert rate["value"] == 12.33
    areas = {row["workshop_id"]: row["area_m2"] for row in tables["workshops"]}
    assert areas["LW-KZ-01"] == 700 and isinstance(areas["LW-KZ-01"], int)
    assert areas["LW-KZ-04"] is None                                           # empty stays empty (null)
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(real, selection)))
    sheet = workbook["claims"]
    header = [c.value for c in sheet[1]]
    values = {row[0]: row[header.index("value")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["CL-002"] == 20 and isinstance(values["CL-002"], int)


def test_booleans_are_written_as_the_data_writes_them(real):
    rows = rows_of(export.table_csv_bytes(real, apply_filters(real, Filters()), "sources"))
    column = rows[0].index("is_mirror")
    assert {row[column] for row in rows[1:]} == {"true", "false"}
    tables = json.loads(export.to_json_bytes(real, apply_filters(real, Filters())))["tables"]
    assert {row["is_mirror"] for row in tables["sources"]} == {True, False}    # JSON keeps real booleans


@pytest.mark.parametrize(("value", "expected"), [
    ("a;=cmd()", "a;'=cmd()"),             # a locale that splits on ';' would open '=cmd()' as its own cell
    ("x;-2+3;@SUM(A1)", "x;'-2+3;'@SUM(A1)"),
    ("=1;=2", "'=1;'=2"),
    ("a;b", "a;b"),                         # a semicolon alone is harmless
    ("a; =1", "a; =1"),                     # a space before the sign: no spreadsheet starts a formula there
    ("Kazakhstan = 1 - 2", "Kazakhstan = 1 - 2"),
    ("EKTU (Oskemen); TVI", "EKTU (Oskemen); TVI"),
])
def test_neutralise_only_where_a_spreadsheet_would_evaluate(value, expected):
    assert export.neutralise_formula(value) == expected


def test_json_and_geojson_are_never_neutralised(real):
    selection = apply_filters(real, Filters(countries=("KZ",)))
    workshops = selection.workshops.copy()
    workshops.loc[workshops.index[0], "notes"] = "=HYPERLINK(1);=2"
    from dataclasses import replace
    poisoned = replace(selection, workshops=workshops)
    tables = json.loads(export.to_json_bytes(real, poisoned))["tables"]
    assert tables["workshops"][0]["notes"] == "=HYPERLINK(1);=2"
    features = json.loads(export.to_geojson_bytes(real, poisoned))["features"]
    assert "=HYPERLINK(1);=2" in [f["properties"].get("notes") for f in features]
    row = rows_of(export.table_csv_bytes(real, poisoned, "workshops"))[1]
    assert "'=HYPERLINK(1);'=2" in row


@pytest.mark.parametrize("fmt", export.DOWNLOAD_FORMATS)
def test_each_format_counts_its_own_rows(real, fmt):
    selection = apply_filters(real, Filters(countries=("KZ",)))
    counts = export.file_row_counts(selection, fmt, "events", real)
    data = export.download_builder(real, selection, fmt, "events")()
    if fmt == "csv":
        assert counts == {"events": len(rows_of(data)) - 1}
    elif fmt == "geojson":
        features = json.loads(data)["features"]
        assert counts == {name: sum(f["properties"]["table"] == name for f in features)
                          for name in export.POINT_TABLES}
        assert counts["events"] < len(selection.events)       # events without a place are not in a GeoJSON
    elif fmt == "json":
        assert counts == {name: len(rows) for name, rows in json.loads(data)["tables"].items()}
    elif fmt == "zip":
        archive = zipfile.ZipFile(io.BytesIO(data))
        # the record tables and the translated texts the bundle carries beside them
        assert counts == {name: len(rows_of(archive.read(f"{name}.csv"))) - 1
                          for name in (*export.EXPORT_TABLES, export.TRANSLATIONS_TABLE)}
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        assert counts == {name: workbook[name].max_row - 1 for name in (*export.EXPORT_TABLES, export.TRANSLATIONS_TABLE)}
