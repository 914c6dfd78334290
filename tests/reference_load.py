"""The per-value loading code that the vectorised load replaced, kept as the reference it must equal."""

from __future__ import annotations

import contextlib
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa

import atlas.geo
import atlas.links
import atlas.load
import atlas.validate


def normalise_text(series: pd.Series) -> pd.Series:
    def fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return series.fillna("").astype(str).map(fold)


def split_list(column: pd.Series, delimiter: str | None) -> pd.Series:
    delimiter = delimiter or "|"
    return column.fillna("").map(lambda text: [part.strip() for part in text.split(delimiter) if part.strip()])


def split_items(column: pd.Series, delimiter: str | None) -> atlas.validate.SplitColumn:
    """The per-value split above, in the shape the loader shares between checks, typing and links."""
    cells = split_list(column, delimiter).tolist()
    rows = np.repeat(np.arange(len(cells), dtype=np.int64), [len(cell) for cell in cells])
    items = pa.array([item for cell in cells for item in cell], type=pa.large_string())
    return atlas.validate.SplitColumn(items, rows, len(cells))


def spaced(lists: pd.Series) -> pd.Series:
    return lists.map(" ".join)


def names_of(ids: pd.Series, name_of: pd.Series) -> pd.Series:
    return ids.map(lambda cell: tuple(name_of.get(i, i) for i in cell))


def joined_text(ids: pd.Series, lookup: pd.Series) -> pd.Series:
    exploded = ids.explode()
    return exploded.map(lookup).fillna("").groupby(level=0).agg(" ".join).reindex(ids.index, fill_value="")


def positions(ids, target_ids: pd.Series) -> np.ndarray:
    lookup = pd.Index(target_ids.to_numpy(dtype=object))
    ids = ids.to_pylist() if isinstance(ids, pa.Array) else ids
    return lookup.get_indexer(pd.Series(ids, dtype=object).to_numpy(dtype=object)).astype(np.int64)


def _inside_ring(lon: np.ndarray, lat: np.ndarray, ring: np.ndarray) -> np.ndarray:
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    py = lat[:, None]
    straddles = (y1 > py) != (y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
    crossings = straddles & (lon[:, None] < x_cross)
    return crossings.sum(axis=1) % 2 == 1


def points_inside(lon: np.ndarray, lat: np.ndarray, polygons: list[list[np.ndarray]]) -> np.ndarray:
    """Even-odd ray casting over a point-by-edge matrix."""
    inside = np.zeros(len(lon), dtype=bool)
    for rings in polygons:
        in_poly = _inside_ring(lon, lat, rings[0])
        for hole in rings[1:]:
            in_poly &= ~_inside_ring(lon, lat, hole)
        inside |= in_poly
    return inside


# (module, name, reference): every function the vectorised load changed, swapped back by reference_code().
REPLACED = (
    (atlas.load, "normalise_text", normalise_text),
    (atlas.validate, "split_list", split_list),
    (atlas.load, "split_items", split_items),
    (atlas.validate, "split_items", split_items),
    (atlas.load, "_spaced", spaced),
    (atlas.load, "names_of", names_of),
    (atlas.load, "joined_text", joined_text),
    (atlas.load, "read_csv_fast", lambda data, field_names: None),   # None: pandas' C reader, as before
    (atlas.links, "_positions", positions),
    (atlas.geo, "points_inside", points_inside),
)


@contextlib.contextmanager
def reference_code():
    """While inside, load_atlas runs the per-value reference code."""
    saved = [(module, name, getattr(module, name)) for module, name, _ in REPLACED]
    try:
        for module, name, reference in REPLACED:
            setattr(module, name, reference)
        yield
    finally:
        for module, name, original in saved:
            setattr(module, name, original)
