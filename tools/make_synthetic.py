"""Writes a synthetic N-times copy of a dataset (valid against the same schema) for benchmarks; never committed."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd

# How each table's ids are made unique in copy j (ids keep their patterns: digits are appended).
ID_COLUMNS = {"sources": "source_id", "institutions": "institution_id", "workshops": "workshop_id",
              "events": "event_id", "claims": "claim_id"}
# Columns that point at other tables' ids, per table: (column, referenced table, is a ' | ' list).
REFERENCES = {
    "institutions": [("source_ids", "sources", True)],
    "workshops": [("host_institution_id", "institutions", False), ("partner_institution_ids", "institutions", True),
                  ("source_ids", "sources", True)],
    "events": [("workshop_id", "workshops", False), ("institution_ids", "institutions", True),
               ("source_ids", "sources", True)],
    "claims": [("workshop_id", "workshops", False), ("source_ids", "sources", True)],
    "sources": [],
}
UNIQUE_TEXT = {"sources": ("url", lambda value, j: f"{value}{'&' if '?' in value else '?'}synthetic={j}"),
               "workshops": ("name_en", lambda value, j: f"{value} [synthetic {j}]")}


def new_id(table: str, value: str, copy: int) -> str:
    if not value or copy == 0:
        return value
    return f"{value}-s{copy}" if table == "institutions" else f"{value}{copy:05d}"


def _remap(series: pd.Series, table: str, copy: int, is_list: bool) -> pd.Series:
    if is_list:
        return series.map(lambda text: " | ".join(new_id(table, v.strip(), copy) for v in text.split("|") if v.strip()))
    return series.map(lambda value: new_id(table, value, copy))


def make_synthetic(source: Path, target: Path, factor: int) -> dict[str, int]:
    """Copy `source` into `target` with every table except countries repeated `factor` times."""
    target.mkdir(parents=True, exist_ok=True)
    package = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    shutil.copy(source / "datapackage.json", target / "datapackage.json")
    shutil.copy(source / "country_outlines.geojson", target / "country_outlines.geojson")
    counts = {}
    for resource in package["resources"]:
        name, path = resource["name"], resource["path"]
        if not (source / path).exists():
            continue   # an optional table the source leaves out (translations in the fixtures)
        frame = pd.read_csv(source / path, dtype=str, keep_default_na=False)
        if name == "countries":
            copies = [frame]
        else:
            copies = []
            for j in range(factor):
                copy = frame.copy()
                if name == "translations":
                    # One row per (record, field, language): the record id belongs to the table the row names.
                    copy["record_id"] = [new_id(table, value, j) for table, value in zip(copy["table"], copy["record_id"])]
                    copy["source_ids"] = _remap(copy["source_ids"], "sources", j, True)
                    copies.append(copy)
                    continue
                copy[ID_COLUMNS[name]] = _remap(copy[ID_COLUMNS[name]], name, j, False)
                for column, table, is_list in REFERENCES[name]:
                    copy[column] = _remap(copy[column], table, j, is_list)
                if name in UNIQUE_TEXT and j:
                    column, make_unique = UNIQUE_TEXT[name]
                    copy[column] = copy[column].map(lambda value, j=j: make_unique(value, j))
                copies.append(copy)
        combined = pd.concat(copies, ignore_index=True)
        combined.to_csv(target / path, index=False)
        counts[name] = len(combined)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factor", type=int, help="how many copies of every table (10, 100, 1000...)")
    parser.add_argument("target", type=Path, help="output directory (outside data/)")
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    args = parser.parse_args()
    if args.target.resolve() == args.source.resolve():
        parser.error("refusing to overwrite the source dataset")
    print(make_synthetic(args.source, args.target, args.factor))


if __name__ == "__main__":
    main()
