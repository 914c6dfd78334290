"""Overview country charts, built from plain dicts without plotly's validation, are still valid plotly figures."""

from __future__ import annotations

import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.summaries import country_comparison
from components.figures import assert_valid_figure, fast_figure
from components.overview import build_events_by_country, build_workshops_by_country
from helpers import DATA_DIR


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


@pytest.mark.parametrize("filters", [Filters(), Filters(countries=("TJ",)), Filters(statuses=("announced",)),
                                     Filters(categories=("conference",))])
def test_country_charts_are_valid_figures_on_real_data(real, filters):
    comparison = country_comparison(real, apply_filters(real, filters))
    figures = [build_workshops_by_country(comparison), build_events_by_country(comparison)]
    drawn = [figure for figure in figures if figure is not None]
    assert drawn
    for figure in drawn:
        assert_valid_figure(figure)
        bars = [trace for trace in figure.data if trace.type == "bar"]
        # Every bar's segments add up to the total printed after it.
        totals = next(trace for trace in figure.data if trace.type == "scatter")
        assert [sum(values) for values in zip(*(bar.x for bar in bars))] == list(totals.x)


def test_single_country_single_segment_chart_is_valid(real):
    # The smallest chart: one row, one stage, axis range and ticks from a count of one or two.
    comparison = country_comparison(real, apply_filters(real, Filters(countries=("TJ",), statuses=("operating",))))
    figure = build_workshops_by_country(comparison)
    assert_valid_figure(figure)
    assert [trace.name for trace in figure.data if trace.type == "bar"] == ["Operating"]
    assert figure.layout.xaxis.dtick == 1 and figure.layout.yaxis.autorange == "reversed"


def test_invalid_property_is_caught_by_the_check(real):
    # The check must be able to fail: a misspelt property in a dict-built figure raises.
    figure = build_workshops_by_country(country_comparison(real, apply_filters(real, Filters())))
    broken = figure.to_dict()
    broken["data"][0]["colour"] = "red"
    with pytest.raises(ValueError):
        assert_valid_figure(fast_figure(broken["data"], broken["layout"]))
