"""A broken data directory gives a readable error page in the browser, never a traceback."""

from __future__ import annotations

import pytest

from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, start_server, stop_server
from helpers import build_dataset, edit_cell


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory):
    directory = build_dataset(tmp_path_factory.mktemp("broken"))
    edit_cell(directory, "events", "EV-002", "date", "2023-01-09")     # trial operation before the MoU
    edit_cell(directory, "institutions", "kaznu-kz", "lon", "90.0")      # Almaty moved into China
    running = start_server(directory, "broken-data")
    yield running
    stop_server(running)


@pytest.mark.parametrize("path", ["", "Map", "Explore"])
def test_error_page_names_file_row_and_column(broken_server, new_page, path):
    page = new_page()
    page.goto(f"{broken_server.url}/{path}")
    alert = page.locator('[data-testid="stAlertContentError"]')
    alert.wait_for(timeout=PAGE_READY_TIMEOUT_MS)
    assert "could not be loaded" in alert.inner_text()
    problems = page.locator('[data-testid="stCode"]').inner_text()
    assert "events.csv:3:date: trial_operation (2023-01-09) comes before mou (2023-03-02)" in problems
    assert "institutions.csv:3:lat: point (43.2389, 90.0) lies outside KZ's outline" in problems
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"error-page-{path or 'overview'}")
