"""One loaded Atlas per process and data folder, shared by the Streamlit pages and the plain-HTTP routes.

components/cached.py (st.cache_resource, for the pages) and http_routes/ (no Streamlit cache there) both call
`shared_atlas`, so a server holds one copy of the data however it is reached. The key includes the files'
sizes and times, so an edited dataset is read again; a failure is kept too, so a broken dataset is not re-read
on every request.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

from atlas.errors import AtlasDataError
from atlas.load import DEFAULT_DATA_DIR, Atlas, dataset_signature, load_atlas
from atlas.localise import localise

DATA_DIR_ENV = "LUBAN_ATLAS_DATA_DIR"
# A few data folders (tests switch between fixtures) and three languages each; old entries fall out.
MAX_DATASETS = 4
# A first request per dataset loads it once; concurrent first requests wait instead of loading twice.
_LOCK = threading.RLock()


def data_dir() -> Path:
    """Where the atlas reads from; tests point LUBAN_ATLAS_DATA_DIR at fixture datasets."""
    return Path(os.environ.get(DATA_DIR_ENV, DEFAULT_DATA_DIR))


@lru_cache(maxsize=MAX_DATASETS)
def _load(directory: str, signature: tuple) -> Atlas | AtlasDataError:
    try:
        return load_atlas(Path(directory))
    except AtlasDataError as error:
        return error


@lru_cache(maxsize=MAX_DATASETS * 3)
def _localised(directory: str, signature: tuple, language: str) -> Atlas:
    return localise(shared_atlas(directory), language)


def shared_atlas(directory: str | Path | None = None) -> Atlas:
    """The Atlas of a data folder (default: data_dir()); raises the kept AtlasDataError if its files have problems."""
    directory = str(directory or data_dir())
    with _LOCK:
        loaded = _load(directory, dataset_signature(directory))
    if isinstance(loaded, AtlasDataError):
        raise loaded
    return loaded


def shared_localised(directory: str | Path | None, language: str) -> Atlas:
    """The shared Atlas as shown in `language` (itself for English); `.original` is the data as published."""
    directory = str(directory or data_dir())
    atlas = shared_atlas(directory)
    if language == "en":
        return atlas
    with _LOCK:
        return _localised(directory, dataset_signature(directory), language)
