"""Overview and About in a real browser: they render without errors, show their numbers, charts and tables; screenshots kept."""

from __future__ import annotations

import pytest

from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, wait_for_app

MAIN = '[data-testid="stMainBlockContainer"]'
# Streamlit scrolls inside its own container, so a full-page screenshot is only the viewport: make it tall.
TALL_PX = 2600


def metric_values(page) -> dict[str, str]:
    metrics = page.locator(f'{MAIN} [data-testid="stMetric"]')
    return {metrics.nth(i).locator('[data-testid="stMetricLabel"]').inner_text().strip():
            metrics.nth(i).locator('[data-testid="stMetricValue"]').inner_text().strip()
            for i in range(metrics.count())}


def test_overview_on_fixture_shows_hand_counted_kpis_chart_and_milestones(mini_server, new_page):
    page = new_page(height=TALL_PX)
    page.goto(mini_server.url)
    wait_for_app(page)
    # Plotly draws after the script finishes; the bars are SVG paths inside the chart.
    page.wait_for_selector(f'{MAIN} [data-testid="stPlotlyChart"] .barlayer .point', timeout=PAGE_READY_TIMEOUT_MS)
    values = metric_values(page)
    assert values["Luban Workshops"] == "3"
    assert values["Host countries"] == "2"
    assert values["Chinese partners"] == "3"     # tvi-cn, zjweu-cn, nowhere-cn
    assert values["Other events"] == "3"         # EV-004, EV-005 (regional), EV-006 (undated)
    assert values["Sources cited"] == "3"
    main = page.locator(MAIN)
    assert main.get_by_text("Kazakhstan").count() >= 1
    # Opening a latest event shows its detail with sources and a correction link.
    main.locator('[data-testid="stExpander"] summary').filter(has_text="Kyrgyz workshop opens").click()
    expect_link = main.get_by_role("link", name="Report a correction")
    expect_link.first.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    # The expander slides open; a screenshot taken during the animation cuts the panel off.
    page.wait_for_timeout(800)
    screenshot(page, "overview-mini")


def test_overview_empty_selection_says_so_instead_of_blank_charts(mini_server, new_page):
    page = new_page()
    page.goto(f"{mini_server.url}/?q=no-such-thing-anywhere")
    wait_for_app(page)
    main = page.locator(MAIN)
    # Said at the top and again in place of the country chart.
    assert main.get_by_text("Nothing matches the current filters").count() == 2
    # Claims follow the search too (atlas.filters), so no chart at all is left, and the claims section says why.
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert main.get_by_text("Neither an official worldwide count nor a documented launch").count() == 1
    assert main.get_by_text("Luban Workshops, by stage").count() == 0
    assert main.get_by_text("No dated event matches the current filters").count() == 1
    screenshot(page, "overview-empty")


def test_overview_on_real_data_renders(server, new_page):
    page = new_page(height=TALL_PX)
    page.goto(server.url)
    wait_for_app(page)
    page.wait_for_selector(f'{MAIN} [data-testid="stPlotlyChart"] .barlayer .point', timeout=PAGE_READY_TIMEOUT_MS)
    values = metric_values(page)
    assert int(values["Luban Workshops"]) > 0
    assert int(values["Sources cited"]) > 0
    screenshot(page, "overview-real")


def test_overview_on_a_phone_renders(server, new_page):
    page = new_page(width=390, height=TALL_PX * 2)
    page.goto(server.url)
    # On a phone Streamlit starts with the sidebar collapsed, so wait_for_app (which waits for it) cannot be used.
    page.wait_for_selector(f"{MAIN} h1", timeout=PAGE_READY_TIMEOUT_MS)
    page.wait_for_selector(f'{MAIN} [data-testid="stPlotlyChart"] .barlayer .point', timeout=PAGE_READY_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "overview-real-phone")


@pytest.mark.parametrize("server_name", ["mini_server", "server"])
def test_about_renders_dictionary_sources_and_citation(request, new_page, server_name):
    running = request.getfixturevalue(server_name)
    name = "mini" if server_name == "mini_server" else "real"
    page = new_page(height=1100)
    page.goto(f"{running.url}/About")
    wait_for_app(page)
    main = page.locator(MAIN)
    for heading in ("Coverage: how far the search reaches", "Data dictionary", "Sources", "Source mix per country", "How to cite", "Report a correction",
                    "Changelog"):
        assert main.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    # One static table per data table (seven with translations), the coverage and the conflicts tables; grids for
    # the sources and the source mix.
    assert main.locator('[data-testid="stTable"]').count() == 9
    page.wait_for_function(f"document.querySelectorAll('{MAIN} [data-testid=\"stDataFrame\"]').length == 2",
                           timeout=PAGE_READY_TIMEOUT_MS)
    assert main.get_by_text("@misc{luban_atlas_").count() == 1
    screenshot(page, f"about-{name}-top")
    # The page is long; one viewport per part is easier to look at than one giant image.
    for heading, part in (("Sources", "sources"), ("How to cite", "cite")):
        main.get_by_role("heading", name=heading, exact=True).scroll_into_view_if_needed()
        screenshot(page, f"about-{name}-{part}")
