"""Pure plotly builders for the timeline page: milestone strip, timeline of everything, growth by year."""

from __future__ import annotations

import heapq
import html
import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.load import OPENING_MILESTONES
from components.palette import CATEGORY_COLOURS, STATUS_COLOURS, STATUS_ORDER

ONE_DAY = pd.Timedelta(days=1)
WORKSHOP_WORDS = re.compile(r"\bLu ?ban Workshop\b", re.IGNORECASE)
DAYS_PER_MONTH = 365.25 / 12
SIGNING_MILESTONES = ("mou", "agreement")
MILESTONE_COLUMNS = ["event_id", "workshop_id", "milestone", "title", "date", "date_precision", "date_start", "date_end",
                     "year_start", "source_ids"]
TIMELINE_COLUMNS = ["event_id", "category", "title", "date", "date_precision", "date_start", "date_end",
                    "country_name", "institution_names"]
FONT = dict(size=13)
BAR_COLOUR = "#555555"
UNOPENED_BAR_COLOUR = "#AAAAAA"
TODAY_COLOUR = "#777777"
LABEL_COLOUR = "#444444"
ROW_PX = 50
LANE_PX = 22
MAX_LANES = 14
# Milestones borrow the colour of the status they lead to, so the strip reads like the status legend.
MILESTONE_STYLES = {
    "announcement": ("circle", STATUS_COLOURS["announced"]),
    "planning": ("circle-cross", STATUS_COLOURS["announced"]),
    "mou": ("diamond", STATUS_COLOURS["agreement_signed"]),
    "agreement": ("square", STATUS_COLOURS["agreement_signed"]),
    "construction": ("triangle-up", "#C9B400"),  # the status yellow darkened: #F0E442 vanishes on white
    "training": ("cross", "#7F7F7F"),
    "launch_ceremony": ("star", STATUS_COLOURS["launched"]),
    "trial_operation": ("triangle-right", STATUS_COLOURS["partially_operating"]),
    "partial_opening": ("hexagon", STATUS_COLOURS["partially_operating"]),
    "opening": ("star-diamond", STATUS_COLOURS["operating"]),
    "expansion": ("pentagon", STATUS_COLOURS["operating"]),
    "visit": ("circle", "#999999"),
    "competition": ("x", "#999999"),
    "other": ("circle", "#999999"),
}
# Categories that share a colour family get different symbols (and bar patterns) so they stay apart.
CATEGORY_SYMBOLS = {
    "luban_workshop": "star", "agreement": "circle", "announcement": "square",
    "confucius_institute": "circle", "branch_campus": "circle", "joint_lab": "circle", "centre": "square",
    "forum": "circle", "conference": "square", "summit": "diamond", "alliance": "circle",
    "university_network": "square", "scholarship": "circle", "training": "square", "programme": "diamond",
    "visit": "circle", "competition": "square", "fair": "diamond",
}
CATEGORY_PATTERNS = {"square": "/", "diamond": "x", "circle": "", "star": ""}
# The status a workshop reaches with each milestone; any dated milestone means it was at least announced.
STAGE_MILESTONES = {
    "agreement_signed": ("mou", "agreement"),
    "under_construction": ("construction",),
    "launched": ("launch_ceremony",),
    "partially_operating": ("trial_operation", "partial_opening"),
    "operating": ("opening",),
}


# ---------------------------------------------------------------- shared helpers

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
    figure = go.Figure()
    figure.add_annotation(text=escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=14))
    figure.update_layout(height=height, xaxis=dict(visible=False), yaxis=dict(visible=False),
                         margin=dict(l=10, r=10, t=10, b=10), meta={"empty": True})
    return figure


def is_empty_figure(figure: go.Figure) -> bool:
    return bool(figure.layout.meta and figure.layout.meta.get("empty"))


def _today(today: pd.Timestamp | None) -> pd.Timestamp:
    return (today or pd.Timestamp.today()).normalize()


def today_marks(today: pd.Timestamp) -> tuple[dict, dict]:
    """A dotted vertical line at today and its label, as a layout shape and annotation."""
    line = dict(type="line", x0=today, x1=today, y0=0, y1=1, yref="paper",
                line=dict(color=TODAY_COLOUR, width=1, dash="dot"))
    label = dict(x=today, y=1, yref="paper", text=t("timeline.today"), showarrow=False, yanchor="top",
                 xanchor="right", font=dict(size=11, color=TODAY_COLOUR))
    return line, label


def point_traces(frame: pd.DataFrame, y: str, label: str, group: str, symbol: str, colour: str, size: int,
                 customdata: list[list], hovertemplate: str) -> list[go.Scatter]:
    """Markers of one kind: filled where the day is known, hollow (a second trace) where only the month or year
    is; one scalar style per trace keeps plotly's validation fast."""
    traces = []
    exact = frame["exact"].to_numpy()
    data = np.empty((len(customdata), len(customdata[0]) if customdata else 0), dtype=object)
    data[:] = customdata
    for is_day, outline, width in ((True, "#333333", 1), (False, colour, 2.5)):
        chosen = exact == is_day
        if not chosen.any():
            continue
        traces.append(go.Scatter(
            x=frame.loc[chosen, "x"].to_numpy(), y=frame.loc[chosen, y].to_numpy(), mode="markers", name=label,
            legendgroup=group, showlegend=not traces, customdata=data[chosen], hovertemplate=hovertemplate,
            marker=dict(symbol=symbol if is_day else f"{symbol}-open", size=size, color=colour,
                        line=dict(color=outline, width=width))))
    return traces


def band_trace(frame: pd.DataFrame, start: str, end: str, y: str, label: str, group: str, colour: str,
               width: int, opacity: float) -> go.Scatter:
    """The spans of imprecise dates as thick translucent bands (not hoverable: the marker on top is)."""
    xs, ys = band_segments(frame[start], frame[end], frame[y])
    return go.Scatter(x=xs, y=ys, mode="lines", name=f"{label} ({t('timeline.span')})", legendgroup=group,
                      showlegend=False, hoverinfo="skip", opacity=opacity, line=dict(color=colour, width=width))


def hollow_legend_entry(size: int) -> go.Scatter:
    return go.Scatter(x=[None], y=[None], mode="markers", name=t("timeline.legend_hollow"), hoverinfo="skip",
                      marker=dict(symbol="circle-open", size=size, color="#555555", line=dict(width=2.5)))


def legend_on_top(plot_height_px: float, gap_px: float = 8) -> dict:
    """A horizontal legend just above the plot; plotly wraps it and grows the top margin to fit the rows."""
    return dict(orientation="h", x=0, xanchor="left", y=1 + gap_px / max(plot_height_px, 1), yanchor="bottom",
                font=dict(size=12), itemsizing="constant")


def legend_allowance(figure: go.Figure) -> int:
    """Extra figure height for the legend as it wraps on a phone (about two entries a row); at 1400 px it needs
    less and the plot simply gets roomier rows."""
    entries = sum(1 for trace in figure.data if trace.showlegend is not False)
    return 26 * math.ceil(entries / 2)


def count_tick(largest: float) -> int:
    """A whole-number tick step giving at most about six ticks (counts have no halves)."""
    return max(1, math.ceil(largest / 6))


def dated(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["date_start"].notna()]


def timeline_columns(events: pd.DataFrame) -> pd.DataFrame:
    """Dated events with only the columns the timeline draws: copying wide frames dominated the build time."""
    return events.loc[events["date_start"].notna(), TIMELINE_COLUMNS]


def undated_titles(events: pd.DataFrame) -> list[str]:
    """Titles of events with no date, which no timeline can place."""
    return events.loc[events["date_start"].isna(), "title"].tolist()


# ---------------------------------------------------------------- milestone strip

def workshop_milestones(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Dated milestone events of the given workshops, earliest first (only the columns the charts use)."""
    wanted = events["workshop_id"].isin(set(workshops["workshop_id"])) & events["date_start"].notna()
    return events.loc[wanted, MILESTONE_COLUMNS].sort_values(["date_start", "event_id"])


def _first(milestones: pd.DataFrame, kinds: tuple[str, ...], prefix: str) -> pd.DataFrame:
    first = milestones[milestones["milestone"].isin(kinds)].groupby("workshop_id").head(1).set_index("workshop_id")
    columns = {"date": "date", "date_precision": "precision", "date_start": "start", "date_end": "end",
               "milestone": "milestone"}
    return first[list(columns)].rename(columns={k: f"{prefix}_{v}" for k, v in columns.items()})


def months_range(first_start, first_end, second_start, second_end) -> tuple[int, int]:
    """Fewest and most whole months that can lie between two partial dates, given their spans."""
    low = max(0.0, (second_start - first_end).days / DAYS_PER_MONTH)
    high = max(0.0, (second_end - first_start).days / DAYS_PER_MONTH)
    return round(low), round(high)


def _duration_text(signed_start, signed_end, opened_start, opened_end, today: pd.Timestamp) -> str:
    if pd.isna(signed_start):
        return t("timeline.duration_no_signing")
    if pd.isna(opened_start):
        low, high = months_range(signed_start, signed_end, today, today)
        return t("timeline.duration_not_opened", months=_months_text(low, high))
    return _months_text(*months_range(signed_start, signed_end, opened_start, opened_end))


def _months_text(low: int, high: int) -> str:
    return t("timeline.months", months=low) if low == high else t("timeline.months_range", low=low, high=high)


def workshop_rows(workshops: pd.DataFrame, events: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per workshop, ordered by its first signed document (then its first milestone, then name)."""
    today = _today(today)
    milestones = workshop_milestones(workshops, events)
    rows = workshops[["workshop_id", "name_en", "country_name", "status"]].set_index("workshop_id")
    rows = rows.join(_first(milestones, SIGNING_MILESTONES, "signed")).join(_first(milestones, OPENING_MILESTONES, "opened"))
    rows["first_start"] = milestones.groupby("workshop_id")["date_start"].min()
    rows["milestone_count"] = milestones.groupby("workshop_id").size()
    rows["milestone_count"] = rows["milestone_count"].fillna(0).astype(int)
    rows = rows.reset_index().sort_values(["signed_start", "first_start", "name_en"], na_position="last")
    rows["row"] = range(len(rows))
    rows["duration"] = [_duration_text(*dates, today) for dates in zip(
        rows["signed_start"], rows["signed_end"], rows["opened_start"], rows["opened_end"])]
    return rows.reset_index(drop=True)


def milestone_strip_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The strip as a table: which workshop came first and how long each took from signing to opening."""
    def when(dates: pd.Series, precisions: pd.Series, kinds: pd.Series) -> list[str]:
        return [f"{format_with_precision(d, p)} — {t(f'milestone.{k}')}" if isinstance(d, str) and d else "—"
                for d, p, k in zip(dates, precisions, kinds)]

    return pd.DataFrame({
        t("timeline.col_workshop"): rows["name_en"],
        t("timeline.col_country"): rows["country_name"],
        t("timeline.col_status"): [t(f"status.{s}") for s in rows["status"]],
        t("timeline.col_first_signed"): when(rows["signed_date"], rows["signed_precision"], rows["signed_milestone"]),
        t("timeline.col_opened"): when(rows["opened_date"], rows["opened_precision"], rows["opened_milestone"]),
        t("timeline.col_duration"): rows["duration"],
        t("timeline.col_milestones"): rows["milestone_count"],
    })


def _bar_trace(name: str, rows: pd.DataFrame, end: pd.Series, colour: str, dash: str) -> go.Scatter:
    start = marker_position(rows["signed_start"], rows["signed_end"], is_exact(rows["signed_precision"]))
    xs, ys = [], []
    for left, right, row in zip(start, end, rows["row"]):
        xs += [left, right, None]
        ys += [row, row, None]
    return go.Scatter(x=xs, y=ys, mode="lines", name=name, hoverinfo="skip", legendgroup=name,
                      line=dict(color=colour, width=5, dash=dash))


def build_milestone_strip(workshops: pd.DataFrame, events: pd.DataFrame, today: pd.Timestamp | None = None,
                          year_range: tuple[int, int] | None = None, limit: int | None = None) -> go.Figure:
    """One row per workshop: a marker per milestone (symbol by type, hollow over a band when only the month or
    year is known), a bar from the first signed document to the opening, dotted to today when not opened.
    With `limit`, only the first rows (earliest signed) are drawn; the caller says so."""
    today = _today(today)
    rows = workshop_rows(workshops, events, today)
    if rows.empty:
        return empty_figure(t("timeline.strip_empty"))
    if limit is not None:
        rows = rows.head(limit)
        workshops = workshops[workshops["workshop_id"].isin(set(rows["workshop_id"]))]
    milestones = workshop_milestones(workshops, events).merge(rows[["workshop_id", "row", "name_en"]], on="workshop_id")
    figure = go.Figure()

    signed = rows[rows["signed_start"].notna()]
    opened = signed[signed["opened_start"].notna()]
    waiting = signed[signed["opened_start"].isna()]
    if not opened.empty:
        end = marker_position(opened["opened_start"], opened["opened_end"], is_exact(opened["opened_precision"]))
        figure.add_trace(_bar_trace(t("timeline.bar_opened"), opened, end, BAR_COLOUR, "solid"))
    if not waiting.empty:
        end = pd.Series(today, index=waiting.index)
        figure.add_trace(_bar_trace(t("timeline.bar_not_opened"), waiting, end, UNOPENED_BAR_COLOUR, "dot"))

    exact = is_exact(milestones["date_precision"])
    milestones = milestones.assign(exact=exact, x=marker_position(milestones["date_start"], milestones["date_end"], exact))
    order = [m for m in MILESTONE_STYLES if m in set(milestones["milestone"])]
    order += sorted(set(milestones["milestone"]) - set(order))
    for kind in order:
        symbol, colour = MILESTONE_STYLES.get(kind, ("circle", "#999999"))
        group = milestones[milestones["milestone"] == kind]
        label = t(f"milestone.{kind}") if kind else t("timeline.no_milestone")
        if not group["exact"].all():
            figure.add_trace(band_trace(group[~group["exact"]], "date_start", "date_end", "row", label, kind, colour,
                                        width=14, opacity=0.35))
        customdata = [[event_id, workshop_id, escape(name), escape(label), escape(title),
                       escape(format_with_precision(date, precision))]
                      for event_id, workshop_id, name, title, date, precision in zip(
                          group["event_id"], group["workshop_id"], group["name_en"], group["title"], group["date"],
                          group["date_precision"])]
        figure.add_traces(point_traces(
            group, "row", label, kind, symbol, colour, 13, customdata,
            "<b>%{customdata[2]}</b><br>%{customdata[3]}: %{customdata[4]}<br>%{customdata[5]}<extra></extra>"))
    if not milestones["exact"].all():
        figure.add_trace(hollow_legend_entry(13))
    # Row labels sit above each row inside the plot, so a phone keeps the full width for the time axis.
    annotations = []
    for row, name, count in zip(rows["row"], rows["name_en"], rows["milestone_count"]):
        label = f"<b>{escape(workshop_label(name, 70))}</b>"
        if count == 0:
            label += f"  <i>{escape(t('timeline.no_dated_milestone'))}</i>"
        annotations.append(dict(text=label, x=0, xref="paper", y=row - 0.38, xanchor="left", yanchor="middle",
                                showarrow=False, font=dict(size=12, color=LABEL_COLOUR)))
    today_line, today_label = today_marks(today)
    plot_height = ROW_PX * len(rows)
    figure.update_layout(
        height=plot_height + 100 + legend_allowance(figure), margin=dict(l=10, r=20, t=30, b=40), font=FONT,
        legend=legend_on_top(plot_height), hovermode="closest", clickmode="event+select",
        annotations=annotations + [today_label], shapes=[today_line],
        yaxis=dict(tickmode="array", tickvals=rows["row"].tolist(), showticklabels=False,
                   range=[len(rows) - 0.5, -0.75], showgrid=True, zeroline=False, fixedrange=True),
        xaxis=dict(type="date", range=year_window(year_range), showgrid=True, automargin=True))
    return figure


# ---------------------------------------------------------------- one timeline of everything

def assign_lanes(starts: list, ends: list, gap: pd.Timedelta, max_lanes: int | None = None) -> list[int]:
    """Greedy interval packing: each item goes to the lowest lane whose last item ended `gap` before it starts.
    Items must come sorted by start. Beyond `max_lanes` lanes items share lanes (and may overlap) so that a very
    dense selection keeps a bounded height."""
    begin = pd.to_datetime(pd.Series(starts, dtype="datetime64[ns]")).to_numpy().astype("int64")
    finish = pd.to_datetime(pd.Series(ends, dtype="datetime64[ns]")).to_numpy().astype("int64")
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


def country_bands(events: pd.DataFrame) -> list[str]:
    """Country rows in name order, the regional row last."""
    regional = t("region.regional")
    names = sorted(set(events["country_name"]) - {regional})
    return names + ([regional] if regional in set(events["country_name"]) else [])


def timeline_layout(events: pd.DataFrame, gap: pd.Timedelta | None = None) -> pd.DataFrame:
    """Dated events with a y position: one band per country, lanes inside a band so markers do not overlap."""
    frame = timeline_columns(events).sort_values(["date_start", "date_end", "event_id"])
    if frame.empty:
        return frame.assign(lane=pd.Series(dtype=int), y=pd.Series(dtype=float), band=pd.Series(dtype=str))
    if gap is None:
        # About one marker width on a ~1000 px axis, so neighbours in a lane do not touch.
        total = frame["date_end"].max() - frame["date_start"].min() + ONE_DAY
        gap = max(pd.Timedelta(days=20), total / 70)
    frame["lane"] = 0
    for name, group in frame.groupby("country_name", sort=False):
        frame.loc[group.index, "lane"] = assign_lanes(group["date_start"], group["date_end"], gap, MAX_LANES)
    offset = 1  # every band starts below a lane of its own that carries its label
    frame["y"] = 0.0
    for band in country_bands(frame):
        members = frame["country_name"] == band
        frame.loc[members, "y"] = offset + frame.loc[members, "lane"]
        offset += int(frame.loc[members, "lane"].max()) + 2
    frame["band"] = frame["country_name"]
    return frame


def most_recent(events: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The `limit` latest dated events: a timeline too dense to read (and too heavy to send) is cut, never thinned."""
    return timeline_columns(events).sort_values(["date_start", "event_id"]).tail(limit)


def build_event_timeline(events: pd.DataFrame, year_range: tuple[int, int] | None = None,
                         limit: int | None = None) -> go.Figure:
    """Every dated event on one time axis, one band per country (regional last), coloured by category.
    With `limit`, only the most recent events are drawn; the caller says so."""
    frame = timeline_layout(most_recent(events, limit) if limit is not None else events)
    if frame.empty:
        return empty_figure(t("timeline.everything_empty"))
    figure = go.Figure()
    exact = is_exact(frame["date_precision"])
    frame = frame.assign(exact=exact, x=marker_position(frame["date_start"], frame["date_end"], exact))
    order = [c for c in CATEGORY_COLOURS if c in set(frame["category"])]
    for category in order:
        group = frame[frame["category"] == category]
        colour, symbol = CATEGORY_COLOURS[category], CATEGORY_SYMBOLS.get(category, "circle")
        label = t(f"category.{category}")
        if not group["exact"].all():
            figure.add_trace(band_trace(group[~group["exact"]], "date_start", "date_end", "y", label, category,
                                        colour, width=8, opacity=0.3))
        customdata = [[event_id, escape(title), escape(format_with_precision(date, precision)), escape(label),
                       escape(shorten("; ".join(names), 160) or "—"), escape(country)]
                      for event_id, title, date, precision, names, country in zip(
                          group["event_id"], group["title"], group["date"], group["date_precision"],
                          group["institution_names"], group["country_name"])]
        figure.add_traces(point_traces(
            group, "y", label, category, symbol, colour, 11, customdata,
            "<b>%{customdata[1]}</b><br>%{customdata[2]}<br>%{customdata[3]} · %{customdata[5]}"
            "<br>%{customdata[4]}<extra></extra>"))
    if not frame["exact"].all():
        figure.add_trace(hollow_legend_entry(11))
    top = 0.0
    annotations, shapes = [], []
    for band in country_bands(frame):
        members = frame[frame["band"] == band]
        low, top = members["y"].min(), members["y"].max()
        name = t("timeline.regional_short") if band == t("region.regional") else band
        annotations.append(dict(text=f"<b>{escape(name)}</b> ({len(members)})", x=0, xref="paper", y=low - 1,
                                xanchor="left", yanchor="middle", showarrow=False,
                                font=dict(size=12, color=LABEL_COLOUR)))
        if low > 1:
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=low - 1.5, y1=low - 1.5,
                               line=dict(color="#CCCCCC", width=1)))
    figure.update_layout(annotations=annotations, shapes=shapes)
    plot_height = LANE_PX * (top + 2)
    figure.update_layout(
        height=plot_height + 100 + legend_allowance(figure), margin=dict(l=10, r=20, t=30, b=40), font=FONT,
        legend=legend_on_top(plot_height), hovermode="closest", clickmode="event+select",
        yaxis=dict(showticklabels=False, showgrid=False, zeroline=False, range=[top + 0.7, -0.6], fixedrange=True),
        xaxis=dict(type="date", range=year_window(year_range), showgrid=True, automargin=True))
    return figure


def event_timeline_table(events: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The timeline of everything as a table, earliest first (undated last); the first `limit` rows only."""
    frame = events.sort_values(["date_start", "event_id"], na_position="last")
    frame = frame.head(limit) if limit is not None else frame
    return pd.DataFrame({
        t("timeline.col_date"): [format_with_precision(d, p) for d, p in zip(frame["date"], frame["date_precision"])],
        t("timeline.col_country"): frame["country_name"],
        t("timeline.col_category"): [t(f"category.{c}") for c in frame["category"]],
        t("timeline.col_title"): frame["title"],
        t("timeline.col_institutions"): ["; ".join(names) for names in frame["institution_names"]],
        t("timeline.col_id"): frame["event_id"],
    })


# ---------------------------------------------------------------- growth by year

def stage_years(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The first year each workshop reached each status: from its dated milestones (a month- or year-precision
    date counts in its year; any milestone means at least announced) and from its current status as of
    `status_as_of`."""
    milestones = workshop_milestones(workshops, events)
    parts = [milestones.groupby("workshop_id")["year_start"].min().rename("year").reset_index().assign(status="announced")]
    for status, kinds in STAGE_MILESTONES.items():
        reached = milestones[milestones["milestone"].isin(kinds)].groupby("workshop_id")["year_start"].min()
        parts.append(reached.rename("year").reset_index().assign(status=status))
    as_of_year = pd.to_numeric(workshops["status_as_of"].str[:4], errors="coerce")
    parts.append(pd.DataFrame({"workshop_id": workshops["workshop_id"], "year": as_of_year,
                               "status": workshops["status"]}).dropna(subset=["year"]))
    stages = pd.concat(parts, ignore_index=True)
    stages["year"] = stages["year"].astype(int)
    stages["rank"] = stages["status"].map({s: i for i, s in enumerate(STATUS_ORDER)})
    stages = stages.groupby(["workshop_id", "status", "rank"], as_index=False)["year"].min()
    return stages.merge(workshops[["workshop_id", "country", "country_name"]], on="workshop_id")


def workshop_status_by_year(workshops: pd.DataFrame, events: pd.DataFrame, years: range) -> pd.DataFrame:
    """Cumulative workshops per country and year by the furthest status reached by the end of that year."""
    stages = stage_years(workshops, events)
    records = []
    for year in years:
        reached = stages[stages["year"] <= year]
        if reached.empty:
            continue
        furthest = reached.sort_values("rank").groupby("workshop_id").tail(1)
        for (country, status), count in furthest.groupby(["country_name", "status"]).size().items():
            records.append({"country_name": country, "year": year, "status": status, "workshops": int(count)})
    return pd.DataFrame(records, columns=["country_name", "year", "status", "workshops"])


def growth_years(workshops: pd.DataFrame, events: pd.DataFrame, today: pd.Timestamp | None = None,
                 year_range: tuple[int, int] | None = None) -> range:
    stages = stage_years(workshops, events)
    if stages.empty:
        return range(0)
    low, high = int(stages["year"].min()), max(int(stages["year"].max()), _today(today).year)
    if year_range:
        low, high = max(low, year_range[0]), min(high, year_range[1])
    return range(low, high + 1)


def workshop_growth_table(growth: pd.DataFrame) -> pd.DataFrame:
    """Country × year rows with one column per status and the total."""
    if growth.empty:
        return pd.DataFrame()
    wide = growth.pivot_table(index=["country_name", "year"], columns="status", values="workshops", aggfunc="sum",
                              fill_value=0)
    wide = wide.reindex(columns=[s for s in STATUS_ORDER if s in wide.columns])
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index()
    return wide.rename(columns={"country_name": t("timeline.col_country"), "year": t("timeline.col_year"),
                                "total": t("timeline.col_total"),
                                **{s: t(f"status.{s}") for s in STATUS_ORDER}})


def build_workshop_growth(growth: pd.DataFrame) -> go.Figure:
    """Small multiples, one per country: stacked bars of workshops by the status reached by each year's end."""
    if growth.empty:
        return empty_figure(t("timeline.growth_empty"))
    countries = sorted(growth["country_name"].unique())
    columns = min(len(countries), 3)
    rows = math.ceil(len(countries) / columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=[escape(c) for c in countries],
                           shared_yaxes="all", vertical_spacing=0.16 if rows > 1 else 0.1, horizontal_spacing=0.04)
    years = range(int(growth["year"].min()), int(growth["year"].max()) + 1)
    shown: set[str] = set()
    for index, country in enumerate(countries):
        row, column = index // columns + 1, index % columns + 1
        of_country = growth[growth["country_name"] == country]
        for status in STATUS_ORDER:
            counts = of_country[of_country["status"] == status].set_index("year")["workshops"].reindex(years, fill_value=0)
            if not counts.any():
                continue
            label = t(f"status.{status}")
            figure.add_trace(go.Bar(
                x=list(years), y=counts.tolist(), name=label, legendgroup=status, showlegend=status not in shown,
                marker=dict(color=STATUS_COLOURS[status], line=dict(color="#333333", width=0.5)),
                hovertemplate=f"{escape(country)}, %{{x}}: %{{y}} · {escape(label)}<extra></extra>"), row=row, col=column)
            shown.add(status)
    # The legend sits above the subplot titles, hence the wider gap.
    figure.update_layout(barmode="stack", height=140 + 230 * rows, margin=dict(l=10, r=20, t=30, b=40), font=FONT,
                         legend=legend_on_top(70 + 230 * rows, gap_px=30), bargap=0.15)
    largest = growth.groupby(["country_name", "year"])["workshops"].sum().max()
    figure.update_xaxes(dtick=1 if len(years) <= 8 else 2, tickformat="d")
    figure.update_yaxes(rangemode="tozero", dtick=count_tick(largest), tickformat="d")
    return figure


def events_per_year(events: pd.DataFrame) -> pd.DataFrame:
    """Dated events counted per category in the year they happened (a year-precision date counts in its year)."""
    frame = events.loc[events["date_start"].notna(), ["year_start", "category"]]
    counts = frame.groupby([frame["year_start"].astype(int).rename("year"), "category"]).size()
    return counts.rename("events").reset_index()


def events_per_year_table(counts: pd.DataFrame) -> pd.DataFrame:
    if counts.empty:
        return pd.DataFrame()
    wide = counts.pivot_table(index="year", columns="category", values="events", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[c for c in CATEGORY_COLOURS if c in wide.columns])
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index()
    return wide.rename(columns={"year": t("timeline.col_year"), "total": t("timeline.col_total"),
                                **{c: t(f"category.{c}") for c in CATEGORY_COLOURS}})


def build_events_per_year(counts: pd.DataFrame) -> go.Figure:
    """Stacked bars: dated events per year, one colour (and pattern, where colours are shared) per category."""
    if counts.empty:
        return empty_figure(t("timeline.per_year_empty"))
    years = range(int(counts["year"].min()), int(counts["year"].max()) + 1)
    figure = go.Figure()
    for category in [c for c in CATEGORY_COLOURS if c in set(counts["category"])]:
        series = counts[counts["category"] == category].set_index("year")["events"].reindex(years, fill_value=0)
        # The widest legend label decides how many fit in a row: the short form keeps two per row on a phone.
        label = t("timeline.per_year_luban") if category == "luban_workshop" else t(f"category.{category}")
        pattern = CATEGORY_PATTERNS[CATEGORY_SYMBOLS.get(category, "circle")]
        figure.add_trace(go.Bar(
            x=list(years), y=series.tolist(), name=label,
            marker=dict(color=CATEGORY_COLOURS[category], line=dict(color="#333333", width=0.5),
                        pattern=dict(shape=pattern, fillmode="overlay", fgcolor="#FFFFFF", size=6, solidity=0.3)),
            hovertemplate=f"%{{x}}: %{{y}} · {escape(label)}<extra></extra>"))
    figure.update_layout(barmode="stack", height=360 + legend_allowance(figure), margin=dict(l=4, r=8, t=30, b=40),
                         font=FONT, legend=legend_on_top(290), bargap=0.15)
    figure.update_xaxes(dtick=1 if len(years) <= 12 else 2, tickformat="d")
    figure.update_yaxes(rangemode="tozero", tickformat="d", dtick=count_tick(counts.groupby("year")["events"].sum().max()))
    return figure
