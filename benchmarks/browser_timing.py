"""Browser timings: navigation to sidebar ready, map canvas and first plotly chart, per page and for the floor page."""

from __future__ import annotations

import sys

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from bench_support import PAGES, REPO, median

sys.path.insert(0, str(REPO / "tests"))
from browser_support import CHROMIUM_FLAGS, chromium_executable  # noqa: E402

# Marks are taken in the page (performance.now() is ms since navigation start), so Playwright's own
# polling adds nothing to them.
MARKS = {
    "sidebar_ready": '[data-testid="stSidebar"] [data-testid="stButton"]',
    "heading": '[data-testid="stMainBlockContainer"] h1',
    "map_canvas": '[data-testid="stDeckGlJsonChart"] canvas',
    "plotly_chart": '[data-testid="stPlotlyChart"] .main-svg',
    "table": '[data-testid="stDataFrame"] canvas',
}
MARK_SCRIPT = """
(() => {
  const selectors = %s;
  const marks = {};
  window.__benchMarks = marks;
  const check = () => {
    const now = performance.now();
    for (const [name, selector] of Object.entries(selectors)) {
      if (!(name in marks) && document.querySelector(selector)) marks[name] = now;
    }
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true, attributes: true});
})();
"""
IDLE = ("() => window.__benchMarks && 'sidebar_ready' in window.__benchMarks"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')")
# Lazily loaded elements appear after the app looks idle, so a page is done when every mark it should
# have (known from the AppTest payload of the same run) is there.
DRAWN = "(names) => names.every(name => name in window.__benchMarks)"
# A first visit on a 2-core machine draws WebGL in software; 60 s is a hang, not a slow page.
PAGE_TIMEOUT_MS = 60_000
# Once the script run is over, a map or chart that has not drawn in 20 s is not going to.
DRAW_TIMEOUT_MS = 20_000


def expected_marks(payload: dict[str, object]) -> list[str]:
    """The marks a page should reach, from what its AppTest run sent: a map, a plotly chart. (Tables are
    timed when they draw but not waited for: one inside a closed expander never draws.)"""
    marks = ["map_canvas"] if payload.get("maps") else []
    return marks + (["plotly_chart"] if payload.get("charts") else [])


def measure_browser(base_url: str, reps: int, expected: dict[str, list[str]]) -> dict[str, object]:
    """For each page, `reps` fresh visitors (new browser context each): ms from navigation to each mark."""
    import json
    results: dict[str, dict[str, list[float]]] = {label: {} for label, _, _ in PAGES}
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            # Warm-up visit per page: the server's first run of each page imports and caches what it needs.
            for rep in range(reps + 1):
                for label, _, url_path in PAGES:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    context.add_init_script(MARK_SCRIPT % json.dumps(MARKS))
                    page = context.new_page()
                    page.on("pageerror", lambda error, label=label: errors.append(f"{label}: {error}"))
                    try:
                        page.goto(f"{base_url}/{url_path}")
                        page.wait_for_function(IDLE, timeout=PAGE_TIMEOUT_MS)
                        try:
                            page.wait_for_function(DRAWN, arg=expected.get(label, []), timeout=DRAW_TIMEOUT_MS)
                        except PlaywrightTimeout:
                            missing = [name for name in expected.get(label, []) if name not in
                                       page.evaluate("() => window.__benchMarks")]
                            errors.append(f"{label}: {', '.join(missing)} not drawn {DRAW_TIMEOUT_MS // 1000} s "
                                          "after the run finished")
                        marks = page.evaluate("() => ({...window.__benchMarks})")
                        if page.locator('[data-testid="stException"]').count():
                            errors.append(f"{label}: stException on the page")
                    except Exception as error:  # a page that never draws is a result, not a crash
                        errors.append(f"{label}: {type(error).__name__}: {str(error).splitlines()[0]}")
                        marks = {}
                    finally:
                        context.close()
                    if rep == 0:
                        continue
                    for name, value in marks.items():
                        results[label].setdefault(name, []).append(value)
        finally:
            browser.close()
    return {"reps": reps, "marks_ms": {label: {name: median(values) for name, values in marks.items()}
                                       for label, marks in results.items()},
            "raw_ms": results, "errors": errors}


