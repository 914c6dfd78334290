"""The one cache boundary of the pages: the immutable Atlas, loaded once per process and data folder.

The loading itself is atlas.shared (an lru_cache shared with the plain-HTTP routes), so pages and routes hold
one copy; st.cache_resource here only gives Streamlit's cache controls the same object.
"""

from __future__ import annotations

import streamlit as st

from atlas import Atlas, AtlasDataError
from atlas.load import dataset_signature
from atlas.shared import DATA_DIR_ENV, data_dir, shared_atlas, shared_localised  # noqa: F401  (data_dir re-exported)


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
