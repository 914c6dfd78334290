"""BENCHMARKS.md section for `make loadtest-protocol` and its `--compare` run (benchmarks/last-run/protocol*.json)."""

from __future__ import annotations

import json
from pathlib import Path

LAST_RUN_DIR = Path(__file__).resolve().parent / "last-run"


def _read(name: str) -> dict | None:
    path = LAST_RUN_DIR / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _counts(mapping: dict) -> str:
    return ", ".join(f"{key}: {value}" for key, value in mapping.items()) or "–"


def _latency(summary: dict) -> str:
    return f"{summary['p50_ms']:,} / {summary['p95_ms']:,} / {summary['max_ms']:,} ms ({summary['n']:,} changes)"


def _plain(plain: dict) -> str:
    failures = len(plain["failures"])
    return (f"{plain['requests']} requests, answered by {_counts(plain['per_replica'])}; "
            f"{'the same answer from every replica' if plain['same_answer'] else '**different answers**'}; "
            f"{failures} failed")


def _comparison(compare: dict | None) -> list[str]:
    if not compare:
        return ["`make loadtest-protocol-compare` has not been run yet.", ""]
    lines = [f"**Protocol client against the browser** (run {compare['date']} on `{compare['git']}`, one server, "
             f"{compare['changes_per_client']} ticks/unticks of \"regional events\" per client, taking turns; "
             f"load average {compare['load_average']['start'][0]} at the start on {compare.get('cpus', 2)} cores "
             "shared with other work):", "",
             "| Page | Protocol client: rerun sent → script_finished (median / p95) "
             "| Chromium: rerun sent → script_finished arrives | Chromium: press → script_finished arrives "
             "| Chromium: press → new view drawn |", "|---|---|---|---|---|"]
    for page, result in compare["pages"].items():
        cells = [result["protocol"], result["browser_sent_to_script_finished"], result["browser_to_script_finished"],
                 result["browser"]]
        lines.append(f"| {page} | " + " | ".join(f"{c['median_ms']} / {c['p95_ms']} ms" for c in cells) + " |")
    return lines + ["", "The two clients take turns on the same server, one change each. The protocol client does not "
                    "draw: its timing stops where the browser's drawing starts (the last column adds it). In the page, "
                    "a frame's arrival is stamped when the page's busy main thread gets to it, after the deltas "
                    "before it have been handled.", ""]


def protocol_section(result: dict | None, compare: dict | None = None) -> list[str]:
    """The section: the load test's figures, the kill, plain HTTP, and the protocol-vs-browser check."""
    compare = compare if compare is not None else _read("protocol-vs-browser.json")
    lines = ["## 100+ sessions through the balancer, protocol-level client (`make loadtest-protocol`)", ""]
    if not result:
        return lines + ["`make loadtest-protocol` has not been run yet.", ""] + _comparison(compare)
    kill = result["kill"]
    load = result["load_average"]
    lines += [f"Run {result['date']} on `{result['git']}`: {result['replicas']} Streamlit replicas behind "
              f"{result['balancer']} on loopback; {result['sessions']} concurrent sessions from one Python process "
              f"(`benchmarks/st_protocol.py`: Streamlit's websocket and protobuf messages, no browser), over the pages "
              f"({_counts(result['pages'])}) and languages ({_counts(result['languages'])}), each changing a filter "
              f"every ~{result['think_s']:.0f} s (regional events on/off, then its country) for "
              f"{result['before_kill_s']:.0f} s; then replica {kill['replica']} was killed (SIGKILL) and the load ran "
              f"{result['after_kill_s']:.0f} s more. Load average {load['start'][0]} at the start, {load['end'][0]} "
              f"at the end, on {result['cpus']} cores shared with other work.", "",
              "| Measure | Result |", "|---|---|",
              f"| Sessions per replica before the kill | {_counts(result['sessions_per_replica'])} |",
              f"| First view (rerun → script_finished) p50 / p95 / max | {_latency(result['first_load'])} |",
              f"| Filter change p50 / p95 / max, before the kill | {_latency(result['latency_before_kill'])} |",
              f"| Filter change p50 / p95 / max, after the kill (2 replicas) | {_latency(result['latency_after_kill'])} |",
              f"| Errors (exception or error box drawn, wrong match line, wrong URL, wrong page, closed stream, "
              f"timeout) | **{result['errors']}** |",
              f"| Sessions on the killed replica | {kill['sessions_on_replica']} |",
              f"| … reconnected through the balancer ({_counts(kill['moved_to'])}) and drew their filtered view "
              f"from their URL on the first rerun there, then kept changing filters without error | {kill['recovered']} |",
              f"| … lost | **{kill['lost']}** |",
              f"| Kill → websocket open again (p50) / kill → right view (p50 / max) | {kill['reconnect_s_p50']:.1f} s / "
              f"{kill['recovery_s_p50']:.1f} / {kill['recovery_s_max']:.1f} s |",
              f"| Sessions on the other replicas with an error after the kill | {kill['others_with_errors']} |",
              f"| Plain HTTP (`/api/v1/…`, `/record/<id>`), no cookie, before the kill | "
              f"{_plain(result['plain_http_before_kill'])} |",
              f"| … after the kill | {_plain(result['plain_http_after_kill'])} |", ""]
    if result.get("error_samples"):
        lines += ["Errors:", ""] + [f"- {error}" for error in result["error_samples"]] + [""]
    return lines + _comparison(compare)
