"""What every chart shares: escaping, empty figures, the today line, legends above the plot, date markers."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.i18n import t
from components import chart_arrays as arrays
from components.chart_arrays import ONE_DAY_NS
from components.figures import fast_figure

ONE_DAY = pd.Timedelta(days=1)
WORKSHOP_WORDS = re.compile(r"\bLu ?ban Workshop\b", re.IGNORECASE)
FONT = dict(size=13)
TODAY_COLOUR = "#777777"
LABEL_COLOUR = "#444444"
# Categories that share a colour family get different symbols (and bar patterns) so they stay apart.
CATEGORY_SYMBOLS = {
    "luban_workshop": "star", "agreement": "circle", "announcement": "square",
    "confucius_institute": "circle", "branch_campus": "circle", "joint_lab": "circle", "centre": "square",
    "forum": "circle", "conference": "square", "summit": "diamond", "alliance": "circle",
    "university_network": "square", "scholarship": "circle", "training": "square", "programme": "diamond",
    "visit": "circle", "competition": "square", "fair": "diamond",
}
CATEGORY_PATTERNS = {"square": "/", "diamond": "x", "circle": "", "star": ""}


def escape(value: object) -> str:
    """Record text shown literally in a plotly hover or label (plotly renders a subset of HTML)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=False)


def workshop_label(name: str, limit: int = 40) -> str:
    """A row label without the words every row shares: 'Tajikistan Luban Workshop (TTU, Dushanbe)' -> 'Tajikistan (TTU, Dushanbe)'."""
    short = " ".join(WORKSHOP_WORDS.sub(" ", name).split()) or name
    return shorten(short, limit)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_exact(precision: pd.Series) -> pd.Series:
    return precision.eq("day")


def marker_position(start: pd.Series, end: pd.Series, exact: pd.Series) -> pd.Series:
    """Exact dates at their day; a month or year at the middle of its span (drawn hollow, over a band)."""
    middle = start + (end + ONE_DAY - start) / 2
    return start.where(exact, middle)


def band_segments(starts: pd.Series, ends: pd.Series, rows: pd.Series) -> tuple[list, list]:
    """x/y for one line trace drawing each span as a band from its first to its last day (None-separated)."""
    xs: list = []
    ys: list = []
    for start, end, row in zip(starts, ends, rows):
        xs += [start, end + ONE_DAY, None]
        ys += [row, row, None]
    return xs, ys


def year_window(year_range: tuple[int, int] | None) -> list[pd.Timestamp] | None:
    if not year_range:
        return None
    low, high = year_range
    return [pd.Timestamp(year=int(low), month=1, day=1), pd.Timestamp(year=int(high) + 1, month=1, day=1)]


def empty_figure(message: str, height: int = 160) -> go.Figure:
    """A figure that says why there is nothing to draw instead of showing blank axes."""
    return fast_figure([], dict(
        annotations=[dict(text=escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=14))],
        height=height, xaxis=dict(visible=False), yaxis=dict(visible=False), margin=dict(l=10, r=10, t=10, b=10),
        meta={"empty": True}))


def is_empty_figure(figure: go.Figure) -> bool:
    return bool(figure.layout.meta and figure.layout.meta.get("empty"))


def today_or_now(today: pd.Timestamp | None) -> pd.Timestamp:
    return (today or pd.Timestamp.today()).normalize()


def today_marks(today: pd.Timestamp) -> tuple[dict, dict]:
    """A dotted vertical line at today and its label, as a layout shape and annotation."""
    line = dict(type="line", x0=today, x1=today, y0=0, y1=1, yref="paper",
                line=dict(color=TODAY_COLOUR, width=1, dash="dot"))
    label = dict(x=today, y=1, yref="paper", text=t("timeline.today"), showarrow=False, yanchor="top",
                 xanchor="right", font=dict(size=11, color=TODAY_COLOUR))
    return line, label


def legend_on_top(plot_height_px: float, gap_px: float = 8) -> dict:
    """A horizontal legend just above the plot; plotly wraps it and grows the top margin to fit the rows."""
    return dict(orientation="h", x=0, xanchor="left", y=1 + gap_px / max(plot_height_px, 1), yanchor="bottom",
                font=dict(size=12), itemsizing="constant")


def legend_allowance(traces: Iterable[dict]) -> int:
    """Extra figure height for the legend as it wraps on a phone (about two entries a row); at 1400 px it needs
    less and the plot simply gets roomier rows."""
    entries = sum(1 for trace in traces if trace.get("showlegend") is not False)
    return 26 * math.ceil(entries / 2)


def count_tick(largest: float) -> int:
    """A whole-number tick step giving at most about six ticks (counts have no halves)."""
    return max(1, math.ceil(largest / 6))


def point_traces(x: np.ndarray, y: np.ndarray, exact: np.ndarray, label: str, group: str, symbol: str, colour: str,
                 size: int, customdata: np.ndarray, hovertemplate: str) -> list[dict]:
    """Markers of one kind: filled where the day is known, hollow (a second trace) where only the month or year
    is."""
    traces: list[dict] = []
    for is_day, outline, width in ((True, "#333333", 1), (False, colour, 2.5)):
        chosen = exact == is_day
        if not chosen.any():
            continue
        traces.append(dict(
            type="scatter", x=arrays.array(x[chosen]), y=arrays.array(y[chosen]), mode="markers", name=label, legendgroup=group,
            showlegend=not traces, customdata=arrays.array(customdata[chosen]), hovertemplate=hovertemplate,
            marker=dict(symbol=symbol if is_day else f"{symbol}-open", size=size, color=colour,
                        line=dict(color=outline, width=width))))
    return traces


def band_trace(start: np.ndarray, end: np.ndarray, y: np.ndarray, label: str, group: str, colour: str, width: int,
               opacity: float) -> dict:
    """The spans of imprecise dates as thick translucent bands (not hoverable: the marker on top is)."""
    xs, ys = arrays.segments(start, end + np.timedelta64(ONE_DAY_NS, "ns"), y)
    return dict(type="scatter", x=xs, y=ys, mode="lines", name=f"{label} ({t('timeline.span')})", legendgroup=group,
                showlegend=False, hoverinfo="skip", opacity=opacity, line=dict(color=colour, width=width))


def hollow_legend_entry(size: int) -> dict:
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=t("timeline.legend_hollow"),
                hoverinfo="skip", marker=dict(symbol="circle-open", size=size, color="#555555", line=dict(width=2.5)))


def date_axis(year_range: tuple[int, int] | None) -> dict:
    axis = dict(type="date", showgrid=True, automargin=True)
    if year_range:
        axis["range"] = year_window(year_range)
    return axis
