"""Cross-check of the server-like AppTest timing against a real `streamlit run`: server CPU per filter rerun on one page.

A visitor in Chromium adds and removes a country in the sidebar; the server's CPU time across each rerun (from
/proc, so other work on the machine does not inflate it) is set beside the same page's server-like AppTest rerun
(script run + serializing its messages, shared compiled scripts) with the same changes, in this same process.
The server also pays Streamlit's websocket, its post-run garbage collection and the browser's requests, so its
figure is expected a little above AppTest's; a large gap would mean the harness misses real work. The server is
run twice, with Streamlit's post-run garbage collection (runner.postScriptGC, the default) and without it.
Usage: .venv/bin/python benchmarks/server_check.py [--page Map] [--reruns 6]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_support import (PAGES, REPO, RESULTS_DIR, copy_app, cpu_seconds, curated_source, median, start_server,
                           stop_server, write_json)

COUNTRY = ("KZ", "Kazakhstan")
RERUN_TIMEOUT_MS = 60_000


def wait_for_rerun(page) -> None:
    page.wait_for_timeout(300)   # the status widget appears only after a short delay; let the run start
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=RERUN_TIMEOUT_MS)


def server_reruns(app_dir: Path, data_dir: Path, url_path: str, reruns: int, log: Path,
                  extra_env: dict[str, str] | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    from browser_support import CHROMIUM_FLAGS, chromium_executable, wait_for_app
    server = start_server(app_dir, data_dir, log, extra_env)
    cpu: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/{url_path}")
            wait_for_app(page)
            box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
            for step in range(reruns + 1):
                before = cpu_seconds(server.process.pid)
                box.locator("input").click()
                if step % 2 == 0:   # add the country, then take it away again: one filter rerun each
                    page.keyboard.type(COUNTRY[1])
                    page.get_by_role("option", name=COUNTRY[1], exact=True).click()
                else:
                    page.keyboard.press("Backspace")
                page.keyboard.press("Escape")
                wait_for_rerun(page)
                page.wait_for_timeout(500)   # let the server finish sending and collecting garbage
                if step:   # the first change also loads this session's per-selection caches: a warm-up
                    cpu.append(cpu_seconds(server.process.pid) - before)
            browser.close()
    finally:
        stop_server(server)
    return {"cpu_s": cpu}


def apptest_reruns(app_dir: Path, data_dir: Path, page_path: str, reruns: int) -> dict[str, object]:
    sys.path.insert(0, str(app_dir))
    os.environ["LUBAN_ATLAS_DATA_DIR"] = str(data_dir)
    os.chdir(app_dir)
    import replay
    from apptest_worker import change_country, open_page
    replay.share_script_cache(True)
    app = open_page(app_dir, page_path)
    app.run()
    served, cpu = [], []
    for step in range(reruns + 1):
        change_country(app, [COUNTRY[0]] if step % 2 == 0 else []).run()
        if step:
            served.append(replay.LAST_RUN["script_s"] + replay.LAST_RUN["serialize_s"])
            cpu.append(replay.LAST_RUN["script_cpu_s"])
    return {"served_s": served, "script_cpu_s": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="Map", choices=[label for label, _, _ in PAGES if "(" not in label])
    parser.add_argument("--reruns", type=int, default=6)
    args = parser.parse_args()
    page_path, url_path = next((path, url) for label, path, url in PAGES if label == args.page)
    with tempfile.TemporaryDirectory(prefix="luban-server-check-") as temp:
        app_dir = copy_app(Path(temp) / "app")
        data_dir, label = curated_source(Path(temp) / "fixture")
        started = time.perf_counter()
        server = server_reruns(app_dir, data_dir, url_path, args.reruns, RESULTS_DIR / "logs" / "server-check.log")
        # The same with Streamlit's post-run gc.collect(2) off (runner.postScriptGC, on by default): what is left
        # is what the server-like AppTest figure measures.
        server_no_gc = server_reruns(app_dir, data_dir, url_path, args.reruns,
                                     RESULTS_DIR / "logs" / "server-check-no-gc.log",
                                     {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"})
        apptest = apptest_reruns(app_dir, data_dir, page_path, args.reruns)
    result = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "page": args.page,
              "server_no_gc": server_no_gc, "server_no_gc_cpu_median_s": median(server_no_gc["cpu_s"]),
              "dataset": label, "reruns": args.reruns, "server": server, "apptest": apptest,
              "server_cpu_median_s": median(server["cpu_s"]), "apptest_served_median_s": median(apptest["served_s"]),
              "apptest_script_cpu_median_s": median(apptest["script_cpu_s"]), "wall_s": time.perf_counter() - started}
    write_json(RESULTS_DIR / "server-check.json", result)
    write_json(REPO / "benchmarks" / "last-run" / "server-check.json", result)   # BENCHMARKS.md shows it
    print(f"{args.page}: real server CPU per filter rerun {result['server_cpu_median_s'] * 1000:.0f} ms (median of "
          f"{len(server['cpu_s'])}), {result['server_no_gc_cpu_median_s'] * 1000:.0f} ms without post-run GC; server-like AppTest {result['apptest_served_median_s'] * 1000:.0f} ms wall, "
          f"{result['apptest_script_cpu_median_s'] * 1000:.0f} ms script CPU")


if __name__ == "__main__":
    main()
