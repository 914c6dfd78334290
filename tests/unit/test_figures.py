"""SentFigure.to_dict gives plotly's own dict without deep-copying, and sending a figure never changes it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io
import pytest

from atlas import load_atlas
from components import chart_event_timeline, chart_milestone_strip
from components.figures import SentFigure, fast_figure
from helpers import DATA_DIR


def real_figures() -> list[SentFigure]:
    atlas = load_atlas(DATA_DIR)
    milestones = chart_milestone_strip.workshop_milestones(atlas.workshops, atlas.events)
    rows = chart_milestone_strip.workshop_rows(atlas.workshops, milestones)
    return [chart_event_timeline.build_event_timeline(atlas.events),
            chart_milestone_strip.build_milestone_strip(rows, milestones)]


def array_paths(value, path: str = "") -> list[str]:
    """Where numpy arrays sit inside a figure's plain data (encoding them in place would turn them into dicts)."""
    if isinstance(value, np.ndarray):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in array_paths(item, f"{path}.{key}")]
    if isinstance(value, (list, tuple)):
        return [p for index, item in enumerate(value) for p in array_paths(item, f"{path}[{index}]")]
    return []


# Why each case: arrays at the top of a trace and nested in a dict (both encoded as base64, the nested one is where a
# shallow copy would write into the figure), arrays in a list of dicts (annotations), tuples, and the real charts,
# whose small traces are lists and large ones arrays (components/chart_arrays.py).
CASES = {
    "top-level arrays": lambda: fast_figure([{"type": "scatter", "x": np.arange(300), "y": np.arange(300.0)}]),
    "nested array": lambda: fast_figure([{"type": "scatter", "x": [1, 2], "marker": {"color": np.array([1.0, 2.0])}}]),
    "array in a list of dicts": lambda: fast_figure([], {"annotations": [{"text": "a", "x": 1, "customdata": np.arange(3)}]}),
    "tuples": lambda: fast_figure([{"type": "bar", "x": ("a", "b"), "y": (1, 2)}]),
}


@pytest.mark.parametrize("build", list(CASES.values()) + [lambda: real_figures()[0], lambda: real_figures()[1]],
                         ids=list(CASES) + ["event timeline", "milestone strip"])
def test_the_dict_sent_is_plotlys_own_and_the_figure_is_unchanged(build):
    figure = build()
    assert isinstance(figure, SentFigure)
    before = plotly.io.to_json(go.Figure.to_dict(figure), validate=False)
    arrays = array_paths([figure._data, figure._layout])
    # What st.plotly_chart sends, twice (a fragment rerun sends the same figure again).
    sent = [plotly.io.to_json(figure.to_dict(), validate=False) for _ in range(2)]
    assert sent == [before, before]
    assert plotly.io.to_json(go.Figure.to_dict(figure), validate=False) == before
    assert array_paths([figure._data, figure._layout]) == arrays


def test_an_exported_figure_is_still_a_sent_figure():
    # for_export changes the figure in place (title, source line): the type that avoids the deep copy survives.
    figure = fast_figure([{"type": "bar", "x": [1], "y": [2]}])
    figure.update_layout(title={"text": "t"})
    assert type(figure) is SentFigure
