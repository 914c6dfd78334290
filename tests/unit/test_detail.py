"""The detail panel's record lookup and source lines (pure parts of components/detail.py) on the fixture data."""

from __future__ import annotations

import pytest

from atlas import load_atlas
from components.detail import _source_lines, find_record


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    from helpers import build_dataset
    return load_atlas(build_dataset(tmp_path_factory.mktemp("detail") / "mini"))


@pytest.mark.parametrize(("kind", "record_id", "found"), [
    ("workshop", "LW-KG-01", True),
    ("event", "EV-005", True),
    ("institution", "kstu-kg", True),
    ("event", "LW-KG-01", False),      # an id of another table is not an event
    ("workshop", "", False),           # empty ids never match the first row with an empty cell
])
def test_find_record(mini, kind, record_id, found):
    record = find_record(mini, kind, record_id)
    assert (record is not None) == found
    if found:
        assert record[{"workshop": "workshop_id", "event": "event_id", "institution": "institution_id"}[kind]] == record_id


def test_source_lines_follow_the_citation_order_and_skip_unknown_ids(mini):
    first, second = mini.sources["source_id"].iloc[0], mini.sources["source_id"].iloc[1]
    lines = _source_lines(mini, (second, "S-NOT-THERE", first))
    assert len(lines) == 2
    urls = [mini.sources.loc[mini.sources["source_id"] == sid, "url"].iloc[0] for sid in (second, first)]
    assert urls[0] in lines[0] and urls[1] in lines[1]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Phase 2 began"),                       # English is the data's own language: no mark
    ("ru", "Phase 2 began (англ.)"),               # held only in English: said so, not passed off as Russian
    ("zh", "Phase 2 began（英文）"),
    ("ru", ""),                                    # nothing to mark
])
def test_english_prose_is_marked_outside_english(language, expected):
    from atlas.i18n import language_context
    from components.detail import english_prose
    with language_context(language):
        assert english_prose(expected.split(" (")[0].split("（")[0]) == expected
