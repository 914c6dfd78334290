"""The corrupted-data cases of issue 7, each a damage to a fixture copy and the exact problem it must produce."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers import edit_cell, read_rows, write_rows


@dataclass(frozen=True)
class Corruption:
    name: str
    damage: Callable[[Path], None]
    expected: str   # the start of one reported problem (file:row:column: message)
    # A root cause must come first and alone: the symptoms it would cause are not listed after it.
    root_cause: bool = False
    most_problems: int | None = None


def _replace_text(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _duplicate_first_row(path: Path) -> None:
    fieldnames, rows = read_rows(path)
    write_rows(path, fieldnames, rows + [dict(rows[0], url="https://example.org/another")])


def _sparse_grow(path: Path, size: int) -> None:
    # Sparse: the file reports 50 MB without writing 50 MB to disk.
    with path.open("r+b") as handle:
        handle.truncate(size)


def _unclosed_quote(directory: Path) -> None:
    # EV-002's title opens a quote it never closes; EV-004's summary is properly quoted (it holds a comma). A CSV
    # reader runs EV-002 on through EV-003 to EV-004's quote and, before issue 13, kept two events fewer silently.
    path = directory / "events.csv"
    text = path.read_text(encoding="utf-8").replace("Trial operation starts,", '"Trial operation starts,', 1)
    path.write_text(text.replace("A Confucius Institute opened at KazNU.", '"A Confucius Institute opened, at KazNU."', 1),
                    encoding="utf-8")


def _cut_outlines_short(directory: Path) -> None:
    # Only the first line survives: the JSON stops inside the feature list (a copy interrupted mid-way).
    path = directory / "country_outlines.geojson"
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")


def _centroid_at_zero(directory: Path) -> None:
    edit_cell(directory, "countries", "KG", "centroid_lat", "0")
    edit_cell(directory, "countries", "KG", "centroid_lon", "0")


CORRUPTIONS = [
    Corruption("missing file", lambda d: (d / "claims.csv").unlink(), "claims.csv::: file is missing"),
    Corruption("wrong header", lambda d: _replace_text(d / "countries.csv", "name_ru", "name_russian"),
               "countries.csv:1:name_ru: column is missing from the header"),
    Corruption("wrong type", lambda d: edit_cell(d, "workshops", "LW-KZ-01", "area_m2", "big"),
               "workshops.csv:2:area_m2: 'big' is not a number"),
    Corruption("unknown foreign key", lambda d: edit_cell(d, "events", "EV-003", "workshop_id", "LW-XX-99"),
               "events.csv:4:workshop_id: 'LW-XX-99' is not a known workshop_id in workshops.csv"),
    Corruption("reversed dates", lambda d: edit_cell(d, "events", "EV-002", "date", "2023-01-09"),
               "events.csv:3:date: trial_operation (2023-01-09) comes before mou (2023-03-02) for workshop LW-KZ-01"),
    Corruption("point outside its country", lambda d: edit_cell(d, "workshops", "LW-KG-01", "lon", "100.0"),
               "workshops.csv:3:lat: point (42.8746, 100.0) lies outside KG's outline"),
    Corruption("duplicate id", lambda d: _duplicate_first_row(d / "sources.csv"),
               "sources.csv:5:source_id: 'S-001' is repeated (also on line 2)"),
    Corruption("50 MB file", lambda d: _sparse_grow(d / "events.csv", 50 * 1024 * 1024),
               "events.csv::: file is 50.0 MB, larger than the 20 MB limit for one table"),
    Corruption("non-UTF-8 bytes", lambda d: (d / "sources.csv").write_bytes(
        (d / "sources.csv").read_bytes() + b"S-004,https://x.org/\xe9\n"), "sources.csv:5:: file is not UTF-8 text"),
    # Issue 13: root cause first, one line, instead of the symptoms (merged values, missing outlines, lost ids).
    Corruption("unbalanced quote", _unclosed_quote,
               "events.csv:3:title: unbalanced quote: a quoted value starts on this line and is never closed, so the "
               "lines after it ran into it (up to line 5)", root_cause=True, most_problems=1),
    Corruption("outline file cut short", _cut_outlines_short,
               "country_outlines.geojson:2:: file is not valid GeoJSON: it stops in the middle", root_cause=True,
               most_problems=1),
    Corruption("repeated id loses a row's id", lambda d: edit_cell(d, "sources", "S-003", "source_id", "S-001"),
               "sources.csv:4:source_id: 'S-001' is repeated (also on line 2)", root_cause=True, most_problems=4),
    Corruption("country centroid at 0,0", _centroid_at_zero,
               "countries.csv:3:centroid_lat: centroid (0.0, 0.0) lies outside KG's own outline"),
]
