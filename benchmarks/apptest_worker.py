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
    """Put an already loaded atlas into Streamlit's cache, so the pages' own calls hit it (no second load)."""
    from components import cached
    real_loader = cached.load_atlas
    cached.load_atlas = lambda directory: loaded
    try:
        cached.cached_atlas(str(data_dir))
    finally:
        cached.load_atlas = real_loader


def measure_pages(args: argparse.Namespace, app_dir: Path, result: dict[str, object], labels: list[str]) -> None:
    """Fresh sessions per page: first run, then the filter changes; optionally sampled and time-limited."""
    changes = result["rerun_changes"]
    # A server imports plotly, pydeck and the app's modules once per process: do it before timing anything.
    for module in sorted((app_dir / "components").glob("*.py")):
        importlib.import_module(f"components.{module.stem}")
    selected = [(label, page) for label, page, _ in PAGES if label in labels]
    pages: dict[str, dict[str, object]] = {label: {"first_s": [], "rerun_s": [], "exceptions": []}
                                           for label, _ in selected}
    result["pages"] = pages
    if args.warmup:
        # One untimed session per page: first plotly figure, first deck, per-page caches, lazy imports.
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
            sampler = StackSampler(thread_prefix="ScriptRunner") if args.sample_pages else None
            with sampler or contextlib.nullcontext():
                app = open_page(app_dir, page)
                watchdog = stop_after(args.session_limit, args, result, record, sampler, app_dir)
                seconds, _ = timed(app.run)
                record["first_s"].append(seconds)
                progress(f"{label} first run {seconds:.2f} s")
                if rep == 0:
                    record["payload"] = payload(app)
                for step, countries in enumerate(changes):
                    change_country(app, countries)
                    seconds, _ = timed(app.run)
                    record["rerun_s"].append(seconds)
                    progress(f"{label} rerun {countries or 'all'} {seconds:.2f} s")
                    if rep == 0 and step == 0:
                        record["payload_filtered"] = payload(app)
                if watchdog:
                    watchdog.cancel()
            if sampler:
                record["profile"] = sampler.report(app_dir)
            record["exceptions"] = exceptions(app)

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

    result: dict[str, object] = {"data": str(args.data), "reps": args.reps}
    if args.atlas_pickle:
        loaded = pickle.loads(args.atlas_pickle.read_bytes())
        result["rerun_changes"] = rerun_countries(loaded, args.changes)
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
