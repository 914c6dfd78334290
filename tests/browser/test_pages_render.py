"""Every page renders in a real browser on the real data, with no exception and no page error; screenshots kept."""

from __future__ import annotations

import pytest


from browser_support import screenshot, wait_for_app

PAGES = [("", "overview"), ("Map", "map"), ("Timeline", "timeline"), ("Explore", "explore"), ("About", "about")]


@pytest.mark.parametrize(("path", "name"), PAGES)
def test_page_renders_and_is_screenshotted(mini_server, new_page, path, name):
    page = new_page()
    page.goto(f"{mini_server.url}/{path}")
    wait_for_app(page)
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Filters", exact=True).count() == 1
    shot = screenshot(page, f"page-{name}")
    assert shot.stat().st_size > 10_000


def test_phone_width_overview_renders(server, new_page):
    page = new_page(width=390, height=844)
    page.goto(server.url)
    wait_for_app(page)
    screenshot(page, "phone-overview")


def test_sidebar_links_have_labels_not_file_names(server, new_page):
    page = new_page()
    page.goto(server.url)
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    for label in ("Overview", "Map", "Timeline", "Explore & download", "About the data"):
        assert sidebar.get_by_text(label, exact=True).count() >= 1, label
    assert sidebar.get_by_text("1_Map").count() == 0
