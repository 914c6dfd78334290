"""`make loadtest-protocol`: 120 protocol-level sessions (benchmarks/st_protocol.py, no browser) through HAProxy to 3
replicas, spread over pages and languages, changing filters for minutes with 0 errors; then one replica is SIGKILLed
and each of its sessions must reconnect through the balancer and show its view again from its URL. Plain-HTTP
routes (/api/v1/, /record/) are fetched without a cookie before and after the kill: spread over every replica, the
same answer from each. `--compare` instead times one filter change with a protocol session and a browser session
on one server."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace

from bench_support import REPO, RESULTS_DIR, curated_source, git_state, percentile, write_json
from st_protocol import ProtocolSession, bool_state, strings_state

sys.path[:0] = [str(REPO), str(REPO / "deploy"), str(REPO / "tests")]
import cluster as deploy_cluster  # noqa: E402
from atlas import Filters, apply_filters, load_atlas  # noqa: E402
from atlas.i18n import language_context, t  # noqa: E402
from atlas.permalink import to_params  # noqa: E402
from browser_support import free_port  # noqa: E402
from components.filters import describe_active  # noqa: E402

from report import LAST_RUN_DIR, write_report  # noqa: E402

SESSIONS = 120
REPLICAS = 3
BEFORE_KILL_S = 180
AFTER_KILL_S = 60
# A visitor looks at the view between two changes. 120 visitors changing every ~40 s is ~3 reruns a second:
# a trial with one every ~12 s (~10 a second asked) got ~3 a second through 3 replicas on this shared 2-core
# machine (load average 4 from other work) with runs queueing for 8-25 s.
THINK_S = 40.0
ARRIVAL_GAP_S = 0.5
RECOVERY_LIMIT_S = 60
RUN_TIMEOUT_S = 180
# (URL path, page key in widget ids): the five pages of the atlas; the map's deck.gl JSON costs the server only.
PAGES = (("", "overview"), ("Map", "map"), ("Timeline", "timeline"), ("Explore", "explore"), ("About", "about"))
LANGUAGES = ("en", "ru", "zh")
PLAIN_PATHS = ("/api/v1/workshops.json", "/api/v1/events.csv?country=KZ", "/api/v1/")


class Expectations:
    """The match line a page must show for given filters and language, from the data layer in this process."""

    def __init__(self, data_dir) -> None:
        self.atlas = load_atlas(data_dir)
        self.central_asia = sorted(self.atlas.countries.loc[self.atlas.countries["region"] == "central_asia", "iso2"])
        self._lines: dict[tuple, str] = {}
        self.record_id = str(self.atlas.workshops["workshop_id"].iloc[0])   # for /record/<id>

    def country_option(self, code: str, language: str) -> str:
        """The countries multiselect's option for `code` as the page shows it: the name in the page's language
        (countries.csv name_ru/name_zh, English where none), which is what the browser sends back."""
        countries = self.atlas.countries.set_index("iso2")
        column = f"name_{language}"
        name = countries.at[code, column] if column in countries.columns else ""
        return name or countries.at[code, "name_en"]

    def match_line(self, filters: Filters, language: str) -> str:
        key = (filters, language)
        if key not in self._lines:
            selection = apply_filters(self.atlas, filters)
            with language_context(language):
                line = t("filters.match_line", workshops=len(selection.workshops),
                         workshops_total=selection.totals["workshops"], events=len(selection.events),
                         events_total=selection.totals["events"], active=describe_active(self.atlas, filters))
            self._lines[key] = " ".join(line.replace("**", "").split())
        return self._lines[key]

    def session_filters(self, index: int) -> tuple[Filters, str]:
        """This visitor's own country and recent year range, and a second country it switches to and back."""
        low, high = self.atlas.year_bounds
        recent = max(low, high - 15)
        start = recent + (index * 5) % max(1, high - recent)
        end = min(high, start + 2 + index % 6)
        countries = self.central_asia
        country = countries[index % len(countries)]
        second = countries[(index + 1 + index // len(countries)) % len(countries)]
        return Filters(countries=(country,), year_min=start, year_max=end), second


def query_string(filters: Filters, language: str) -> str:
    return urllib.parse.urlencode({**to_params(filters), **({"lang": language} if language != "en" else {})})


@dataclass
class Visitor:
    index: int
    page: str
    page_key: str
    language: str
    errors: list[str] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"before": [], "after": []})
    first_load_s: float | None = None
    replica: str = ""
    replica_after: str = ""
    recovery_s: float | None = None
    reconnect_s: float | None = None
    recovered: bool = False
    lost_reason: str = ""
    changes: int = 0


class Run:
    """What every visitor shares: the phase of the test and the data to check views against."""

    def __init__(self, expect: Expectations, think_s: float) -> None:
        self.expect = expect
        self.think_s = think_s
        self.kill = asyncio.Event()        # stop changing filters: the kill is coming
        self.killed = asyncio.Event()
        self.victim = ""
        self.killed_at = 0.0
        self.end_at = float("inf")
        self.in_flight = 0


def check(run_result, visitor: Visitor, expect: Expectations, filters: Filters, where: str) -> None:
    """The run drew no exception or error box, shows the match line for these filters in this visitor's
    language, and the address bar holds exactly these filters (and the language)."""
    for error in run_result.errors():
        visitor.errors.append(f"session {visitor.index} {where}: {error}")
    if run_result.widget_id(f"filter_regional:{visitor.page_key}") is None:
        visitor.errors.append(f"session {visitor.index} {where}: the run did not draw the {visitor.page_key} page")
    expected = expect.match_line(filters, visitor.language)
    if expected not in run_result.sidebar_texts():
        shown = [text for text in run_result.sidebar_texts() if text[:1] not in ("-", "")][:2]
        visitor.errors.append(f"session {visitor.index} {where}: match line {shown}, expected {expected!r}")
    query = dict(urllib.parse.parse_qsl(run_result.query_string))
    wanted = dict(urllib.parse.parse_qsl(query_string(filters, visitor.language)))
    if query != wanted:
        visitor.errors.append(f"session {visitor.index} {where}: URL {query}, expected {wanted}")


async def change(session: ProtocolSession, visitor: Visitor, state: dict, expect: Expectations) -> tuple:
    """One filter change, as a click would make it: every other change ticks/unticks regional events, the
    others switch the country between this visitor's two."""
    filters, second, last_run = state["filters"], state["second"], state["last_run"]
    if visitor.changes % 2 == 0:
        new = replace(filters, include_regional=not filters.include_regional)
        widget = last_run.widget_id(f"filter_regional:{visitor.page_key}")
        value = bool_state(new.include_regional)
    else:
        country = second if filters.countries[0] != second else state["country"]
        new = replace(filters, countries=(country,))
        element = next(e for e in last_run.of_type("multiselect")
                       if e.multiselect.id.endswith(f"-filter_countries:{visitor.page_key}"))
        widget = element.multiselect.id
        option = expect.country_option(country, visitor.language)
        if option not in element.multiselect.options:
            raise RuntimeError(f"no option {option!r} for {country} in {list(element.multiselect.options)}")
        value = strings_state([option])
    result = await session.rerun({widget: value})
    state["last_run"] = result
    return new, result


async def visitor_task(url: str, visitor: Visitor, run: Run) -> None:
    expect = run.expect
    filters, second = expect.session_filters(visitor.index)
    session = ProtocolSession(url, visitor.page, query_string(filters, visitor.language),
                              locale="en-US", run_timeout_s=RUN_TIMEOUT_S)
    state = {"filters": filters, "second": second, "country": filters.countries[0]}
    try:
        await session.open()
        first = await session.rerun()
        visitor.first_load_s = first.seconds
        visitor.replica = session.replica
        state["last_run"] = first
        check(first, visitor, expect, filters, "first load")
        while not run.kill.is_set():
            await sleep_or(run.kill, random.uniform(0.5, 1.5) * run.think_s)
            if run.kill.is_set():
                break
            run.in_flight += 1
            try:
                new, result = await change(session, visitor, state, expect)
            finally:
                run.in_flight -= 1
            state["filters"] = filters = new
            visitor.changes += 1
            visitor.latency["before"].append(result.seconds)
            check(result, visitor, expect, filters, f"change {visitor.changes}")
    except Exception as error:  # noqa: BLE001 - every failure is counted, none ends the test
        visitor.errors.append(f"session {visitor.index} before the kill: {type(error).__name__}: {error}")
        await session.close()
        return
    await run.killed.wait()
    try:
        if visitor.replica == run.victim:
            # The websocket drops with the replica. The frontend reconnects through the balancer, which sees the
            # pinned replica down and sends it to a live one; that replica has no session for it, so the next
            # rerun (the browser's, with its URL and widget values) must draw this visitor's view from the URL.
            await session.wait_closed(30)
            visitor.reconnect_s = await session.reconnect(RECOVERY_LIMIT_S)
            result = await session.rerun()
            check(result, visitor, expect, filters, "after reconnecting")
            visitor.recovery_s = time.perf_counter() - run.killed_at
            visitor.replica_after = session.replica
            state["last_run"] = result
            visitor.recovered = not visitor.errors
        while time.perf_counter() < run.end_at:
            await asyncio.sleep(random.uniform(0.5, 1.5) * run.think_s)
            if time.perf_counter() >= run.end_at:
                break
            new, result = await change(session, visitor, state, expect)
            state["filters"] = filters = new
            visitor.changes += 1
            visitor.latency["after"].append(result.seconds)
            check(result, visitor, expect, filters, f"change {visitor.changes} after the kill")
    except Exception as error:  # noqa: BLE001
        visitor.errors.append(f"session {visitor.index} after the kill: {type(error).__name__}: {error}")
    if visitor.replica == run.victim and not visitor.recovered:
        visitor.lost_reason = visitor.errors[-1] if visitor.errors else "no recovery"
    await session.close()


async def sleep_or(event: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        pass


def plain_http(url: str, record_id: str, rounds: int) -> dict:
    """Each path `rounds` times with no cookie (HAProxy offers its affinity cookie on every answer; a plain client
    never sends it back): which replica answered (X-Served-By), status, body digest."""
    served: Counter = Counter()
    failures: list[str] = []
    digests: dict[str, dict[str, set[str]]] = {}
    for _ in range(rounds):
        for path in PLAIN_PATHS + (f"/record/{record_id}",):
            try:
                with urllib.request.urlopen(url + path, timeout=90) as response:
                    body = response.read()
                    server = response.headers.get("X-Served-By", "?")
                    served[server] += 1
                    digests.setdefault(path, {}).setdefault(hashlib.sha256(body).hexdigest()[:12], set()).add(server)
            except (OSError, urllib.error.HTTPError) as error:
                failures.append(f"{path}: {error}")
    return {"requests": rounds * (len(PLAIN_PATHS) + 1), "per_replica": dict(sorted(served.items())),
            "failures": failures,
            "same_answer": all(len(found) == 1 for found in digests.values()),
            "answers": {path: {digest: sorted(servers) for digest, servers in found.items()}
                        for path, found in digests.items()}}


async def load(url: str, cluster, expect: Expectations, sessions: int, before_s: float, after_s: float,
               think_s: float) -> tuple[list[Visitor], dict]:
    run = Run(expect, think_s)
    visitors = []
    for index in range(sessions):
        path, key = PAGES[index % len(PAGES)]
        visitors.append(Visitor(index, path, key, LANGUAGES[(index // len(PAGES)) % len(LANGUAGES)]))
    started = time.perf_counter()
    tasks = []
    for visitor in visitors:
        tasks.append(asyncio.create_task(visitor_task(url, visitor, run)))
        await asyncio.sleep(ARRIVAL_GAP_S)
    await asyncio.sleep(max(0.0, before_s - (time.perf_counter() - started)))
    run.kill.set()
    # Let every session finish its current change (the longest wait a run may take), then crash the replica
    # holding the most sessions.
    settle_deadline = time.perf_counter() + RUN_TIMEOUT_S
    while time.perf_counter() < settle_deadline and (run.in_flight or not all(v.replica or v.errors
                                                                               for v in visitors)):
        await asyncio.sleep(0.2)
    counts = Counter(v.replica for v in visitors if v.replica)
    run.victim = counts.most_common(1)[0][0]
    plain_before = await asyncio.to_thread(plain_http, url, expect.record_id, 10)
    killed_after_s = time.perf_counter() - started
    deploy_cluster.kill_replica(cluster, run.victim)
    run.killed_at = time.perf_counter()
    run.end_at = run.killed_at + after_s
    run.killed.set()
    await asyncio.sleep(min(10, after_s / 2))
    plain_after = await asyncio.to_thread(plain_http, url, expect.record_id, 10)
    await asyncio.gather(*tasks)
    return visitors, {"victim": run.victim, "at_s": killed_after_s, "per_replica": dict(sorted(counts.items())),
                      "wall_s": time.perf_counter() - started, "plain_before": plain_before,
                      "plain_after": plain_after}


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round((percentile(values, 0.5) or 0) * 1000),
            "p95_ms": round((percentile(values, 0.95) or 0) * 1000), "max_ms": round(max(values, default=0) * 1000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=int(os.environ.get("SESSIONS", SESSIONS)))
    parser.add_argument("--replicas", type=int, default=REPLICAS)
    parser.add_argument("--duration", type=float, default=float(os.environ.get("DURATION_S", BEFORE_KILL_S)),
                        help="seconds of load before the kill")
    parser.add_argument("--after", type=float, default=AFTER_KILL_S, help="seconds of load after the kill")
    parser.add_argument("--think", type=float, default=THINK_S, help="mean seconds between a visitor's changes")
    parser.add_argument("--compare", action="store_true", help="protocol vs browser timing on one server instead")
    parser.add_argument("--name", default="protocol", help="benchmarks/last-run/<name>.json")
    args = parser.parse_args()
    if args.compare:
        from compare_protocol import compare
        compare()
        return
    source, label = curated_source(RESULTS_DIR / "fixture")
    expect = Expectations(source)
    state_dir = RESULTS_DIR / "cluster-protocol"
    load_start = os.getloadavg()
    cluster = deploy_cluster.start(args.replicas, free_port(), source, state_dir)
    try:
        visitors, kill = asyncio.run(load(cluster.url, cluster, expect, args.sessions, args.duration, args.after,
                                          args.think))
    finally:
        deploy_cluster.stop(state_dir)
    load_end = os.getloadavg()
    on_victim = [v for v in visitors if v.replica == kill["victim"]]
    others = [v for v in visitors if v.replica != kill["victim"]]
    recoveries = [v.recovery_s for v in on_victim if v.recovery_s is not None]
    errors = [e for v in visitors for e in v.errors]
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "git": git_state(), "dataset": label,
        "client": "benchmarks/st_protocol.py (Streamlit websocket + protobuf, no browser)",
        "replicas": args.replicas, "balancer": "HAProxy " + deploy_cluster.haproxy_version(),
        "sessions": args.sessions, "before_kill_s": args.duration, "after_kill_s": args.after, "think_s": args.think,
        "pages": Counter(v.page or "Overview" for v in visitors), "languages": Counter(v.language for v in visitors),
        "duration_s": round(kill["wall_s"], 1),
        "first_load": summary([v.first_load_s for v in visitors if v.first_load_s is not None]),
        "changes_before_kill": sum(len(v.latency["before"]) for v in visitors),
        "changes_after_kill": sum(len(v.latency["after"]) for v in visitors),
        "latency_before_kill": summary([x for v in visitors for x in v.latency["before"]]),
        "latency_after_kill": summary([x for v in visitors for x in v.latency["after"]]),
        "sessions_per_replica": kill["per_replica"],
        "errors": len(errors), "error_samples": errors[:20],
        "kill": {"replica": kill["victim"], "at_s": round(kill["at_s"], 1), "sessions_on_replica": len(on_victim),
                 "recovered": sum(1 for v in on_victim if v.recovered and not v.errors),
                 "lost": sum(1 for v in on_victim if not v.recovered or v.errors),
                 "lost_reasons": [v.lost_reason for v in on_victim if v.lost_reason][:10],
                 "recovery_limit_s": RECOVERY_LIMIT_S,
                 "reconnect_s_p50": round(percentile([v.reconnect_s for v in on_victim if v.reconnect_s], 0.5) or 0, 2),
                 "recovery_s_p50": round(percentile(recoveries, 0.5) or 0, 2),
                 "recovery_s_max": round(max(recoveries, default=0), 2),
                 "moved_to": dict(sorted(Counter(v.replica_after for v in on_victim if v.replica_after).items())),
                 "others_with_errors": sum(1 for v in others if v.errors)},
        "plain_http_before_kill": kill["plain_before"], "plain_http_after_kill": kill["plain_after"],
        "load_average": {"start": [round(x, 1) for x in load_start], "end": [round(x, 1) for x in load_end]},
        "cpus": os.cpu_count(),
    }
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    write_json(RESULTS_DIR / f"{args.name}-{stamp}.json", result)
    write_json(LAST_RUN_DIR / f"{args.name}.json", result)
    write_report()
    shown = {k: result[k] for k in ("sessions", "changes_before_kill", "changes_after_kill", "latency_before_kill",
                                     "latency_after_kill", "sessions_per_replica", "errors", "kill")}
    print(shown, flush=True)
    for when in ("plain_http_before_kill", "plain_http_after_kill"):
        print(when, result[when]["per_replica"], result[when]["same_answer"], result[when]["failures"][:5])
    for error in errors[:20]:
        print("  ", error)
    plain_failed = result["plain_http_before_kill"]["failures"] or result["plain_http_after_kill"]["failures"] \
        or not result["plain_http_before_kill"]["same_answer"] or not result["plain_http_after_kill"]["same_answer"]
    if errors or result["kill"]["lost"] or plain_failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
