"""Chart export: file names that say what a chart shows, the mode bar config, and the title, filters and source line
inside the figure (so plotly's PNG download carries them)."""

from __future__ import annotations

import pytest

from atlas import Filters, load_atlas
from atlas.i18n import set_language
from components import chart_export
from components.chart_base import empty_figure
from components.figures import assert_valid_figure, fast_figure
from components.overview import build_workshops_by_country
from atlas.summaries import country_comparison
from atlas import apply_filters
from helpers import DATA_DIR


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


def plain_figure(**layout) -> object:
    return fast_figure([dict(type="bar", x=[2020, 2021], y=[1, 2])], dict(height=300, margin=dict(t=30, b=40), **layout))


def footer(figure) -> str:
    return figure.layout.title.subtitle.text


@pytest.mark.parametrize("filters, expected", [
    (Filters(), "luban-atlas_workshop-growth_v0.1.0"),                                  # the whole atlas
    (Filters(countries=("UZ", "KZ")), "luban-atlas_workshop-growth_kz-uz_v0.1.0"),        # sorted, lower case
    (Filters(year_min=2015, year_max=2024), "luban-atlas_workshop-growth_2015-2024_v0.1.0"),
    (Filters(year_min=2015), "luban-atlas_workshop-growth_2015_v0.1.0"),                 # open-ended range
    (Filters(statuses=("operating",)), "luban-atlas_workshop-growth_filtered_v0.1.0"),    # too long to spell out
    (Filters(countries=("KG",), text="<script>"), "luban-atlas_workshop-growth_kg_more_v0.1.0"),  # no search text
])
def test_the_file_name_says_what_the_chart_shows_and_for_which_filters(filters, expected):
    assert chart_export.export_filename("Workshop growth", filters, "0.1.0") == expected


def test_the_mode_bar_downloads_a_png_named_for_the_chart_and_hides_the_confusing_buttons():
    config = chart_export.chart_config("luban-atlas_claims_v0.1.0")
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "luban-atlas_claims_v0.1.0", "scale": 2}
    assert {"lasso2d", "select2d", "zoom2d", "pan2d"} <= set(config["modeBarButtonsToRemove"])
    assert "toImage" not in config["modeBarButtonsToRemove"] and config.get("displayModeBar") is not False
    assert config["displaylogo"] is False


def test_the_exported_figure_carries_title_filters_and_source_line(real):
    figure, chart_args = chart_export.for_export(plain_figure(), "workshop-growth", "Growth <by year>", real,
                                             Filters(countries=("KZ",)), "Kazakhstan · 2015–2024")
    assert figure.layout.title.text == "Growth &lt;by year&gt;"
    text = footer(figure)
    assert text.startswith("Filters: Kazakhstan · 2015–2024<br>")
    assert f"Source: Luban Atlas, data version {real.version} ({real.last_updated}), licence CC-BY-4.0" in text
    # Room made for them: the plot keeps its own height.
    assert figure.layout.height == 300 + chart_export.TITLE_PX + chart_export.SOURCE_PX
    assert figure.layout.margin.t == 30 + chart_export.TITLE_PX + chart_export.SOURCE_PX
    assert chart_args["config"]["toImageButtonOptions"]["filename"] == f"luban-atlas_workshop-growth_kz_v{real.version}"
    # Screen readers get what the chart shows and for which filters.
    assert chart_args["alt"] == "Growth <by year>. Filters: Kazakhstan · 2015–2024"
    assert_valid_figure(figure)


def test_a_chart_with_its_own_title_keeps_it_and_record_text_is_shown_literally(real):
    comparison = country_comparison(real, apply_filters(real, Filters()))
    own = build_workshops_by_country(comparison)
    title = own.layout.title.text
    figure = chart_export.with_source(own, "", "search: <b>x</b> & <br>y", real)
    assert figure.layout.title.text == title
    # Search text from the URL is escaped: no bold, no forced line break inside the filters line.
    assert footer(figure).startswith("Filters: search: &lt;b&gt;x&lt;/b&gt; &amp; &lt;br&gt;y<br>")
    assert_valid_figure(figure)


def test_the_source_line_is_in_the_visitors_language(real):
    try:
        set_language("ru")
        assert chart_export.source_line(real).startswith("Источник: ")
        set_language("zh")
        assert chart_export.source_line(real).startswith("来源：")
    finally:
        set_language("en")


def test_an_empty_figure_can_be_exported_too(real):
    figure = chart_export.with_source(empty_figure("Nothing"), "Title", "—", real)
    assert "Source:" in footer(figure)
    assert_valid_figure(figure)
