"""One dataset version everywhere: datapackage.json, CITATION.cff, the /dataset JSON-LD and download file names."""

from __future__ import annotations

import json

import yaml
from starlette.testclient import TestClient

from atlas import Filters, apply_filters, load_atlas
from atlas.export import file_name
from helpers import DATA_DIR, REPO
from http_routes import plain_app


def test_citation_cff_is_a_dataset_with_the_datapackage_version():
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["type"] == "dataset"
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == package["version"]
    assert str(citation["date-released"]) == package["x-last-updated"]
    assert citation["license"] == package["licenses"][0]["name"]
    assert citation["title"] == package["title"]


def test_dataset_page_and_downloads_carry_the_same_version(monkeypatch):
    monkeypatch.setenv("LUBAN_ATLAS_DATA_DIR", str(DATA_DIR))
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    client = TestClient(plain_app())
    assert client.get("/dataset.jsonld").json()["version"] == package["version"]
    disposition = client.get("/api/v1/download.zip?country=KZ").headers["content-disposition"]
    assert f"luban-atlas_{package['version']}_KZ.zip" in disposition
    atlas = load_atlas(DATA_DIR)
    assert file_name(atlas, apply_filters(atlas, Filters()), "zip") == f"luban-atlas_{package['version']}_all.zip"
