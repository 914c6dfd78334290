"""The pages' cache boundary: the immutable Atlas, loaded once per process and data folder, and what derives from it alone.

The loading itself is atlas.shared (an lru_cache shared with the plain-HTTP routes), so pages and routes hold
one copy; st.cache_resource here only gives Streamlit's cache controls the same object.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from atlas import Atlas, AtlasDataError
from atlas.load import dataset_signature
from atlas.shared import DATA_DIR_ENV, data_dir, shared_atlas, shared_localised  # noqa: F401  (data_dir re-exported)

T = TypeVar("T")


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(directory: str, signature: tuple) -> Atlas | AtlasDataError:
    # cache_resource hands every session the same object (no per-call unpickling, unlike cache_data):
    # pages must treat it as read-only, and tests/app/test_atlas_immutable.py proves none writes to it.
    # A failure is cached too (keyed by the files' sizes and times), so a broken dataset is not re-read
    # on every run of every visitor, and a fixed one is picked up as soon as a file changes.
    try:
        return shared_atlas(directory)
    except AtlasDataError as error:
        return error


def cached_atlas(directory: str) -> Atlas:
    """The shared Atlas for a data folder; raises the (cached) AtlasDataError if its files have problems."""
    loaded = _load(directory, dataset_signature(directory))
    if isinstance(loaded, AtlasDataError):
        raise loaded
    return loaded


@st.cache_resource(show_spinner=False, max_entries=8)
def _localised(directory: str, signature: tuple, language: str) -> Atlas:
    # One display copy per language and dataset, shared like the Atlas itself (three languages, bounded).
    return shared_localised(directory, language)


def localised_atlas(directory: str, language: str) -> Atlas:
    """The shared Atlas as shown in `language`; `.original` is the published data."""
    atlas = cached_atlas(directory)
    return _localised(directory, dataset_signature(directory), language) if language != "en" else atlas


# What depends only on one shared Atlas (and the language it is shown in), computed once and kept as long as that
# Atlas lives: {id(atlas): (a weak reference to it, {key: value})}. Bounded by the Atlases the caches above hold.
_PER_ATLAS: dict[int, tuple[weakref.ref, dict]] = {}
_PER_ATLAS_LOCK = threading.Lock()


def per_atlas(atlas: Atlas, key: tuple, build: Callable[[], T]) -> T:
    """build() once per Atlas and key, shared by every session like the Atlas itself; treat the result as read-only.

    Keyed by the object (a weak reference, so an evicted Atlas takes its results with it), not by a hash of its
    frames, which would cost more than most of what is kept here. Two sessions may both build a value the first
    time; either result is the same.
    """
    with _PER_ATLAS_LOCK:
        entry = _PER_ATLAS.get(id(atlas))
        if entry is None or entry[0]() is not atlas:
            identity = id(atlas)
            entry = (weakref.ref(atlas, lambda _ref: _PER_ATLAS.pop(identity, None)), {})
            _PER_ATLAS[identity] = entry
        values = entry[1]
        if key in values:
            return values[key]
    value = build()
    with _PER_ATLAS_LOCK:
        return values.setdefault(key, value)
