"""Requests per second and p95 latency of the plain-HTTP routes against a trivial route, on one real server.

Run: `.venv/bin/python benchmarks/api_bench.py [--requests 200] [--concurrency 8]`. It starts `streamlit run
serve.py` (what `make run` starts) on the curated data, warms every route once, then sends the same number of
requests to each route from a pool of threads, the trivial route (/_stcore/health, no data) measured in the
same run, and writes benchmarks/results/api.json. Ratios to the trivial route are what to compare across
machines; absolute numbers depend on the 2 shared cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_support import REPO, RESULTS_DIR, git_state, percentile, start_server, stop_server  # noqa: E402

ROUTES = (
    ("trivial: /_stcore/health", "/_stcore/health"),
    ("API index", "/api/v1/"),
    ("events JSON, KZ 2023-2025", "/api/v1/events.json?country=KZ&years=2023..2025"),
    ("events CSV, whole table", "/api/v1/events.csv"),
    ("sources JSON, page 2 of 50", "/api/v1/sources.json?limit=50&page=2"),
    ("bad parameter (400)", "/api/v1/events.json?country=XX"),
    ("record page LW-KZ-01", "/record/LW-KZ-01"),
    ("record page 404", "/record/EV-999"),
    ("/dataset", "/dataset"),
    ("download ZIP, KZ", "/api/v1/download.zip?country=KZ"),
    ("download XLSX, all", "/api/v1/download.xlsx"),
)


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return time.perf_counter() - started, status


def measure(base: str, path: str, requests: int, concurrency: int) -> dict[str, object]:
    fetch(base + path)   # warm: the first request of a route loads the data and the catalogs
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda _: fetch(base + path), range(requests)))
    wall = time.perf_counter() - started
    latencies = [seconds * 1000 for seconds, _ in results]
    return {"requests": requests, "rps": requests / wall, "p50_ms": percentile(latencies, 0.5),
            "p95_ms": percentile(latencies, 0.95), "statuses": sorted({status for _, status in results})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        server = start_server(REPO, REPO / "data", Path(temp) / "api-bench.log")
        try:
            rows = [(label, path, measure(server.url, path, args.requests, args.concurrency))
                    for label, path in ROUTES]
        finally:
            stop_server(server)
    trivial = rows[0][2]
    print(f"{'route':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95 / trivial':>14}  statuses")
    for label, _, result in rows:
        print(f"{label:34} {result['rps']:8.1f} {result['p50_ms']:8.1f} {result['p95_ms']:8.1f} "
              f"{result['p95_ms'] / trivial['p95_ms']:14.1f}  {result['statuses']}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "api.json").write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": git_state(),
        "requests": args.requests, "concurrency": args.concurrency,
        "routes": [{"label": label, "path": path, **result} for label, path, result in rows]}, indent=1))


if __name__ == "__main__":
    main()
