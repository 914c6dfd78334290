"""Pure plotly builders for the timeline page: milestone strip, timeline of everything, growth by year."""

from __future__ import annotations

import copy
import heapq
import html
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc
from plotly.subplots import make_subplots

from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.load import OPENING_MILESTONES
from components.figures import fast_figure
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
STAGE_KINDS = [kind for kinds in STAGE_MILESTONES.values() for kind in kinds]
STAGE_KIND_RANKS = np.array([STATUS_ORDER.index(status) for status, kinds in STAGE_MILESTONES.items() for _ in kinds])
ONE_DAY_NS = ONE_DAY.value
GROWTH_COLUMNS = ["country_name", "year", "status", "workshops"]


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
    return fast_figure([], dict(
        annotations=[dict(text=escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=14))],
        height=height, xaxis=dict(visible=False), yaxis=dict(visible=False), margin=dict(l=10, r=10, t=10, b=10),
        meta={"empty": True}))


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


# ---------------------------------------------------------------- arrays
# The builders work on numpy arrays of the few rows and columns they draw: each pandas operation on these wide
# Arrow-backed frames costs tens of microseconds, and a chart made of hundreds of them was most of a rerun.

def _arrow(values: pd.Series | np.ndarray | Sequence | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous Arrow array (zero-copy for an Arrow-backed column in one chunk)."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _positions(values: pd.Series | np.ndarray, choices: pd.Series | Sequence[str]) -> np.ndarray:
    """The position of each value in `choices`, -1 where absent. Hashed by Arrow: Series.isin with a set of
    ids boxes every value in Python (26 ms for 86,000 events against 4,000 workshop ids)."""
    if len(choices) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(_arrow(values), value_set=_arrow(choices))
    return found.fill_null(-1).to_numpy().astype(np.int64)


def _take(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values at row positions `rows` as numpy (objects for text), converting only those rows."""
    return column.array.take(rows).to_numpy()


def _order(*keys: pd.Series | np.ndarray | pa.Array) -> np.ndarray:
    """Row positions sorting by `keys` (first key first): stable, missing values last (Arrow's default), like
    sort_values."""
    table = pa.table({str(i): _arrow(key) for i, key in enumerate(keys)})
    return pc.sort_indices(table, sort_keys=[(str(i), "ascending") for i in range(len(keys))]).to_numpy()


def _arrow_rows(column: pd.Series, rows: np.ndarray) -> pa.Array:
    """Rows of a column as an Arrow array: a sort key taken without converting text to Python objects."""
    return _arrow(column).take(pa.array(rows, type=pa.int64()))


def _first_by_date(start: np.ndarray, event_ids: pd.Series, rows: np.ndarray, limit: int | None,
                   latest: bool = False) -> np.ndarray:
    """`rows` ordered by (date, id), undated last, keeping the first `limit` (the last with `latest`). Only rows
    up to the limit-th date (from the other end with `latest`) are sorted: a full sort of a big selection by id
    costs tens of milliseconds."""
    if limit is not None and len(rows) > limit:
        days = start[rows].astype(np.int64)
        days = np.where(np.isnat(start[rows]), np.iinfo(np.int64).max, days)  # NaT sorts last
        if latest:
            threshold = np.partition(days, len(days) - limit)[len(days) - limit]
            rows = rows[days >= threshold]
        else:
            threshold = np.partition(days, limit - 1)[limit - 1]
            rows = rows[days <= threshold]
    rows = rows[_order(start[rows], _arrow_rows(event_ids, rows))]
    if limit is None:
        return rows
    return rows[-limit:] if latest else rows[:limit]


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct values, and those values (hashed by Arrow, no Python loop over rows)."""
    encoded = _arrow(values).dictionary_encode()
    names = np.array(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(names, kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank[encoded.indices.to_numpy()], names[order]


def _marker_x(start: np.ndarray, end: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """marker_position on datetime64[ns] arrays (NaT stays NaT)."""
    return np.where(exact, start, start + (end + np.timedelta64(ONE_DAY_NS, "ns") - start) // 2)


# st.plotly_chart serialises a figure with plotly's to_dict, which costs a fixed ~0.3 ms per numpy array (its
# typed-array conversion) but only about a microsecond per element of a list (deep copies): the many small
# traces of a curated-size selection go as lists, the large ones of a big selection as arrays.
LIST_BELOW = 200


def _array(values: np.ndarray) -> np.ndarray | list:
    """`values` for a trace: a list when small (see LIST_BELOW), else the array."""
    if values.size >= LIST_BELOW:
        return values
    return _datetimes(values) if values.dtype.kind == "M" else values.tolist()


def _datetimes(values: np.ndarray) -> list:
    """datetime objects (what plotly writes as ISO text) from datetime64 values, without boxing pandas Timestamps."""
    return values.astype("datetime64[us]").tolist()


def _segments(left: np.ndarray, right: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """x/y for one line trace of None-separated segments from `left` to `right` at height `y`."""
    xs = np.full(3 * len(left), None, dtype=object)
    xs[0::3] = _datetimes(left)
    xs[1::3] = _datetimes(right)
    ys = np.full(3 * len(left), None, dtype=object)
    ys[0::3] = ys[1::3] = y.tolist()
    return xs.tolist(), ys.tolist()


def _customdata(columns: list[list]) -> np.ndarray:
    """One row per point from equal-length columns, as an object array so a trace can take any subset of rows."""
    data = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype=object)
    for index, column in enumerate(columns):
        data[:, index] = column
    return data


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
            type="scatter", x=_array(x[chosen]), y=_array(y[chosen]), mode="markers", name=label, legendgroup=group,
            showlegend=not traces, customdata=_array(customdata[chosen]), hovertemplate=hovertemplate,
            marker=dict(symbol=symbol if is_day else f"{symbol}-open", size=size, color=colour,
                        line=dict(color=outline, width=width))))
    return traces


def band_trace(start: np.ndarray, end: np.ndarray, y: np.ndarray, label: str, group: str, colour: str, width: int,
               opacity: float) -> dict:
    """The spans of imprecise dates as thick translucent bands (not hoverable: the marker on top is)."""
    xs, ys = _segments(start, end + np.timedelta64(ONE_DAY_NS, "ns"), y)
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


def dated_count(events: pd.DataFrame) -> int:
    return int(np.count_nonzero(~np.isnat(events["date_start"].to_numpy())))


def undated_titles(events: pd.DataFrame) -> list[str]:
    """Titles of events with no date, which no timeline can place."""
    return _take(events["title"], np.flatnonzero(np.isnat(events["date_start"].to_numpy()))).tolist()


# ---------------------------------------------------------------- milestone strip

def workshop_milestones(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Dated milestone events of the given workshops, earliest first (only the columns the charts use).
    The page computes this once and passes it to workshop_rows, build_milestone_strip and stage_years."""
    start = events["date_start"].to_numpy()
    wanted = np.flatnonzero((_positions(events["workshop_id"], workshops["workshop_id"]) >= 0) & ~np.isnat(start))
    wanted = _first_by_date(start, events["event_id"], wanted, None)
    return events[MILESTONE_COLUMNS].take(wanted)


def _first_of(owner: np.ndarray, chosen: np.ndarray, count: int) -> np.ndarray:
    """For each of `count` workshops, the position of its first chosen milestone (they come sorted), else -1."""
    rows = np.flatnonzero(chosen & (owner >= 0))
    found = np.full(count, len(owner), dtype=np.int64)
    np.minimum.at(found, owner[rows], rows)
    found[found == len(owner)] = -1
    return found


def _pick(dates: np.ndarray, found: np.ndarray) -> np.ndarray:
    """dates[found], NaT where found is -1."""
    picked = np.full(len(found), np.datetime64("NaT"), dtype=dates.dtype)
    hit = found >= 0
    picked[hit] = dates[found[hit]]
    return picked


def _months_ranges(first_start: np.ndarray, first_end: np.ndarray, second_start: np.ndarray,
                   second_end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """months_range on datetime64[ns] arrays (whole days, floored like Timedelta.days; halves round to even)."""
    def months(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
        days = np.floor_divide(later.astype(np.int64) - earlier.astype(np.int64), ONE_DAY_NS)
        return np.rint(np.maximum(0.0, days / DAYS_PER_MONTH)).astype(np.int64)
    return months(second_start, first_end), months(second_end, first_start)


def months_range(first_start, first_end, second_start, second_end) -> tuple[int, int]:
    """Fewest and most whole months that can lie between two partial dates, given their spans."""
    low, high = _months_ranges(*(np.array([value], dtype="datetime64[ns]")
                                 for value in (first_start, first_end, second_start, second_end)))
    return int(low[0]), int(high[0])


def _months_text(low: int, high: int) -> str:
    return t("timeline.months", months=low) if low == high else t("timeline.months_range", low=low, high=high)


def _duration_text(unsigned: bool, not_opened: bool, low: int, high: int) -> str:
    if unsigned:
        return t("timeline.duration_no_signing")
    if not_opened:
        return t("timeline.duration_not_opened", months=_months_text(low, high))
    return _months_text(low, high)


def _durations(signed_start: np.ndarray, signed_end: np.ndarray, opened_start: np.ndarray, opened_end: np.ndarray,
               today: pd.Timestamp) -> np.ndarray:
    """'9 months', '11–23 months' or 'not opened: …' per workshop; each distinct text is formatted once."""
    waiting = np.isnat(opened_start)
    now = np.datetime64(today.value, "ns")
    low, high = _months_ranges(signed_start, signed_end, np.where(waiting, now, opened_start),
                               np.where(waiting, now, opened_end))
    # One integer per distinct text (months stay far below 2**20).
    keys = (((np.isnat(signed_start) * 2 + waiting).astype(np.int64) << 40) | (low << 20) | high)
    distinct, which = np.unique(keys, return_inverse=True)
    texts = np.array([_duration_text(bool(key >> 41), bool((key >> 40) & 1), (key >> 20) & 0xFFFFF, key & 0xFFFFF)
                      for key in distinct.tolist()] + [""], dtype=object)
    return texts[which.reshape(-1)]


def workshop_rows(workshops: pd.DataFrame, milestones: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per workshop, ordered by its first signed document (then its first milestone, then name).
    `milestones` come from workshop_milestones for these workshops (or more: others are ignored)."""
    today = _today(today)
    count = len(workshops)
    owner = _positions(milestones["workshop_id"], workshops["workshop_id"])
    signed = _first_of(owner, _positions(milestones["milestone"], SIGNING_MILESTONES) >= 0, count)
    opened = _first_of(owner, _positions(milestones["milestone"], OPENING_MILESTONES) >= 0, count)
    first = _first_of(owner, np.ones(len(owner), dtype=bool), count)
    start, end = milestones["date_start"].to_numpy(), milestones["date_end"].to_numpy()
    order = _order(_pick(start, signed), _pick(start, first), workshops["name_en"])
    signed, opened, first = signed[order], opened[order], first[order]
    # Text columns stay Arrow-backed: taken (with -1 as missing) instead of converted to objects and back.
    rows: dict[str, object] = {name: workshops[name].array.take(order)
                               for name in ("workshop_id", "name_en", "country_name", "status")}
    for prefix, found in (("signed", signed), ("opened", opened)):
        for column, suffix in (("date", "date"), ("date_precision", "precision"), ("date_start", "start"),
                               ("date_end", "end"), ("milestone", "milestone")):
            rows[f"{prefix}_{suffix}"] = milestones[column].array.take(found, allow_fill=True)
    rows["first_start"] = _pick(start, first)
    rows["milestone_count"] = np.bincount(owner[owner >= 0], minlength=count)[order]
    rows["row"] = np.arange(count)
    rows["duration"] = _durations(_pick(start, signed), _pick(end, signed), _pick(start, opened), _pick(end, opened),
                                  today)
    return pd.DataFrame(rows)


def milestone_strip_table(rows: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The strip as a table: which workshop came first and how long each took from signing to opening; the first
    `limit` rows only."""
    rows = rows.head(limit) if limit is not None else rows

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


def _bar_trace(name: str, left: np.ndarray, right: np.ndarray, rows: np.ndarray, colour: str, dash: str) -> dict:
    xs, ys = _segments(left, right, rows)
    return dict(type="scatter", x=xs, y=ys, mode="lines", name=name, hoverinfo="skip", legendgroup=name,
                line=dict(color=colour, width=5, dash=dash))


def build_milestone_strip(rows: pd.DataFrame, milestones: pd.DataFrame, today: pd.Timestamp | None = None,
                          year_range: tuple[int, int] | None = None, limit: int | None = None) -> go.Figure:
    """One row per workshop (`rows` from workshop_rows, `milestones` from workshop_milestones): a marker per
    milestone (symbol by type, hollow over a band when only the month or year is known), a bar from the first
    signed document to the opening, dotted to today when not opened.
    With `limit`, only the first rows (earliest signed) are drawn; the caller says so."""
    today = _today(today)
    if rows.empty:
        return empty_figure(t("timeline.strip_empty"))
    if limit is not None:
        rows = rows.head(limit)
    traces: list[dict] = []

    row_numbers = rows["row"].to_numpy()
    signed_start = rows["signed_start"].to_numpy()
    opened_start = rows["opened_start"].to_numpy()
    signed = ~np.isnat(signed_start)
    bar_start = _marker_x(signed_start, rows["signed_end"].to_numpy(),
                          rows["signed_precision"].to_numpy(dtype=object) == "day")
    opened = signed & ~np.isnat(opened_start)
    waiting = signed & np.isnat(opened_start)
    if opened.any():
        end = _marker_x(opened_start, rows["opened_end"].to_numpy(),
                        rows["opened_precision"].to_numpy(dtype=object) == "day")
        traces.append(_bar_trace(t("timeline.bar_opened"), bar_start[opened], end[opened], row_numbers[opened],
                                 BAR_COLOUR, "solid"))
    if waiting.any():
        end = np.full(int(waiting.sum()), np.datetime64(today.value, "ns"))
        traces.append(_bar_trace(t("timeline.bar_not_opened"), bar_start[waiting], end, row_numbers[waiting],
                                 UNOPENED_BAR_COLOUR, "dot"))

    position = _positions(milestones["workshop_id"], rows["workshop_id"])
    shown = np.flatnonzero(position >= 0)
    row = row_numbers[position[shown]]
    names = rows["name_en"].to_numpy(dtype=object)[position[shown]]
    kinds, event_ids, workshop_ids, titles, dates, precisions = (
        _take(milestones[name], shown).astype(object)
        for name in ("milestone", "event_id", "workshop_id", "title", "date", "date_precision"))
    start, end = _take(milestones["date_start"], shown), _take(milestones["date_end"], shown)
    exact = precisions == "day"
    x = _marker_x(start, end, exact)
    present = set(kinds.tolist())
    order = [m for m in MILESTONE_STYLES if m in present]
    order += sorted(present - set(order))
    for kind in order:
        symbol, colour = MILESTONE_STYLES.get(kind, ("circle", "#999999"))
        group = kinds == kind
        label = t(f"milestone.{kind}") if kind else t("timeline.no_milestone")
        hollow = group & ~exact
        if hollow.any():
            traces.append(band_trace(start[hollow], end[hollow], row[hollow], label, kind, colour, width=14,
                                     opacity=0.35))
        members = np.flatnonzero(group)
        customdata = _customdata([
            event_ids[members].tolist(), workshop_ids[members].tolist(), [escape(n) for n in names[members]],
            [escape(label)] * len(members), [escape(title) for title in titles[members]],
            [escape(format_with_precision(d, p)) for d, p in zip(dates[members], precisions[members])]])
        traces += point_traces(
            x[members], row[members], exact[members], label, kind, symbol, colour, 13, customdata,
            "<b>%{customdata[2]}</b><br>%{customdata[3]}: %{customdata[4]}<br>%{customdata[5]}<extra></extra>")
    if not exact.all():
        traces.append(hollow_legend_entry(13))
    # Row labels sit above each row inside the plot, so a phone keeps the full width for the time axis.
    annotations = []
    for number, name, count in zip(row_numbers.tolist(), rows["name_en"].tolist(), rows["milestone_count"].tolist()):
        label = f"<b>{escape(workshop_label(name, 70))}</b>"
        if count == 0:
            label += f"  <i>{escape(t('timeline.no_dated_milestone'))}</i>"
        annotations.append(dict(text=label, x=0, xref="paper", y=number - 0.38, xanchor="left", yanchor="middle",
                                showarrow=False, font=dict(size=12, color=LABEL_COLOUR)))
    today_line, today_label = today_marks(today)
    plot_height = ROW_PX * len(rows)
    return fast_figure(traces, dict(
        height=plot_height + 100 + legend_allowance(traces), margin=dict(l=10, r=20, t=30, b=40), font=dict(FONT),
        legend=legend_on_top(plot_height), hovermode="closest", clickmode="event+select",
        annotations=annotations + [today_label], shapes=[today_line],
        yaxis=dict(tickmode="array", tickvals=row_numbers.tolist(), showticklabels=False,
                   range=[len(rows) - 0.5, -0.75], showgrid=True, zeroline=False, fixedrange=True),
        xaxis=date_axis(year_range)))


# ---------------------------------------------------------------- one timeline of everything

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
        rows = _first_by_date(start_all, events["event_id"], rows, limit, latest=True)
    end_all = events["date_end"].to_numpy()
    rows = rows[_order(start_all[rows], end_all[rows], _arrow_rows(events["event_id"], rows))]
    points = {name: _take(events[name], rows) for name in TIMELINE_COLUMNS}
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
    x = _marker_x(start, end, exact)
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
        customdata = _customdata([
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
    rows = _first_by_date(events["date_start"].to_numpy(), events["event_id"], np.arange(len(events)), limit)
    column = {name: _take(events[name], rows) for name in (
        "date", "date_precision", "country_name", "category", "title", "institution_names", "event_id")}
    return pd.DataFrame({
        t("timeline.col_date"): [format_with_precision(d, p) for d, p in zip(column["date"], column["date_precision"])],
        t("timeline.col_country"): column["country_name"],
        t("timeline.col_category"): [t(f"category.{c}") for c in column["category"]],
        t("timeline.col_title"): column["title"],
        t("timeline.col_institutions"): ["; ".join(names) for names in column["institution_names"]],
        t("timeline.col_id"): column["event_id"],
    })


# ---------------------------------------------------------------- growth by year

def _leading_year(dates: pd.Series) -> np.ndarray:
    """The year of each partial date as a float, NaN where there is none (parsed by Arrow: pd.to_numeric on the
    first four characters took 26 ms for 8,000 workshops)."""
    head = pc.utf8_slice_codeunits(_arrow(dates), 0, 4)
    years = pc.if_else(pc.match_substring_regex(head, "^[0-9]{4}$"), head, None)
    return years.cast(pa.float64()).to_numpy(zero_copy_only=False)


def stage_years(workshops: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """One row per workshop, one column per status (STATUS_ORDER): the first year it reached that status (NaN
    if never), from its dated milestones (`milestones` from workshop_milestones; a month- or year-precision date
    counts in its year; any milestone means at least announced) and from its current status as of
    `status_as_of`. Also the workshop's country_name."""
    count, ranks = len(workshops), len(STATUS_ORDER)
    first = np.full(count * ranks, np.inf)
    owner = _positions(milestones["workshop_id"], workshops["workshop_id"])
    years = milestones["year_start"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = owner >= 0
    np.minimum.at(first, owner[known] * ranks, years[known])  # rank 0: announced
    kind = _positions(milestones["milestone"], STAGE_KINDS)
    staged = known & (kind >= 0)
    np.minimum.at(first, owner[staged] * ranks + STAGE_KIND_RANKS[kind[staged]], years[staged])
    as_of = _leading_year(workshops["status_as_of"])
    status = _positions(workshops["status"], STATUS_ORDER)
    current = np.flatnonzero((status >= 0) & ~np.isnan(as_of))
    np.minimum.at(first, current * ranks + status[current], as_of[current])
    first[np.isinf(first)] = np.nan
    first = first.reshape(count, ranks)
    return pd.DataFrame({"workshop_id": workshops["workshop_id"].to_numpy(dtype=object),
                         "country_name": workshops["country_name"].to_numpy(dtype=object),
                         **{name: first[:, rank] for rank, name in enumerate(STATUS_ORDER)}})


def workshop_status_by_year(stages: pd.DataFrame, years: range) -> pd.DataFrame:
    """Cumulative workshops per country and year by the furthest status reached by the end of that year
    (`stages` from stage_years)."""
    year_values = np.asarray(years, dtype=np.int64)
    if stages.empty or not len(year_values):
        return pd.DataFrame(columns=GROWTH_COLUMNS)
    first = stages[list(STATUS_ORDER)].to_numpy(dtype=np.float64)
    # Furthest status per workshop and year in one pass: a higher status overwrites from the year it is reached.
    furthest = np.full((len(first), len(year_values)), -1, dtype=np.int64)
    for rank in range(len(STATUS_ORDER)):
        furthest[first[:, rank, None] <= year_values[None, :]] = rank
    country, names = _factorize(stages["country_name"].to_numpy(dtype=object))
    workshop, year = np.nonzero(furthest >= 0)
    by_name = np.argsort(np.array(STATUS_ORDER, dtype=object))  # rows come per country in status name order
    alphabetical = np.empty(len(by_name), dtype=np.int64)
    alphabetical[by_name] = np.arange(len(by_name))
    shape = (len(year_values), len(names), len(STATUS_ORDER))
    cells = np.bincount(np.ravel_multi_index((year, country[workshop], alphabetical[furthest[workshop, year]]), shape),
                        minlength=math.prod(shape))
    year_at, country_at, status_at = np.unravel_index(np.flatnonzero(cells), shape)
    return pd.DataFrame({"country_name": names[country_at], "year": year_values[year_at],
                         "status": np.array(STATUS_ORDER, dtype=object)[by_name][status_at],
                         "workshops": cells[cells > 0]})


def growth_years(stages: pd.DataFrame, today: pd.Timestamp | None = None,
                 year_range: tuple[int, int] | None = None) -> range:
    first = stages[list(STATUS_ORDER)].to_numpy(dtype=np.float64)
    if not np.isfinite(first).any():
        return range(0)
    low, high = int(np.nanmin(first)), max(int(np.nanmax(first)), _today(today).year)
    if year_range:
        low, high = max(low, year_range[0]), min(high, year_range[1])
    return range(low, high + 1)


def _growth_cube(growth: pd.DataFrame) -> tuple[np.ndarray, range, np.ndarray]:
    """Workshops as a country × status (STATUS_ORDER) × year array over every year from the first to the last."""
    country, names = _factorize(growth["country_name"].to_numpy(dtype=object))
    year = growth["year"].to_numpy(dtype=np.int64)
    years = range(int(year.min()), int(year.max()) + 1)
    cube = np.zeros((len(names), len(STATUS_ORDER), len(years)), dtype=np.int64)
    status = _positions(growth["status"].to_numpy(dtype=object), STATUS_ORDER)
    known = status >= 0
    np.add.at(cube, (country[known], status[known], year[known] - years.start), growth["workshops"].to_numpy()[known])
    return cube, years, names


def workshop_growth_table(growth: pd.DataFrame) -> pd.DataFrame:
    """Country × year rows with one column per status and the total."""
    if growth.empty:
        return pd.DataFrame()
    cube, years, names = _growth_cube(growth)
    listed = np.zeros((len(names), len(years)), dtype=bool)  # like a pivot: only (country, year) pairs with rows
    listed[np.searchsorted(names, growth["country_name"].to_numpy(dtype=object)),
           growth["year"].to_numpy(dtype=np.int64) - years.start] = True
    country, year = np.nonzero(listed)
    present = set(growth["status"].tolist())
    statuses = [rank for rank, status in enumerate(STATUS_ORDER) if status in present]
    values = cube[country, :, year][:, statuses]
    return pd.DataFrame({
        t("timeline.col_country"): names[country], t("timeline.col_year"): year + years.start,
        **{t(f"status.{STATUS_ORDER[rank]}"): values[:, index] for index, rank in enumerate(statuses)},
        t("timeline.col_total"): values.sum(axis=1)})


@lru_cache(maxsize=32)
def _subplot_layout(rows: int, columns: int, titles: int) -> dict:
    """The axes and title annotations of a rows × columns grid with shared y axes, from make_subplots once per
    shape (it validates every property, tens of milliseconds a call)."""
    layout = make_subplots(rows=rows, cols=columns, subplot_titles=["title"] * titles, shared_yaxes="all",
                           vertical_spacing=0.16 if rows > 1 else 0.1, horizontal_spacing=0.04).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def build_workshop_growth(growth: pd.DataFrame) -> go.Figure:
    """Small multiples, one per country: stacked bars of workshops by the status reached by each year's end."""
    if growth.empty:
        return empty_figure(t("timeline.growth_empty"))
    cube, years, countries = _growth_cube(growth)
    columns = min(len(countries), 3)
    rows = math.ceil(len(countries) / columns)
    layout = copy.deepcopy(_subplot_layout(rows, columns, len(countries)))
    for annotation, country in zip(layout["annotations"], countries):
        annotation["text"] = escape(country)
    traces: list[dict] = []
    shown: set[str] = set()
    x = list(years)
    for index, country in enumerate(countries):
        axis = str(index + 1) if index else ""
        for rank, status in enumerate(STATUS_ORDER):
            counts = cube[index, rank]
            if not counts.any():
                continue
            label = t(f"status.{status}")
            traces.append(dict(
                type="bar", x=x, y=counts.tolist(), name=label, legendgroup=status, showlegend=status not in shown,
                marker=dict(color=STATUS_COLOURS[status], line=dict(color="#333333", width=0.5)),
                hovertemplate=f"{escape(country)}, %{{x}}: %{{y}} · {escape(label)}<extra></extra>",
                xaxis=f"x{axis}", yaxis=f"y{axis}"))
            shown.add(status)
    largest = int(cube.sum(axis=1).max())
    for key, axis in layout.items():
        if key.startswith("xaxis"):
            axis.update(dtick=1 if len(years) <= 8 else 2, tickformat="d")
        elif key.startswith("yaxis"):
            axis.update(rangemode="tozero", dtick=count_tick(largest), tickformat="d")
    # The legend sits above the subplot titles, hence the wider gap.
    layout.update(barmode="stack", height=140 + 230 * rows, margin=dict(l=10, r=20, t=30, b=40), font=dict(FONT),
                  legend=legend_on_top(70 + 230 * rows, gap_px=30), bargap=0.15)
    return fast_figure(traces, layout)


def events_per_year(events: pd.DataFrame) -> pd.DataFrame:
    """Dated events counted per category in the year they happened (a year-precision date counts in its year)."""
    rows = np.flatnonzero(~np.isnat(events["date_start"].to_numpy()))
    if not len(rows):
        return pd.DataFrame({"year": np.array([], dtype=np.int64), "category": np.array([], dtype=object),
                             "events": np.array([], dtype=np.int64)})
    year = _take(events["year_start"], rows).astype(np.int64)
    category, names = _factorize(events["category"].array.take(rows))
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
    category = _positions(counts["category"].to_numpy(dtype=object), categories)
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
