"""Membership and position tests on Arrow-backed columns, hashed by Arrow (pandas 3's isin boxes every value)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def is_in(column: pd.Series, values: Iterable[str]) -> np.ndarray:
    """`column.isin(values)` as a numpy mask; Series.isin boxes every value into an Arrow scalar first in pandas 3
    (tens of ms for a few thousand ids)."""
    array = pa.array(column)
    choices = values.tolist() if isinstance(values, pd.Series) else list(values)
    return pc.is_in(array, value_set=pa.array(choices, type=array.type)).to_numpy(zero_copy_only=False)
