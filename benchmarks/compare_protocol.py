"""`loadtest_protocol.py --compare`: the same filter change (tick/untick regional events) timed with one protocol
session (benchmarks/st_protocol.py) and one Chromium session taking turns against one server."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from dataclasses import replace

from playwright.async_api import async_playwright

from bench_support import REPO, RESULTS_DIR, curated_source, git_state, median, percentile, start_server, stop_server, write_json
from loadtest import PAGE_SCRIPT, STEP_TIMEOUT_S, RunCounter, timed_change, wait_for_view
from loadtest import Expectations as BrowserExpectations
from st_protocol import ProtocolSession, bool_state

sys.path[:0] = [str(REPO), str(REPO / "tests")]
from atlas.i18n import t  # noqa: E402
from browser_support import CHROMIUM_FLAGS, chromium_executable  # noqa: E402

from report import LAST_RUN_DIR, write_report  # noqa: E402

CHANGES = 12
# In the page: the in-page time (Event.timeStamp, performance.now() clock) of every ForwardMsg with
# script_finished (field 6, a varint) on the app's websocket; frames are walked as protobuf wire format.
FINISHED_SCRIPT = """
(() => {
  window.__finishedAt = [];
  window.__sentAt = [];
  const Native = window.WebSocket;
  const isFinished = (bytes) => {
    let i = 0;
    const varint = () => { let v = 0, s = 0, b; do { b = bytes[i++]; v += (b & 0x7f) * 2 ** s; s += 7; }
                           while (b & 0x80 && i < bytes.length); return v; };
    while (i < bytes.length) {
      const key = varint(); const field = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) { varint(); if (field === 6) return true; }
      else if (wire === 2) { const length = varint(); i += length; }   // not `i += varint()`: i is read first
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const Wrapped = function (...args) {
    const socket = new Native(...args);
    // When the page hands a BackMsg (the rerun) to the socket: the protocol client's starting point.
    const send = socket.send.bind(socket);
    socket.send = (data) => { window.__sentAt.push(performance.now()); return send(data); };
    socket.addEventListener('message', async (event) => {
      const stamp = event.timeStamp;
      const data = event.data instanceof Blob ? await event.data.arrayBuffer() : event.data;
      if (data instanceof ArrayBuffer && data.byteLength < 512 && isFinished(new Uint8Array(data))) {
        window.__finishedAt.push(stamp);
      }
    });
    return socket;
  };
  Wrapped.prototype = Native.prototype;
  Object.assign(Wrapped, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Wrapped;
})();
"""
PAGES = (("", "overview"), ("Timeline", "timeline"))
# As in the cluster: XSRF on, so the protocol client goes through the same cookie and subprotocol checks.
SERVER_ENV = {"STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION": "true"}


async def interleaved(url: str, path: str, key: str, expect: BrowserExpectations, filters) -> dict[str, list[float]]:
    """Both clients open the page with the same filters; then they take turns, one change each, so that the
    other work on this shared machine weighs on both alike."""
    from loadtest_protocol import query_string
    session = ProtocolSession(url, path, query_string(filters, "en"))
    await session.open()
    run = await session.rerun()
    protocol_filters = browser_filters = filters
    times: dict[str, list[float]] = {"protocol": [], "browser_sent_to_script_finished": [],
                                     "browser_to_script_finished": [], "browser": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                                   args=CHROMIUM_FLAGS)
        context = await browser.new_context(viewport={"width": 1300, "height": 900})
        context.set_default_timeout(STEP_TIMEOUT_S * 1000)
        await context.add_init_script(PAGE_SCRIPT)
        await context.add_init_script(FINISHED_SCRIPT)
        page = await context.new_page()
        runs = RunCounter(page)
        await page.goto(f"{url}/{path}?{query_string(filters, 'en')}")
        await wait_for_view(page, runs, 0, expect.match_line(filters))
        regional = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
            has_text=t("filters.regional"))
        for _ in range(CHANGES):
            protocol_filters = replace(protocol_filters, include_regional=not protocol_filters.include_regional)
            run = await session.rerun({run.widget_id(f"filter_regional:{key}"):
                                       bool_state(protocol_filters.include_regional)})
            if expect.match_line(protocol_filters) not in run.sidebar_texts() or run.errors():
                raise RuntimeError(f"protocol session: wrong view after a change ({run.errors()})")
            times["protocol"].append(run.seconds * 1000)
            browser_filters = replace(browser_filters, include_regional=not browser_filters.include_regional)
            times["browser"].append(await timed_change(page, runs, lambda: regional.click(),
                                                       expect.match_line(browser_filters)))
            # The span the protocol client measures: press to the script_finished frame arriving in the page.
            finished, sent = await page.evaluate(
                "() => [Math.max(...window.__finishedAt.filter(t => t > window.__lastAction)),"
                "       Math.min(...window.__sentAt.filter(t => t > window.__lastAction))]")
            times["browser_to_script_finished"].append(finished - (await page.evaluate("() => window.__lastAction")))
            times["browser_sent_to_script_finished"].append(finished - sent)
        await browser.close()
    await session.close()
    return times


async def warm_up(url: str, path: str) -> None:
    session = ProtocolSession(url, path)
    await session.open()
    await session.rerun()
    await session.close()


def stats(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(median(values) or 0), "p95_ms": round(percentile(values, 0.95) or 0),
            "min_ms": round(min(values, default=0)), "max_ms": round(max(values, default=0))}


def compare() -> None:
    source, label = curated_source(RESULTS_DIR / "fixture")
    expect = BrowserExpectations(source)
    filters, _ = expect.session_filters(3)
    load_start = os.getloadavg()
    server = start_server(REPO, source, RESULTS_DIR / "compare-protocol-server.log", SERVER_ENV)
    pages = {}
    try:
        for path, key in PAGES:
            # The first session on a fresh server loads the data and imports: one warm-up round, not timed.
            asyncio.run(warm_up(server.url, path))
            times = asyncio.run(interleaved(server.url, path, key, expect, filters))
            pages[path or "Overview"] = {name: stats(values) for name, values in times.items()}
            print(path or "Overview", pages[path or "Overview"], flush=True)
    finally:
        stop_server(server)
    result = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "git": git_state(),
              "dataset": label, "changes_per_client": CHANGES, "pages": pages,
              "protocol_measures": "BackMsg rerun_script sent -> ForwardMsg script_finished received",
              "browser_sent_to_script_finished_measures": "the page's first websocket send after the press (the "
                                                          "rerun) -> script_finished frame received (in-page clock)",
              "browser_to_script_finished_measures": "pointer press on the checkbox -> script_finished frame "
                                                     "received by the page (in-page clock)",
              "browser_measures": "pointer press on the checkbox -> page idle showing the new match line "
                                  "(in-page clock; includes drawing)",
              "cpus": os.cpu_count(), "load_average": {"start": [round(x, 1) for x in load_start],
                               "end": [round(x, 1) for x in os.getloadavg()]}}
    write_json(LAST_RUN_DIR / "protocol-vs-browser.json", result)
    write_report()
