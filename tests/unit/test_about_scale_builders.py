"""About builders that compute only what is shown: same rows as the full summaries, on the fixture, data/ and a 10x copy."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from atlas import load_atlas
from atlas.summaries import data_dictionary, first_conflicts, most_cited_sources, source_mix_by_country
from components import about
from components.about import MAX_CONFLICT_ROWS, conflicts_display, dictionary_display, dictionary_tables
from reference_summaries import conflicts, sources_with_counts
from reference_summaries import source_mix_by_country as crosstab_source_mix
from components.text import md_escape
from helpers import DATA_DIR, REPO


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """data/ ten times over (ids suffixed, same schema): sources tie in tens, conflicts pass MAX_CONFLICT_ROWS."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_support import synthetic_dataset
    directory, _ = synthetic_dataset(DATA_DIR, 10, tmp_path_factory.mktemp("synthetic"))
    return load_atlas(directory)


@pytest.fixture(scope="module")
def curated():
    return load_atlas(DATA_DIR)


@pytest.fixture
def mini(mini_dir):
    return load_atlas(mini_dir)


@pytest.fixture(params=["mini", "curated", "synthetic"])
def any_atlas(request):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("limit", [0, 1, 2, 7, 1000, 10**6])
def test_most_cited_sources_are_the_head_of_the_full_sort(any_atlas, limit):
    pd.testing.assert_frame_equal(most_cited_sources(any_atlas, limit), sources_with_counts(any_atlas).head(limit))


def test_most_cited_sources_keep_id_order_within_ties_at_the_cut(synthetic):
    # Every source has ten copies with the same count, so any cut inside a group must take its lowest ids.
    full = sources_with_counts(synthetic)
    cut = next(n for n in range(5, len(full)) if full["records"][n - 1] == full["records"][n])
    assert most_cited_sources(synthetic, cut)["source_id"].to_list() == full["source_id"][:cut].to_list()


def test_source_mix_equals_the_crosstab_version(any_atlas):
    pd.testing.assert_frame_equal(source_mix_by_country(any_atlas), crosstab_source_mix(any_atlas))


@pytest.mark.parametrize("limit", [0, 1, 2, 5, MAX_CONFLICT_ROWS, 10**6])
def test_first_conflicts_are_the_head_of_all_conflicts_and_count_them_all(any_atlas, limit):
    full = conflicts(any_atlas)
    shown, total = first_conflicts(any_atlas, limit)
    assert total == len(full)
    assert shown.columns.to_list() == full.columns.to_list()
    assert shown.values.tolist() == full.head(limit).values.tolist()


def test_the_10x_copy_has_more_conflicts_than_are_shown(synthetic):
    shown, total = first_conflicts(synthetic, MAX_CONFLICT_ROWS)
    assert total == 10 * len(conflicts(load_atlas(DATA_DIR))) > MAX_CONFLICT_ROWS == len(shown)


def test_conflicts_display_escapes_only_the_rows_it_shows(monkeypatch):
    calls = []
    monkeypatch.setattr(about, "md_escape", lambda value: calls.append(value) or f"<{value}>")
    rows = pd.DataFrame({"record_id": ["A-1", "B-2", "C-3"], "name": ["a", "b", "c"], "country_name": ["X", "Y", "Z"],
                         "conflict_note": ["*one*", "two", "three"], "source_ids": ["S-1", "S-2", "S-3"]})
    table = conflicts_display(rows, limit=2)
    assert table.values.tolist() == [["<A-1>", "<a>", "<X>", "<*one*>", "<S-1>"], ["<B-2>", "<b>", "<Y>", "<two>", "<S-2>"]]
    assert len(calls) == 2 * 5                      # the third row is never escaped


def test_conflicts_display_escapes_markdown_in_record_text(curated):
    shown, _ = first_conflicts(curated, MAX_CONFLICT_ROWS)
    table = conflicts_display(shown)
    # Notes quote dates, ids and parentheses: '-', '(' and ')' would be Markdown in st.table.
    assert table["Record"].to_list() == [record.replace("-", "\\-") for record in shown["record_id"]]
    assert all("\\(" in note for note, raw in zip(table["What the sources say"], shown["conflict_note"]) if "(" in raw)


def test_dictionary_tables_equal_dictionary_display_per_table(any_atlas):
    dictionary = data_dictionary(any_atlas.specs)
    tables = dictionary_tables(dictionary)
    assert list(tables) == list(any_atlas.specs)
    for name, table in tables.items():
        rows = dictionary[dictionary["table"] == name][["field", "type", "constraints", "description"]]
        assert table.columns.to_list() == dictionary_display(rows).columns.to_list() == [
            "Field", "Type", "Constraints", "Meaning"]
        assert table.values.tolist() == [[md_escape(cell) for cell in row] for row in rows.values.tolist()]
        assert len(table) == len(any_atlas.specs[name].fields)
