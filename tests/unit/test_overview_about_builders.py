"""Pure builders of the Overview (components/overview.py) and About (components/about.py) pages on the fixture dataset."""

from __future__ import annotations

import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.summaries import country_comparison, data_dictionary, first_conflicts, most_cited_sources
from components.about import (anchor, conflicts_display, dictionary_display, is_conflict_section, sources_display,
                              split_changelog)
from components.overview import (build_events_by_country, build_workshops_by_country, comparison_table, event_label,
                                 family_counts, tick_step)


@pytest.fixture
def mini(mini_dir):
    return load_atlas(mini_dir)


def comparison_for(atlas, **filters):
    return country_comparison(atlas, apply_filters(atlas, Filters(**filters)))


@pytest.mark.parametrize(("longest", "step"), [
    (1, 1), (6, 1),       # small counts: every whole number
    (7, 2), (12, 2),      # just past six ticks: step up
    (16, 5),              # 16/2 = 8 ticks is too many, 16/5 about 3
    (100, 20),
    (50_000, 1000),       # beyond the table: the largest step, never an error
])
def test_tick_step(longest, step):
    assert tick_step(longest) == step


def test_family_counts_sum_categories_and_drop_empty_families(mini):
    families = family_counts(comparison_for(mini).events)
    # CI at KZ, a centre (labs family) in KG, a conference (meetings family) for the regional row.
    assert families.to_dict(orient="index") == {
        "KZ": {"confucius": 1, "labs": 0, "meetings": 0},
        "KG": {"confucius": 0, "labs": 1, "meetings": 0},
        "": {"confucius": 0, "labs": 0, "meetings": 1}}


def test_workshops_chart_has_no_regional_row_and_one_bar_per_stage(mini):
    figure = build_workshops_by_country(comparison_for(mini))
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == ["Operating", "Announced"]
    assert list(bars[0].y) == ["Kazakhstan", "Kyrgyzstan"]       # workshops are never regional
    assert list(bars[0].x) == [1, 1] and list(bars[1].x) == [1, 0]
    assert list(bars[1].text) == ["1", ""]                        # no '0' printed inside an empty segment
    totals = next(trace for trace in figure.data if trace.type == "scatter")
    assert list(totals.text) == ["  2", "  1"]
    assert [bar.marker.color for bar in bars] == ["#009E73", "#BBBBBB"]   # the shared status palette
    assert figure.layout.xaxis.dtick == 1


def test_events_chart_keeps_the_regional_row_last(mini):
    figure = build_events_by_country(comparison_for(mini))
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert [bar.name for bar in bars] == ["Confucius Institutes", "Joint labs & centres", "Forums, conferences & summits"]
    assert list(bars[0].y) == ["Kazakhstan", "Kyrgyzstan", "Regional (several countries)"]


@pytest.mark.parametrize(("filters", "workshops_drawn", "events_drawn"), [
    ({"text": "no-such-thing"}, False, False),             # nothing: neither chart (the page writes a sentence)
    ({"statuses": ("announced",), "categories": ("luban_workshop",)}, True, False),  # a workshop, no other event
    ({"categories": ("conference",)}, False, True),        # a category filter excludes every workshop
])
def test_a_chart_with_nothing_to_draw_is_not_built(mini, filters, workshops_drawn, events_drawn):
    comparison = comparison_for(mini, **filters)
    assert (build_workshops_by_country(comparison) is not None) == workshops_drawn
    assert (build_events_by_country(comparison) is not None) == events_drawn


def test_comparison_table_is_the_chart_as_numbers(mini):
    table = comparison_table(comparison_for(mini))
    assert table.columns.to_list() == ["Country", "Luban Workshops", "Operating", "Announced",
                                       "Other cooperation events", "Confucius Institute", "Centre", "Conference"]
    assert table.values.tolist() == [
        ["Kazakhstan", 2, 1, 1, 1, 1, 0, 0],
        ["Kyrgyzstan", 1, 1, 0, 1, 0, 1, 0],
        ["Regional (several countries)", 0, 0, 0, 1, 0, 0, 1]]


def test_event_label_shows_precision_and_escapes_record_text(mini):
    event = mini.events.set_index("event_id").loc["EV-003"].copy()
    assert event_label(event) == "**October 2024 \\(month precision\\)** · Opening · Kyrgyzstan — Kyrgyz workshop opens"
    event["title"] = "[click](javascript:alert(1)) *bold*"
    label = event_label(event)
    assert "\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\*bold\\*" in label


@pytest.mark.parametrize(("heading", "expected"), [
    ("Inclusion criteria", "inclusion-criteria"),
    ("Tables: what one row is", "tables-what-one-row-is"),
    ("Workshop milestones and status", "workshop-milestones-and-status"),
    ("!!!", "section"),                      # nothing usable left: still a valid anchor
])
def test_anchor(heading, expected):
    assert anchor(heading) == expected


def test_changelog_sections_are_moved_to_the_end_and_conflict_sections_recognised():
    sections = [("Dates", "a"), ("Changelog", "b"), ("Conflicts between sources", "c")]
    body, changelog = split_changelog(sections)
    assert body == [("Dates", "a"), ("Conflicts between sources", "c")]
    assert changelog == [("Changelog", "b")]
    assert is_conflict_section("Conflicts between sources") and not is_conflict_section("Dates")


def test_dictionary_display_escapes_patterns_for_the_markdown_table(mini):
    rows = dictionary_display(data_dictionary(mini.specs).query("table == 'countries' and field == 'iso2'"))
    # '$' would start maths and '[...]' a link in st.table's Markdown cells.
    assert rows.iloc[0]["Constraints"] == "required; unique; primary key; form ^\\[A\\-Z\\]\\{2\\}\\$"


def test_sources_display_columns_dates_and_sides(mini):
    table = sources_display(most_cited_sources(mini, 10))
    assert table.columns.to_list() == ["Id", "Publisher", "Side", "Published", "Language", "Mirror copy", "Records",
                                       "Link", "Original", "Title"]
    # No original link is a missing cell (the link column shows it empty), not an empty string.
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        ["S-001", "Example News", "Host country", "10 Dec 2023", "en", False, 7, "https://example.org/kz-opening",
         None, "Workshop opens"],
        # A Chinese title shows its English translation beside it.
        ["S-002", "Example Xinhua", "Chinese", "Oct 2024", "zh", True, 5, "https://example.cn/kg", "https://example.cn/kg-original",
         "吉尔吉斯斯坦鲁班工坊 [Kyrgyzstan Luban Workshop]"],
        # A page with no date reads as a citation: n.d. with the day it was accessed; a descriptive title in brackets.
        ["S-003", "Third Party Review", "Third party", "n.d., accessed 20 Nov 2026", "en", False, 5,
         "https://example.net/claims", None, "[Luban Workshop figures]"],
    ]
    assert len(sources_display(most_cited_sources(mini, 10), limit=2)) == 2


def test_conflicts_display_escapes_record_text(mini):
    table = conflicts_display(first_conflicts(mini, 10)[0])
    assert table["Record"].to_list() == ["LW\\-KZ\\-01", "EV\\-002"]
    assert table["What the sources say"].to_list() == ["Trial vs official opening wording differs\\.",
                                                       "Official vs trial wording\\."]
