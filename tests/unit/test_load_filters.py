"""Loading (types, spans, derived columns) and apply_filters on the fixture dataset, with hand-counted results."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.dates import format_partial, format_with_precision, spans


@pytest.fixture
def mini(mini_dir):
    return load_atlas(mini_dir)


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2022-11-29", "2022-11-29", "2022-11-29"),   # a day is its own span
    ("2024-09", "2024-09-01", "2024-09-30"),      # a month spans the whole month
    ("2024-02", "2024-02-01", "2024-02-29"),      # leap-year February ends on the 29th
    ("2008", "2008-01-01", "2008-12-31"),         # a year never collapses to 1 January
])
def test_partial_dates_become_spans(text, start, end):
    low, high = spans(pd.Series([text]))
    assert (low[0], high[0]) == (pd.Timestamp(start), pd.Timestamp(end))


def test_empty_dates_stay_missing():
    low, high = spans(pd.Series(["", None]))
    assert low.isna().all() and high.isna().all()


@pytest.mark.parametrize(("text", "precision", "expected"), [
    ("2022-11-29", "day", "29 November 2022 (day precision)"),
    ("2022-11", "month", "November 2022 (month precision)"),
    ("2022", "year", "2022 (year precision)"),
    ("", "undated", "undated"),
])
def test_dates_are_shown_with_their_precision(text, precision, expected):
    assert format_with_precision(text, precision) == expected


def test_short_labels_never_add_precision():
    assert [format_partial(d) for d in ("2022-11-29", "2022-11", "2022")] == ["29 Nov 2022", "Nov 2022", "2022"]


def test_loader_types_and_derived_columns(mini):
    workshop = mini.workshops.set_index("workshop_id").loc["LW-KZ-01"]
    assert workshop["partner_institution_ids"] == ("tvi-cn",)
    assert workshop["majors"] == ("Automotive technology", "New-energy vehicles")
    assert workshop["students_trained"] == 400
    assert (workshop["mou_date"], workshop["opening_date"], workshop["opening_precision"]) == ("2023-03-02", "2023-12-09", "day")
    assert workshop["agreement_date"] == ""   # no agreement event in the fixture
    assert mini.sources.set_index("source_id").loc["S-002", "is_mirror"]
    assert mini.events.set_index("event_id").loc["EV-005", "country_name"] == "Regional (several countries)"
    assert mini.year_bounds == (2009, 2025)


def ids(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(frame[column])


# (filters, workshops, events) counted by hand from tests/fixtures/mini.
FILTER_CASES = [
    (Filters(), ["LW-KG-01", "LW-KZ-01", "LW-KZ-04"], ["EV-001", "EV-002", "EV-003", "EV-004", "EV-005", "EV-006"]),
    # the regional ministers' meeting (EV-005) comes along with a country unless regional events are excluded
    (Filters(countries=("KG",)), ["LW-KG-01"], ["EV-003", "EV-005", "EV-006"]),
    (Filters(countries=("KG",), include_regional=False), ["LW-KG-01"], ["EV-003", "EV-006"]),
    # a year range drops undated records (EV-006) and workshops with no milestone in range (LW-KZ-04 has none)
    (Filters(year_min=2023, year_max=2024), ["LW-KG-01", "LW-KZ-01"], ["EV-001", "EV-002", "EV-003"]),
    # a year-precision event (EV-004, 2009) overlaps a range that starts in 2009
    (Filters(year_min=2009, year_max=2009), [], ["EV-004"]),
    # the month-precision opening (2024-10) is inside 2024 only
    (Filters(year_min=2025, year_max=2025), [], ["EV-005"]),
    # status keeps other workshops' milestones out but leaves non-workshop events alone
    (Filters(statuses=("announced",)), ["LW-KZ-04"], ["EV-004", "EV-005", "EV-006"]),
    # a category other than luban_workshop leaves no workshops
    (Filters(categories=("confucius_institute",)), [], ["EV-004"]),
    # search knows aliases ("Kazakhstan National University" is an alias of KazNU)
    (Filters(text="kazakhstan national university"), [], ["EV-004"]),
    # search is case- and accent-insensitive and knows Russian names of partners/hosts
    (Filters(text="ВОСТОЧНО-казахстанский"), ["LW-KZ-01"], ["EV-001", "EV-002"]),
    # Chinese names are searched too
    (Filters(text="天津职业大学"), ["LW-KZ-01"], ["EV-001", "EV-002"]),
    # majors are searched
    (Filters(text="hydropower"), ["LW-KG-01"], ["EV-003"]),
    # several words must all match
    (Filters(text="ektu hydropower"), [], []),
]


@pytest.mark.parametrize(("filters", "workshops", "events"), FILTER_CASES)
def test_apply_filters(mini, filters, workshops, events):
    selection = apply_filters(mini, filters)
    assert ids(selection.workshops, "workshop_id") == workshops
    assert ids(selection.events, "event_id") == events


def test_sources_are_exactly_those_cited_by_selected_rows(mini):
    selection = apply_filters(mini, Filters(countries=("KG",), include_regional=False, year_min=2024, year_max=2024))
    cited = set().union(*[set(ids) for frame in (selection.workshops, selection.events, selection.institutions,
                                                   selection.claims) for ids in frame["source_ids"]])
    assert set(selection.sources["source_id"]) == cited
    assert ids(selection.institutions, "institution_id") == ["kstu-kg", "nowhere-cn", "zjweu-cn"]


def test_filters_never_mutate_the_cached_atlas(mini):
    before = {name: mini.table(name).copy() for name in ("workshops", "events", "institutions")}
    apply_filters(mini, Filters(countries=("KZ",), text="ektu", year_min=2023, year_max=2023))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(mini.table(name), frame)


@pytest.mark.parametrize(("filters", "slug"), [
    (Filters(), "all"),
    (Filters(countries=("KZ",), year_min=2023, year_max=2025, statuses=("operating",)), "KZ_2023-2025_operating"),
    (Filters(text="Tianjin / ../etc"), "q-Tianjin------etc"),   # no path separators reach a file name
])
def test_filter_slugs_are_safe_file_name_parts(filters, slug):
    assert filters.slug() == slug


@pytest.mark.parametrize(("filters", "claims"), [
    (Filters(), ["CL-001", "CL-002"]),
    # a figure about one workshop follows that workshop's search match (CL-002 is about EKTU's workshop)
    (Filters(text="ektu"), ["CL-002"]),
    # the worldwide count is found by its own words
    (Filters(text="worldwide"), ["CL-001"]),
    # status applies to workshop figures only; the worldwide count stays
    (Filters(statuses=("announced",)), ["CL-001"]),
    # country keeps that country's figures and worldwide/regional ones
    (Filters(countries=("KG",)), ["CL-001"]),
])
def test_claims_follow_the_filters(mini, filters, claims):
    assert ids(apply_filters(mini, filters).claims, "claim_id") == claims
