"""One record by its id, whatever its table: the lookup behind `?record=`, `/record/<id>` and the detail panels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from atlas.load import Atlas

# kind -> (table, id column). Every id is unique across tables: their patterns differ (LW-, EV-, CL-, S-, slugs).
RECORD_TABLES = {"workshop": ("workshops", "workshop_id"), "event": ("events", "event_id"),
                 "institution": ("institutions", "institution_id"), "claim": ("claims", "claim_id"),
                 "source": ("sources", "source_id")}
# Ids are short ASCII (LW-KZ-01, EV-012, ttu-tj, S-183): anything else is refused before any table is searched.
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def is_well_formed(record_id: object) -> bool:
    return isinstance(record_id, str) and RECORD_ID.fullmatch(record_id) is not None


def find_in(atlas: Atlas, kind: str, record_id: str) -> pd.Series | None:
    """The row of `record_id` in the table of `kind`, or None."""
    table, key = RECORD_TABLES[kind]
    frame = atlas.table(table)
    # Positions first, then one row: a boolean mask over the frame would copy every column of the match.
    positions = np.flatnonzero(frame[key].to_numpy() == record_id)
    return frame.iloc[positions[0]] if len(positions) else None


def record_kind(atlas: Atlas, record_id: object) -> str | None:
    """'workshop', 'event', 'institution', 'claim' or 'source' for a known id; None for anything else."""
    if not is_well_formed(record_id):
        return None
    for kind in RECORD_TABLES:
        if find_in(atlas, kind, record_id) is not None:
            return kind
    return None


def find_record(atlas: Atlas, record_id: object) -> tuple[str, pd.Series] | None:
    kind = record_kind(atlas, record_id)
    return None if kind is None else (kind, find_in(atlas, kind, record_id))
