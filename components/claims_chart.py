"""Claims vs our records: official worldwide Luban Workshop counts beside the Central Asian count documented here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.load import OPENING_MILESTONES
from components.charts import (FONT, MILESTONE_COLUMNS, band_segments, empty_figure, escape, is_exact, legend_on_top,
                               marker_position, shorten, year_window)

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


def claimed_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims of the worldwide-count metrics, oldest first, with their scope label."""
    frame = claims[claims["metric"].isin(list(CLAIM_SERIES)) & claims["as_of_start"].notna()]
    frame = frame.sort_values(["metric", "as_of_start", "claim_id"]).copy()
    frame["series"] = [t(CLAIM_SERIES[m][0]) for m in frame["metric"]]
    positions, previous, previous_position = {}, None, "bottom center"
    for index, start in frame["as_of_start"].sort_values(kind="stable").items():
        clash = previous is not None and start - previous < LABEL_CLASH
        position = ("bottom center" if previous_position == "top center" else "top center") if clash else "top center"
        positions[index], previous, previous_position = position, start, position
    frame["label_position"] = pd.Series(positions)
    return frame


def documented_counts(workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Central Asian workshops in the order they first launched or opened, with the running documented count."""
    wanted = (events["workshop_id"].isin(set(workshops["workshop_id"])) & events["date_start"].notna()
              & events["milestone"].isin(DOCUMENTED_MILESTONES))
    linked = events.loc[wanted, MILESTONE_COLUMNS]
    first = linked.sort_values(["date_start", "event_id"]).groupby("workshop_id").head(1)
    first = first.merge(workshops[["workshop_id", "name_en", "country_name"]], on="workshop_id")
    first = first.sort_values(["date_start", "date_end", "workshop_id"]).reset_index(drop=True)
    first["count"] = range(1, len(first) + 1)
    return first


def claims_vs_records_table(claims: pd.DataFrame, workshops: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Every point of the chart as a row: the scope, the date with its precision, the number and who states it."""
    claimed = claimed_counts(claims)
    documented = documented_counts(workshops, events)
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
        t("claims_chart.col_stated_by"): [t("claims_chart.documented_by", workshop=name, milestone=t(f"milestone.{m}"))
                                          for name, m in zip(documented["name_en"], documented["milestone"])],
        t("claims_chart.col_sources"): [", ".join(ids) for ids in documented["source_ids"]],
    })
    filled = [frame for frame in (rows, ours) if not frame.empty]
    table = pd.concat(filled, ignore_index=True) if filled else rows
    return table.sort_values("sort", kind="stable").drop(columns="sort").reset_index(drop=True)


def _claim_traces(claimed: pd.DataFrame) -> list[go.Scatter]:
    traces = []
    for metric, group in claimed.groupby("metric", sort=False):
        key, colour, symbol = CLAIM_SERIES[metric]
        label = t(key)
        exact = is_exact(group["as_of_precision"])
        x = marker_position(group["as_of_start"], group["as_of_end"], exact)
        spans = group[~exact]
        if not spans.empty:
            xs, ys = band_segments(spans["as_of_start"], spans["as_of_end"], spans["value"])
            traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=label, legendgroup=metric, showlegend=False,
                                     hoverinfo="skip", opacity=0.3, line=dict(color=colour, width=8)))
        stated = [str(s or f"{v:g}") for s, v in zip(group["value_as_stated"], group["value"])]
        customdata = [[escape(s), escape(by), escape(format_with_precision(d, p)), escape(label)]
                      for s, by, d, p in zip(stated, group["claimed_by"], group["as_of"], group["as_of_precision"])]
        text = [f"{escape(shorten(s, 18))}<br><span style='font-size:10px'>{escape(shorten(by, 22))}</span>"
                for s, by in zip(stated, group["claimed_by"])]
        # Different claimants count differently, so the points stay unconnected; a lower bound points up.
        symbols = [("triangle-up" if qualifier == "lower_bound" else symbol) + ("" if day else "-open")
                   for qualifier, day in zip(group["qualifier"], exact)]
        traces.append(go.Scatter(
            x=x, y=group["value"], mode="markers+text", name=label, legendgroup=metric, text=text, cliponaxis=False,
            textposition=group["label_position"].tolist(), textfont=dict(size=11, color=colour), customdata=customdata,
            marker=dict(size=12, color=colour, symbol=symbols, line=dict(color=colour, width=2)),
            hovertemplate="<b>%{customdata[0]}</b> · %{customdata[3]}<br>"
                          + t("claims_chart.hover_claimed_by") + " %{customdata[1]}<br>"
                          + t("claims_chart.hover_as_of") + " %{customdata[2]}<extra></extra>"))
    return traces


def documented_steps(documented: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    """Our count over time as two step lines: `upper` counts a workshop from the first day its date could be,
    `lower` from the last (a known day: both on that day). The band between them is what the dates leave open."""
    starts = documented["date_start"].sort_values().to_numpy()
    ends = documented["date_end"].sort_values().to_numpy()
    xs = pd.Series(sorted(set(starts) | set(ends) | {today.to_datetime64()}))
    steps = pd.DataFrame({"x": xs, "upper": np.searchsorted(starts, xs, side="right"),
                          "lower": np.searchsorted(ends, xs, side="right")})
    # Rise from zero at the first date rather than appear in mid-air.
    return pd.concat([pd.DataFrame({"x": [xs.iloc[0]], "upper": [0], "lower": [0]}), steps], ignore_index=True)


def _documented_traces(documented: pd.DataFrame, today: pd.Timestamp) -> list[go.Scatter]:
    label = t("claims_chart.series_documented")
    steps = documented_steps(documented, today)
    # One hover point per distinct date (several workshops can share one), so the payload grows with dates only.
    groups = documented.groupby(["date_start", "date_end", "date", "date_precision"], sort=True).agg(
        names=("name_en", list), milestones=("milestone", list)).reset_index()
    exact = is_exact(groups["date_precision"])
    x = marker_position(groups["date_start"], groups["date_end"], exact)
    starts = documented["date_start"].sort_values().to_numpy()
    ends = documented["date_end"].sort_values().to_numpy()
    y = (np.searchsorted(starts, x.to_numpy(), side="right") + np.searchsorted(ends, x.to_numpy(), side="right")) / 2
    customdata = [[escape(shorten("; ".join(f"{name} ({t(f'milestone.{m}')})" for name, m in zip(names, kinds)), 200)),
                   escape(format_with_precision(d, p)), len(names)]
                  for names, kinds, d, p in zip(groups["names"], groups["milestones"], groups["date"],
                                                groups["date_precision"])]
    return [
        go.Scatter(x=steps["x"], y=steps["lower"], mode="lines", name=label, legendgroup="documented",
                   hoverinfo="skip", line=dict(color=DOCUMENTED_COLOUR, width=3, shape="hv")),
        go.Scatter(x=steps["x"], y=steps["upper"], mode="lines", name=t("claims_chart.series_documented_band"),
                   legendgroup="documented", showlegend=False, hoverinfo="skip", fill="tonexty",
                   fillcolor="rgba(0, 114, 178, 0.15)", line=dict(color=DOCUMENTED_COLOUR, width=1, dash="dot",
                                                                  shape="hv")),
        go.Scatter(x=x, y=y, mode="markers", name=label, legendgroup="documented", showlegend=False,
                   customdata=customdata,
                   marker=dict(size=10, color=DOCUMENTED_COLOUR, symbol=["circle" if d else "circle-open" for d in exact],
                               line=dict(color=DOCUMENTED_COLOUR, width=2)),
                   hovertemplate="<b>+%{customdata[2]}</b> · " + escape(label) + "<br>%{customdata[0]}<br>"
                                 "%{customdata[1]}<extra></extra>"),
    ]


def build_claims_vs_records(claims: pd.DataFrame, workshops: pd.DataFrame, events: pd.DataFrame,
                            today: pd.Timestamp | None = None, year_range: tuple[int, int] | None = None) -> go.Figure:
    """Official worldwide counts (one series per metric, each point with who claimed it and when) beside the count
    of Central Asian workshops launched or opened as documented in this atlas.

    Pass all milestone events of the workshops (not year-filtered): the documented count is cumulative."""
    today = (today or pd.Timestamp.today()).normalize()
    claimed = claimed_counts(claims)
    documented = documented_counts(workshops, events)
    if claimed.empty and documented.empty:
        return empty_figure(t("claims_chart.empty"))
    figure = go.Figure()
    for trace in _claim_traces(claimed):
        figure.add_trace(trace)
    if not documented.empty:
        for trace in _documented_traces(documented, today):
            figure.add_trace(trace)
    if not documented.empty:
        figure.add_annotation(text=escape(t("claims_chart.documented_end", count=len(documented))),
                              x=today, y=len(documented), xanchor="right", yanchor="bottom",
                              showarrow=False, font=dict(size=12, color=DOCUMENTED_COLOUR))
    if claimed.empty:
        figure.add_annotation(text=escape(t("claims_chart.no_claims")), x=0.02, y=0.98, xref="paper", yref="paper",
                              xanchor="left", yanchor="top", showarrow=False, font=dict(size=12))
    top = max([0] + claimed["value"].dropna().tolist() + documented["count"].tolist())
    starts = pd.concat([claimed["as_of_start"], documented["date_start"]])
    # A little room on the left so the first label is not cut by the axis.
    window = year_window(year_range) or [starts.min() - pd.Timedelta(days=120), today + pd.Timedelta(days=60)]
    figure.update_layout(
        height=480, margin=dict(l=10, r=20, t=30, b=40), font=FONT, hovermode="closest",
        legend=legend_on_top(410),
        yaxis=dict(title=t("claims_chart.axis_workshops"), rangemode="tozero", range=[0, top * 1.25 + 1],
                   automargin=True),
        xaxis=dict(type="date", range=window, automargin=True))
    return figure
