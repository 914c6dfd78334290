"""Plotly figures built without plotly's per-property validation (6x faster), and the check that keeps them valid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import plotly.graph_objects as go


def fast_figure(data: Iterable[Mapping[str, object]] = (), layout: Mapping[str, object] | None = None) -> go.Figure:
    """A Figure from plain trace and layout dicts, skipping validation.

    Validating every property is most of the cost of a figure with dozens of traces (about 50 ms of a page's
    rerun per chart at curated size, measured in benchmarks/). `_validate=False` is the switch plotly's own
    figure factories use; `assert_valid_figure` runs the full validation in the tests instead of on every
    rerun, so a wrong property name still fails a test. Streamlit does not re-validate a Figure object.
    """
    return go.Figure(data=list(data), layout=dict(layout or {}), _validate=False)


def assert_valid_figure(figure: go.Figure) -> None:
    """Raise plotly's own error if any trace or layout property of `figure` is invalid (tests only)."""
    go.Figure(figure.to_dict())
