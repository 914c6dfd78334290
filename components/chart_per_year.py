"""Events per year: dated events stacked by category, one colour (and pattern where colours are shared) each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.i18n import t
from components import chart_arrays as arrays
from components.chart_base import (CATEGORY_PATTERNS, CATEGORY_SYMBOLS, FONT, count_tick, empty_figure, escape,
                                   legend_allowance, legend_on_top)
from components.figures import fast_figure
from components.palette import CATEGORY_COLOURS

def events_per_year(events: pd.DataFrame) -> pd.DataFrame:
    """Dated events counted per category in the year they happened (a year-precision date counts in its year)."""
    rows = np.flatnonzero(~np.isnat(events["date_start"].to_numpy()))
    if not len(rows):
        return pd.DataFrame({"year": np.array([], dtype=np.int64), "category": np.array([], dtype=object),
                             "events": np.array([], dtype=np.int64)})
    year = arrays.take(events["year_start"], rows).astype(np.int64)
    category, names = arrays.factorize(events["category"].array.take(rows))
    first = int(year.min())
    cells = np.bincount((year - first) * len(names) + category)
    filled = np.flatnonzero(cells)
    return pd.DataFrame({"year": filled // len(names) + first, "category": names[filled % len(names)],
                         "events": cells[filled]})


def _per_year_cube(counts: pd.DataFrame) -> tuple[np.ndarray, range, list[str]]:
    """Events as a category (CATEGORY_COLOURS order, those present) × year array over every year."""
    year = counts["year"].to_numpy(dtype=np.int64)
    years = range(int(year.min()), int(year.max()) + 1)
    present = set(counts["category"].tolist())
    categories = [c for c in CATEGORY_COLOURS if c in present]
    category = arrays.positions(counts["category"].to_numpy(dtype=object), categories)
    known = category >= 0
    cube = np.zeros((len(categories), len(years)), dtype=np.int64)
    np.add.at(cube, (category[known], year[known] - years.start), counts["events"].to_numpy()[known])
    return cube, years, categories


def events_per_year_table(counts: pd.DataFrame) -> pd.DataFrame:
    if counts.empty:
        return pd.DataFrame()
    cube, years, categories = _per_year_cube(counts)
    listed = np.unique(counts["year"].to_numpy(dtype=np.int64)) - years.start  # a pivot shows only years with rows
    values = cube[:, listed].T
    return pd.DataFrame({t("timeline.col_year"): listed + years.start,
                         **{t(f"category.{c}"): values[:, index] for index, c in enumerate(categories)},
                         t("timeline.col_total"): values.sum(axis=1)})


def build_events_per_year(counts: pd.DataFrame) -> go.Figure:
    """Stacked bars: dated events per year, one colour (and pattern, where colours are shared) per category."""
    if counts.empty:
        return empty_figure(t("timeline.per_year_empty"))
    cube, years, categories = _per_year_cube(counts)
    traces = []
    for category, series in zip(categories, cube):
        # The widest legend label decides how many fit in a row: the short form keeps two per row on a phone.
        label = t("timeline.per_year_luban") if category == "luban_workshop" else t(f"category.{category}")
        pattern = CATEGORY_PATTERNS[CATEGORY_SYMBOLS.get(category, "circle")]
        traces.append(dict(
            type="bar", x=list(years), y=series.tolist(), name=label,
            marker=dict(color=CATEGORY_COLOURS[category], line=dict(color="#333333", width=0.5),
                        pattern=dict(shape=pattern, fillmode="overlay", fgcolor="#FFFFFF", size=6, solidity=0.3)),
            hovertemplate=f"%{{x}}: %{{y}} · {escape(label)}<extra></extra>"))
    year = counts["year"].to_numpy(dtype=np.int64)
    largest = np.bincount(year - years.start, weights=counts["events"].to_numpy()).max()  # all categories, drawn or not
    return fast_figure(traces, dict(
        barmode="stack", height=360 + legend_allowance(traces), margin=dict(l=4, r=8, t=30, b=40), font=dict(FONT),
        legend=legend_on_top(290), bargap=0.15, xaxis=dict(dtick=1 if len(years) <= 12 else 2, tickformat="d"),
        yaxis=dict(rangemode="tozero", tickformat="d", dtick=count_tick(largest))))
