"""`make bench-load`: load_atlas, vectorised vs the per-value reference code, at 1x-1000x in one run (ratios)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench_support import REPO, RESULTS_DIR, csv_megabytes, curated_source, git_state, machine_description, median, \
    synthetic_dataset, write_json
from report import LAST_RUN_DIR, write_report

# (scale, repetitions): each repetition loads once with each implementation, each in a fresh process, the
# order alternating, so both see the same machine load.
PLAN = ((1, 5), (10, 3), (100, 2), (1000, 2))
QUICK_PLAN = ((1, 2), (10, 1))
TARGET_S = 3.0


def worker(implementation: str, data_dir: str) -> None:
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    os.environ["LUBAN_ATLAS_MAX_TABLE_MB"] = "100000"   # 1000x tables exceed the guard on purpose
    import contextlib

    from atlas.load import load_atlas
    context = contextlib.nullcontext()
    if implementation == "reference":
        import reference_load
        context = reference_load.reference_code()
    with context:
        wall, cpu = time.perf_counter(), time.process_time()
        atlas = load_atlas(data_dir)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = {name: len(getattr(atlas, name)) for name in ("workshops", "events", "institutions", "sources", "claims")}
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "rows": rows, "fingerprint": atlas.fingerprint(),
                      "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(implementation: str, data_dir: Path) -> dict:
    finished = subprocess.run([sys.executable, __file__, "--worker", implementation, str(data_dir)],
                              capture_output=True, text=True, cwd=REPO, timeout=900)
    if finished.returncode != 0:
        raise RuntimeError(f"{implementation} load of {data_dir} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1x and 10x only (a smoke run; nothing committed)")
    parser.add_argument("--worker", nargs=2, metavar=("IMPLEMENTATION", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    started = time.perf_counter()
    source, label = curated_source(RESULTS_DIR / "fixture")
    run = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "git": git_state(),
           "machine": machine_description(), "dataset": label, "loadavg_before": _loadavg(), "scales": {}}
    for scale, reps in QUICK_PLAN if args.quick else PLAN:
        data_dir = source if scale == 1 else synthetic_dataset(source, scale, RESULTS_DIR / "datasets")[0]
        samples: dict[str, list[dict]] = {"new": [], "reference": []}
        for rep in range(reps):
            for implementation in (("new", "reference") if rep % 2 == 0 else ("reference", "new")):
                samples[implementation].append(measure(implementation, data_dir))
                print(f"[bench-load] {scale}x {implementation}: {samples[implementation][-1]['wall_s']:.2f} s wall, "
                      f"{samples[implementation][-1]['cpu_s']:.2f} s CPU", flush=True)
        same = {sample["fingerprint"] for sample in samples["new"] + samples["reference"]}
        result = {"reps": reps, "csv_mb": round(sum(csv_megabytes(data_dir).values()), 1),
                  "rows": samples["new"][0]["rows"], "identical": len(same) == 1}
        for implementation, values in samples.items():
            result[implementation] = {key: median([v[key] for v in values]) for key in ("wall_s", "cpu_s", "max_rss_mib")}
        result["speedup_wall"] = result["reference"]["wall_s"] / result["new"]["wall_s"]
        result["speedup_cpu"] = result["reference"]["cpu_s"] / result["new"]["cpu_s"]
        run["scales"][str(scale)] = result
    run["loadavg_after"] = _loadavg()
    run["total_s"] = time.perf_counter() - started
    run["target_s"] = TARGET_S
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS_DIR / f"load-{stamp}.json", run)
    if not args.quick:
        write_json(LAST_RUN_DIR / "load.json", run)
        write_report()
    print(json.dumps({scale: {k: r[k] for k in ("speedup_wall", "speedup_cpu", "identical")} | {"new": r["new"]}
                      for scale, r in run["scales"].items()}, indent=1))


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "–"


if __name__ == "__main__":
    main()
