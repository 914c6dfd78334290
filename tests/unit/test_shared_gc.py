"""The shared Atlas is kept out of the post-run full garbage collection a Streamlit server runs after every script run."""

from __future__ import annotations

import gc

from atlas.shared import shared_atlas, shared_localised
from helpers import build_dataset


def _collector_sees(value: object) -> bool:
    return any(tracked is value for tracked in gc.get_objects())


def test_a_loaded_atlas_and_its_translations_are_frozen_out_of_the_collector(tmp_path):
    # A fresh copy of the fixture, so this test loads it itself instead of finding it loaded by another test.
    directory = build_dataset(tmp_path / "mini")
    frozen_before = gc.get_freeze_count()

    atlas = shared_atlas(directory)
    russian = shared_localised(directory, "ru")

    assert gc.get_freeze_count() > frozen_before
    # gc.collect(2) walks what gc.get_objects() lists; the Atlas's frames must not be among them, or every rerun
    # pays for walking the whole dataset again.
    assert not _collector_sees(atlas.events)
    assert not _collector_sees(russian.events)
    # Objects made after loading are still collected as before.
    assert _collector_sees([object()])
