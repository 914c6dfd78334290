"""Browser fixtures: servers on the real and fixture data, one Chromium, pages that fail on JS errors or dialogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from browser_support import CHROMIUM_FLAGS, Server, chromium_executable, start_server, stop_server
from helpers import REPO, build_dataset


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The app on the real data/ directory."""
    running = start_server(REPO / "data", "real-data")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def mini_server(tmp_path_factory) -> Iterator[Server]:
    """The app on the small fixture dataset (known counts)."""
    running = start_server(build_dataset(tmp_path_factory.mktemp("mini")), "mini-data")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class PageWatch:
    """What went wrong in the page: uncaught JS errors and any dialog (an XSS payload would open one)."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


FAILURE_SHOTS = REPO / "test-artifacts" / "failures"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Kept on the test item so that new_page's teardown knows whether the test itself failed.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser: Browser, watch: PageWatch, request) -> Iterator[Callable[..., Page]]:
    """Factory for pages in fresh browser contexts (a fresh context = a new visitor with no session)."""
    contexts = []

    def make(width: int = 1400, height: int = 1000) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: watch.errors.append(str(error)))

        def on_dialog(dialog) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        # A failure on a loaded CI machine is often a timing one: what the page showed then is the evidence.
        FAILURE_SHOTS.mkdir(parents=True, exist_ok=True)
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages):
            try:
                page.screenshot(path=str(FAILURE_SHOTS / f"{request.node.name}-{number}.png"), full_page=True)
            except Exception:  # a closed or crashed page must not hide the test's own failure
                pass
    for context in contexts:
        context.close()
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.errors == [], f"uncaught page errors: {watch.errors}"

