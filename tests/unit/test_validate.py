"""Validation: one deliberately broken copy of the fixture per rule, asserting the exact file:row:column message."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from atlas import AtlasDataError, load_atlas
from helpers import REPO, edit_cell, read_rows, write_rows

# (table, row id, column, bad value, expected problem). Line numbers count the header as line 1.
CELL_CASES = [
    # wrong type in a number column
    ("workshops", "LW-KZ-01", "lat", "north", "workshops.csv:2:lat: 'north' is not a number"),
    # integer column given a decimal
    ("workshops", "LW-KZ-01", "students_trained", "400.5", "workshops.csv:2:students_trained: '400.5' is not a whole number"),
    # enum
    ("workshops", "LW-KG-01", "status", "finished", "workshops.csv:3:status: 'finished' is not one of: announced, agreement_signed, under_construction, launched, partially_operating, operating"),
    # required
    ("events", "EV-004", "title", "", "events.csv:5:title: value is required"),
    # a row without a source
    ("institutions", "kaznu-kz", "source_ids", "", "institutions.csv:3:source_ids: value is required"),
    # pattern on ids
    ("sources", "S-003", "url", "ftp://example.net/x", "sources.csv:4:url: 'ftp://example.net/x' does not have the expected form (^https?://\\S+$)"),
    # unknown foreign key (single field)
    ("workshops", "LW-KG-01", "host_institution_id", "nobody-kg", "workshops.csv:3:host_institution_id: 'nobody-kg' is not a known institution_id in institutions.csv"),
    # unknown foreign key inside a list field
    ("events", "EV-003", "source_ids", "S-002 | S-999", "events.csv:4:source_ids: 'S-999' is not a known source_id in sources.csv"),
    # a date that matches the pattern but is not a real day
    ("events", "EV-001", "date", "2023-02-30", "events.csv:2:date: '2023-02-30' is not a real calendar date"),
    # date and its stated precision disagree
    ("events", "EV-004", "date", "2009-05", "events.csv:5:date: date '2009-05' does not match precision 'year'"),
    # a point outside its country (Almaty's latitude with a longitude in China)
    ("institutions", "kaznu-kz", "lon", "90.0", "institutions.csv:3:lat: point (43.2389, 90.0) lies outside KZ's outline"),
    # an event's point is checked against the country where it took place
    ("events", "EV-001", "place_country", "KZ", "events.csv:2:lat: point (39.3434, 117.3616) lies outside KZ's outline"),
    # latitude without longitude
    ("institutions", "tvi-cn", "lon", "", "institutions.csv:5:lat: latitude and longitude must be given together"),
    # reversed milestones: trial operation before the MoU
    ("events", "EV-002", "date", "2023-01-09", "events.csv:3:date: trial_operation (2023-01-09) comes before mou (2023-03-02) for workshop LW-KZ-01"),
    # a workshop event must say which milestone it is
    ("events", "EV-003", "milestone", "", "events.csv:4:milestone: an event linked to a workshop needs a milestone"),
    # boolean column
    ("sources", "S-001", "is_mirror", "maybe", "sources.csv:2:is_mirror: 'maybe' is not true or false"),
    # range constraint
    ("countries", "KZ", "centroid_lat", "123", "countries.csv:2:centroid_lat: 123 is above the maximum 90"),
    # Issue 13. A country's label point must lie in the country itself: a latitude of 0 puts Kyrgyzstan's in the ocean.
    ("countries", "KG", "centroid_lat", "0", "countries.csv:3:centroid_lat: centroid (0.0, 74.5) lies outside KG's own outline"),
    # a plausible latitude that puts China's label in Mongolia is as wrong as one in the ocean
    ("countries", "CN", "centroid_lat", "48.0", "countries.csv:4:centroid_lat: centroid (48.0, 103.0) lies outside CN's own outline"),
    # a source that no one could cite: no title at all
    ("sources", "S-001", "title", "", "sources.csv:2:title: a source needs a title: the page's own, or a descriptive one in [square brackets]"),
    # 'unknown' is no date: either a publication date or an explicit n.d. with the day the page was read
    ("sources", "S-003", "published_precision", "unknown", "sources.csv:4:published: a source needs a date: published with "
     "its precision, or published_precision 'undated' with the date the page was accessed"),
    # n.d. without the day it was read cannot be cited as "n.d., accessed ..."
    ("sources", "S-003", "accessed", "", "sources.csv:4:accessed: an undated source needs the date the page was accessed (YYYY-MM-DD)"),
    # the accessed day is a real calendar day
    ("sources", "S-003", "accessed", "2026-02-30", "sources.csv:4:accessed: '2026-02-30' is not a real calendar date"),
    # 'undated' contradicts a publication date
    ("sources", "S-003", "published", "2024", "sources.csv:4:published: precision is 'undated' but a date is given"),
    # a copy that says neither where its original is nor why that is not known
    ("sources", "S-002", "canonical_url", "", "sources.csv:3:canonical_url: a mirror needs the original's address "
     "(canonical_url) or a note saying why there is none (original_note)"),
]


@pytest.mark.parametrize(("table", "row_id", "column", "value", "expected"), CELL_CASES,
                         ids=[case[4].split(":")[0] + ":" + case[2] for case in CELL_CASES])
def test_each_rule_reports_file_row_and_column(mini_dir, table, row_id, column, value, expected):
    edit_cell(mini_dir, table, row_id, column, value)
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    messages = [str(problem) for problem in caught.value.problems]
    assert expected in messages, messages


def test_a_month_precision_step_overlapping_the_previous_step_is_not_a_reversal(mini_dir):
    # 2023-03 (month) contains the MoU day 2023-03-02; the order is uncertain, not wrong.
    edit_cell(mini_dir, "events", "EV-002", "date", "2023-03")
    edit_cell(mini_dir, "events", "EV-002", "date_precision", "month")
    assert load_atlas(mini_dir).events["event_id"].size == 6


def test_duplicate_id_names_both_lines(mini_dir):
    path = mini_dir / "sources.csv"
    fieldnames, rows = read_rows(path)
    rows.append({**rows[0], "url": "https://example.org/other"})
    write_rows(path, fieldnames, rows)
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert "sources.csv:5:source_id: 'S-001' is repeated (also on line 2)" in [str(p) for p in caught.value.problems]


def test_all_problems_are_collected_not_just_the_first(mini_dir):
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "lat", "north")
    edit_cell(mini_dir, "events", "EV-004", "title", "")
    edit_cell(mini_dir, "claims", "CL-001", "qualifier", "roughly")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    files = {problem.file for problem in caught.value.problems}
    assert files == {"workshops.csv", "events.csv", "claims.csv"}


@pytest.mark.parametrize(("damage", "expected"), [
    # a table that is not there at all
    (lambda d: (d / "claims.csv").unlink(), "claims.csv::: file is missing"),
    # a header with a renamed column: both the missing and the unexpected name are reported
    (lambda d: (d / "countries.csv").write_text(
        (d / "countries.csv").read_text(encoding="utf-8").replace("name_ru", "name_russian", 1), encoding="utf-8"),
     "countries.csv:1:name_ru: column is missing from the header"),
    # Latin-1 bytes where UTF-8 is required
    (lambda d: (d / "sources.csv").write_bytes((d / "sources.csv").read_bytes() + b"S-004,https://x.org/\xe9\n"),
     "sources.csv:5:: file is not UTF-8 text"),
    # a table far larger than any real one (sparse file: no 50 MB written to disk)
    (lambda d: _grow(d / "events.csv", 50 * 1024 * 1024), "events.csv::: file is 50.0 MB, larger than the 20 MB limit for one table"),
    # no schema at all
    (lambda d: (d / "datapackage.json").unlink(), "datapackage.json::: datapackage.json is missing"),
])
def test_file_level_damage_is_reported(mini_dir, damage, expected):
    damage(mini_dir)
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    messages = [str(problem) for problem in caught.value.problems]
    assert any(message.startswith(expected) for message in messages), messages


def _grow(path, size):
    with path.open("r+b") as handle:
        handle.truncate(size)


def test_cli_reports_problems_and_exits_1(mini_dir):
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "country", "XX")
    result = subprocess.run([sys.executable, "-m", "atlas", "validate", str(mini_dir)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "workshops.csv:2:country: 'XX' is not a known iso2 in countries.csv" in result.stderr


def test_cli_summarises_valid_data_and_exits_0(mini_dir):
    result = subprocess.run([sys.executable, "-m", "atlas", "validate", str(mini_dir)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 6 tables, 23 rows, 3 sources")
    # Warnings are counted on the same line, never a reason to fail.
    assert result.stdout.rstrip().endswith("; 5 warnings (records citing only mirrors) — list them with --warnings")


def test_validation_never_writes_to_the_data_directory(mini_dir):
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "lat", "north")
    before = {p.name: p.stat().st_mtime_ns for p in mini_dir.iterdir()}
    with pytest.raises(AtlasDataError):
        load_atlas(mini_dir)
    assert {p.name: p.stat().st_mtime_ns for p in mini_dir.iterdir()} == before


# ---- Issue 13: sources that read as citations, warnings, root causes first ----

MIRROR_ONLY = "cites only mirror copies (S-002); cite the original where it can be read"


@pytest.mark.parametrize("edits", [
    # a mirror with no known original but a note saying why is acceptable
    [("sources", "S-002", "canonical_url", ""), ("sources", "S-002", "original_note", "the outlet's site no longer has it")],
    # a dated source needs no accessed date
    [("sources", "S-001", "accessed", "")],
    # an accessed date beside a publication date is allowed (when the page was read)
    [("sources", "S-001", "accessed", "2026-11-20")],
    # a descriptive title in brackets counts as a title
    [("sources", "S-001", "title", "[About page of the workshop]")],
    # a note alone on a source that is not a mirror changes nothing
    [("sources", "S-001", "original_note", "not a copy")],
])
def test_sources_that_read_as_citations_load(mini_dir, edits):
    for table, row_id, column, value in edits:
        edit_cell(mini_dir, table, row_id, column, value)
    assert len(load_atlas(mini_dir).sources) == 3


def _drop_new_source_columns(directory):
    """The dataset as it was before issue 13: no title_en, accessed or original_note, no 'undated' sources."""
    package_path = directory / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == "sources")
    resource["schema"]["fields"] = [f for f in resource["schema"]["fields"]
                                    if f["name"] not in ("title_en", "accessed", "original_note")]
    package_path.write_text(json.dumps(package), encoding="utf-8")
    fieldnames, rows = read_rows(directory / "sources.csv")
    kept = [name for name in fieldnames if name not in ("title_en", "accessed", "original_note")]
    for row in rows:
        if row["source_id"] == "S-003":
            row.update(published="2024", published_precision="year")
    write_rows(directory / "sources.csv", kept, [{name: row[name] for name in kept} for row in rows])


def test_older_data_without_the_new_columns_still_validates(mini_dir):
    _drop_new_source_columns(mini_dir)
    assert len(load_atlas(mini_dir).sources) == 3


def test_older_data_mirror_without_original_counts_the_absent_note_as_empty(mini_dir):
    _drop_new_source_columns(mini_dir)
    edit_cell(mini_dir, "sources", "S-002", "canonical_url", "")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert [str(p) for p in caught.value.problems] == [
        "sources.csv:3:canonical_url: a mirror needs the original's address (canonical_url) or a note saying why there "
        "is none (original_note)"]


@pytest.mark.parametrize(("edits", "expected"), [
    # the fixture as it is: five records cite only the mirror S-002
    ([], ["events.csv:4:source_ids: " + MIRROR_ONLY, "events.csv:7:source_ids: " + MIRROR_ONLY,
          "institutions.csv:4:source_ids: " + MIRROR_ONLY, "institutions.csv:6:source_ids: " + MIRROR_ONLY,
          "workshops.csv:3:source_ids: " + MIRROR_ONLY]),
    # one original beside the mirror is enough
    ([("events", "EV-003", "source_ids", "S-002 | S-001"), ("events", "EV-006", "source_ids", "S-001 | S-002")],
     ["institutions.csv:4:source_ids: " + MIRROR_ONLY, "institutions.csv:6:source_ids: " + MIRROR_ONLY,
      "workshops.csv:3:source_ids: " + MIRROR_ONLY]),
    # every id of a record is named when all are mirrors
    ([("sources", "S-003", "is_mirror", "true"), ("sources", "S-003", "original_note", "no original online"),
      ("institutions", "kstu-kg", "source_ids", "S-002 | S-003"), ("events", "EV-003", "source_ids", "S-001"),
      ("events", "EV-006", "source_ids", "S-001"), ("institutions", "zjweu-cn", "source_ids", "S-001"),
      ("workshops", "LW-KG-01", "source_ids", "S-001")],
     ["claims.csv:2:source_ids: cites only mirror copies (S-003); cite the original where it can be read",
      "events.csv:5:source_ids: cites only mirror copies (S-003); cite the original where it can be read",
      "events.csv:6:source_ids: cites only mirror copies (S-003); cite the original where it can be read",
      "institutions.csv:3:source_ids: cites only mirror copies (S-003); cite the original where it can be read",
      "institutions.csv:4:source_ids: cites only mirror copies (S-002 | S-003); cite the original where it can be read",
      "institutions.csv:7:source_ids: cites only mirror copies (S-003); cite the original where it can be read"]),
    # no mirror at all, no warning
    ([("sources", "S-002", "is_mirror", "false")], []),
])
def test_records_citing_only_mirrors_are_warnings_not_errors(mini_dir, edits, expected):
    for table, row_id, column, value in edits:
        edit_cell(mini_dir, table, row_id, column, value)
    atlas = load_atlas(mini_dir)
    assert [str(w) for w in atlas.warnings] == expected
    assert all(w.warning for w in atlas.warnings)


def test_cli_lists_warnings_on_request(mini_dir):
    result = subprocess.run([sys.executable, "-m", "atlas", "validate", "--warnings", str(mini_dir)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("; 5 warnings (records citing only mirrors)")
    assert lines[1:] == ["5 warnings (records citing only mirrors):", "  events.csv:4:source_ids: " + MIRROR_ONLY,
                         "  events.csv:7:source_ids: " + MIRROR_ONLY, "  institutions.csv:4:source_ids: " + MIRROR_ONLY,
                         "  institutions.csv:6:source_ids: " + MIRROR_ONLY, "  workshops.csv:3:source_ids: " + MIRROR_ONLY]


def test_warnings_are_kept_apart_from_errors(mini_dir):
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "lat", "north")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert [str(p) for p in caught.value.problems] == ["workshops.csv:2:lat: 'north' is not a number"]
    assert len(caught.value.warnings) == 5


def _write(directory, name, text):
    (directory / name).write_text(text, encoding="utf-8")


def _events_text(directory):
    return (directory / "events.csv").read_text(encoding="utf-8")


def _folder_for_a_file(directory):
    (directory / "claims.csv").unlink()
    (directory / "claims.csv").mkdir()


# (damage, every problem expected, in report order). Each is a file that cannot be read as the table it should be:
# the root cause alone, never the symptoms a guessing parser would produce.
ROOT_CAUSE_CASES = [
    # a quote never closed, nothing quoted after it: the value runs to the end of the file
    (lambda d: _write(d, "events.csv", _events_text(d).replace("MoU signed,", '"MoU signed,', 1)),
     ["events.csv:2:title: unbalanced quote: a quoted value starts on this line and is never closed, so the lines "
      "after it ran into it (up to line 7)"]),
    # a quoted value closed and then continued: misplaced, not unbalanced
    (lambda d: _write(d, "events.csv", _events_text(d).replace("MoU signed,", '"MoU" signed,', 1)),
     ["events.csv:2:title: misplaced quote: a quoted value must start right after a comma and end right before the "
      "next one (a quote inside a value is written as two quotes)"]),
    # a comma inside an unquoted value of the first row (pandas used to take the extra fields as an index: TypeError)
    (lambda d: _write(d, "events.csv", _events_text(d).replace("MoU signed,", "MoU, signed,", 1)),
     ["events.csv:2:: row has 21 fields, the header has 20 (a value containing a comma must be in double quotes)"]),
    # the same in a later row (pandas' own message named a line but not the cause)
    (lambda d: _write(d, "events.csv", _events_text(d).replace("Kyrgyz workshop opens,", "Kyrgyz, workshop opens,", 1)),
     ["events.csv:4:: row has 21 fields, the header has 20 (a value containing a comma must be in double quotes)"]),
    # a doubled quote inside a quoted value is correct CSV and no problem at all
    (lambda d: _write(d, "events.csv", _events_text(d).replace("MoU signed,", '"MoU ""signed"", at last",', 1)), []),
    # outline file that is JSON but not a FeatureCollection
    (lambda d: _write(d, "country_outlines.geojson", '{"type": "Feature"}'),
     ["country_outlines.geojson::: file is not valid GeoJSON: no FeatureCollection with a list of features"]),
    # a feature without geometry (used to be a KeyError traceback)
    (lambda d: _write(d, "country_outlines.geojson",
                      '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"iso2": "KZ"}}]}'),
     ["country_outlines.geojson::: file is not valid GeoJSON: feature 1 is not a country outline (an iso2 property and "
      "a Polygon or MultiPolygon of lon/lat rings)"]),
    # broken JSON in the middle (not at the end): the parser's words and where
    (lambda d: _write(d, "country_outlines.geojson", '{"type": "FeatureCollection",, "features": []}'),
     ["country_outlines.geojson:1:: file is not valid GeoJSON (Expecting property name enclosed in double quotes at "
      "character 29)"]),
    # a JSON file cut short: named as such, and no point is then doubted for want of an outline
    (lambda d: _write(d, "country_outlines.geojson", '{"type": "FeatureCollection", "features": [{"type": '),
     ["country_outlines.geojson:1:: file is not valid GeoJSON: it stops in the middle (Expecting value at character "
      "52); the file looks cut short"]),
    # a table that is a folder: the OS reason only, never the server's absolute path
    (_folder_for_a_file, ["claims.csv::: file cannot be opened (Is a directory)"]),
    # the schema itself unreadable (used to be a traceback)
    (lambda d: ((d / "datapackage.json").unlink(), (d / "datapackage.json").mkdir()),
     ["datapackage.json::: file cannot be opened (Is a directory)"]),
]


@pytest.mark.parametrize(("damage", "expected"), ROOT_CAUSE_CASES,
                         ids=["unclosed-quote", "misplaced-quote", "extra-field-first-row", "extra-field-later-row",
                              "doubled-quote-ok", "not-feature-collection", "feature-without-geometry", "bad-json",
                              "cut-short-json", "unreadable-file", "unreadable-schema"])
def test_broken_files_report_the_root_cause_alone(mini_dir, damage, expected):
    damage(mini_dir)
    if not expected:
        assert load_atlas(mini_dir).events.loc[0, "title"] == 'MoU "signed", at last'
        return
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    messages = [str(p) for p in caught.value.problems]
    assert messages == expected
    assert not any(str(mini_dir) in message for message in messages)


def test_a_repeated_id_comes_first_and_summarises_the_references_it_breaks(mini_dir):
    # S-003's id overwritten with S-001's: every record citing S-003 now points nowhere.
    edit_cell(mini_dir, "sources", "S-003", "source_id", "S-001")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert [str(p) for p in caught.value.problems] == [
        "sources.csv:4:source_id: 'S-001' is repeated (also on line 2)",
        "claims.csv:2:source_ids: 1 reference(s) not found in sources.csv (first: 'S-003'): sources.csv repeats a "
        "source_id on line 4; fix that first",
        "events.csv:5:source_ids: 2 reference(s) not found in sources.csv (first: 'S-003'): sources.csv repeats a "
        "source_id on line 4; fix that first",
        "institutions.csv:3:source_ids: 2 reference(s) not found in sources.csv (first: 'S-003'): sources.csv repeats a "
        "source_id on line 4; fix that first",
    ]


def test_without_a_repeated_id_unknown_references_are_listed_one_by_one(mini_dir):
    edit_cell(mini_dir, "events", "EV-004", "source_ids", "S-998")
    edit_cell(mini_dir, "events", "EV-005", "source_ids", "S-999")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert [str(p) for p in caught.value.problems] == [
        "events.csv:5:source_ids: 'S-998' is not a known source_id in sources.csv",
        "events.csv:6:source_ids: 'S-999' is not a known source_id in sources.csv"]


def test_a_date_typed_field_must_be_a_real_day(mini_dir):
    # A schema may declare accessed as Frictionless 'date' rather than a patterned string: both are checked.
    package_path = mini_dir / "datapackage.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    sources = next(r for r in package["resources"] if r["name"] == "sources")
    accessed = next(f for f in sources["schema"]["fields"] if f["name"] == "accessed")
    accessed.update(type="date", constraints={})
    package_path.write_text(json.dumps(package), encoding="utf-8")
    edit_cell(mini_dir, "sources", "S-003", "accessed", "20.11.2026")
    edit_cell(mini_dir, "sources", "S-001", "accessed", "2026-13-01")
    with pytest.raises(AtlasDataError) as caught:
        load_atlas(mini_dir)
    assert [str(p) for p in caught.value.problems] == [
        "sources.csv:2:accessed: '2026-13-01' is not a real calendar date",
        "sources.csv:4:accessed: '20.11.2026' is not a date in the form YYYY-MM-DD"]
