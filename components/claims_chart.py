"""Claims vs our records: official worldwide Luban Workshop counts beside the Central Asian count documented here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.arrays import is_in
from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.load import OPENING_MILESTONES
from components.chart_base import (FONT, ONE_DAY, band_segments, empty_figure, escape, is_exact, legend_on_top,
                                   marker_position, shorten, year_window)
from components.chart_milestone_strip import MILESTONE_COLUMNS
from components.figures import fast_figure

# Metric keys in claims.csv; each becomes its own series because their scopes differ.
CLAIM_SERIES = {
    "luban_workshops_worldwide": ("claims_chart.series_worldwide", "#D55E00", "circle"),
    "luban_workshops_tianjin_built": ("claims_chart.series_tianjin", "#CC79A7", "square"),
}
DOCUMENTED_COLOUR = "#0072B2"
# Claims closer than this share a label row, so their labels alternate above and below the point.
LABEL_CLASH = pd.Timedelta(days=200)
# Official tallies count a workshop once it is launched, so our count does too (trial operation and opening count).
DOCUMENTED_MILESTONES = ("launch_ceremony",) + OPENING_MILESTONES
# Beyond this many claims in one series, one point per claim is unreadable and heavy to send (20,000 points and
# 1.8 MB at 1000x the curated data), so the series is drawn as one point per year: the range of counts claimed.
MAX_CLAIM_POINTS = 100


def _order(*keys: np.ndarray) -> np.ndarray:
    """Positions that sort rows by `keys` (first key first), stable; datetime keys must have no NaT."""
    return np.lexsort([np.unique(key, return_inverse=True)[1] for key in reversed(keys)])


def claimed_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims of the worldwide-count metrics, oldest first, with their scope label."""
    metrics = claims["metric"]
    wanted = np.flatnonzero(metrics.isin(list(CLAIM_SERIES)).to_numpy(dtype=bool)
                            & claims["as_of_start"].notna().to_numpy())
    # Sorted on the few wanted rows' keys, then every column taken once (the pandas sort moves them all twice).
    starts = claims["as_of_start"].to_numpy()[wanted]
    wanted = wanted[_order(metrics.iloc[wanted].to_numpy(dtype=object), starts,
                           claims["claim_id"].iloc[wanted].to_numpy(dtype=object))]
    frame = claims.iloc[wanted]
    labels = {metric: t(key) for metric, (key, _, _) in CLAIM_SERIES.items()}
    # Claims in date order: a claim within LABEL_CLASH of the one before continues a run of clashing labels, which
    # alternate top/bottom from the run's first (always on top).
    dates = frame["as_of_start"].to_numpy()
    by_date = np.argsort(dates, kind="stable")
    clash = np.zeros(len(by_date), dtype=bool)
    clash[1:] = np.diff(dates[by_date]) < LABEL_CLASH.to_timedelta64()
    step = np.arange(len(by_date))
    run_start = np.maximum.accumulate(np.where(clash, 0, step)) if len(step) else step
    positions = np.empty(len(by_date), dtype=object)
    positions[by_date] = np.where((step - run_start) % 2 == 0, "top center", "bottom center")
    return frame.assign(series=frame["metric"].map(labels), label_position=positions)



def documented_counts(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Central Asian workshops in the order they first launched or opened, with the running documented count."""
    # Worked out on row positions and a few key columns; the rows are taken once at the end.
    candidates = np.flatnonzero(events["milestone"].isin(DOCUMENTED_MILESTONES).to_numpy(dtype=bool)
                                & events["date_start"].notna().to_numpy())
    owners = events["workshop_id"].iloc[candidates]
    linked = is_in(owners, workshops["workshop_id"])
    candidates, owners = candidates[linked], owners.to_numpy(dtype=object)[linked]
    starts, ends = events["date_start"].to_numpy()[candidates], events["date_end"].to_numpy()[candidates]
    ids = events["event_id"].iloc[candidates].to_numpy(dtype=object)
    # The first launch or opening of each workshop: earliest start, then lowest event id.
    by_start = _order(starts, ids)
    _, first_seen = np.unique(owners[by_start], return_index=True)
    first = by_start[first_seen]
    first = first[_order(starts[first], ends[first], owners[first])]
    rows = events[MILESTONE_COLUMNS].take(candidates[first]).reset_index(drop=True)
    seat = pd.Index(workshops["workshop_id"]).get_indexer(owners[first])
    names = workshops[["name_en", "country_name"]].take(seat).reset_index(drop=True)
    documented = pd.concat([rows, names], axis=1)
    documented["count"] = range(1, len(documented) + 1)
    return documented


def table_size(claimed: pd.DataFrame, documented: pd.DataFrame) -> int:
    """How many rows `claims_vs_records_table` has without a limit."""
    return len(claimed) + len(documented)


def claims_vs_records_table(claims: pd.DataFrame, workshops: pd.DataFrame, events: pd.DataFrame, *,
                            claimed: pd.DataFrame | None = None, documented: pd.DataFrame | None = None,
                            limit: int | None = None) -> pd.DataFrame:
    """Every point of the chart as a row: the scope, the date with its precision, the number and who states it.

    `claimed`/`documented` reuse what `claimed_counts`/`documented_counts` already gave for the chart; `limit`
    keeps the first rows in date order and formats only those (say so beside the table: see `table_size`)."""
    claimed = claimed_counts(claims) if claimed is None else claimed
    documented = documented_counts(workshops, events) if documented is None else documented
    if limit is not None and len(claimed) + len(documented) > limit:
        # The rows a stable sort of the whole table would put first, taken before any formatting.
        keys = pd.DataFrame({"sort": np.concatenate([claimed["as_of_start"].to_numpy(),
                                                     documented["date_start"].to_numpy()]),
                             "ours": np.r_[np.zeros(len(claimed), bool), np.ones(len(documented), bool)],
                             "row": np.r_[np.arange(len(claimed)), np.arange(len(documented))]})
        kept = keys.sort_values("sort", kind="stable").head(max(limit, 0))
        claimed = claimed.iloc[np.sort(kept.loc[~kept["ours"], "row"].to_numpy())]
        documented = documented.iloc[np.sort(kept.loc[kept["ours"], "row"].to_numpy())]
    milestone_labels = {m: t(f"milestone.{m}") for m in documented["milestone"].unique()}
    rows = pd.DataFrame({
        "sort": claimed["as_of_start"],
        t("claims_chart.col_series"): claimed["series"],
        t("claims_chart.col_as_of"): [format_with_precision(d, p) for d, p in zip(claimed["as_of"], claimed["as_of_precision"])],
        t("claims_chart.col_count"): [str(stated or f"{value:g}") for stated, value in zip(claimed["value_as_stated"], claimed["value"])],
        t("claims_chart.col_stated_by"): claimed["claimed_by"],
        t("claims_chart.col_sources"): [", ".join(ids) for ids in claimed["source_ids"]],
    })
    ours = pd.DataFrame({
        "sort": documented["date_start"],
        t("claims_chart.col_series"): t("claims_chart.series_documented"),
        t("claims_chart.col_as_of"): [format_with_precision(d, p) for d, p in zip(documented["date"], documented["date_precision"])],
        t("claims_chart.col_count"): [str(n) for n in documented["count"]],
        t("claims_chart.col_stated_by"): [t("claims_chart.documented_by", workshop=name, milestone=milestone_labels[m])
                                          for name, m in zip(documented["name_en"], documented["milestone"])],
        t("claims_chart.col_sources"): [", ".join(ids) for ids in documented["source_ids"]],
    })
    filled = [frame for frame in (rows, ours) if not frame.empty]
    table = pd.concat(filled, ignore_index=True) if filled else rows
    return table.sort_values("sort", kind="stable").drop(columns="sort").reset_index(drop=True)


def _claim_hovertemplate() -> str:
    return ("<b>%{customdata[0]}</b> · %{customdata[3]}<br>" + t("claims_chart.hover_claimed_by")
            + " %{customdata[1]}<br>" + t("claims_chart.hover_as_of") + " %{customdata[2]}<extra></extra>")


def _claim_point_traces(metric: str, group: pd.DataFrame) -> list[dict]:
    """One marker per claim, at its date (a band over a month or year), labelled with its value and claimant."""
    key, colour, symbol = CLAIM_SERIES[metric]
    label = t(key)
    traces = []
    exact = is_exact(group["as_of_precision"])
    x = marker_position(group["as_of_start"], group["as_of_end"], exact)
    spans = group[~exact]
    if not spans.empty:
        xs, ys = band_segments(spans["as_of_start"], spans["as_of_end"], spans["value"])
        traces.append(dict(type="scatter", x=xs, y=ys, mode="lines", name=label, legendgroup=metric,
                           showlegend=False, hoverinfo="skip", opacity=0.3, line=dict(color=colour, width=8)))
    stated = [str(s or f"{v:g}") for s, v in zip(group["value_as_stated"], group["value"])]
    customdata = [[escape(s), escape(by), escape(format_with_precision(d, p)), escape(label)]
                  for s, by, d, p in zip(stated, group["claimed_by"], group["as_of"], group["as_of_precision"])]
    text = [f"{escape(shorten(s, 18))}<br><span style='font-size:10px'>{escape(shorten(by, 22))}</span>"
            for s, by in zip(stated, group["claimed_by"])]
    # Different claimants count differently, so the points stay unconnected; a lower bound points up.
    symbols = [("triangle-up" if qualifier == "lower_bound" else symbol) + ("" if day else "-open")
               for qualifier, day in zip(group["qualifier"], exact)]
    traces.append(dict(
        type="scatter", x=x.tolist(), y=group["value"].tolist(), mode="markers+text", name=label,
        legendgroup=metric, text=text, cliponaxis=False, textposition=group["label_position"].tolist(),
        textfont=dict(size=11, color=colour), customdata=customdata,
        marker=dict(size=12, color=colour, symbol=symbols, line=dict(color=colour, width=2)),
        hovertemplate=_claim_hovertemplate()))
    return traces


def claims_by_year(group: pd.DataFrame) -> pd.DataFrame:
    """One row per year of one series' claims: how many, the lowest, median and highest count, the commonest
    claimant (ties: the first alphabetically) and how many distinct claimants."""
    years, year_of = np.unique(group["as_of_start"].dt.year.to_numpy(), return_inverse=True)
    values = group["value"].to_numpy(dtype=float)
    # Claimant codes in alphabetical order, so the first of several equally common ones is the first by name.
    claimant_of, claimants = pd.factorize(group["claimed_by"], sort=True)
    rows = []
    for index, year in enumerate(years):
        chosen = year_of == index
        counted = values[chosen]
        stated = np.bincount(claimant_of[chosen & (claimant_of >= 0)], minlength=len(claimants))
        rows.append({"year": int(year), "claims": int(chosen.sum()), "low": np.nanmin(counted),
                     "median": np.nanmedian(counted), "high": np.nanmax(counted),
                     "claimants": int((stated > 0).sum()),
                     "top_claimant": claimants[int(stated.argmax())] if stated.any() else ""})
    return pd.DataFrame(rows, columns=["year", "claims", "low", "median", "high", "claimants", "top_claimant"])


def _claim_year_traces(metric: str, group: pd.DataFrame, label_position: str) -> list[dict]:
    """The claims of one year as one hollow point at mid-year (the median count) on a line from the lowest to the
    highest count claimed that year."""
    key, colour, symbol = CLAIM_SERIES[metric]
    label = t(key)
    years = claims_by_year(group)
    starts = pd.to_datetime(years["year"].astype(str), format="%Y")
    ends = starts + pd.offsets.YearEnd(0)
    x = starts + (ends + ONE_DAY - starts) / 2
    ranges_x, ranges_y = [], []
    for middle, low, high in zip(x, years["low"], years["high"]):
        ranges_x += [middle, middle, None]
        ranges_y += [low, high, None]
    counts = [f"{v:g}" if low == high else t("claims_chart.by_year_range", low=f"{low:g}", high=f"{high:g}")
              for v, low, high in zip(years["median"], years["low"], years["high"])]
    customdata = [[escape(t("claims_chart.by_year_claims", count=f"{n:,}", year=year)), escape(span),
                   f"{median:g}", escape(label),
                   escape(t("claims_chart.by_year_claimants", count=f"{k:,}", top=shorten(top, 60)))]
                  for n, year, span, median, k, top in zip(years["claims"], years["year"], counts, years["median"],
                                                           years["claimants"], years["top_claimant"])]
    text = [f"{escape(span)}<br><span style='font-size:10px'>{escape(t('claims_chart.by_year_claims_short', count=f'{n:,}'))}</span>"
            for span, n in zip(counts, years["claims"])]
    return [
        dict(type="scatter", x=ranges_x, y=ranges_y, mode="lines", name=label, legendgroup=metric, showlegend=False,
             hoverinfo="skip", opacity=0.3, line=dict(color=colour, width=8)),
        dict(type="scatter", x=x.tolist(), y=years["median"].tolist(), mode="markers+text", name=label,
             legendgroup=metric, text=text, cliponaxis=False, textposition=label_position,
             textfont=dict(size=11, color=colour), customdata=customdata,
             marker=dict(size=12, color=colour, symbol=f"{symbol}-open", line=dict(color=colour, width=2)),
             hovertemplate="<b>%{customdata[0]}</b> · %{customdata[3]}<br>" + t("claims_chart.by_year_hover_counts")
                           + " %{customdata[1]} (" + t("claims_chart.by_year_hover_median")
                           + " %{customdata[2]})<br>%{customdata[4]}<extra></extra>"),
    ]


def _claim_traces(claimed: pd.DataFrame) -> tuple[list[dict], int]:
    """The traces of every claim series and how many claims were drawn as yearly points rather than one by one."""
    traces, aggregated = [], 0
    for metric, group in claimed.groupby("metric", sort=False):
        if len(group) > MAX_CLAIM_POINTS:
            # Series alternate their label side so two series' labels in one year do not overlap.
            side = "top center" if list(CLAIM_SERIES).index(metric) % 2 == 0 else "bottom center"
            traces += _claim_year_traces(metric, group, side)
            aggregated += len(group)
        else:
            traces += _claim_point_traces(metric, group)
    return traces, aggregated


def documented_steps(documented: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Our count over time as two step lines: `upper` counts a workshop from the first day its date could be,
    `lower` from the last (a known day: both on that day). The band between them is what the dates leave open."""
    starts = np.sort(documented["date_start"].to_numpy())
    ends = np.sort(documented["date_end"].to_numpy())
    xs = pd.Series(np.unique(np.concatenate([starts, ends, [today.to_datetime64()]])))
    steps = pd.DataFrame({"x": xs, "upper": np.searchsorted(starts, xs, side="right"),
                          "lower": np.searchsorted(ends, xs, side="right")})
    # Rise from zero at the first date rather than appear in mid-air.
    return pd.concat([pd.DataFrame({"x": [xs.iloc[0]], "upper": [0], "lower": [0]}), steps], ignore_index=True)


def _documented_groups(documented: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct date (span and precision) with the workshops and milestones on it, in date order."""
    keys = [documented["date_start"].to_numpy(), documented["date_end"].to_numpy(),
            documented["date"].to_numpy(dtype=object), documented["date_precision"].to_numpy(dtype=object)]
    order = _order(*keys)
    keys = [key[order] for key in keys]
    # Rows of one group are adjacent once sorted (stably, so each group keeps the workshops' count order).
    starts_group = np.ones(len(order), dtype=bool)
    starts_group[1:] = np.any([key[1:] != key[:-1] for key in keys], axis=0)
    firsts = np.flatnonzero(starts_group)
    names = np.split(documented["name_en"].to_numpy(dtype=object)[order], firsts[1:])
    milestones = np.split(documented["milestone"].to_numpy(dtype=object)[order], firsts[1:])
    return pd.DataFrame({"date_start": keys[0][firsts], "date_end": keys[1][firsts], "date": keys[2][firsts],
                         "date_precision": keys[3][firsts], "names": [list(group) for group in names],
                         "milestones": [list(group) for group in milestones]})


def _documented_traces(documented: pd.DataFrame, today: pd.Timestamp) -> list[dict]:
    label = t("claims_chart.series_documented")
    steps = documented_steps(documented, today)
    # One hover point per distinct date (several workshops can share one), so the payload grows with dates only.
    groups = _documented_groups(documented)
    exact = is_exact(groups["date_precision"])
    x = marker_position(groups["date_start"], groups["date_end"], exact)
    starts = np.sort(documented["date_start"].to_numpy())
    ends = np.sort(documented["date_end"].to_numpy())
    y = (np.searchsorted(starts, x.to_numpy(), side="right") + np.searchsorted(ends, x.to_numpy(), side="right")) / 2
    milestone_labels = {m: t(f"milestone.{m}") for m in documented["milestone"].unique()}
    customdata = [[escape(shorten("; ".join(f"{name} ({milestone_labels[m]})" for name, m in zip(names, kinds)), 200)),
                   escape(format_with_precision(d, p)), len(names)]
                  for names, kinds, d, p in zip(groups["names"], groups["milestones"], groups["date"],
                                                groups["date_precision"])]
    return [
        dict(type="scatter", x=steps["x"].tolist(), y=steps["lower"].tolist(), mode="lines", name=label,
             legendgroup="documented", hoverinfo="skip", line=dict(color=DOCUMENTED_COLOUR, width=3, shape="hv")),
        dict(type="scatter", x=steps["x"].tolist(), y=steps["upper"].tolist(), mode="lines",
             name=t("claims_chart.series_documented_band"), legendgroup="documented", showlegend=False,
             hoverinfo="skip", fill="tonexty", fillcolor="rgba(0, 114, 178, 0.15)",
             line=dict(color=DOCUMENTED_COLOUR, width=1, dash="dot", shape="hv")),
        dict(type="scatter", x=x.tolist(), y=y.tolist(), mode="markers", name=label, legendgroup="documented",
             showlegend=False, customdata=customdata,
             marker=dict(size=10, color=DOCUMENTED_COLOUR, symbol=["circle" if d else "circle-open" for d in exact],
                         line=dict(color=DOCUMENTED_COLOUR, width=2)),
             hovertemplate="<b>+%{customdata[2]}</b> · " + escape(label) + "<br>%{customdata[0]}<br>"
                           "%{customdata[1]}<extra></extra>"),
    ]


def build_claims_vs_records(claims: pd.DataFrame, workshops: pd.DataFrame, events: pd.DataFrame,
                            today: pd.Timestamp | None = None, year_range: tuple[int, int] | None = None, *,
                            claimed: pd.DataFrame | None = None, documented: pd.DataFrame | None = None) -> go.Figure:
    """Official worldwide counts (one series per metric, each point with who claimed it and when) beside the count
    of Central Asian workshops launched or opened as documented in this atlas.

    Pass all milestone events of the workshops (not year-filtered): the documented count is cumulative. A series
    of more than MAX_CLAIM_POINTS claims is drawn one point per year, and the chart says so. `claimed` and
    `documented` reuse what `claimed_counts`/`documented_counts` gave (e.g. for the table beside the chart)."""
    today = (today or pd.Timestamp.today()).normalize()
    claimed = claimed_counts(claims) if claimed is None else claimed
    documented = documented_counts(workshops, events) if documented is None else documented
    if claimed.empty and documented.empty:
        return empty_figure(t("claims_chart.empty"))
    traces, aggregated = _claim_traces(claimed)
    annotations = []
    if not documented.empty:
        traces += _documented_traces(documented, today)
        annotations.append(dict(text=escape(t("claims_chart.documented_end", count=len(documented))),
                                x=today, y=len(documented), xanchor="right", yanchor="bottom",
                                showarrow=False, font=dict(size=12, color=DOCUMENTED_COLOUR)))
    # Two short lines rather than one long one: plotly does not wrap annotations, and the chart is phone-wide too.
    note = ([t("claims_chart.no_claims")] if claimed.empty else
            [t("claims_chart.by_year_note", count=f"{aggregated:,}"), t("claims_chart.by_year_note_detail")]
            if aggregated else [])
    if note:
        annotations.append(dict(text="<br>".join(escape(line) for line in note), x=0.02, y=0.98, xref="paper",
                                yref="paper", xanchor="left", yanchor="top", align="left", showarrow=False,
                                font=dict(size=12)))
    top = max([0] + claimed["value"].dropna().tolist() + documented["count"].tolist())
    first = min(frame.min() for frame in (claimed["as_of_start"], documented["date_start"]) if not frame.empty)
    # A little room on the left so the first label is not cut by the axis.
    window = year_window(year_range) or [first - pd.Timedelta(days=120), today + pd.Timedelta(days=60)]
    return fast_figure(traces, dict(
        **({"annotations": annotations} if annotations else {}), height=480, margin=dict(l=10, r=20, t=30, b=40),
        font=FONT, hovermode="closest",
        legend=legend_on_top(410),
        yaxis=dict(title=dict(text=t("claims_chart.axis_workshops")), rangemode="tozero", range=[0, top * 1.25 + 1],
                   automargin=True),
        xaxis=dict(type="date", range=window, automargin=True)))
