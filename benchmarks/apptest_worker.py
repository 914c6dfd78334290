"""One dataset, one fresh process: load, filter and AppTest page timings, payload sizes and an optional profile, as JSON."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import json
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from bench_support import PAGES, median, write_json
from sampler import StackSampler

# Generous: the first run at 1000x unpickles ~300 MB of frames and draws every page.
APPTEST_TIMEOUT_S = 900
# Only plain JSON lists count as rows; plotly 6+ may also ship typed arrays as {"dtype", "bdata"}.
PLOTLY_ARRAY_KEYS = ("x", "y", "z", "lat", "lon", "values", "labels", "locations", "r", "theta", "ids")
DTYPE_BYTES = {"f8": 8, "f4": 4, "i1": 1, "u1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "i8": 8, "u8": 8}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", type=Path, required=True, help="the throwaway app copy (with the floor page)")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reps", type=int, default=5, help="fresh sessions per page")
    parser.add_argument("--load-reps", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile the load and the slowest page rerun")
    parser.add_argument("--pages", default="all", help="'all', 'none' or labels like Floor,Map")
    parser.add_argument("--changes", type=int, default=3, help="filter changes per session (2 drops the second country)")
    parser.add_argument("--dump-atlas", type=Path, help="write the loaded atlas (pickled) for per-page workers")
    parser.add_argument("--atlas-pickle", type=Path, help="start from a pickled atlas instead of loading data")
    parser.add_argument("--session-limit", type=float,
                        help="seconds for one page session (first run + reruns) before the page is recorded as stopped")
    parser.add_argument("--warmup", action="store_true", help="one untimed session per page first")
    parser.add_argument("--sample-pages", action="store_true", help="profile every measured page session")
    parser.add_argument("--profile-rounds", type=int, default=2, help="times the filter changes are replayed")
    parser.add_argument("--plain-apptest", action="store_true",
                        help="also time every session with AppTest's own per-run script cache (recompiles each run)")
    parser.add_argument("--memory", action="store_true",
                        help="RSS after load and after each page, and one filter rerun under tracemalloc")
    parser.add_argument("--refusal", action="store_true",
                        help="only time the Overview refusing this dataset with the size guard on")
    parser.add_argument("--lift-size-guard", action="store_true",
                        help="raise the table size limit (LUBAN_ATLAS_MAX_TABLE_MB) so oversized synthetic tables can be measured")
    return parser.parse_args()


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def progress(message: str) -> None:
    print(f"[worker {time.strftime('%H:%M:%S')}] {message}", flush=True)


def typical_filters(atlas) -> dict[str, object]:
    """A few filters a visitor would set: one country, recent years, a status, a search word, a combination."""
    from atlas import Filters
    busiest = atlas.workshops["country"].value_counts().index[0]
    low, high = atlas.year_bounds
    recent = (max(low, high - 4), high)
    return {
        "none": Filters(),
        f"country={busiest}": Filters(countries=(busiest,)),
        f"years={recent[0]}..{recent[1]}": Filters(year_min=recent[0], year_max=recent[1]),
        "status=operating": Filters(statuses=("operating",)),
        "text=university": Filters(text="university"),
        f"country={busiest}+years+text": Filters(countries=(busiest,), year_min=recent[0], year_max=recent[1],
                                                 text="university"),
    }


def rerun_countries(atlas, count: int) -> list[list[str]]:
    """The filter changes replayed after each first run: the busiest country, (the second,) then all again."""
    ranked = list(atlas.workshops["country"].value_counts().index)
    first = ranked[0]
    second = ranked[1] if len(ranked) > 1 else ranked[0]
    return [[first], [second], []] if count >= 3 else [[first], []]


def _array_length(value: object) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and "bdata" in value:
        import base64
        size = len(base64.b64decode(value["bdata"]))
        shape = value.get("shape")
        if isinstance(shape, str) and shape:
            return int(shape.split(",")[0])
        return size // DTYPE_BYTES.get(str(value.get("dtype", "f8")), 8)
    return 0


def _table_rows(proto, pa) -> dict[str, object]:
    """Rows in the Arrow bytes sent now; a lazily paged frame (Streamlit 1.6x) sends a first chunk plus a row count."""
    fields = proto.DESCRIPTOR.fields_by_name
    if "lazy_data" in fields and proto.HasField("lazy_data"):
        chunk = proto.lazy_data.initial_chunk.data
        sent = pa.ipc.open_stream(chunk).read_all().num_rows if chunk else 0
        return {"rows": sent, "rows_total": proto.lazy_data.row_count, "lazy": True}
    data = proto.arrow_data.data if "arrow_data" in fields and proto.HasField("arrow_data") else getattr(proto, "data", b"")
    sent = pa.ipc.open_stream(data).read_all().num_rows if data else 0
    return {"rows": sent, "rows_total": sent, "lazy": False}


def _layer_rows(data: object) -> int:
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict):  # GeoJSON
        return len(data.get("features", []))
    return 0


def payload(app) -> dict[str, object]:
    """What the last run sent to the browser: serialized element bytes, and rows per table, map layer and chart."""
    import pyarrow as pa
    summary: dict[str, object] = {"elements": 0, "bytes": 0, "tables": [], "maps": [], "charts": []}

    def visit(node) -> None:
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                visit(child)
            return
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ByteSize"):
            return
        size = proto.ByteSize()
        summary["elements"] += 1
        summary["bytes"] += size
        kind = getattr(node, "type", "")
        if kind in ("dataframe", "table", "arrow_data_frame", "arrow_table"):
            summary["tables"].append({"type": kind, **_table_rows(proto, pa), "bytes": size})
        elif kind == "deck_gl_json_chart":
            spec = json.loads(proto.json)
            layers = [{"type": layer.get("@@type", "?"), "rows": _layer_rows(layer.get("data"))}
                      for layer in spec.get("layers", [])]
            summary["maps"].append({"bytes": size, "json_chars": len(proto.json), "layers": layers})
        elif kind == "plotly_chart":
            spec = json.loads(proto.spec) if proto.spec else {}
            points = sum(max([_array_length(trace.get(key)) for key in PLOTLY_ARRAY_KEYS] + [0])
                         for trace in spec.get("data", []))
            summary["charts"].append({"bytes": size, "spec_chars": len(proto.spec), "traces": len(spec.get("data", [])),
                                      "points": points})

    visit(app._tree)
    return summary


def exceptions(app) -> list[str]:
    return [str(element.value)[:300] for element in app.exception]


def open_page(app_dir: Path, page: str):
    """A fresh session on `page`; 'page?key=value' opens it from a link with those query parameters."""
    from urllib.parse import parse_qsl

    from streamlit.testing.v1 import AppTest
    page, _, query = page.partition("?")
    app = AppTest.from_file(str(app_dir / "app.py"), default_timeout=APPTEST_TIMEOUT_S)
    for key, value in parse_qsl(query):
        app.query_params[key] = value
    if page != "app.py":
        app.switch_page(page)
    return app


def change_country(app, countries: list[str]):
    app.sidebar.multiselect[0].set_value(countries)
    return app


def measure_data(args: argparse.Namespace, app_dir: Path, result: dict[str, object]):
    """Load (parse + validate + derive, what the one cache does once per process), cache copy cost, filters."""
    from atlas import apply_filters, load_atlas
    main_thread = threading.get_ident()
    load_times = []
    for rep in range(args.load_reps):
        if args.profile and rep == 0:
            with StackSampler(thread_id=main_thread) as sampler:
                seconds, loaded = timed(load_atlas, args.data)
            result["load_profile"] = sampler.report(app_dir)
        else:
            seconds, loaded = timed(load_atlas, args.data)
        load_times.append(seconds)
        progress(f"load_atlas {seconds:.2f} s")
    result["load_s"] = load_times
    result["rss_after_load_mib"] = rss_mib()
    result["rows"] = {name: len(loaded.table(name)) for name in
                      ("workshops", "events", "institutions", "claims", "sources")}

    # st.cache_data hands every caller its own unpickled copy: this is paid on every run of every page.
    pickled = pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
    result["cache_pickle_mb"] = len(pickled) / 1e6
    result["cache_unpickle_s"] = median([timed(pickle.loads, pickled)[0] for _ in range(min(3, args.reps + 1))])
    if args.dump_atlas:
        args.dump_atlas.write_bytes(pickled)

    filter_times: dict[str, dict[str, object]] = {}
    sampler = StackSampler(thread_id=main_thread) if args.profile else None
    with sampler or contextlib.nullcontext():
        for name, filters in typical_filters(loaded).items():
            times = []
            for _ in range(args.reps):
                seconds, selection = timed(apply_filters, loaded, filters)
                times.append(seconds)
            filter_times[name] = {"seconds": median(times), "workshops": len(selection.workshops),
                                  "events": len(selection.events), "institutions": len(selection.institutions)}
    if sampler:
        result["filter_profile"] = sampler.report(app_dir)
    result["filters"] = filter_times
    progress("apply_filters " + ", ".join(f"{name} {data['seconds'] * 1000:.0f} ms"
                                          for name, data in filter_times.items()))
    result["rerun_changes"] = rerun_countries(loaded, args.changes)
    return loaded


def seed_cache(data_dir: Path, loaded) -> None:
    """Put an already loaded atlas into the app's caches, so the pages' own calls hit it (no second load)."""
    import atlas.shared
    from components import cached
    real_loader = atlas.shared.load_atlas
    atlas.shared.load_atlas = lambda directory: loaded
    try:
        cached.cached_atlas(str(data_dir))
    finally:
        atlas.shared.load_atlas = real_loader


def rss_mib() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def served_atlas_id(data_dir: Path) -> int:
    """id() of the Atlas the page cache hands out now (the same id on every run = no per-run copy)."""
    from components import cached
    return id(cached.cached_atlas(str(data_dir)))


def run_session(app, changes: list[list[str]], record: dict[str, object], prefix: str, label: str,
                on_change=None) -> None:
    """A first run, then one rerun per filter change (a rerun with no widget state where `changes` holds None).

    Server-like (prefix ""): the script run plus serializing its messages (replay.LAST_RUN), with the AppTest
    wall time beside it as harness_*; plain AppTest (prefix "apptest_"): AppTest's wall time, as before."""
    import replay

    def keep(kind: str, wall: float) -> float:
        if prefix:
            record[f"{prefix}{kind}"].append(wall)
            return wall
        served = replay.LAST_RUN["script_s"] + replay.LAST_RUN["serialize_s"]
        record[kind].append(served)
        record.setdefault(f"harness_{kind}", []).append(wall)
        if replay.LAST_RUN["post_run_s"] is not None:
            record.setdefault(f"post_run_{kind}", []).append(replay.LAST_RUN["post_run_s"])
        return served

    seconds, _ = timed(app.run)
    seconds = keep("first_s", seconds)
    progress(f"{label} {prefix or 'server-like '}first run {seconds:.3f} s")
    if on_change:
        on_change(-1, app)
    for step, countries in enumerate(changes):
        if countries is not None:
            change_country(app, countries)
        # A replay rerun sends no widget state: its widgets are drawn, never registered (AppTest.run would
        # look their values up in session state and fail).
        seconds, _ = timed(app.run if countries is not None else app._run)
        seconds = keep("rerun_s", seconds)
        progress(f"{label} {prefix or 'server-like '}rerun {countries or 'again'} {seconds:.3f} s")
        if on_change:
            on_change(step, app)


def traced_rerun(app, countries: list[str]) -> dict[str, float]:
    """One filter rerun under tracemalloc: the peak Python/numpy allocation it needed (a per-run copy of the
    dataset would show up as a peak the size of the dataset)."""
    import tracemalloc
    change_country(app, countries)
    tracemalloc.start()
    try:
        seconds, _ = timed(app.run)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"peak_mib": peak / 2 ** 20, "seconds_traced": seconds}


def measure_pages(args: argparse.Namespace, app_dir: Path, result: dict[str, object], labels: list[str]) -> None:
    """Fresh sessions per page, server-like (shared compiled scripts) and, when asked, plain AppTest; then the
    page's replay floor (its recorded output after the first filter change, re-sent) in the same harness."""
    import replay
    changes = result["rerun_changes"]
    # A server imports plotly, pydeck and the app's modules once per process: do it before timing anything.
    for module in sorted((app_dir / "components").glob("*.py")):
        importlib.import_module(f"components.{module.stem}")
    selected = [(label, page) for label, page, _ in PAGES if label in labels]
    keys = ("first_s", "rerun_s", "apptest_first_s", "apptest_rerun_s", "replay_first_s", "replay_rerun_s")
    pages: dict[str, dict[str, object]] = {label: {**{key: [] for key in keys}, "exceptions": []}
                                           for label, _ in selected}
    result["pages"] = pages
    result["timing"] = "server-like"
    result["apptest_compared"] = args.plain_apptest
    atlas_ids: set[int] = set()
    if args.warmup:
        # One untimed session per page: first plotly figure, first deck, per-page caches, lazy imports.
        replay.share_script_cache(True)
        for label, page in selected:
            app = open_page(app_dir, page)
            app.run()
            change_country(app, changes[0]).run()
            pages[label]["exceptions"] = exceptions(app)
    for rep in range(args.reps):
        for label, page in selected:  # interleaved, so slow drift on the machine hits every page alike
            record = pages[label]
            if record["exceptions"]:
                continue

            def after_run(step: int, app, label=label, record=record, rep=rep) -> None:
                with contextlib.suppress(Exception):  # a dataset the page refuses has no Atlas to hand out
                    atlas_ids.add(served_atlas_id(args.data))
                if rep == 0 and step == -1:
                    record["payload"] = payload(app)
                if rep == 0 and step == 0:
                    record["payload_filtered"] = payload(app)
                    if label != "Floor":
                        record["sent_filtered"] = replay.record(label)

            replay.share_script_cache(True)
            replay.COLLECT_AFTER_RUN = rep == 0   # the server's post-run gc.collect(2), timed in one session per page
            sampler = StackSampler(thread_prefix="ScriptRunner") if args.sample_pages else None
            with sampler or contextlib.nullcontext():
                app = open_page(app_dir, page)
                watchdog = stop_after(args.session_limit, args, result, record, sampler, app_dir)
                run_session(app, changes, record, "", label, after_run)
                if watchdog:
                    watchdog.cancel()
            replay.COLLECT_AFTER_RUN = False
            if sampler:
                record["profile"] = sampler.report(app_dir)
            record["exceptions"] = exceptions(app)
            if args.memory and rep == 0 and not record["exceptions"]:
                record["rss_after_page_mib"] = rss_mib()
                record["rerun_traced"] = traced_rerun(app, changes[0])
                progress(f"{label} traced rerun: peak {record['rerun_traced']['peak_mib']:.1f} MiB")
            if record["exceptions"]:
                continue
            if label != "Floor" and label in replay.RECORDINGS:
                # The replay floor: the same output, re-sent; reruns repeat it (no filter to change).
                app = open_page(app_dir, f"{replay.REPLAY_PAGE}?replay={label}")
                replay_record = {"first_s": record["replay_first_s"], "rerun_s": record["replay_rerun_s"],
                                 "harness_first_s": record.setdefault("replay_harness_first_s", []),
                                 "harness_rerun_s": record.setdefault("replay_harness_rerun_s", []),
                                 "post_run_rerun_s": record.setdefault("replay_post_run_rerun_s", [])}
                run_session(app, [None] * len(changes), replay_record, "", f"{label} replay")
                if rep == 0:
                    record["sent_replay"] = replay.sent_summary()
                    record["replay_exceptions"] = exceptions(app)
            if args.plain_apptest:
                replay.share_script_cache(False)
                app = open_page(app_dir, page)
                run_session(app, changes, record, "apptest_", label)
                replay.share_script_cache(True)
    result["served_atlas_ids"] = len(atlas_ids)

    if args.profile:
        # Every product page's filter reruns, sampled after the timings (the sampler costs a little time).
        profiles = {}
        for label, page in selected:
            if label == "Floor" or not pages[label]["rerun_s"]:
                continue
            app = open_page(app_dir, page)
            app.run()
            with StackSampler(thread_prefix="ScriptRunner") as sampler:
                for countries in changes * args.profile_rounds:
                    change_country(app, countries).run()
            profiles[label] = {"page": label, "reruns": len(changes) * args.profile_rounds, **sampler.report(app_dir)}
        result["page_profiles"] = profiles
        if profiles:
            slowest = max(profiles, key=lambda label: median(pages[label]["rerun_s"]))
            result["rerun_profile"] = profiles[slowest]


def measure_refusal(args: argparse.Namespace, app_dir: Path, result: dict[str, object]) -> None:
    """An oversized dataset with the size guard on: the page shows its refusal; reruns should hit the cached
    failure (no re-read, no re-validation)."""
    import replay
    replay.share_script_cache(True)
    importlib.import_module("components.cached")
    record = {"first_s": [], "rerun_s": []}
    for _ in range(args.reps):
        app = open_page(app_dir, "app.py")
        run_session(app, [None] * args.changes, record, "", "refusal (Overview)")
    record["exceptions"] = exceptions(app)
    record["shows_error"] = bool(app.error)
    record["error_text"] = str(app.error[0].value)[:300] if app.error else ""
    result["refusal"] = record


def stop_after(limit_s: float | None, args, result, record, sampler, app_dir: Path) -> threading.Timer | None:
    """A page that runs past the limit is recorded as stopped and the process exits (a script thread
    stuck in pandas cannot be interrupted, and AppTest's own timeout waits for it)."""
    if not limit_s:
        return None

    def give_up() -> None:
        record["stopped_after_s"] = limit_s
        if sampler:
            record["profile"] = sampler.report(app_dir)
        progress(f"session limit of {limit_s:.0f} s reached: recording and exiting")
        write_json(args.out, result)
        os._exit(0)

    timer = threading.Timer(limit_s, give_up)
    timer.daemon = True
    timer.start()
    return timer


def main() -> None:
    args = parse_args()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints where a slow run is
    app_dir = args.app.resolve()
    sys.path.insert(0, str(app_dir))
    os.environ["LUBAN_ATLAS_DATA_DIR"] = str(args.data)
    os.chdir(app_dir)

    import atlas.load
    if args.lift_size_guard:
        os.environ[atlas.load.MAX_TABLE_MB_ENV] = str(10 ** 6)

    import replay
    replay.install()
    result: dict[str, object] = {"data": str(args.data), "reps": args.reps}
    if args.refusal:
        measure_refusal(args, app_dir, result)
        write_json(args.out, result)
        return
    if args.atlas_pickle:
        loaded = pickle.loads(args.atlas_pickle.read_bytes())
        result["rerun_changes"] = rerun_countries(loaded, args.changes)
        result["rss_after_load_mib"] = rss_mib()
    else:
        loaded = measure_data(args, app_dir, result)
    if args.pages != "none":
        seed_cache(args.data, loaded)
        labels = [label for label, _, _ in PAGES] if args.pages == "all" else args.pages.split(",")
        measure_pages(args, app_dir, result, labels)
    write_json(args.out, result)


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
