"""Workshop growth: the status each workshop reached by each year's end, as small multiples per country."""

from __future__ import annotations

import copy
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc
from plotly.subplots import make_subplots

from atlas.i18n import t
from components import chart_arrays as arrays
from components.chart_base import FONT, count_tick, empty_figure, escape, legend_on_top, today_or_now
from components.figures import fast_figure
from components.palette import STATUS_COLOURS, STATUS_ORDER

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
GROWTH_COLUMNS = ["country_name", "year", "status", "workshops"]


def _leading_year(dates: pd.Series) -> np.ndarray:
    """The year of each partial date as a float, NaN where there is none (parsed by Arrow: pd.to_numeric on the
    first four characters took 26 ms for 8,000 workshops)."""
    head = pc.utf8_slice_codeunits(arrays.arrow(dates), 0, 4)
    years = pc.if_else(pc.match_substring_regex(head, "^[0-9]{4}$"), head, None)
    return years.cast(pa.float64()).to_numpy(zero_copy_only=False)


def stage_years(workshops: pd.DataFrame, milestones: pd.DataFrame) -> pd.DataFrame:
    """One row per workshop, one column per status (STATUS_ORDER): the first year it reached that status (NaN
    if never), from its dated milestones (`milestones` from workshop_milestones; a month- or year-precision date
    counts in its year; any milestone means at least announced) and from its current status as of
    `status_as_of`. Also the workshop's country_name."""
    count, ranks = len(workshops), len(STATUS_ORDER)
    first = np.full(count * ranks, np.inf)
    owner = arrays.positions(milestones["workshop_id"], workshops["workshop_id"])
    years = milestones["year_start"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = owner >= 0
    np.minimum.at(first, owner[known] * ranks, years[known])  # rank 0: announced
    kind = arrays.positions(milestones["milestone"], STAGE_KINDS)
    staged = known & (kind >= 0)
    np.minimum.at(first, owner[staged] * ranks + STAGE_KIND_RANKS[kind[staged]], years[staged])
    as_of = _leading_year(workshops["status_as_of"])
    status = arrays.positions(workshops["status"], STATUS_ORDER)
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
    country, names = arrays.factorize(stages["country_name"].to_numpy(dtype=object))
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
    low, high = int(np.nanmin(first)), max(int(np.nanmax(first)), today_or_now(today).year)
    if year_range:
        low, high = max(low, year_range[0]), min(high, year_range[1])
    return range(low, high + 1)


def _growth_cube(growth: pd.DataFrame) -> tuple[np.ndarray, range, np.ndarray]:
    """Workshops as a country × status (STATUS_ORDER) × year array over every year from the first to the last."""
    country, names = arrays.factorize(growth["country_name"].to_numpy(dtype=object))
    year = growth["year"].to_numpy(dtype=np.int64)
    years = range(int(year.min()), int(year.max()) + 1)
    cube = np.zeros((len(names), len(STATUS_ORDER), len(years)), dtype=np.int64)
    status = arrays.positions(growth["status"].to_numpy(dtype=object), STATUS_ORDER)
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
