"""The one st.cache_data boundary: data/ is read and validated once per process and data directory."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from atlas import Atlas, load_atlas
from atlas.load import DEFAULT_DATA_DIR

DATA_DIR_ENV = "LUBAN_ATLAS_DATA_DIR"


def data_dir() -> Path:
    """Where the app reads from; tests point LUBAN_ATLAS_DATA_DIR at fixture datasets."""
    return Path(os.environ.get(DATA_DIR_ENV, DEFAULT_DATA_DIR))


@st.cache_data(show_spinner=False, max_entries=4)
def cached_atlas(directory: str) -> Atlas:
    # Errors are not cached by Streamlit, so a fixed data directory is picked up on the next run.
    return load_atlas(Path(directory))
