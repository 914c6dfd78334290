"""About under AppTest on a 10x copy of data/: the conflicts and sources tables are capped and say so, shown rows escaped."""

from __future__ import annotations

import sys

import pytest

from app_support import exceptions
from atlas import load_atlas
from components.about import MAX_CONFLICT_ROWS, MAX_SOURCE_ROWS
from components.text import md_escape
from helpers import DATA_DIR, REPO
from reference_summaries import conflicts

ABOUT = "pages/4_About.py"
CONFLICT_COLUMN = "What the sources say"


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_support import synthetic_dataset
    directory, _ = synthetic_dataset(DATA_DIR, 10, tmp_path_factory.mktemp("synthetic"))
    return directory


def conflict_table(app):
    return next(table.value for table in app.main.table if CONFLICT_COLUMN in table.value.columns)


def captions(app) -> list[str]:
    return [caption.value for caption in app.main.caption]


def test_conflicts_are_capped_with_a_note_and_the_shown_rows_escaped(open_page, synthetic_dir):
    app = open_page(ABOUT, data_dir=synthetic_dir)
    assert exceptions(app) == []
    every = conflicts(load_atlas(synthetic_dir))
    assert len(every) > MAX_CONFLICT_ROWS
    assert (f"Showing the first {MAX_CONFLICT_ROWS} of {len(every)} records whose sources disagree."
            in " ".join(captions(app)))
    table = conflict_table(app)
    first = every.head(MAX_CONFLICT_ROWS)
    assert table["Record"].to_list() == [md_escape(record) for record in first["record_id"]]
    assert table[CONFLICT_COLUMN].to_list() == [md_escape(note) for note in first["conflict_note"]]
    assert table["Sources"].to_list() == [md_escape(ids) for ids in first["source_ids"]]


def test_sources_are_capped_with_a_note(open_page, synthetic_dir):
    app = open_page(ABOUT, data_dir=synthetic_dir)
    total = len(load_atlas(synthetic_dir).sources)
    assert total > MAX_SOURCE_ROWS
    assert f"Showing the first {MAX_SOURCE_ROWS} of {total} sources" in " ".join(captions(app))
    listed = next(frame.value for frame in app.main.dataframe if "Publisher" in frame.value.columns)
    assert len(listed) == MAX_SOURCE_ROWS
    assert listed["Records"].is_monotonic_decreasing


def test_curated_conflicts_are_all_shown_without_a_note(open_page):
    app = open_page(ABOUT)
    every = conflicts(load_atlas(DATA_DIR))
    assert 0 < len(every) <= MAX_CONFLICT_ROWS
    assert conflict_table(app)["Record"].to_list() == [md_escape(record) for record in every["record_id"]]
    assert not any("records whose sources disagree" in caption for caption in captions(app))
