"""In Chromium: the map fills the main column on a laptop and fits the five countries on a phone, a chart's PNG arrives
through plotly's own button, and axe-core finds nothing on any page but the documented Streamlit issues."""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from atlas import load_atlas
from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, wait_for_app, wait_for_measured_map
from components import map_view
from helpers import DATA_DIR

DECK = '[data-testid="stDeckGlJsonChart"]'
FIVE = ("KZ", "KG", "TJ", "TM", "UZ")
PAGES = {"overview": "", "map": "Map", "timeline": "Timeline", "explore": "Explore", "about": "About"}
# Violations that come from Streamlit's own markup, as listed in README.md ("Accessibility"): rule -> what every
# flagged node's selector must contain. Anything else fails the test.
KNOWN_STREAMLIT = {
    # st.table's scroll container has no tabindex (Streamlit 1.67); the About page's small tables use it.
    "scrollable-region-focusable": ".stTable",
}
# The opening view is in the deck spec Streamlit sends over its websocket (JSON inside a protobuf frame).
VIEW_STATE = re.compile(rb'"initialViewState":(\{[^{}]*\})')


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


def open_page(page: Page, server, path: str, lang: str = "en") -> None:
    page.goto(f"{server.url}/{path}?lang={lang}")
    wait_for_app(page)


def test_the_map_fills_the_main_column_on_a_laptop(server, new_page):
    page = new_page(1366, 768)
    open_page(page, server, "Map")
    page.locator(f"{DECK} canvas").first.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_measured_map(page)
    column = page.evaluate("""() => { const main = document.querySelector('[data-testid="stMainBlockContainer"]');
        const style = getComputedStyle(main);
        return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight); }""")
    canvas = page.locator(DECK).bounding_box(timeout=PAGE_READY_TIMEOUT_MS)
    assert canvas["width"] >= 0.85 * column, (canvas, column)
    # A height that uses the screen: most of a 768-px laptop window, not a fixed 560-px box.
    assert canvas["height"] >= 0.65 * 768
    # The detail panel is below the map, not in a side column beside it.
    hint = page.get_by_text("Click a marker or an arc on the map").first.bounding_box()
    assert hint["y"] > canvas["y"] + canvas["height"]
    page.wait_for_timeout(2000)   # outlines and the icon atlas load after the first frame
    screenshot(page, "map-layout-1366")


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_on_a_phone_the_opening_view_holds_all_five_countries(server, new_page, real, lang):
    page = new_page(390, 844)
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        payload if isinstance(payload, bytes) else payload.encode())))
    open_page(page, server, "Map", lang)
    page.locator(f"{DECK} canvas").first.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_measured_map(page)
    page.wait_for_timeout(1500)
    views = [json.loads(found) for frame in frames for found in VIEW_STATE.findall(frame)]
    assert views, "no deck spec seen on the websocket"
    sent = views[-1]
    view = map_view.MapView(sent["latitude"], sent["longitude"], sent["zoom"])
    box = page.locator(DECK).bounding_box(timeout=PAGE_READY_TIMEOUT_MS)
    outside = []
    for feature in real.outlines["features"]:
        if feature["properties"]["iso2"] not in FIVE:
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for rings in polygons:
            for lon, lat in rings[0]:
                x, y = map_view.screen_position(lon, lat, view, box["width"], box["height"])
                if not (0 <= x <= box["width"] and 0 <= y <= box["height"]):
                    outside.append((feature["properties"]["iso2"], lon, lat))
    assert outside == []
    assert page.evaluate("document.documentElement.lang") == lang
    page.locator(DECK).scroll_into_view_if_needed()
    screenshot(page, f"map-phone-390-{lang}")


def test_a_chart_downloads_as_png_through_the_mode_bar(server, new_page):
    page = new_page(1366, 900)
    open_page(page, server, "Timeline")
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(2)     # growth by year
    chart.scroll_into_view_if_needed()
    chart.locator(".main-svg").first.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    chart.hover()
    button = chart.locator('.modebar-btn[data-title*="png" i]')
    with page.expect_download(timeout=60_000) as download_info:
        button.click()
    download = download_info.value
    assert re.fullmatch(r"luban-atlas_workshop-growth_v[0-9.]+\.png", download.suggested_filename)
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    # The confusing buttons are gone; the camera and reset stay.
    titles = chart.locator(".modebar-btn").evaluate_all("els => els.map(e => e.getAttribute('data-title'))")
    assert not any(re.search(r"lasso|box select|pan|zoom in", title or "", re.I) for title in titles), titles


@pytest.mark.parametrize("lang", ["en", "ru", "zh"])
def test_axe_finds_nothing_the_app_could_fix_on_any_page(server, new_page, lang):
    axe = Axe()
    found = []
    for name, path in PAGES.items():
        page = new_page(1366, 900)
        open_page(page, server, path, lang)
        if name == "map":
            page.locator(f"{DECK} canvas").first.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
        page.wait_for_timeout(1000)
        assert page.evaluate("document.documentElement.lang") == lang, name
        results = axe.run(page, options={"resultTypes": ["violations"]})
        for violation in results.response["violations"]:
            allowed = KNOWN_STREAMLIT.get(violation["id"])
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                if allowed is None or allowed not in target:
                    found.append((name, violation["id"], violation["impact"], node["html"][:160]))
        if lang != "en":
            screenshot(page, f"a11y-{name}-{lang}")
        page.context.close()
    assert found == []
