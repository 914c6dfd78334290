"""The marker frame every map layer shares, and the column helpers that read only the rows a map draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

KIND_ORDER = ("workshop", "partner", "site")
MARKER_COLUMNS = ["kind", "record_kind", "record_id", "name", "country", "country_name", "place", "precision",
                  "lon", "lat", "colour", "style_key", "date_label", "tt_title", "tt_kind", "tt_body"]


def join_parts(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def join_lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def first_by_id(ids: pd.Series, limit: int, mask: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Row positions of the `limit` smallest ids (among rows where `mask` is set), smallest first.

    Picking k of n with Arrow costs a tenth of sorting all n, and then only the rows that are drawn are touched.
    """
    positions = np.arange(len(ids)) if mask is None else np.flatnonzero(np.asarray(mask, dtype=bool))
    k = min(limit, len(positions))
    if k == 0:
        return positions[:0]
    picked = pc.select_k_unstable(pa.array(ids).take(positions), k=k, sort_keys=[("id", "ascending")])
    return positions[picked.to_numpy()]


def column_lists(frame: pd.DataFrame, columns: tuple[str, ...], positions: np.ndarray | None = None) -> dict[str, list]:
    """These columns (at these row positions) as Python lists.

    The map draws at most a few thousand rows, and per-row work in Python on lists is far cheaper than pandas
    operations on wide Arrow-backed frames, each of which costs tens of microseconds per column (a DataFrame
    take or column subset even more: every new frame builds its own column lookup).
    """
    if positions is None:
        return {column: frame[column].tolist() for column in columns}
    return {column: take_list(frame[column], positions) for column in columns}


def take_list(column: pd.Series, positions: np.ndarray) -> list:
    if isinstance(column.dtype, pd.StringDtype) and len(column) > 4 * len(positions) + 1000:
        # Only these rows leave Arrow: converting all of a large column costs per row.
        return pa.array(column).take(positions).to_pylist()
    return column.to_numpy(dtype=object)[positions].tolist()


def marker_frame(count: int, **columns) -> pd.DataFrame:
    """A marker frame from per-row lists and one-value-for-all columns."""
    return pd.DataFrame({name: columns[name] if isinstance(columns[name], list) else [columns[name]] * count
                         for name in MARKER_COLUMNS}, columns=MARKER_COLUMNS)
