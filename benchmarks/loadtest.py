"""`make loadtest`: 20 concurrent browser visitors on one server; each must see only its own filters, with 0 errors."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench_support import (REPO, RESULTS_DIR, cpu_seconds, curated_source, git_state, percentile, start_server,
                           stop_server, write_json)

sys.path[:0] = [str(REPO), str(REPO / "tests")]
from atlas import Filters, apply_filters, load_atlas  # noqa: E402
from atlas.export import EXPORT_TABLES, file_name  # noqa: E402
from atlas.i18n import t  # noqa: E402
from atlas.permalink import to_params  # noqa: E402
from browser_support import CHROMIUM_FLAGS, chromium_executable  # noqa: E402
from components.filters import describe_active  # noqa: E402

from report import LAST_RUN_DIR, write_report  # noqa: E402

SESSIONS = 20
# Visitors come with their own browsers. All 20 in one Chromium share one GPU process, and with a deck.gl
# map in most tabs (software WebGL here) its frames stalled: page links on the Map page never became
# "stable" for Playwright within 3 minutes (6 sessions in one run). Five tabs per Chromium did not stall.
BROWSERS = 4
# (URL path, label of the sidebar link): every session starts on a different page and visits all of them.
PAGES = (("", "Overview"), ("Map", "Map"), ("Timeline", "Timeline"), ("Explore", "Explore & download"),
         ("About", "About the data"))
# 20 visitors share 2 cores with the server and Chromium's software WebGL: a wait this long is a hang.
STEP_TIMEOUT_S = 180
RSS_SAMPLE_INTERVAL_S = 0.5
# Visitors arrive 0.5 s apart (all 20 within 10 s, then all active together for minutes), not in one instant.
ARRIVAL_GAP_S = 0.5
# A step is done when the server has sent `script_finished` for a run started by the step (read from the
# app's websocket: reliable even when the browser, starved of CPU, batches the run's DOM updates into one)
# and the page then shows the expected match line with no running indicator and no stale element. The
# in-page MutationObserver stamps that moment with performance.now(), so polling adds nothing.
PAGE_SCRIPT = """
(() => {
  window.__lastAction = null;
  document.addEventListener('pointerdown', () => { window.__lastAction = performance.now(); }, true);
  const norm = (text) => text.replace(/\\s+/g, ' ').trim();
  let waiters = [];
  const ready = (expected) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-stale="true"]')) {
      return false;
    }
    const captions = document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]');
    return [...captions].some((caption) => norm(caption.innerText) === expected);
  };
  const check = () => {
    waiters = waiters.filter((waiter) => {
      if (!ready(waiter.expected)) return true;
      waiter.resolve(performance.now());
      return false;
    });
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, characterData: true,
                                                 attributes: true});
  window.__waitForView = (expected) => new Promise((resolve) => { waiters.push({expected, resolve}); check(); });
})();
"""
# Streamlit's script_finished message is a few bytes; frames this size or larger are deltas and skipped.
SMALL_FRAME_BYTES = 512


DIAGNOSE_SCRIPT = """() => ({
  state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  running: !!document.querySelector('[data-testid="stStatusWidget"]'),
  line: [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]')]
          .map((caption) => caption.innerText.replace(/\\s+/g, ' ').trim()).find((text) => text.startsWith('Showing')) || null,
})"""


@dataclass
class SessionLog:
    index: int
    errors: list[str] = field(default_factory=list)
    rerun_ms: list[float] = field(default_factory=list)
    switch_ms: list[float] = field(default_factory=list)
    first_load_ms: float | None = None
    downloads_ok: int = 0
    downloads_failed: int = 0
    download_note: str = ""
    steps: list[str] = field(default_factory=list)


class Expectations:
    """What a page must show for given filters, computed with the data layer in this process."""

    def __init__(self, data_dir: Path) -> None:
        self.atlas = load_atlas(data_dir)
        self.names = dict(zip(self.atlas.countries["iso2"], self.atlas.countries["name_en"]))

    def match_line(self, filters: Filters) -> str:
        selection = apply_filters(self.atlas, filters)
        line = t("filters.match_line", workshops=len(selection.workshops), workshops_total=selection.totals["workshops"],
                 events=len(selection.events), events_total=selection.totals["events"],
                 active=describe_active(self.atlas, filters))
        return " ".join(line.replace("**", "").split())

    def chips(self, filters: Filters) -> list[str]:
        return [self.names[code] for code in filters.countries]

    def session_filters(self, index: int) -> tuple[Filters, str]:
        """Filters for visitor `index`: its own country and year range; and a second country it adds later."""
        countries = sorted(self.atlas.countries.loc[self.atlas.countries["region"] == "central_asia", "iso2"])
        low, high = self.atlas.year_bounds
        # Ranges within the last 15 years, where most records are, each visitor a different one.
        recent = max(low, high - 15)
        start = recent + (index * 5) % max(1, high - recent)
        end = min(high, start + 2 + index % 6)
        country = countries[index % len(countries)]
        second = countries[(index + 1 + index // len(countries)) % len(countries)]
        if second == country:
            second = countries[(index + 1) % len(countries)]
        return Filters(countries=(country,), year_min=start, year_max=end), second


async def wait_for_view(page: Page, runs: "RunCounter", base: int, expected: str) -> float:
    """performance.now() in the page when a run started after `base` runs has finished and the page shows
    `expected` as its match line, idle."""
    try:
        await asyncio.wait_for(runs.finished_after(base), STEP_TIMEOUT_S)
        return await asyncio.wait_for(page.evaluate("(expected) => window.__waitForView(expected)", expected),
                                      STEP_TIMEOUT_S)
    except asyncio.TimeoutError:
        state = await page.evaluate(DIAGNOSE_SCRIPT)
        raise StepTimeout(f"no finished run showing the expected view within {STEP_TIMEOUT_S} s "
                          f"(script_finished messages {runs.count}, needed > {base}; script state {state['state']}; "
                          f"running indicator {state['running']}; match line now {state['line']!r}; "
                          f"expected {expected!r})") from None


class RunCounter:
    """Counts the server's script_finished messages on one page's websocket."""

    def __init__(self, page: Page) -> None:
        self.count = 0
        self._changed = asyncio.Event()
        page.on("websocket", self._watch)

    def _watch(self, socket) -> None:
        if "_stcore/stream" in socket.url:
            socket.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        if not isinstance(payload, (bytes, bytearray)) or len(payload) >= SMALL_FRAME_BYTES:
            return
        message = ForwardMsg()
        message.ParseFromString(bytes(payload))
        if message.WhichOneof("type") == "script_finished":
            self.count += 1
            self._changed.set()

    async def finished_after(self, base: int) -> None:
        while self.count <= base:
            self._changed.clear()
            await self._changed.wait()


class StepTimeout(Exception):
    pass


async def check_view(page: Page, expect: Expectations, filters: Filters, log: SessionLog, where: str) -> None:
    """The sidebar chips name exactly this session's countries, and no exception is shown."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    countries = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text=t("filters.countries"))
    # Streamlit 1.67's multiselect (react-aria): one [data-tag] per chip, named by its aria-label.
    chips = await countries.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]').evaluate_all(
        "tags => tags.map(tag => tag.getAttribute('aria-label'))")
    if chips != expect.chips(filters):
        log.errors.append(f"session {log.index} {where}: country chips {chips}, expected {expect.chips(filters)}")
    if await page.locator('[data-testid="stException"]').count():
        text = await page.locator('[data-testid="stException"]').first.inner_text()
        log.errors.append(f"session {log.index} {where}: exception on the page: {text[:200]}")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    if query != to_params(filters):
        # The URL is rewritten by the app after each run; give it one more moment before calling it wrong.
        await asyncio.sleep(1)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
        if query != to_params(filters):
            log.errors.append(f"session {log.index} {where}: URL {query}, expected {to_params(filters)}")


async def timed_change(page: Page, runs: RunCounter, action, expected: str) -> float:
    """Milliseconds from the visitor's last pointer press of `action` to the finished run showing `expected`."""
    base = runs.count
    await action()
    done = await wait_for_view(page, runs, base, expected)
    started = await page.evaluate("() => window.__lastAction")
    return done - started


async def download_csv(page: Page, expect: Expectations, filters: Filters, log: SessionLog) -> None:
    buttons = page.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV")
    try:
        # Under load the sidebar's match line can be drawn before the main column's download section: wait for the
        # button like a visitor would; one that never comes is a failed download, not a skipped step.
        await buttons.first.wait_for(state="visible", timeout=STEP_TIMEOUT_S * 1000)
        async with page.expect_download(timeout=STEP_TIMEOUT_S * 1000) as info:
            await buttons.first.click()
        download = await info.value
        failure = await download.failure()
        if failure:
            raise RuntimeError(failure)
        body = Path(await download.path()).read_bytes()
        name = download.suggested_filename
        table = next((t_name for t_name in EXPORT_TABLES if name.endswith(f"_{t_name}.csv")), None)
        selection = apply_filters(expect.atlas, filters)
        if table is None:
            raise RuntimeError(f"unexpected file name {name!r}")
        expected_name = file_name(expect.atlas, selection, "csv", table)
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        if name != expected_name:
            raise RuntimeError(f"file {name!r}, expected {expected_name!r} for this session's filters")
        if len(rows) - 1 != len(selection.table(table)):
            raise RuntimeError(f"{len(rows) - 1} {table} rows, expected {len(selection.table(table))}")
        log.downloads_ok += 1
    except Exception as error:  # every failure is counted and reported, none stops the other visitors
        log.downloads_failed += 1
        log.errors.append(f"session {log.index}: CSV download failed: {type(error).__name__}: {error}")


async def visitor(browser: Browser, base_url: str, expect: Expectations, index: int, delay_s: float = 0) -> SessionLog:
    log = SessionLog(index)
    await asyncio.sleep(delay_s)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(STEP_TIMEOUT_S * 1000)
    await context.add_init_script(PAGE_SCRIPT)
    page = await context.new_page()
    runs = RunCounter(page)
    page.on("pageerror", lambda error: log.errors.append(f"session {index}: page error: {error}"))

    async def on_dialog(dialog) -> None:
        log.errors.append(f"session {index}: dialog opened: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    filters, second_country = expect.session_filters(index)
    start = index % len(PAGES)
    sidebar = page.locator('[data-testid="stSidebar"]')
    regional = sidebar.locator('[data-testid="stCheckbox"]').filter(has_text=t("filters.regional"))
    countries = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text=t("filters.countries"))
    try:
        log.steps.append("open link")
        query = urllib.parse.urlencode(to_params(filters))
        await page.goto(f"{base_url}/{PAGES[start][0]}?{query}", timeout=STEP_TIMEOUT_S * 1000)
        log.first_load_ms = await wait_for_view(page, runs, 0, expect.match_line(filters))
        await check_view(page, expect, filters, log, f"opened {PAGES[start][1]}")

        log.steps.append("regional off")
        filters = replace(filters, include_regional=False)
        log.rerun_ms.append(await timed_change(
            page, runs, lambda: regional.click(), expect.match_line(filters)))
        await check_view(page, expect, filters, log, "after unticking regional events")

        log.steps.append("add country")
        filters = replace(filters, countries=(*filters.countries, second_country))

        async def add_country() -> None:
            await countries.click()
            await page.get_by_role("option", name=expect.names[second_country], exact=True).click()

        log.rerun_ms.append(await timed_change(page, runs, add_country, expect.match_line(filters)))
        await page.keyboard.press("Escape")
        await check_view(page, expect, filters, log, "after adding a country")

        log.steps.append("regional on")
        filters = replace(filters, include_regional=True)
        log.rerun_ms.append(await timed_change(
            page, runs, lambda: regional.click(), expect.match_line(filters)))
        await check_view(page, expect, filters, log, "after ticking regional events")

        for step in range(1, len(PAGES) + 1):
            path, label = PAGES[(start + step) % len(PAGES)]
            log.steps.append(f"switch to {label}")
            link = sidebar.locator('[data-testid="stPageLink"]').filter(has_text=label).first
            log.switch_ms.append(await timed_change(page, runs, link.click, expect.match_line(filters)))
            await check_view(page, expect, filters, log, f"on {label}")
            if path == "Explore":
                log.steps.append("download CSV")
                await download_csv(page, expect, filters, log)
    except Exception as error:  # a stuck or broken session is an error of the run, not a crash of the test
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        # Playwright's call log ends with why the action could not happen (e.g. "element is inert").
        detail = lines[0] + (" … " + " / ".join(lines[-2:]) if len(lines) > 2 else "") if lines else ""
        log.errors.append(f"session {index} at step '{log.steps[-1] if log.steps else 'start'}': "
                          f"{type(error).__name__}: {detail}")
        try:
            shot = RESULTS_DIR / "loadtest-screenshots" / f"session-{index}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(shot), full_page=True, timeout=30_000)
        except Exception:  # the screenshot is a diagnosis aid only
            pass
    finally:
        await context.close()
    return log


async def sample_rss(server, samples: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(server.rss_kib()["VmRSS"])
        try:
            await asyncio.wait_for(stop.wait(), RSS_SAMPLE_INTERVAL_S)
        except asyncio.TimeoutError:
            pass


async def run_load(base_url: str, server, expect: Expectations, sessions: int, browsers: int) -> dict[str, object]:
    async with async_playwright() as playwright:
        launched = [await playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                                     args=CHROMIUM_FLAGS) for _ in range(browsers)]
        # One untimed visitor first: the server's first run of each page imports plotly/pydeck and fills caches.
        warm = await visitor(launched[0], base_url, expect, sessions)
        rss_before = server.rss_kib()["VmRSS"]
        cpu_before = cpu_seconds(server.process.pid)
        samples: list[int] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(server, samples, stop))
        started = time.perf_counter()
        logs = await asyncio.gather(*(visitor(launched[i % browsers], base_url, expect, i, i * ARRIVAL_GAP_S)
                                      for i in range(sessions)))
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(server.process.pid) - cpu_before
        stop.set()
        await sampler
        for browser in launched:
            await browser.close()
    await asyncio.sleep(2)
    rss = server.rss_kib()
    return {"logs": logs, "warmup_errors": warm.errors, "wall_s": wall, "server_cpu_s": server_cpu,
            "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
            "rss": {"before": rss_before, "peak": max(samples + [rss["VmHWM"]]), "after": rss["VmRSS"],
                    "samples": len(samples)}}


def summarise(result: dict[str, object], sessions: int, browsers: int, dataset: str) -> dict[str, object]:
    logs: list[SessionLog] = result["logs"]
    reruns = [value for log in logs for value in log.rerun_ms]
    switches = [value for log in logs for value in log.switch_ms]
    errors = [error for log in logs for error in log.errors]
    notes = sorted({log.download_note for log in logs if log.download_note})

    def stats(values: list[float]) -> dict[str, float]:
        return {"count": len(values), "p50": percentile(values, 0.5) or 0, "p95": percentile(values, 0.95) or 0,
                "max": max(values, default=0)}

    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "git": git_state(),
        "dataset": dataset, "sessions": sessions,
        "sessions_ok": sum(1 for log in logs if not log.errors),
        "errors": errors, "warmup_errors": result["warmup_errors"],
        "latency_ms": stats(reruns), "page_switch_ms": stats(switches),
        "first_load_ms": stats([log.first_load_ms for log in logs if log.first_load_ms is not None]),
        "downloads": {"ok": sum(log.downloads_ok for log in logs), "failed": sum(log.downloads_failed for log in logs),
                      "note": "; ".join(notes)},
        "server_rss_kib": result["rss"], "wall_s": result["wall_s"], "server_cpu_s": result["server_cpu_s"],
        "browsers": browsers, "loadavg_after": result["loadavg"],
        "per_session": [{"index": log.index, "errors": len(log.errors), "rerun_ms": log.rerun_ms,
                         "switch_ms": log.switch_ms, "steps": log.steps[-1:] } for log in logs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--browsers", type=int, default=BROWSERS, help="Chromium processes the sessions are spread over")
    parser.add_argument("--data", type=Path, help="data directory (default: data/, or the test fixture if absent)")
    parser.add_argument("--no-report", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="luban-loadtest-") as temp:
        if args.data:
            data_dir, dataset = args.data, str(args.data)
        else:
            data_dir, dataset = curated_source(Path(temp) / "fixture")
        expect = Expectations(data_dir)
        server = start_server(REPO, data_dir, RESULTS_DIR / "logs" / "loadtest-server.log")
        try:
            print(f"[loadtest] {args.sessions} sessions against {server.url} ({dataset})", flush=True)
            result = asyncio.run(run_load(server.url, server, expect, args.sessions, args.browsers))
        finally:
            stop_server(server)
    summary = summarise(result, args.sessions, args.browsers, dataset)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    write_json(RESULTS_DIR / f"loadtest-{stamp}.json", summary)
    if not args.no_report:
        write_json(LAST_RUN_DIR / "loadtest.json", summary)
        write_report()
    latency = summary["latency_ms"]
    print(f"[loadtest] {summary['sessions_ok']}/{args.sessions} sessions clean, {len(summary['errors'])} errors; "
          f"rerun p50 {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms; switch p50 "
          f"{summary['page_switch_ms']['p50']:.0f} ms; downloads {summary['downloads']}; "
          f"server RSS {summary['server_rss_kib']['before'] / 1024:.0f} → peak "
          f"{summary['server_rss_kib']['peak'] / 1024:.0f} MiB", flush=True)
    for error in summary["errors"][:30] + summary["warmup_errors"][:5]:
        print(f"[loadtest] ERROR {error}", flush=True)
    sys.exit(1 if summary["errors"] or summary["downloads"]["failed"] else 0)


if __name__ == "__main__":
    main()
