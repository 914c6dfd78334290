"""Numpy and Arrow helpers the chart builders share: they touch only the few rows and columns a chart draws."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ONE_DAY_NS = pd.Timedelta(days=1).value


# The builders work on numpy arrays of the few rows and columns they draw: each pandas operation on these wide
# Arrow-backed frames costs tens of microseconds, and a chart made of hundreds of them was most of a rerun.

def arrow(values: pd.Series | np.ndarray | Sequence | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous Arrow array (zero-copy for an Arrow-backed column in one chunk)."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def positions(values: pd.Series | np.ndarray, choices: pd.Series | Sequence[str]) -> np.ndarray:
    """The position of each value in `choices`, -1 where absent. Hashed by Arrow: Series.isin with a set of
    ids boxes every value in Python (26 ms for 86,000 events against 4,000 workshop ids)."""
    if len(choices) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(arrow(values), value_set=arrow(choices))
    return found.fill_null(-1).to_numpy().astype(np.int64)


def take(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values at row positions `rows` as numpy (objects for text), converting only those rows."""
    return column.array.take(rows).to_numpy()


def order(*keys: pd.Series | np.ndarray | pa.Array) -> np.ndarray:
    """Row positions sorting by `keys` (first key first): stable, missing values last (Arrow's default), like
    sort_values."""
    table = pa.table({str(i): arrow(key) for i, key in enumerate(keys)})
    return pc.sort_indices(table, sort_keys=[(str(i), "ascending") for i in range(len(keys))]).to_numpy()


def arrow_rows(column: pd.Series, rows: np.ndarray) -> pa.Array:
    """Rows of a column as an Arrow array: a sort key taken without converting text to Python objects."""
    return arrow(column).take(pa.array(rows, type=pa.int64()))


def first_by_date(start: np.ndarray, event_ids: pd.Series, rows: np.ndarray, limit: int | None,
                   latest: bool = False) -> np.ndarray:
    """`rows` ordered by (date, id), undated last, keeping the first `limit` (the last with `latest`). Only rows
    up to the limit-th date (from the other end with `latest`) are sorted: a full sort of a big selection by id
    costs tens of milliseconds."""
    if limit is not None and len(rows) > limit:
        days = start[rows].astype(np.int64)
        days = np.where(np.isnat(start[rows]), np.iinfo(np.int64).max, days)  # NaT sorts last
        if latest:
            threshold = np.partition(days, len(days) - limit)[len(days) - limit]
            rows = rows[days >= threshold]
        else:
            threshold = np.partition(days, limit - 1)[limit - 1]
            rows = rows[days <= threshold]
    rows = rows[order(start[rows], arrow_rows(event_ids, rows))]
    if limit is None:
        return rows
    return rows[-limit:] if latest else rows[:limit]


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct values, and those values (hashed by Arrow, no Python loop over rows)."""
    encoded = arrow(values).dictionary_encode()
    names = np.array(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank[encoded.indices.to_numpy()], names[order]


def marker_x(start: np.ndarray, end: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """marker_position on datetime64[ns] arrays (NaT stays NaT)."""
    return np.where(exact, start, start + (end + np.timedelta64(ONE_DAY_NS, "ns") - start) // 2)


# st.plotly_chart serialises a figure with plotly's to_dict, which costs a fixed ~0.3 ms per numpy array (its
# typed-array conversion) but only about a microsecond per element of a list (deep copies): the many small
# traces of a curated-size selection go as lists, the large ones of a big selection as arrays.
LIST_BELOW = 200


def array(values: np.ndarray) -> np.ndarray | list:
    """`values` for a trace: a list when small (see LIST_BELOW), else the array."""
    if values.size >= LIST_BELOW:
        return values
    return datetimes(values) if values.dtype.kind == "M" else values.tolist()


def datetimes(values: np.ndarray) -> list:
    """datetime objects (what plotly writes as ISO text) from datetime64 values, without boxing pandas Timestamps."""
    return values.astype("datetime64[us]").tolist()


def segments(left: np.ndarray, right: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """x/y for one line trace of None-separated segments from `left` to `right` at height `y`."""
    xs = np.full(3 * len(left), None, dtype=object)
    xs[0::3] = datetimes(left)
    xs[1::3] = datetimes(right)
    ys = np.full(3 * len(left), None, dtype=object)
    ys[0::3] = ys[1::3] = y.tolist()
    return xs.tolist(), ys.tolist()


def customdata(columns: list[list]) -> np.ndarray:
    """One row per point from equal-length columns, as an object array so a trace can take any subset of rows."""
    data = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype=object)
    for index, column in enumerate(columns):
        data[:, index] = column
    return data
