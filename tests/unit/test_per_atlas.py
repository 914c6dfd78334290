"""per_atlas builds once per Atlas and key, keeps nothing after its Atlas is gone, and never mixes two Atlases."""

from __future__ import annotations

import gc

from atlas import load_atlas
from components import cached
from helpers import build_dataset


def test_built_once_per_atlas_and_key_and_dropped_with_the_atlas(tmp_path):
    first, second = load_atlas(build_dataset(tmp_path / "a")), load_atlas(build_dataset(tmp_path / "b"))
    builds = []

    def build(name):
        builds.append(name)
        return [name]

    kept = cached.per_atlas(first, ("t", "en"), lambda: build("first-en"))
    assert cached.per_atlas(first, ("t", "en"), lambda: build("again")) is kept   # the same object, not rebuilt
    # Another language, another Atlas (equal data, a different object): each built on its own.
    assert cached.per_atlas(first, ("t", "ru"), lambda: build("first-ru")) == ["first-ru"]
    assert cached.per_atlas(second, ("t", "en"), lambda: build("second-en")) == ["second-en"]
    assert builds == ["first-en", "first-ru", "second-en"]
    identity = id(first)
    del first, kept
    gc.collect()
    # An evicted Atlas takes its results with it (the registry stays as small as the Atlas caches).
    assert identity not in cached._PER_ATLAS
    assert id(second) in cached._PER_ATLAS
