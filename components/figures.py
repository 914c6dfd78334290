"""Plotly figures built without plotly's per-property validation (6x faster), and the check that keeps them valid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64


def _unshared(value: object) -> object:
    """A copy of the dicts and lists in `value` that plotly's array encoding writes into; leaves stay shared."""
    if isinstance(value, dict):
        return {key: _unshared(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(item, (dict, list, tuple)) for item in value):
        return [_unshared(item) for item in value]
    return value


class SentFigure(go.Figure):
    """A Figure whose to_dict, which st.plotly_chart calls on every send, does not deep-copy every value.

    plotly's to_dict deep-copies the whole figure (every number of every list) only so that encoding numpy arrays
    as base64 cannot write into the figure; Streamlit turns the result into JSON and drops it. Copying only the
    containers that encoding writes into gives the same dict without the per-value copies, and leaves the figure
    unchanged, so a fragment can send the same figure again (tests/unit/test_figures.py compares the two dicts).
    """

    def to_dict(self) -> dict:
        if self._frame_objs:
            return super().to_dict()
        result = {"data": _unshared(self._data), "layout": _unshared(self._layout)}
        convert_to_base64(result)
        return result


def fast_figure(data: Iterable[Mapping[str, object]] = (), layout: Mapping[str, object] | None = None) -> go.Figure:
    """A Figure from plain trace and layout dicts, skipping validation.

    Validating every property is most of the cost of a figure with dozens of traces (about 50 ms of a page's
    rerun per chart at curated size, measured in benchmarks/). `_validate=False` is the switch plotly's own
    figure factories use; `assert_valid_figure` runs the full validation in the tests instead of on every
    rerun, so a wrong property name still fails a test. Streamlit does not re-validate a Figure object.
    """
    return SentFigure(data=list(data), layout=dict(layout or {}), _validate=False)


def assert_valid_figure(figure: go.Figure) -> None:
    """Raise plotly's own error if any trace or layout property of `figure` is invalid (tests only)."""
    go.Figure(figure.to_dict())
