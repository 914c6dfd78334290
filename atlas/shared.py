"""One loaded Atlas per process and data folder, shared by the Streamlit pages and the plain-HTTP routes.

components/cached.py (st.cache_resource, for the pages) and http_routes/ (no Streamlit cache there) both call
`shared_atlas`, so a server holds one copy of the data however it is reached. The key includes the files'
sizes and times, so an edited dataset is read again; a failure is kept too, so a broken dataset is not re-read
on every request.
"""

from __future__ import annotations

import gc
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


def settle_long_lived() -> None:
    """Move everything alive now (the loaded Atlas, every imported module) out of the cyclic collector's sight.

    A Streamlit server runs a full gc.collect(2) after every script run (runner.postScriptGC); it walks every
    tracked object in the process, and the Atlas and the imported libraries are most of them (~140,000 objects at
    curated size: ~30-60 ms of every rerun's CPU, far more at 1000x with its tuples). They live as long as the
    process, so freezing them loses nothing; what later runs create is still collected as before. An Atlas evicted
    from the cache is still freed by reference counting (its frames hold no reference cycles we rely on collecting).
    """
    gc.collect()
    gc.freeze()


@lru_cache(maxsize=MAX_DATASETS)
def _load(directory: str, signature: tuple) -> Atlas | AtlasDataError:
    try:
        loaded = load_atlas(Path(directory))
    except AtlasDataError as error:
        return error
    settle_long_lived()
    return loaded


@lru_cache(maxsize=MAX_DATASETS * 3)
def _localised(directory: str, signature: tuple, language: str) -> Atlas:
    shown = localise(shared_atlas(directory), language)
    settle_long_lived()
    return shown


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
