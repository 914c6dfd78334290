"""Hostile record text (HTML, script, Markdown links) on every page: shown as characters, nothing runs, no bad links."""

from __future__ import annotations

import pytest

from browser_support import screenshot, start_server, stop_server, wait_for_app
from helpers import REPO, build_dataset

PAGES = ["", "Map", "Timeline", "Explore", "About"]
INJECTED = {
    # elements a successful injection would create in the page
    "img with the payload's src": 'img[src="x"]',
    "iframe from a payload": "[data-testid='stMain'] iframe[src^='javascript']",
    "script element inside the app": "[data-testid='stMain'] script",
    # links with a non-http(s) scheme must never be rendered as links
    "javascript: link": "a[href^='javascript' i]",
    "data: link": "a[href^='data:' i]",
}


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    directory = build_dataset(tmp_path_factory.mktemp("xss"), source=REPO / "tests" / "fixtures" / "xss")
    running = start_server(directory, "xss-all-pages")
    yield running
    stop_server(running)


@pytest.mark.parametrize("path", PAGES)
def test_payloads_create_no_elements_links_or_dialogs(xss_server, new_page, watch, path):
    page = new_page()
    page.goto(f"{xss_server.url}/{path}")
    wait_for_app(page)
    page.wait_for_timeout(1500)   # give any injected handler (onerror, iframe load) time to fire
    found = {name: page.locator(selector).count() for name, selector in INJECTED.items()}
    assert found == {name: 0 for name in INJECTED}
    assert watch.dialogs == []
    screenshot(page, f"hostile-{path or 'overview'}")


@pytest.mark.parametrize(("path", "literal"), [
    # the Overview lists the latest events by title, the About page every source's publisher and title
    ("", "<img src=x onerror=alert(1)> MoU"),
    ("About", "<script>alert(1)</script>"),
])
def test_payload_text_is_shown_literally(xss_server, new_page, path, literal):
    page = new_page()
    page.goto(f"{xss_server.url}/{path}")
    wait_for_app(page)
    assert literal in page.locator("[data-testid='stMain']").inner_text()


HOSTILE_LINK = ("country=[Sign in again](https://ev.il/a)&status=![t](https://evil.example/pixel.png)"
                "&years=**BIG** _it_&category=<img src=https://evil.example/x.png>&q=javascript:alert(1)"
                "&lang=<b>x</b>&regional=&utm_source=news")


@pytest.mark.parametrize("path", PAGES)
def test_a_crafted_link_shows_no_link_or_image_and_fetches_nothing_elsewhere(mini_server, new_page, path):
    page = new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{mini_server.url}/{path}?{HOSTILE_LINK}")
    wait_for_app(page)
    page.wait_for_timeout(1000)
    sidebar = page.locator("[data-testid='stSidebar']")
    assert "Sign in again" in sidebar.inner_text()            # named, as text
    for selector in ("a[href*='ev.il']", "img[src*='evil.example']", "strong:has-text('BIG')", "em:has-text('it')"):
        found = [element.evaluate("e => e.parentElement.innerText")[:300] for element in page.locator(selector).all()]
        assert found == [], selector
    foreign = [url for url in requests if not url.startswith((mini_server.url, "data:", "blob:"))]
    assert foreign == []
    screenshot(page, f"hostile-link-{path or 'overview'}")
