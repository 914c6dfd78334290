"""Explore tables: rows are cut to the cap before any cell is formatted, and the kept rows are exactly the head."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from components import tables
from components.tables import SORT_KEYS, TABLE_ORDER, build_table

SELECTIONS = [Filters(), Filters(countries=("KZ",)), Filters(year_min=2023, year_max=2024),
              Filters(text="zzzz-nothing")]


@pytest.fixture(scope="module")
def real():
    return load_atlas()


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    # A column with no value among the kept rows may be inferred as object instead of str: both show as empty.
    return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)


def pandas_order(frame: pd.DataFrame, name: str) -> list[str]:
    """The ids in the order the table had when the whole frame was sorted by pandas (the former behaviour)."""
    ordered = frame.sort_values(SORT_KEYS[name], na_position="last", kind="stable")
    return ordered[tables.ID_COLUMNS[name]].tolist()


@pytest.mark.parametrize("filters", SELECTIONS, ids=str)
@pytest.mark.parametrize("name", TABLE_ORDER)
def test_rows_keep_the_order_of_a_full_pandas_sort(real, name, filters):
    frame = apply_filters(real, filters).table(name)
    kept = tables._first_rows(frame, name, 10_000)
    assert kept[tables.ID_COLUMNS[name]].tolist() == pandas_order(frame, name)


def test_ties_keep_their_order_and_missing_values_sort_last(real):
    # Every workshop twice (same sort keys, other id) and one without a first year: a stable sort keeps each
    # copy after its original, and the missing year goes after the dated ones of its country.
    workshops = real.workshops.copy()
    copies = workshops.assign(workshop_id=workshops["workshop_id"] + "-copy")
    frame = pd.concat([workshops, copies], ignore_index=True)
    frame.loc[frame["workshop_id"] == "LW-KZ-01-copy", "first_year"] = pd.NA
    order = tables._first_rows(frame, "workshops", 10_000)["workshop_id"].tolist()
    assert order == pandas_order(frame, "workshops")
    kazakh = [i for i in order if i.startswith(("LW-KZ", "LW-AKT"))]
    assert kazakh[-1] == "LW-KZ-01-copy"
    assert all(order.index(f"{i}-copy") > order.index(i) for i in workshops["workshop_id"])


@pytest.mark.parametrize("filters", SELECTIONS[:3], ids=str)
@pytest.mark.parametrize("name", TABLE_ORDER)
@pytest.mark.parametrize("limit", [1, 7, 40])
def test_a_capped_table_is_the_head_of_the_whole_table(real, name, filters, limit):
    selection = apply_filters(real, filters)
    whole = build_table(real, selection, name, max_rows=10_000)
    capped = build_table(real, selection, name, max_rows=limit)
    assert capped.total == whole.total == len(selection.table(name))   # "showing N of M" keeps the full count
    assert capped.shown == min(limit, whole.total)
    pd.testing.assert_frame_equal(comparable(capped.frame), comparable(whole.frame.head(limit)))
    assert list(capped.column_config) == list(whole.column_config)


def test_cells_are_formatted_only_for_the_rows_shown(real, monkeypatch):
    selection = apply_filters(real, Filters())
    assert len(selection.events) > 50
    calls = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(tables, "format_partial", counting("dates", tables.format_partial))
    monkeypatch.setattr(tables, "is_web_url", counting("urls", tables.is_web_url))
    table = build_table(real, selection, "events", max_rows=5)
    cited = {i for cell in table.frame["sources"].dropna() for i in cell.split(tables.LIST_SEPARATOR)}
    assert 0 < calls["dates"] <= 5                  # one date column: at most one call per row shown
    assert 0 < calls["urls"] <= len(cited)          # each source of the rows shown parsed at most once
    calls.clear()
    build_table(real, selection, "sources", max_rows=5)
    assert calls["urls"] == 10                      # url and canonical_url of the five rows shown


def test_source_link_is_the_first_web_address_among_the_row_sources(real):
    workshop = real.workshops.iloc[0]
    first, second = workshop["source_ids"][:2]
    sources = real.sources.copy()
    sources.loc[sources["source_id"] == first, "url"] = "javascript:alert(1)"
    atlas = dataclasses.replace(real, sources=sources)
    selection = apply_filters(atlas, Filters())
    frame = build_table(atlas, selection, "workshops").frame.set_index("workshop_id")
    expected = sources.set_index("source_id").loc[second, "url"]
    assert frame.loc[workshop["workshop_id"], "source_link"] == expected
    # A row whose sources are all unknown or not web addresses gets no link.
    workshops = selection.workshops.copy()
    workshops["source_ids"] = [("S-NOT-THERE", first)] * len(workshops)
    frame = build_table(atlas, dataclasses.replace(selection, workshops=workshops), "workshops").frame
    assert frame["source_link"].isna().all()


@pytest.mark.parametrize("filters", SELECTIONS[:3], ids=str)
def test_cited_by_counts_every_selected_record_for_the_sources_shown(real, filters):
    selection = apply_filters(real, filters)
    reference = pd.concat([selection.table(name)["source_ids"].explode()
                           for name in ("workshops", "events", "institutions", "claims")]).dropna().value_counts()
    table = build_table(real, selection, "sources", max_rows=25).frame
    assert table["cited_by"].dtype == "int64"
    assert table["cited_by"].tolist() == [int(reference.get(i, 0)) for i in table["source_id"]]
    assert table["cited_by"].min() >= 1   # every selected source is cited by some selected record


def test_citing_records_of_an_empty_view_is_an_empty_table(real):
    citing = tables.citing_records(real, apply_filters(real, Filters(text="zzzz-nothing")), "S-001")
    assert citing.empty and list(citing.columns) == ["Record", "ID", "Name or title"]
