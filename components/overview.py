"""Pure builders for the Overview page: the country comparison chart and table, and labels of the latest events (no st.* calls)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from atlas.dates import format_with_precision
from atlas.i18n import t
from atlas.summaries import CountryComparison
from components.figures import fast_figure
from components.palette import CATEGORY_COLOURS, CATEGORY_FAMILIES, STATUS_COLOURS
from components.text import md_escape

ROW_HEIGHT_PX = 46
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
CHART_CHROME_PX = 190  # titles, axis and the legend below the bars


def family_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Per-country event counts summed into category families (columns in CATEGORY_FAMILIES order, empty ones dropped)."""
    values = events.to_numpy(dtype="int64")
    position = {category: i for i, category in enumerate(events.columns)}
    summed = {family: values[:, [position[c] for c in members if c in position]].sum(axis=1)
              for family, members in CATEGORY_FAMILIES.items()}
    frame = pd.DataFrame(summed, index=events.index)
    return frame.loc[:, frame.sum().to_numpy() > 0]


def tick_step(longest: int, max_ticks: int = 6) -> int:
    """The smallest 'nice' whole step that keeps the axis to about `max_ticks` ticks."""
    return next((step for step in NICE_STEPS if longest / step <= max_ticks), NICE_STEPS[-1])


def _bar(counts: pd.Series, names: list[str], label: str, colour: str) -> dict:
    return {
        "type": "bar", "x": counts.to_list(), "y": names, "orientation": "h", "name": label,
        "marker": {"color": colour}, "text": [str(v) if v else "" for v in counts], "textposition": "inside",
        "insidetextanchor": "middle", "hovertemplate": f"%{{y}}: %{{x}} × {label}<extra></extra>",
    }


def _stacked_by_country(data: pd.DataFrame, names: list[str], labels: list[str], colours: list[str],
                        title: str) -> go.Figure:
    bars = [_bar(data[column], names, label, colour) for column, label, colour in zip(data.columns, labels, colours)]
    totals = data.sum(axis=1)
    # The total after each bar answers "how many in X" without adding up segments.
    total_labels = {"type": "scatter", "x": totals.to_list(), "y": names, "mode": "text",
                    "text": [f"  {v}" if v else "" for v in totals], "textposition": "middle right",
                    "showlegend": False, "hoverinfo": "skip", "textfont": {"size": 13, "color": "#333333"}}
    # Room for the total label after the longest bar; whole-number ticks only (counts have no halves).
    longest = max(int(totals.max()), 1)
    return fast_figure(bars + [total_labels], {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "barmode": "stack", "height": CHART_CHROME_PX + ROW_HEIGHT_PX * len(names), "bargap": 0.3,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "plot_bgcolor": "white", "font": {"size": 13},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0,
                   "traceorder": "normal"},
        "xaxis": {"range": [0, longest * 1.2], "tick0": 0, "dtick": tick_step(longest), "tickformat": ",d",
                  "showgrid": True, "gridcolor": "#E5E5E5", "fixedrange": True},
        "yaxis": {"autorange": "reversed", "ticksuffix": "  ", "fixedrange": True},
    })


def build_workshops_by_country(comparison: CountryComparison) -> go.Figure | None:
    """Luban Workshops per country stacked by stage (most advanced first); None when no workshop is selected."""
    countries = comparison.workshops.drop(index="", errors="ignore")  # workshops are never regional
    data = countries.loc[:, countries.sum() > 0]
    if data.empty:
        return None
    names = [str(comparison.names[code]) for code in data.index]
    return _stacked_by_country(data, names, [t(f"status.{s}") for s in data.columns],
                               [STATUS_COLOURS[s] for s in data.columns], t("overview.chart_workshops_title"))


def build_events_by_country(comparison: CountryComparison) -> go.Figure | None:
    """Other cooperation events per country (regional last) stacked by kind; None when no such event is selected."""
    data = family_counts(comparison.events)
    if data.empty:
        return None
    names = [str(comparison.names[code]) for code in data.index]
    return _stacked_by_country(data, names, [t(f"overview.family.{f}") for f in data.columns],
                               [CATEGORY_COLOURS[CATEGORY_FAMILIES[f][0]] for f in data.columns],
                               t("overview.chart_events_title"))


def comparison_table(comparison: CountryComparison) -> pd.DataFrame:
    """The chart as a table: per country, workshops (total and by status) and other events (total and by category)."""
    workshops = comparison.workshops.loc[:, comparison.workshops.sum() > 0]
    events = comparison.events
    # Built in one go: assigning the columns one by one costs a millisecond each.
    columns = {t("overview.col_country"): comparison.names.to_list(),
               t("overview.col_workshops"): comparison.workshops.sum(axis=1).to_numpy()}
    columns.update({t(f"status.{status}"): workshops[status].to_numpy() for status in workshops.columns})
    columns[t("overview.col_other_events")] = events.sum(axis=1).to_numpy()
    columns.update({t(f"category.{category}"): events[category].to_numpy() for category in events.columns})
    return pd.DataFrame(columns)


def event_label(event: pd.Series) -> str:
    """'12 May 2025 (day precision) · Conference · Regional — Ministers meet in Urumqi', Markdown-safe."""
    when = format_with_precision(event["date"], event["date_precision"])
    kind = t(f"milestone.{event['milestone']}") if event["milestone"] else t(f"category.{event['category']}")
    return f"**{md_escape(when)}** · {md_escape(kind)} · {md_escape(event['country_name'])} — {md_escape(event['title'])}"
