"""Every source in the shipped data/ reads as a citation: a title, a date or n.d. + accessed, and a mirror points at its original."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import DATA_DIR

ISO_DAY = r"^\d{4}-\d{2}-\d{2}$"


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    # Read as published (strings), so the test checks the file itself, not what the loader derives from it.
    return pd.read_csv(DATA_DIR / "sources.csv", dtype=str, keep_default_na=False)


def offenders(sources: pd.DataFrame, bad: pd.Series) -> list[str]:
    return sources.loc[bad, "source_id"].tolist()


def test_every_source_has_a_title(sources):
    assert offenders(sources, sources["title"].str.strip() == "") == []


def test_every_source_has_a_date_or_is_undated_with_the_date_it_was_read(sources):
    dated = sources["published"].str.strip() != ""
    undated_read = (sources["published_precision"] == "undated") & sources["accessed"].str.match(ISO_DAY)
    assert offenders(sources, ~(dated | undated_read)) == []


def test_an_undated_source_carries_no_date(sources):
    # "undated" is a statement about the page; a date beside it would contradict it.
    undated = sources["published_precision"] == "undated"
    assert offenders(sources, undated & (sources["published"] != "")) == []


def test_every_mirror_names_its_original_or_says_why_not(sources):
    mirror = sources["is_mirror"].str.lower() == "true"
    explained = (sources["canonical_url"].str.strip() != "") | (sources["original_note"].str.strip() != "")
    assert offenders(sources, mirror & ~explained) == []


def test_china_daily_mirrors_point_at_the_address_their_article_id_gives(sources):
    # A China Daily article id (WS + 24 hex digits) under /a/YYYYMM/DD/ derives the canonical address.
    mirror = sources[(sources["is_mirror"] == "true") & sources["url"].str.contains(r"/a/\d{6}/\d{2}/WS[0-9a-f]{24}\.html")]
    assert not mirror.empty
    for url, canonical in zip(mirror["url"], mirror["canonical_url"]):
        path = url[url.index("/a/"):]
        assert canonical == f"http://www.chinadaily.com.cn{path}", url


@pytest.mark.parametrize(("row", "why"), [
    ({"title": "", "published": "2024", "published_precision": "year", "accessed": "", "is_mirror": "false",
      "canonical_url": "", "original_note": ""}, "no title"),
    ({"title": "T", "published": "", "published_precision": "undated", "accessed": "", "is_mirror": "false",
      "canonical_url": "", "original_note": ""}, "undated without the date it was read"),
    ({"title": "T", "published": "", "published_precision": "unknown", "accessed": "2026-12-03", "is_mirror": "false",
      "canonical_url": "", "original_note": ""}, "no date and not declared undated"),
    ({"title": "T", "published": "2024", "published_precision": "year", "accessed": "", "is_mirror": "true",
      "canonical_url": "", "original_note": ""}, "mirror with neither original nor note"),
])
def test_the_checks_catch_each_kind_of_uncitable_row(row, why):
    # The same checks on one bad row each, so a check that can never fail would show here.
    frame = pd.DataFrame([{"source_id": "S-999", "url": "https://example.org/x", **row}])
    caught = (offenders(frame, frame["title"].str.strip() == "")
              + offenders(frame, ~((frame["published"] != "") | ((frame["published_precision"] == "undated")
                                                                   & frame["accessed"].str.match(ISO_DAY))))
              + offenders(frame, (frame["is_mirror"] == "true") & (frame["canonical_url"] == "")
                          & (frame["original_note"] == "")))
    assert caught == ["S-999"], why
