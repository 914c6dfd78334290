"""Test helpers: repo paths, throwaway copies of the fixture dataset, and CSV cell edits for corrupting it."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"
MINI_FIXTURE = REPO / "tests" / "fixtures" / "mini"
# The fixture tables follow the real schema and outlines, so they are copied in rather than duplicated.
SHARED_FILES = ("datapackage.json", "country_outlines.geojson")


def build_dataset(target: Path, source: Path = MINI_FIXTURE) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in source.glob("*.csv"):
        shutil.copy(path, target / path.name)
    for name in SHARED_FILES:
        shutil.copy(DATA_DIR / name, target / name)
    return target


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, fieldnames: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def edit_cell(directory: Path, table: str, row_id: str, column: str, value: str) -> None:
    """Set one cell of the row whose first column is row_id."""
    path = directory / f"{table}.csv"
    fieldnames, rows = read_rows(path)
    for row in rows:
        if row[fieldnames[0]] == row_id:
            row[column] = value
            break
    else:
        raise AssertionError(f"{row_id} not in {table}.csv")
    write_rows(path, fieldnames, rows)

