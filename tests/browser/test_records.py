"""In a real browser against `streamlit run serve.py`: `?record=<id>` opens the record on every page for a new
visitor, and `/record/<id>` reads as a citable page with JavaScript switched off."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Browser

from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, wait_for_app
from helpers import DATA_DIR

VERSION = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))["version"]

# (URL path of the page, record opened there): one record of each kind across the five pages.
PAGES = [("", "LW-KZ-01"), ("Map", "EV-012"), ("Timeline", "ttu-tj"), ("Explore", "CL-002"), ("About", "S-001")]


@pytest.mark.parametrize(("path", "record_id"), PAGES)
def test_record_link_opens_the_record_for_a_new_visitor(server, new_page, path, record_id):
    page = new_page()   # a fresh context: no session, exactly what a colleague opening a shared link has
    page.goto(f"{server.url}/{path}?country=KZ&record={record_id}")
    wait_for_app(page)
    panel = page.locator(".st-key-linked_record")
    panel.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    assert record_id in panel.inner_text()
    # The panel's own link keeps the filters and the record, and the address bar still carries both.
    assert f"country=KZ&record={record_id}" in panel.locator('[data-testid="stCode"]').first.inner_text()
    assert f"record={record_id}" in page.url and "country=KZ" in page.url
    screenshot(page, f"record-link-{path or 'Overview'}-{record_id}")


def test_unknown_record_link_gets_a_notice_and_no_panel(server, new_page):
    page = new_page()
    page.goto(f"{server.url}/Map?record=EV-999")
    wait_for_app(page)
    notice = page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').filter(has_text="EV-999")
    notice.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    assert page.locator(".st-key-linked_record").count() == 0
    assert "record=" not in page.url


def test_record_page_reads_without_javascript(server, browser: Browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        response = page.goto(f"{server.url}/record/LW-KZ-01")
        assert response.status == 200
        assert page.locator("h1").inner_text().startswith("Kazakhstan Luban Workshop")
        citation = page.locator("#citation").inner_text()
        assert "LW-KZ-01" in citation and f"dataset version {VERSION}" in citation
        assert f"{server.url}/record/LW-KZ-01" in citation
        assert page.locator("ol li").count() >= 1            # every source as a citation
        jsonld = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
        assert jsonld["identifier"] == "LW-KZ-01" and jsonld["isPartOf"]["version"] == VERSION
        screenshot(page, "record-page-LW-KZ-01-no-js")
        page.goto(f"{server.url}/record/LW-KZ-01?lang=ru")
        assert page.locator("html").get_attribute("lang") == "ru"
        assert "Как ссылаться" in page.content()
        screenshot(page, "record-page-LW-KZ-01-ru-no-js")
    finally:
        context.close()


def test_api_answers_on_the_same_server(server):
    with urllib.request.urlopen(f"{server.url}/api/v1/events.json?country=KZ&years=2023..2025") as response:
        body = json.loads(response.read())
        assert response.headers["X-Dataset-Version"] == body["dataset"]["version"]
    assert body["total"] == body["count"] > 0
