"""The milestone strip: one row per workshop, a marker per milestone, a bar from signing to opening."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.load import OPENING_MILESTONES
from components import chart_arrays as arrays
from components.chart_arrays import ONE_DAY_NS
from components.chart_base import (FONT, LABEL_COLOUR, band_trace, date_axis, empty_figure, escape, hollow_legend_entry,
                                   legend_allowance, legend_on_top, point_traces, today_marks, today_or_now,
                                   workshop_label)
from components.figures import fast_figure
from components.palette import STATUS_COLOURS

DAYS_PER_MONTH = 365.25 / 12
SIGNING_MILESTONES = ("mou", "agreement")
MILESTONE_COLUMNS = ["event_id", "workshop_id", "milestone", "title", "date", "date_precision", "date_start", "date_end",
                     "year_start", "source_ids"]
BAR_COLOUR = "#555555"
UNOPENED_BAR_COLOUR = "#AAAAAA"
ROW_PX = 50
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


def workshop_milestones(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Dated milestone events of the given workshops, earliest first (only the columns the charts use).
    The page computes this once and passes it to workshop_rows, build_milestone_strip and stage_years."""
    start = events["date_start"].to_numpy()
    wanted = np.flatnonzero((arrays.positions(events["workshop_id"], workshops["workshop_id"]) >= 0) & ~np.isnat(start))
    wanted = arrays.first_by_date(start, events["event_id"], wanted, None)
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
    today = today_or_now(today)
    count = len(workshops)
    owner = arrays.positions(milestones["workshop_id"], workshops["workshop_id"])
    signed = _first_of(owner, arrays.positions(milestones["milestone"], SIGNING_MILESTONES) >= 0, count)
    opened = _first_of(owner, arrays.positions(milestones["milestone"], OPENING_MILESTONES) >= 0, count)
    first = _first_of(owner, np.ones(len(owner), dtype=bool), count)
    start, end = milestones["date_start"].to_numpy(), milestones["date_end"].to_numpy()
    order = arrays.order(_pick(start, signed), _pick(start, first), workshops["name_en"])
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
    xs, ys = arrays.segments(left, right, rows)
    return dict(type="scatter", x=xs, y=ys, mode="lines", name=name, hoverinfo="skip", legendgroup=name,
                line=dict(color=colour, width=5, dash=dash))


def build_milestone_strip(rows: pd.DataFrame, milestones: pd.DataFrame, today: pd.Timestamp | None = None,
                          year_range: tuple[int, int] | None = None, limit: int | None = None) -> go.Figure:
    """One row per workshop (`rows` from workshop_rows, `milestones` from workshop_milestones): a marker per
    milestone (symbol by type, hollow over a band when only the month or year is known), a bar from the first
    signed document to the opening, dotted to today when not opened.
    With `limit`, only the first rows (earliest signed) are drawn; the caller says so."""
    today = today_or_now(today)
    if rows.empty:
        return empty_figure(t("timeline.strip_empty"))
    if limit is not None:
        rows = rows.head(limit)
    traces: list[dict] = []

    row_numbers = rows["row"].to_numpy()
    signed_start = rows["signed_start"].to_numpy()
    opened_start = rows["opened_start"].to_numpy()
    signed = ~np.isnat(signed_start)
    bar_start = arrays.marker_x(signed_start, rows["signed_end"].to_numpy(),
                          rows["signed_precision"].to_numpy(dtype=object) == "day")
    opened = signed & ~np.isnat(opened_start)
    waiting = signed & np.isnat(opened_start)
    if opened.any():
        end = arrays.marker_x(opened_start, rows["opened_end"].to_numpy(),
                        rows["opened_precision"].to_numpy(dtype=object) == "day")
        traces.append(_bar_trace(t("timeline.bar_opened"), bar_start[opened], end[opened], row_numbers[opened],
                                 BAR_COLOUR, "solid"))
    if waiting.any():
        end = np.full(int(waiting.sum()), np.datetime64(today.value, "ns"))
        traces.append(_bar_trace(t("timeline.bar_not_opened"), bar_start[waiting], end, row_numbers[waiting],
                                 UNOPENED_BAR_COLOUR, "dot"))

    position = arrays.positions(milestones["workshop_id"], rows["workshop_id"])
    shown = np.flatnonzero(position >= 0)
    row = row_numbers[position[shown]]
    names = rows["name_en"].to_numpy(dtype=object)[position[shown]]
    kinds, event_ids, workshop_ids, titles, dates, precisions = (
        arrays.take(milestones[name], shown).astype(object)
        for name in ("milestone", "event_id", "workshop_id", "title", "date", "date_precision"))
    start, end = arrays.take(milestones["date_start"], shown), arrays.take(milestones["date_end"], shown)
    exact = precisions == "day"
    x = arrays.marker_x(start, end, exact)
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
        customdata = arrays.customdata([
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
