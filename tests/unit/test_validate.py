"""Validation: one deliberately broken copy of the fixture per rule, asserting the exact file:row:column message."""

from __future__ import annotations

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


def test_validation_never_writes_to_the_data_directory(mini_dir):
    edit_cell(mini_dir, "workshops", "LW-KZ-01", "lat", "north")
    before = {p.name: p.stat().st_mtime_ns for p in mini_dir.iterdir()}
    with pytest.raises(AtlasDataError):
        load_atlas(mini_dir)
    assert {p.name: p.stat().st_mtime_ns for p in mini_dir.iterdir()} == before
