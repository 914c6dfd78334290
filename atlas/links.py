"""Foreign keys as integer row positions, built once at load, so filters follow links with numpy instead of id sets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# (table, column, referenced table, id column of the referenced table); list columns hold tuples of ids.
LIST_LINKS = (
    ("workshops", "partner_institution_ids", "institutions", "institution_id"),
    ("events", "institution_ids", "institutions", "institution_id"),
    ("workshops", "source_ids", "sources", "source_id"),
    ("events", "source_ids", "sources", "source_id"),
    ("institutions", "source_ids", "sources", "source_id"),
    ("claims", "source_ids", "sources", "source_id"),
)
SCALAR_LINKS = (
    ("events", "workshop_id", "workshops", "workshop_id"),
    ("claims", "workshop_id", "workshops", "workshop_id"),
    ("workshops", "host_institution_id", "institutions", "institution_id"),
)


@dataclass(frozen=True)
class ListLink:
    """Pairs (row of the table, row of the referenced table), one per id in a list cell."""

    rows: np.ndarray
    targets: np.ndarray

    def targets_of(self, selected_rows: np.ndarray, target_count: int) -> np.ndarray:
        """A boolean mask over the referenced table: rows referenced by any selected row."""
        mask = np.zeros(target_count, dtype=bool)
        mask[self.targets[selected_rows[self.rows]]] = True
        return mask


@dataclass(frozen=True)
class Links:
    """Every link of the atlas by (table, column): ListLink for list columns, an int array (-1 = none) otherwise."""

    lists: dict[tuple[str, str], ListLink]
    scalars: dict[tuple[str, str], np.ndarray]


def _positions(ids: pd.Series | list | pa.Array, target_ids: pd.Series) -> np.ndarray:
    """Row position in the referenced table of each id; -1 for empty or unknown ids (the validator reports those)."""
    targets = pa.array(target_ids.tolist(), type=pa.large_string(), from_pandas=True)
    values = (ids.cast(pa.large_string()) if isinstance(ids, pa.Array)
              else pa.array(ids if isinstance(ids, list) else ids.tolist(), type=pa.large_string(), from_pandas=True))
    if pc.count_distinct(targets, mode="all").as_py() != len(targets):
        # Repeated ids (a dataset the validator refused, or a hand-built test frame): pandas' own error.
        lookup = pd.Index(target_ids.to_numpy(dtype=object))
        return lookup.get_indexer(np.asarray(values.to_pylist(), dtype=object)).astype(np.int64)
    # Arrow hashes the ids once (a pandas Index of Python strings took seconds at 1000x).
    return pc.index_in(values, value_set=targets).fill_null(-1).to_numpy().astype(np.int64)


def _as_arrow(ids: pd.Series | list | pa.Array) -> pa.Array:
    if isinstance(ids, pa.Array):
        return ids.cast(pa.large_string())
    return pa.array(ids if isinstance(ids, list) else ids.tolist(), type=pa.large_string(), from_pandas=True)


def build_links(tables: dict[str, pd.DataFrame], splits: dict | None = None) -> Links:
    """`splits`: the loader's split list columns ((table, column) -> atlas.validate.SplitColumn), when it has them:
    their items and row positions are the flattened tuples, without a Python pass over every cell."""
    # Every link into one table is looked up in one call: Arrow hashes the referenced ids once, not per link.
    wanted: dict[str, list[tuple[tuple[str, str], pa.Array]]] = {}
    list_rows: dict[tuple[str, str], np.ndarray] = {}
    for table, column, target, target_id in LIST_LINKS:
        split = (splits or {}).get((table, column))
        if split is not None:
            rows, flat = split.rows, split.items
        else:
            cells = tables[table][column].tolist()
            lengths = np.fromiter((len(cell) for cell in cells), dtype=np.int64, count=len(cells))
            rows = np.repeat(np.arange(len(cells), dtype=np.int64), lengths)
            flat = [item for cell in cells for item in cell]
        list_rows[(table, column)] = rows
        wanted.setdefault(target, []).append(((table, column), _as_arrow(flat)))
    for table, column, target, target_id in SCALAR_LINKS:
        wanted.setdefault(target, []).append(((table, column), _as_arrow(tables[table][column])))
    target_column = {target: target_id for _, _, target, target_id in LIST_LINKS + SCALAR_LINKS}
    found: dict[tuple[str, str], np.ndarray] = {}
    for target, requests in wanted.items():
        positions = _positions(pa.concat_arrays([values for _, values in requests]),
                               tables[target][target_column[target]])
        ends = np.cumsum([len(values) for _, values in requests])
        for (key, _), part in zip(requests, np.split(positions, ends[:-1])):
            found[key] = part
    lists: dict[tuple[str, str], ListLink] = {}
    for table, column, _, _ in LIST_LINKS:
        targets = found[(table, column)]
        known = targets >= 0
        lists[(table, column)] = ListLink(list_rows[(table, column)][known], targets[known])
    scalars = {(table, column): found[(table, column)].copy() for table, column, _, _ in SCALAR_LINKS}
    # Shared by every visitor with the Atlas: a write into them raises instead of changing others' views.
    for array in [*scalars.values(), *(part for link in lists.values() for part in (link.rows, link.targets))]:
        array.flags.writeable = False
    return Links(lists, scalars)


def follow(scalar_link: np.ndarray, target_mask: np.ndarray) -> np.ndarray:
    """For each row: is its (single) linked row in `target_mask`? Rows with no link give False."""
    linked = scalar_link >= 0
    result = np.zeros(len(scalar_link), dtype=bool)
    result[linked] = target_mask[scalar_link[linked]]
    return result
