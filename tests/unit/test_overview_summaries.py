"""Overview summaries on ties and at scale: latest events chosen without sorting everything, counts without crosstab."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.dates import spans
from atlas.summaries import chinese_partner_ids, country_comparison, latest_events, other_events_mask
from helpers import DATA_DIR, edit_cell


def test_latest_events_break_ties_at_the_limit_by_span_end_then_id(mini_dir):
    # Three events start on 1 October 2024: EV-003 (the whole month) ends last, so it comes first; EV-001 and
    # EV-002 (that day) tie on both ends and go by id. The limit cuts through the tied group.
    edit_cell(mini_dir, "events", "EV-001", "date", "2024-10-01")
    edit_cell(mini_dir, "events", "EV-002", "date", "2024-10-01")
    selection = apply_filters(load_atlas(mini_dir), Filters())
    assert latest_events(selection, limit=3)["event_id"].to_list() == ["EV-005", "EV-003", "EV-001"]
    assert latest_events(selection, limit=4)["event_id"].to_list() == ["EV-005", "EV-003", "EV-001", "EV-002"]
    assert latest_events(selection, limit=2, as_of="2024")["event_id"].to_list() == ["EV-003", "EV-001"]


def _reference_latest(events: pd.DataFrame, limit: int, cutoff: pd.Timestamp) -> pd.DataFrame:
    dated = events[events["date_start"].notna() & (events["date_start"] <= cutoff)]
    return dated.sort_values(["date_start", "date_end", "event_id"], ascending=[False, False, True]).head(limit)


@pytest.mark.parametrize("limit", [1, 5, 40, 400])
def test_latest_events_match_a_full_sort_on_many_tied_dates(limit):
    # 300 events over a few dates of each precision (many exact ties), some undated, in shuffled order.
    rng = np.random.default_rng(7)
    choices = ["2024", "2024-10", "2024-10-01", "2024-10-31", "2025-01", "2025-01-05", "2026", "", "2023"]
    events = pd.DataFrame({"event_id": [f"EV-{n:04d}" for n in rng.permutation(300)],
                           "date": rng.choice(choices, size=300), "title": "x"}, index=rng.permutation(300) + 1000)
    events["date_start"], events["date_end"] = spans(events["date"])
    assert events["date_start"].notna().sum() > 200
    selection = SimpleNamespace(events=events)
    got = latest_events(selection, limit=limit, as_of="2025-01")
    expected = _reference_latest(events, limit, pd.Timestamp("2025-01-31"))
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) == min(limit, int((events["date_start"] <= pd.Timestamp("2025-01-31")).sum()))


@pytest.mark.parametrize("filters", [Filters(), Filters(countries=("KZ",)), Filters(include_regional=False),
                                     Filters(year_min=2023, year_max=2024), Filters(text="no-such-thing"),
                                     Filters(categories=("forum", "conference"))])
def test_country_comparison_counts_equal_crosstab_on_real_data(filters):
    atlas = load_atlas(DATA_DIR)
    selection = apply_filters(atlas, filters)
    comparison = country_comparison(atlas, selection)
    other = selection.events[other_events_mask(selection.events)]
    expected_events = (pd.crosstab(other["country"], other["category"])
                       .reindex(index=comparison.names.index, columns=comparison.events.columns, fill_value=0)
                       .fillna(0).astype(int))
    expected_workshops = (pd.crosstab(selection.workshops["country"], selection.workshops["status"])
                          .reindex(index=comparison.names.index, columns=comparison.workshops.columns, fill_value=0)
                          .fillna(0).astype(int))
    assert comparison.events.to_numpy().tolist() == expected_events.to_numpy().tolist()
    assert comparison.workshops.to_numpy().tolist() == expected_workshops.to_numpy().tolist()
    # Every category with an other event is a column, and no empty one is.
    assert set(comparison.events.columns) == set(other["category"])
    assert int(comparison.events.to_numpy().sum()) == len(other[other["country"].isin(comparison.names.index)])
    # The index names set on the counts do not leak into the shared names series.
    assert comparison.names.index.name is None and comparison.events.index.name == "country"


def test_chinese_partners_are_the_selected_partners_seated_in_china():
    atlas = load_atlas(DATA_DIR)
    workshops = atlas.workshops
    china = set(atlas.countries.loc[atlas.countries["region"] == "china", "iso2"])
    seated = dict(zip(atlas.institutions["institution_id"], atlas.institutions["country"]))
    expected = {p for ids in workshops["partner_institution_ids"] for p in ids if seated.get(p) in china}
    assert expected and chinese_partner_ids(atlas, workshops) == expected
    assert chinese_partner_ids(atlas, workshops.iloc[0:0]) == set()
