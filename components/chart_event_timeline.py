"""One timeline of every dated event: one band per country, lanes so markers do not overlap, coloured by category."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.dates import format_with_precision
from atlas.i18n import t
from components import chart_arrays as arrays
from components.chart_base import (CATEGORY_SYMBOLS, FONT, LABEL_COLOUR, ONE_DAY, band_trace, date_axis,
                                   empty_figure, escape, hollow_legend_entry, legend_allowance, legend_on_top,
                                   point_traces, shorten)
from components.figures import fast_figure
from components.palette import CATEGORY_COLOURS

TIMELINE_COLUMNS = ["event_id", "category", "title", "date", "date_precision", "date_start", "date_end",
                    "country_name", "institution_names"]
LANE_PX = 22
MAX_LANES = 14


def dated_count(events: pd.DataFrame) -> int:
    return int(np.count_nonzero(~np.isnat(events["date_start"].to_numpy())))


def undated_titles(events: pd.DataFrame) -> list[str]:
    """Titles of events with no date, which no timeline can place."""
    return arrays.take(events["title"], np.flatnonzero(np.isnat(events["date_start"].to_numpy()))).tolist()


def assign_lanes(starts: Sequence, ends: Sequence, gap: pd.Timedelta, max_lanes: int | None = None) -> list[int]:
    """Greedy interval packing: each item goes to the lowest lane whose last item ended `gap` before it starts.
    Items must come sorted by start. Beyond `max_lanes` lanes items share lanes (and may overlap) so that a very
    dense selection keeps a bounded height."""
    begin = np.asarray(starts, dtype="datetime64[ns]").astype(np.int64).tolist()
    finish = np.asarray(ends, dtype="datetime64[ns]").astype(np.int64).tolist()
    spacing = pd.Timedelta(gap).value
    busy: list[tuple[int, int]] = []  # (end, lane) of lanes in use
    free: list[int] = []               # lanes whose last item is far enough behind
    lanes = []
    opened = 0
    for start, end in zip(begin, finish):
        while busy and busy[0][0] + spacing <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane, opened = opened, opened + 1
        heapq.heappush(busy, (end, lane))
        lanes.append(lane)
    return [lane % max_lanes for lane in lanes] if max_lanes else lanes


def country_bands(names: Iterable[str]) -> list[str]:
    """Country rows in name order, the regional row last."""
    regional = t("region.regional")
    present = set(names)
    return sorted(present - {regional}) + ([regional] if regional in present else [])


def timeline_points(events: pd.DataFrame, limit: int | None = None,
                    gap: pd.Timedelta | None = None) -> dict[str, np.ndarray]:
    """Dated events (the `limit` most recent) as arrays of TIMELINE_COLUMNS plus a y position: one band per
    country, lanes inside a band so markers do not overlap. A timeline too dense to read (and too heavy to
    send) is cut, never thinned."""
    start_all = events["date_start"].to_numpy()
    rows = np.flatnonzero(~np.isnat(start_all))
    if limit is not None:
        rows = arrays.first_by_date(start_all, events["event_id"], rows, limit, latest=True)
    end_all = events["date_end"].to_numpy()
    rows = rows[arrays.order(start_all[rows], end_all[rows], arrays.arrow_rows(events["event_id"], rows))]
    points = {name: arrays.take(events[name], rows) for name in TIMELINE_COLUMNS}
    start, end, countries = points["date_start"], points["date_end"], points["country_name"].astype(object)
    points["country_name"] = countries
    lane = np.zeros(len(rows), dtype=np.int64)
    y = np.zeros(len(rows), dtype=np.float64)
    if len(rows):
        if gap is None:
            # About one marker width on a ~1000 px axis, so neighbours in a lane do not touch.
            total = pd.Timestamp(end.max()) - pd.Timestamp(start.min()) + ONE_DAY
            gap = max(pd.Timedelta(days=20), total / 70)
        offset = 1  # every band starts below a lane of its own that carries its label
        for band in country_bands(countries.tolist()):
            members = np.flatnonzero(countries == band)
            lane[members] = assign_lanes(start[members], end[members], gap, MAX_LANES)
            y[members] = offset + lane[members]
            offset += int(lane[members].max()) + 2
    points.update(lane=lane, y=y, band=countries)
    return points


def timeline_layout(events: pd.DataFrame, gap: pd.Timedelta | None = None) -> pd.DataFrame:
    """Dated events with a y position, as a frame (see timeline_points)."""
    return pd.DataFrame(timeline_points(events, gap=gap))


def build_event_timeline(events: pd.DataFrame, year_range: tuple[int, int] | None = None,
                         limit: int | None = None) -> go.Figure:
    """Every dated event on one time axis, one band per country (regional last), coloured by category.
    With `limit`, only the most recent events are drawn; the caller says so."""
    points = timeline_points(events, limit)
    if not len(points["y"]):
        return empty_figure(t("timeline.everything_empty"))
    traces: list[dict] = []
    categories = points["category"].astype(object)
    precisions = points["date_precision"].astype(object)
    exact = precisions == "day"
    start, end, y = points["date_start"], points["date_end"], points["y"]
    x = arrays.marker_x(start, end, exact)
    present = set(categories.tolist())
    for category in [c for c in CATEGORY_COLOURS if c in present]:
        group = categories == category
        colour, symbol = CATEGORY_COLOURS[category], CATEGORY_SYMBOLS.get(category, "circle")
        label = t(f"category.{category}")
        hollow = group & ~exact
        if hollow.any():
            traces.append(band_trace(start[hollow], end[hollow], y[hollow], label, category, colour, width=8,
                                     opacity=0.3))
        members = np.flatnonzero(group)
        customdata = arrays.customdata([
            points["event_id"][members].tolist(), [escape(title) for title in points["title"][members]],
            [escape(format_with_precision(d, p)) for d, p in zip(points["date"][members], precisions[members])],
            [escape(label)] * len(members),
            [escape(shorten("; ".join(names), 160) or "—") for names in points["institution_names"][members]],
            [escape(country) for country in points["country_name"][members]]])
        traces += point_traces(
            x[members], y[members], exact[members], label, category, symbol, colour, 11, customdata,
            "<b>%{customdata[1]}</b><br>%{customdata[2]}<br>%{customdata[3]} · %{customdata[5]}"
            "<br>%{customdata[4]}<extra></extra>")
    if not exact.all():
        traces.append(hollow_legend_entry(11))
    top = 0.0
    annotations, shapes = [], []
    for band in country_bands(points["band"].tolist()):
        members = y[points["band"] == band]
        low, top = float(members.min()), float(members.max())
        name = t("timeline.regional_short") if band == t("region.regional") else band
        annotations.append(dict(text=f"<b>{escape(name)}</b> ({len(members)})", x=0, xref="paper", y=low - 1,
                                xanchor="left", yanchor="middle", showarrow=False,
                                font=dict(size=12, color=LABEL_COLOUR)))
        if low > 1:
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=low - 1.5, y1=low - 1.5,
                               line=dict(color="#CCCCCC", width=1)))
    plot_height = LANE_PX * (top + 2)
    return fast_figure(traces, dict(
        annotations=annotations, **(dict(shapes=shapes) if shapes else {}),
        height=plot_height + 100 + legend_allowance(traces), margin=dict(l=10, r=20, t=30, b=40), font=dict(FONT),
        legend=legend_on_top(plot_height), hovermode="closest", clickmode="event+select",
        yaxis=dict(showticklabels=False, showgrid=False, zeroline=False, range=[top + 0.7, -0.6], fixedrange=True),
        xaxis=date_axis(year_range)))


def event_timeline_table(events: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The timeline of everything as a table, earliest first (undated last); the first `limit` rows only."""
    rows = arrays.first_by_date(events["date_start"].to_numpy(), events["event_id"], np.arange(len(events)), limit)
    column = {name: arrays.take(events[name], rows) for name in (
        "date", "date_precision", "country_name", "category", "title", "institution_names", "event_id")}
    return pd.DataFrame({
        t("timeline.col_date"): [format_with_precision(d, p) for d, p in zip(column["date"], column["date_precision"])],
        t("timeline.col_country"): column["country_name"],
        t("timeline.col_category"): [t(f"category.{c}") for c in column["category"]],
        t("timeline.col_title"): column["title"],
        t("timeline.col_institutions"): ["; ".join(names) for names in column["institution_names"]],
        t("timeline.col_id"): column["event_id"],
    })
