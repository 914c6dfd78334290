"""Every user-facing string key used in the code exists in the English tables, and tables do not clash."""

from __future__ import annotations

import re

import pytest

from atlas.i18n import all_keys, t
from helpers import REPO

CODE_DIRS = ("atlas", "components", "pages")
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def used_keys() -> set[str]:
    files = [REPO / "app.py"] + [p for d in CODE_DIRS for p in (REPO / d).rglob("*.py")]
    return {key for path in files for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}


def test_every_literal_key_in_the_code_has_an_english_string():
    missing = sorted(used_keys() - all_keys("en"))
    assert missing == []


def test_the_scan_finds_keys_at_all():
    # Guards the test above against a regex that silently matches nothing.
    assert {"app.title", "filters.reset", "validate.required"} <= used_keys()


@pytest.mark.parametrize("prefix", ["status.", "category.", "milestone."])
def test_every_schema_enum_value_has_a_label(prefix):
    import json
    package = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    field = {"status.": ("workshops", "status"), "category.": ("events", "category"),
             "milestone.": ("events", "milestone")}[prefix]
    resource = next(r for r in package["resources"] if r["name"] == field[0])
    enum = next(f for f in resource["schema"]["fields"] if f["name"] == field[1])["constraints"]["enum"]
    assert [value for value in enum if prefix + value not in all_keys("en")] == []


def test_missing_key_raises_a_clear_error():
    with pytest.raises(KeyError, match="no.such.key"):
        t("no.such.key")


@pytest.mark.parametrize("table", ["institutions", "workshops", "events"])
def test_every_coordinate_precision_has_a_location_label(table):
    import json
    package = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == table)
    enum = next(f for f in resource["schema"]["fields"] if f["name"] == "coord_precision")["constraints"]["enum"]
    assert {value: t(f"location.{value}") for value in enum}.get("unknown", "location unknown") == "location unknown"
    assert all(f"location.{value}" in all_keys("en") for value in enum)
