"""Coverage: records per country and year beside how far the search reached, so an empty year reads honestly."""

from dataclasses import replace

import pytest

from atlas import load_atlas
from atlas.i18n import language_context
from atlas.summaries import coverage, searched_through
from components.about import coverage_display
from tests.helpers import build_dataset

COVERAGE = {"searched_through": "2026-02", "note": "Stored pages thin out after early 2026.",
            "countries": {"KZ": {"period": "2024-01/2026-02", "languages": ["en", "ru", "zh"], "searched_through": "2026-02"},
                          "KG": {"period": "2024-01/2025-11", "languages": ["en", "ru"], "searched_through": "2025-11"}}}


@pytest.fixture
def atlas(tmp_path):
    atlas = load_atlas(build_dataset(tmp_path / "mini"))
    return replace(atlas, package={**atlas.package, "x-coverage": COVERAGE}, links=atlas.links)


def test_counts_are_dated_events_per_country_and_year(atlas):
    table = coverage(atlas).set_index("country")
    dated = atlas.events[atlas.events["year_start"].notna()]
    for code in ("KZ", "KG"):
        for year, count in dated[dated["country"] == code]["year_start"].value_counts().items():
            assert table.loc[code, int(year)] == count
    # Years run to the last year searched even when no event is dated there (2026 is empty, not missing).
    assert 2026 in table.columns and table[2026].sum() == 0
    assert table.loc["KZ", "languages"] == ("en", "ru", "zh")


def test_years_past_a_countrys_search_show_a_dash_not_zero(atlas):
    shown = coverage_display(coverage(atlas), dict(zip(atlas.countries["iso2"], atlas.countries["name_en"])))
    kg = shown[shown["Country"] == "Kyrgyzstan"].iloc[0]
    kz = shown[shown["Country"] == "Kazakhstan"].iloc[0]
    assert kg["2026"] == "—"           # KG searched through Nov 2025 only
    assert kz["2026"] == "0"           # KZ searched into 2026 and found nothing dated there
    assert kz["Searched through"] == "Feb 2026"


def test_coverage_labels_follow_the_language(atlas):
    with language_context("ru"):
        shown = coverage_display(coverage(atlas), {"KZ": "Казахстан"})
        assert "английский" in shown.iloc[0].to_list()[2]


def test_searched_through_is_empty_when_the_package_does_not_say(atlas):
    assert searched_through(atlas) == "2026-02"
    bare = {key: value for key, value in atlas.package.items() if key != "x-coverage"}
    assert searched_through(replace(atlas, package=bare, links=atlas.links)) == ""
