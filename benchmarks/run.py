"""`make bench`: time every page against a floor page at 1x/10x/100x/1000x and in a browser, then write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import (PAGES, REPO, RESULTS_DIR, copy_app, csv_megabytes, curated_source, git_state,
                           machine_description, median, start_server, stop_server, synthetic_dataset,
                           write_json)
from report import HISTORY_PATH, LAST_RUN_DIR, headline, write_report

# (scale, sessions per page, load_atlas repetitions); each session is a first run and 3 filter reruns (2 at
# 1000x), followed by the page's replay floor (first run + as many reruns). Fewer at the large scales keep
# `make bench` under 15 minutes on 2 cores: at 1000x one load takes up to half a minute (a minute when the
# machine is shared) and one page rerun several seconds. Since the replay floor doubled each session, 10x and
# 100x run 2 sessions (were 3 and 2) and load_atlas is repeated 3/2/1/1 times (was 5/3/2/1).
PLAN = ((1, 5, 3), (10, 2, 2), (100, 2, 1), (1000, 1, 1))
QUICK_PLAN = ((1, 2, 2), (10, 1, 1))
# Plain AppTest (a fresh script cache, so a recompile of app.py and the page on every run) is timed beside the
# server-like figures at curated size only: it is the same work plus compiling, so one scale shows the gap.
PLAIN_APPTEST_SCALES = (1,)
# From this scale on, each page runs in its own process with a time limit (a page that is quadratic in
# the data would otherwise hold the whole benchmark), and the data is loaded once and handed over pickled.
ISOLATE_FROM_SCALE = 1000
SESSION_LIMIT_S = 180
BROWSER_REPS = 3


def run_worker(app_dir: Path, data_dir: Path, name: str, options: list[str], logs: Path,
               timeout_s: float | None = None) -> dict[str, object]:
    out = RESULTS_DIR / f"worker-{name}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(REPO / "benchmarks" / "apptest_worker.py"), "--app", str(app_dir),
               "--data", str(data_dir), "--out", str(out), *options]
    log_path = logs / f"worker-{name}.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        try:
            finished = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=app_dir, timeout=timeout_s)
            failed = finished.returncode != 0
        except subprocess.TimeoutExpired:
            failed = True
    if failed or not out.exists():
        tail = "\n".join(line for line in log_path.read_text().splitlines() if "ScriptRunContext" not in line)[-3000:]
        raise RuntimeError(f"benchmark worker {name} failed (log {log_path}):\n{tail}")
    result = json.loads(out.read_text())
    result["wall_s"] = time.perf_counter() - started
    return result


def measure_scale(app_dir: Path, data_dir: Path, scale: int, reps: int, load_reps: int, profile: bool,
                  lift_guard: bool, temp_dir: Path, logs: Path) -> dict[str, object]:
    common = ["--reps", str(reps), "--load-reps", str(load_reps)] + (["--lift-size-guard"] if lift_guard else [])
    if scale < ISOLATE_FROM_SCALE:
        return run_worker(app_dir, data_dir, f"x{scale}", common + ["--warmup", "--memory"]
                          + (["--plain-apptest"] if scale in PLAIN_APPTEST_SCALES else [])
                          + (["--profile"] if profile else []), logs)

    pickled = temp_dir / f"atlas-x{scale}.pkl"
    result = run_worker(app_dir, data_dir, f"x{scale}-data",
                        common + ["--pages", "none", "--changes", "2", "--dump-atlas", str(pickled)]
                        + (["--profile"] if profile else []), logs)
    result["pages"] = {}
    result["isolated_pages"] = True
    result["session_limit_s"] = SESSION_LIMIT_S
    for label, _, _ in PAGES:
        print(f"[bench] {scale}x {label}", flush=True)
        page = run_worker(app_dir, data_dir, f"x{scale}-{label}",
                          common + ["--pages", label, "--changes", "2", "--atlas-pickle", str(pickled),
                                    "--session-limit", str(SESSION_LIMIT_S), "--sample-pages", "--memory"],
                          logs, timeout_s=SESSION_LIMIT_S * reps + 180)
        result["pages"][label] = page["pages"][label]
        result["pages"][label]["rss_after_load_mib"] = page.get("rss_after_load_mib")
        result.setdefault("served_atlas_ids_by_page", {})[label] = page.get("served_atlas_ids")
        result["wall_s"] += page["wall_s"]
    pickled.unlink(missing_ok=True)
    if lift_guard:
        # As shipped (guard on) the app refuses this dataset: its refusal page must rerun from the cached failure.
        print(f"[bench] {scale}x refusal page (size guard on)", flush=True)
        refusal = run_worker(app_dir, data_dir, f"x{scale}-refusal", ["--reps", "1", "--changes", "3", "--refusal"],
                             logs, timeout_s=600)
        result["refusal"] = refusal["refusal"]
        result["wall_s"] += refusal["wall_s"]
    if profile:
        candidates = [(record.get("stopped_after_s", 0), median(record["rerun_s"]) or 0, label)
                      for label, record in result["pages"].items() if label != "Floor" and record.get("profile")]
        if candidates:
            _, _, slowest = max(candidates)
            record = result["pages"][slowest]
            result["rerun_profile"] = {"page": slowest, "reruns": len(record["rerun_s"]),
                                       "stopped": bool(record.get("stopped_after_s")), **record["profile"]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1x and 10x only, few repetitions (a smoke run)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--plan", help="scale:sessions:loads,... instead of the full plan, e.g. 1:1:1,1000:1:1 "
                                       "(like --quick, a smoke run that does not replace the committed numbers)")
    args = parser.parse_args()

    started = time.perf_counter()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    logs = RESULTS_DIR / "logs"
    logs.mkdir(exist_ok=True)
    sys.path.insert(0, str(REPO))
    from atlas.load import max_table_mb
    max_table_bytes = max_table_mb() * 1024 * 1024

    run: dict[str, object] = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                              "machine": {**machine_description(), "loadavg_before": loadavg()}, "git": git_state(),
                              "quick": bool(args.quick or args.plan), "scales": {}}
    with tempfile.TemporaryDirectory(prefix="luban-bench-") as temp:
        temp_dir = Path(temp)
        app_dir = copy_app(temp_dir / "app")
        source, source_label = curated_source(temp_dir / "fixture")
        run["dataset"] = source_label
        plan = (tuple(tuple(int(part) for part in item.split(":")) for item in args.plan.split(",")) if args.plan
                else QUICK_PLAN if args.quick else PLAN)
        for scale, reps, load_reps in plan:
            if scale == 1:
                data_dir, generated_s = source, 0.0
            else:
                data_dir, generated_s = synthetic_dataset(source, scale, RESULTS_DIR / "datasets")
            sizes = csv_megabytes(data_dir)
            lift_guard = max(sizes.values()) * 1e6 > max_table_bytes
            print(f"[bench] {scale}x: {sum(sizes.values()):.1f} MB of CSV, {reps} session(s) per page", flush=True)
            result = measure_scale(app_dir, data_dir, scale, reps, load_reps, profile=scale in (1, plan[-1][0]),
                                   lift_guard=lift_guard, temp_dir=temp_dir, logs=logs)
            result.update(scale=scale, csv_mb=sizes, generated_s=generated_s, size_guard_lifted=lift_guard,
                          size_guard_mb=max_table_bytes / 1e6)
            run["scales"][str(scale)] = result
            print(f"[bench] {scale}x done in {result['wall_s']:.0f} s", flush=True)

        if not args.no_browser:
            from browser_timing import expected_marks, measure_browser
            curated = run["scales"]["1"]["pages"]
            expected = {label: expected_marks(curated[label].get("payload", {})) for label, _, _ in PAGES}
            server = start_server(app_dir, source, logs / "browser-server.log")
            try:
                print(f"[bench] browser: {BROWSER_REPS} fresh visitors per page", flush=True)
                run["browser"] = measure_browser(server.url, 1 if args.quick else BROWSER_REPS, expected)
                run["browser"]["server_rss_kib"] = server.rss_kib()
            finally:
                stop_server(server)

    run["total_s"] = time.perf_counter() - started
    run["machine"]["loadavg_after"] = loadavg()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    write_json(RESULTS_DIR / f"bench-{stamp}.json", run)
    if args.quick or args.plan:
        # A smoke run must not replace the committed numbers.
        print(f"[bench] quick run: results in {RESULTS_DIR / f'bench-{stamp}.json'}", flush=True)
        return
    write_json(LAST_RUN_DIR / "bench.json", run)
    with HISTORY_PATH.open("a", encoding="utf-8") as history:
        history.write(json.dumps(headline(run)) + "\n")
    write_report()
    print(f"[bench] wrote BENCHMARKS.md in {run['total_s'] / 60:.1f} min", flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "–"


if __name__ == "__main__":
    main()
