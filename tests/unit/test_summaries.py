"""atlas.summaries on the fixture dataset (tests/fixtures/mini), every expected number counted by hand from its CSVs."""

from __future__ import annotations

import json

import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.summaries import (bibtex, country_comparison, data_dictionary, first_conflicts, headline, latest_events,
                             most_cited_sources, readme_sections, source_mix_by_country, statuses_in_use)
from helpers import edit_cell


@pytest.fixture
def mini(mini_dir):
    return load_atlas(mini_dir)


def test_statuses_in_use_are_those_present_most_advanced_first(mini):
    # The fixture has operating (x2) and announced (LW-KZ-04); the four other schema statuses are unused.
    assert statuses_in_use(mini) == ("operating", "announced")


@pytest.mark.parametrize(("filters", "expected"), [
    # Whole fixture. Partners: tvi-cn (LW-KZ-01), zjweu-cn and nowhere-cn (LW-KG-01); nowhere-cn counts although
    # its location is unknown, because its country is CN. Other events: EV-004 (CI), EV-005 (regional conference),
    # EV-006 (undated centre); the three luban_workshop milestones are not "other".
    (Filters(), dict(workshops=3, by_status={"operating": 2, "announced": 1}, countries_with_workshop=2,
                     chinese_partners=3, other_events=3, sources_cited=3)),
    # Kyrgyzstan: LW-KG-01 only; regional EV-005 stays (regional events are included by default) beside EV-006;
    # sources S-002 (KG rows) and S-003 (EV-005, nowhere-cn, worldwide claim CL-001). Announced shows 0, not absent.
    (Filters(countries=("KG",)), dict(workshops=1, by_status={"operating": 1, "announced": 0},
                                      countries_with_workshop=1, chinese_partners=2, other_events=2,
                                      sources_cited=2)),
    # Kazakhstan without regional events: LW-KZ-01 and LW-KZ-04 (no partner yet); EV-004 is the only other event.
    (Filters(countries=("KZ",), include_regional=False),
     dict(workshops=2, by_status={"operating": 1, "announced": 1}, countries_with_workshop=1, chinese_partners=1,
          other_events=1, sources_cited=2)),
    # Status 'announced': LW-KZ-04 has no host and no partner, so zero Chinese partners for one workshop.
    (Filters(statuses=("announced",)), dict(workshops=1, by_status={"operating": 0, "announced": 1},
                                            countries_with_workshop=1, chinese_partners=0, other_events=3,
                                            sources_cited=3)),
    # 2024–2025: only LW-KG-01 has a milestone in range (EV-003, Oct 2024); EV-005 (2025) is the one other event;
    # undated EV-006 drops out once a year range is set. Sources: S-002 (KG rows), S-003 (EV-005) and S-001, which
    # only the 2024 student claim CL-002 brings in.
    (Filters(year_min=2024, year_max=2025), dict(workshops=1, by_status={"operating": 1, "announced": 0},
                                                 countries_with_workshop=1, chinese_partners=2, other_events=1,
                                                 sources_cited=3)),
    # A search that matches nothing: no workshop, event, institution or claim, hence no source either.
    (Filters(text="no-such-thing"), dict(workshops=0, by_status={"operating": 0, "announced": 0},
                                         countries_with_workshop=0, chinese_partners=0, other_events=0,
                                         sources_cited=0)),
])
def test_headline_counts(mini, filters, expected):
    assert headline(mini, apply_filters(mini, filters)).__dict__ == expected


def test_country_comparison_whole_fixture(mini):
    comparison = country_comparison(mini, apply_filters(mini, Filters()))
    # Central Asian countries by English name, then the regional row because EV-005 is a regional other event.
    assert comparison.names.to_dict() == {"KZ": "Kazakhstan", "KG": "Kyrgyzstan", "": "Regional (several countries)"}
    assert comparison.workshops.to_dict(orient="index") == {
        "KZ": {"operating": 1, "announced": 1}, "KG": {"operating": 1, "announced": 0},
        "": {"operating": 0, "announced": 0}}
    # Categories in schema order; luban_workshop milestones are not counted as other events.
    assert comparison.events.to_dict(orient="index") == {
        "KZ": {"confucius_institute": 1, "centre": 0, "conference": 0},
        "KG": {"confucius_institute": 0, "centre": 1, "conference": 0},
        "": {"confucius_institute": 0, "centre": 0, "conference": 1}}
    assert not comparison.is_empty


@pytest.mark.parametrize(("filters", "rows", "workshops", "events"), [
    # Kyrgyzstan keeps its zero 'announced' column and the regional row (EV-005).
    (Filters(countries=("KG",)), ["KG", ""], {"KG": 1, "": 0}, {"KG": 1, "": 1}),
    # Without regional events there is no regional row.
    (Filters(include_regional=False), ["KZ", "KG"], {"KZ": 2, "KG": 1}, {"KZ": 1, "KG": 1}),
    # Nothing matches: the countries stay listed, all zero, and the comparison reports itself empty.
    (Filters(text="no-such-thing"), ["KZ", "KG"], {"KZ": 0, "KG": 0}, {"KZ": 0, "KG": 0}),
])
def test_country_comparison_rows_follow_the_filters(mini, filters, rows, workshops, events):
    comparison = country_comparison(mini, apply_filters(mini, filters))
    assert list(comparison.names.index) == rows
    assert comparison.workshops.sum(axis=1).to_dict() == workshops
    assert comparison.events.sum(axis=1).to_dict() == events
    assert comparison.is_empty == (filters.text == "no-such-thing")


def test_latest_events_newest_first_undated_left_out(mini):
    latest = latest_events(apply_filters(mini, Filters()))
    # EV-006 is undated, so it cannot be among the latest.
    assert latest["event_id"].to_list() == ["EV-005", "EV-003", "EV-002", "EV-001", "EV-004"]
    assert latest_events(apply_filters(mini, Filters()), limit=2)["event_id"].to_list() == ["EV-005", "EV-003"]


@pytest.mark.parametrize(("as_of", "first"), [
    ("2025-01", "EV-003"),     # EV-005 (12 May 2025) is after January 2025: upcoming, not latest
    ("2025", "EV-005"),        # a year-only cut-off includes the whole year
    ("", "EV-005"),            # no data date: nothing is cut
    ("not a date", "EV-005"),  # an unreadable data date cuts nothing rather than everything
])
def test_latest_events_leave_out_events_after_the_data_date(mini, as_of, first):
    assert latest_events(apply_filters(mini, Filters()), as_of=as_of)["event_id"].iloc[0] == first


def test_a_year_only_date_does_not_jump_ahead_of_a_precise_date_in_that_year(mini_dir):
    # EV-004 becomes '2024' (year precision): its span ends 31 Dec 2024, after EV-003 (Oct 2024), but it may have
    # happened in January, so it must not be listed as more recent than EV-003.
    edit_cell(mini_dir, "events", "EV-004", "date", "2024")
    atlas = load_atlas(mini_dir)
    order = latest_events(apply_filters(atlas, Filters()))["event_id"].to_list()
    assert order == ["EV-005", "EV-003", "EV-004", "EV-002", "EV-001"]


def test_citation_counts_per_source(mini):
    # S-001: LW-KZ-01, LW-KZ-04, EV-001, EV-002, ektu-kz, tvi-cn, CL-002 = 7.
    # S-002: LW-KG-01, EV-003, EV-006, kstu-kg, zjweu-cn = 5.  S-003: EV-004, EV-005, kaznu-kz, nowhere-cn, CL-001 = 5.
    counted = most_cited_sources(mini, 10)
    assert dict(zip(counted["source_id"], counted["records"])) == {"S-001": 7, "S-002": 5, "S-003": 5}
    assert counted["source_id"].to_list() == ["S-001", "S-002", "S-003"]


def test_source_mix_by_country(mini):
    mix = source_mix_by_country(mini)
    # KZ rows cite S-001 (host country) and S-003 (third party, EV-004); KG rows only S-002 (Chinese, a mirror);
    # the regional EV-005 cites S-003. Distinct sources, so S-001 cited by four KZ rows counts once.
    assert mix.to_dict(orient="index") == {
        "Kazakhstan": {"chinese": 0, "host_country": 1, "third_party": 1, "total": 2},
        "Kyrgyzstan": {"chinese": 1, "host_country": 0, "third_party": 0, "total": 1},
        "Regional (several countries)": {"chinese": 0, "host_country": 0, "third_party": 1, "total": 1},
    }


def test_conflicts_list_every_record_with_a_conflict_note(mini):
    found, total = first_conflicts(mini, 10)
    assert total == 2
    assert found[["table", "record_id", "country_name"]].values.tolist() == [
        ["workshops", "LW-KZ-01", "Kazakhstan"], ["events", "EV-002", "Kazakhstan"]]
    assert found["conflict_note"].to_list() == ["Trial vs official opening wording differs.", "Official vs trial wording."]


def test_data_dictionary_covers_every_field_in_the_package(mini_dir):
    atlas = load_atlas(mini_dir)
    package = json.loads((mini_dir / "datapackage.json").read_text(encoding="utf-8"))
    expected = [(r["name"], f["name"]) for r in package["resources"] for f in r["schema"]["fields"]]
    dictionary = data_dictionary(atlas.specs)
    assert list(zip(dictionary["table"], dictionary["field"])) == expected
    # Every field has a type and a meaning: a blank description would be a gap in the codebook.
    assert (dictionary["type"] != "").all() and (dictionary["description"].str.strip() != "").all()


@pytest.mark.parametrize(("table", "field", "constraints"), [
    ("countries", "iso2", "required; unique; primary key; form ^[A-Z]{2}$"),
    ("countries", "centroid_lat", "required; at least -90; at most 90"),
    ("sources", "title", ""),                                                   # optional free text: no constraint
    ("sources", "side", "required; one of: chinese, host_country, third_party"),
    ("workshops", "host_institution_id", "refers to institutions.institution_id"),   # a foreign key
    ("workshops", "partner_institution_ids", "list, separated by '|'; refers to institutions.institution_id"),
    ("institutions", "aliases", "list, separated by '|'"),                       # a list with no reference
])
def test_data_dictionary_constraints_in_words(mini, table, field, constraints):
    dictionary = data_dictionary(mini.specs).set_index(["table", "field"])
    assert dictionary.loc[(table, field), "constraints"] == constraints


def test_readme_sections_split_at_second_level_headings():
    text = "\n".join([
        "# Title (dropped: the page shows the package title)",
        "Intro line.",
        "## Inclusion criteria",
        "- rule",
        "### Left out (stays inside its section)",
        "```",
        "## not a heading inside a code fence",
        "```",
        "## Changelog ##",
        "### 0.1.0",
    ])
    assert readme_sections(text) == [
        ("", "Intro line."),
        ("Inclusion criteria", "- rule\n### Left out (stays inside its section)\n```\n## not a heading inside a code fence\n```"),
        ("Changelog", "### 0.1.0"),
    ]


def test_readme_sections_of_an_empty_file():
    assert readme_sections("") == []


def test_bibtex_names_the_version_and_keeps_the_group_author_whole(mini):
    entry = bibtex(mini)
    key_version = mini.version.replace(".", "_")
    assert entry.startswith(f"@misc{{luban_atlas_{key_version},\n")
    assert f"  version = {{{mini.version}}}," in entry
    # Double braces: BibTeX would otherwise read 'contributors' as a surname.
    assert "  author = {{Luban Atlas contributors}}," in entry
    assert entry.endswith("\n}")


def test_most_cited_sources_keeps_every_source_under_the_limit(mini):
    table = most_cited_sources(mini, 10)
    # Most cited first; S-002 and S-003 tie at 5 and keep id order.
    assert table[["source_id", "records"]].values.tolist() == [["S-001", 7], ["S-002", 5], ["S-003", 5]]
    assert len(table) == len(mini.sources)
