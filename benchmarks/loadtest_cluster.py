"""`make loadtest-cluster`: browser sessions through HAProxy to 3 replicas changing filters; one replica is killed
mid-run and each of its sessions must reconnect to another replica and show its view again (from its URL)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from pathlib import Path

from playwright.async_api import async_playwright

from bench_support import REPO, RESULTS_DIR, curated_source, git_state, percentile, write_json
from loadtest import (DIAGNOSE_SCRIPT, PAGE_SCRIPT, STEP_TIMEOUT_S, Expectations, RunCounter, SessionLog, check_view, timed_change,
                      wait_for_view)

sys.path[:0] = [str(REPO / "deploy"), str(REPO / "tests")]
import cluster as deploy_cluster  # noqa: E402
from atlas.i18n import t  # noqa: E402
from atlas.permalink import to_params  # noqa: E402
from browser_support import CHROMIUM_FLAGS, chromium_executable, free_port  # noqa: E402

from report import LAST_RUN_DIR, write_report  # noqa: E402

SESSIONS = 6
BROWSERS = 2
REPLICAS = 3
BEFORE_KILL_S = 45
BEFORE_KILL_CAP_S = 300
AFTER_KILL_S = 45
RECOVERY_LIMIT_S = 60
RECONNECT_WAIT_S = 5
PAGES = ("", "Timeline", "About")   # Overview, Timeline, About: no deck.gl map (software WebGL starves 2 cores)


class Session:
    def __init__(self, index: int) -> None:
        self.log = SessionLog(index)
        self.changes = 0
        self.replica = ""
        self.recovery_s: float | None = None
        self.replica_after = ""
        self.recovered_filters = None
        self.recovery_outcome = ""
        self.errors_after_kill: list[str] = []


async def change_filters(session: Session, page, runs, expect, filters):
    """One filter change (tick/untick regional events) and the check of the view it gives."""
    regional = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text=t("filters.regional"))
    filters = replace(filters, include_regional=not filters.include_regional)
    await timed_change(page, runs, lambda: regional.click(), expect.match_line(filters))
    await check_view(page, expect, filters, session.log, f"change {session.changes + 1}")
    session.changes += 1
    return filters


async def first_run_elsewhere(session: Session, page, runs, expect, filters) -> None:
    """Click the regional switch on the reconnected page and wait for the run on the new replica. A fresh
    session there starts from the URL, so the click itself may be dropped: the view must show either the
    filters after the click or those in the URL before it, nothing else."""
    regional = page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text=t("filters.regional"))
    toggled = replace(filters, include_regional=not filters.include_regional)
    base = runs.count
    await regional.click()
    await runs.finished_after(base)
    for _ in range(40):
        line = (await page.evaluate(DIAGNOSE_SCRIPT))["line"]
        for candidate, outcome in ((toggled, "click kept"), (filters, "URL view kept, click dropped")):
            if line == expect.match_line(candidate):
                session.recovered_filters, session.recovery_outcome = candidate, outcome
                await check_view(page, expect, candidate, session.log, "after reconnecting")
                return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"after reconnecting the page shows {line!r}")


async def visitor(browser, url, expect, session: Session, phase: dict) -> None:
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_S * 1000)
    await context.add_init_script(PAGE_SCRIPT)
    page = await context.new_page()
    runs = RunCounter(page)
    page.on("pageerror", lambda error: session.log.errors.append(f"session {session.log.index}: page error: {error}"))
    filters, _ = expect.session_filters(session.log.index)
    try:
        query = "&".join(f"{k}={v}" for k, v in to_params(filters).items())
        await page.goto(f"{url}/{PAGES[session.log.index % len(PAGES)]}?{query}")
        await wait_for_view(page, runs, 0, expect.match_line(filters))
        session.replica = {c["name"]: c["value"] for c in await context.cookies()}.get("LUBAN_REPLICA", "?")
        while not phase["kill"].is_set():
            filters = await change_filters(session, page, runs, expect, filters)
    except Exception as error:
        session.log.errors.append(f"session {session.log.index} before the kill: {type(error).__name__}: "
                                  f"{str(error).splitlines()[0] if str(error) else ''}")
        await context.close()
        return
    await phase["killed"].wait()
    errors_before = len(session.log.errors)
    try:
        if session.replica == phase["victim"]:
            # The websocket dropped. The page reconnects by itself through the balancer (HAProxy sees the
            # pinned replica down and pins the browser to a live one); that replica has no session for it and
            # runs nothing until asked, so the page keeps showing its last view. The next filter change runs
            # there with the URL and widget values the browser sends: the view must follow this session's
            # filters, within the limit, counted from the kill.
            await asyncio.sleep(RECONNECT_WAIT_S)
            await asyncio.wait_for(first_run_elsewhere(session, page, runs, expect, filters), RECOVERY_LIMIT_S)
            filters = session.recovered_filters
            session.recovery_s = time.perf_counter() - phase["killed_at"]
            filters = await change_filters(session, page, runs, expect, filters)   # and it stays live
            session.replica_after = {c["name"]: c["value"] for c in await context.cookies()}.get("LUBAN_REPLICA", "?")
        end = time.perf_counter() + AFTER_KILL_S
        while time.perf_counter() < end:
            filters = await change_filters(session, page, runs, expect, filters)
        await check_view(page, expect, filters, session.log, "at the end")
    except Exception as error:
        session.log.errors.append(f"session {session.log.index} after the kill: {type(error).__name__}: "
                                  f"{str(error).splitlines()[0] if str(error) else ''}")
    session.errors_after_kill = session.log.errors[errors_before:]
    del session.log.errors[errors_before:]
    await context.close()


async def run(url: str, cluster, expect, sessions: int, browsers: int) -> tuple[list[Session], dict]:
    phase = {"kill": asyncio.Event(), "killed": asyncio.Event(), "victim": ""}
    started = time.perf_counter()
    async with async_playwright() as playwright:
        launched = [await playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                                     args=CHROMIUM_FLAGS) for _ in range(browsers)]
        visitors = [Session(i) for i in range(sessions)]
        tasks = [asyncio.create_task(visitor(launched[i % browsers], url, expect, s, phase))
                 for i, s in enumerate(visitors)]
        # Kill once every session has its view and has changed filters twice (or after a time cap): a kill
        # during the first page loads would measure start-up, not recovery.
        deadline = time.perf_counter() + BEFORE_KILL_CAP_S
        await asyncio.sleep(BEFORE_KILL_S)
        while time.perf_counter() < deadline and any(s.changes < 2 and not s.log.errors for s in visitors):
            await asyncio.sleep(1)
        phase["kill"].set()
        # Let every session finish its current change, then crash the replica holding the most sessions.
        await asyncio.sleep(10)
        counts = Counter(s.replica for s in visitors if s.replica)
        phase["victim"] = counts.most_common(1)[0][0] if counts else "r1"
        killed_at = time.perf_counter() - started
        deploy_cluster.kill_replica(cluster, phase["victim"])
        phase["killed_at"] = time.perf_counter()
        phase["killed"].set()
        await asyncio.gather(*tasks)
        for browser in launched:
            await browser.close()
    return visitors, {"victim": phase["victim"], "at_s": killed_at, "per_replica": dict(sorted(counts.items())),
                      "wall_s": time.perf_counter() - started}


def plain_http(url: str) -> str:
    """Health and a static file through the balancer with no cookie, several times: answered every time."""
    ok = 0
    for path in ("/_stcore/health", "/app/static/offline-map-style.json") * 5:
        try:
            with urllib.request.urlopen(url + path, timeout=10) as response:
                ok += response.status == 200
        except OSError:
            pass
    return f"{ok} of 10 requests answered (200) by whichever replica was alive"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--browsers", type=int, default=BROWSERS)
    parser.add_argument("--replicas", type=int, default=REPLICAS)
    args = parser.parse_args()
    source, label = curated_source(RESULTS_DIR / "fixture")
    expect = Expectations(source)
    state_dir = RESULTS_DIR / "cluster"
    cluster = deploy_cluster.start(args.replicas, free_port(), source, state_dir)
    try:
        visitors, kill = asyncio.run(run(cluster.url, cluster, expect, args.sessions, args.browsers))
        plain = plain_http(cluster.url)
    finally:
        deploy_cluster.stop(state_dir)
    on_victim = [s for s in visitors if s.replica == kill["victim"]]
    others = [s for s in visitors if s.replica != kill["victim"]]
    recoveries = [s.recovery_s for s in on_victim if s.recovery_s is not None]
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "git": git_state(), "dataset": label,
        "replicas": args.replicas, "balancer": "HAProxy " + deploy_cluster.haproxy_version(),
        "sessions": args.sessions, "duration_s": kill["wall_s"], "changes": sum(s.changes for s in visitors),
        "sessions_per_replica": ", ".join(f"{k}: {v}" for k, v in kill["per_replica"].items()),
        "errors_before_kill": sum(len(s.log.errors) for s in visitors),
        "errors": [e for s in visitors for e in s.log.errors + s.errors_after_kill],
        "kill": {"replica": kill["victim"], "at_s": kill["at_s"], "sessions_on_replica": len(on_victim),
                 "recovered": sum(1 for s in on_victim if s.recovery_s is not None and not s.errors_after_kill),
                 "lost": sum(1 for s in on_victim if s.recovery_s is None or s.errors_after_kill),
                 "recovery_limit_s": RECOVERY_LIMIT_S,
                 "recovery_s_p50": percentile(recoveries, 0.5) or 0, "recovery_s_max": max(recoveries, default=0),
                 "others_disturbed": sum(1 for s in others if s.errors_after_kill),
                 "moved_to": sorted({s.replica_after for s in on_victim if s.replica_after}),
                 "outcomes": dict(Counter(s.recovery_outcome for s in on_victim if s.recovery_outcome))},
        "plain_http": plain,
    }
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    write_json(RESULTS_DIR / f"cluster-{stamp}.json", result)
    write_json(LAST_RUN_DIR / "cluster.json", result)
    write_report()
    print({k: result[k] for k in ("changes", "errors_before_kill", "kill", "plain_http")}, flush=True)
    for error in result["errors"][:20]:
        print("  ", error)
    if result["errors_before_kill"] or result["kill"]["lost"] or result["kill"]["others_disturbed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
