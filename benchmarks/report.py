"""Renders BENCHMARKS.md from the last benchmark run, the last load test, the history and the hand-written notes."""

from __future__ import annotations

import json

from bench_support import PAGES, REPO, median
from report_protocol import protocol_section

HISTORY_PATH = REPO / "benchmarks" / "history.jsonl"
LAST_RUN_DIR = REPO / "benchmarks" / "last-run"
REPORT_PATH = REPO / "BENCHMARKS.md"
NOTES_PATH = REPO / "benchmarks" / "hotspots.md"
LOADTEST_NOTES_PATH = REPO / "benchmarks" / "loadtest-notes.md"
# Targets (issue 15): ratios measured side by side in one run, never milliseconds.
REPLAY_RATIO_TARGET = 1.5      # curated filter rerun ÷ the same page's replay floor
SCALE_RATIO_TARGET = 3.0       # filter rerun at the largest scale ÷ the same page at 1×
LOAD_TARGET_S = 3.0            # load_atlas at the largest scale
BROWSER_RATIO_TARGET = 1.5     # first chart / map canvas ÷ the floor page's sidebar ready
REFUSAL_RATIO_TARGET = 1.5     # refusal page rerun (oversized data, guard on) ÷ the curated sidebar floor's rerun
# A per-rerun allocation this share of the dataset's pickled size or more would be a copy of it; below
# COPY_CHECK_MIN_MIB of data a copy cannot be told from ordinary per-run work, so no verdict is given.
COPY_SHARE_LIMIT = 0.25
COPY_CHECK_MIN_MIB = 64
# The figures before this rework (plain AppTest, recompiling each run), filter rerun ÷ sidebar floor at 1×,
# from BENCHMARKS.md at 559f58a: what the issue calls "today's figures (2.3–4.6×)".
PREVIOUS_SIDEBAR_RATIOS = {"Overview": 4.1, "Map": 2.3, "Timeline": 4.6, "Explore": 3.3, "About": 2.6}
PRODUCT_PAGES = [label for label, _, _ in PAGES if label != "Floor"]


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:,.2f} s"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}×"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("**pass**" if ok else "**FAIL**")


def _kb(size: float | None) -> str:
    return "–" if size is None else f"{size / 1000:,.1f} kB"


def _page_median(scale: dict, label: str, key: str) -> float | None:
    record = scale.get("pages", {}).get(label, {})
    return median(record.get(key, [])) if record.get(key) else None


def _stopped_bound(scale: dict, label: str, key: str) -> float | None:
    """For a page session stopped at the time limit: a lower bound of the run that never finished (else None)."""
    record = scale.get("pages", {}).get(label, {})
    if not record.get("stopped_after_s") or record.get(key):
        return None
    return record["stopped_after_s"] - sum(record.get("first_s", [])) - sum(record.get("rerun_s", []))


def _timing(scale: dict, label: str, key: str) -> str:
    bound = _stopped_bound(scale, label, key)
    return f"> {bound:,.0f} s (stopped)" if bound is not None else _ms(_page_median(scale, label, key))


def _ratio_of(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def floor_ratios(run: dict) -> dict[str, dict[str, float | None]]:
    """Per product page at curated size: median first run and rerun, and their ratio to the floor page's."""
    curated = run["scales"].get("1", {})
    floor_first = _page_median(curated, "Floor", "first_s")
    floor_rerun = _page_median(curated, "Floor", "rerun_s")
    rows = {}
    for label in PRODUCT_PAGES:
        first, rerun = _page_median(curated, label, "first_s"), _page_median(curated, label, "rerun_s")
        rows[label] = {"first": first, "first_ratio": _ratio_of(first, floor_first),
                       "rerun": rerun, "rerun_ratio": _ratio_of(rerun, floor_rerun)}
    return rows


def scale_ratios(run: dict) -> dict[str, float | None]:
    """Per page: median rerun at the largest scale over the median rerun at curated size (a lower bound when
    the large-scale session was stopped at its time limit)."""
    largest = run["scales"][max(run["scales"], key=int)]
    curated = run["scales"]["1"]
    ratios = {}
    for label, _, _ in PAGES:
        big = _page_median(largest, label, "rerun_s")
        if big is None:
            big = _stopped_bound(largest, label, "rerun_s")
        ratios[label] = _ratio_of(big, _page_median(curated, label, "rerun_s"))
    return ratios


def _scale_ratio_cell(run: dict, label: str, ratio: float | None) -> str:
    largest = run["scales"][max(run["scales"], key=int)]
    stopped = _stopped_bound(largest, label, "rerun_s") is not None
    return ("> " if stopped else "") + _ratio(ratio)


def headline(run: dict) -> dict[str, object]:
    """One line of history: enough to compare runs before and after a fix."""
    largest = max(run["scales"], key=int)
    ratios = floor_ratios(run)
    scale = scale_ratios(run)
    return {
        "date": run["date"], "git": run["git"], "dataset": run.get("dataset"), "largest_scale": int(largest),
        "floor_rerun_s": _page_median(run["scales"]["1"], "Floor", "rerun_s"),
        "rerun_s": {label: row["rerun"] for label, row in ratios.items()},
        "rerun_floor_ratio": {label: row["rerun_ratio"] for label, row in ratios.items()},
        "timing": run["scales"]["1"].get("timing", "AppTest"),
        "rerun_replay_ratio": {label: row["replay_ratio"] for label, row in replay_ratios(run).items()},
        "rerun_largest_s": {label: _page_median(run["scales"][largest], label, "rerun_s") for label in PRODUCT_PAGES},
        "scale_ratio": {label: scale[label] for label in PRODUCT_PAGES},
        "load_largest_s": median(run["scales"][largest].get("load_s", [])),
    }


def _machine(run: dict) -> list[str]:
    machine = run["machine"]
    lines = ["## Machine and run", "",
             f"- Date: {run['date']}; code: `{run['git']}`; base dataset: {run.get('dataset')}",
             f"- CPU: {machine['cpu']}; memory {machine['memory']}; {machine['os']}",
             f"- Python {machine['python']}; {machine['packages']}; {machine['chromium']}",
             f"- Load average before / after the run: {machine.get('loadavg_before', '–')} / "
             f"{machine.get('loadavg_after', '–')} (other work on the machine slows every number alike; "
             "the ratios are measured within one run so they stay comparable)",
             f"- Whole run: {run.get('total_s', 0) / 60:.1f} min" + (" (quick smoke run)" if run.get("quick") else "")]
    return lines + [""]


def within(value: float | None, target: float) -> bool | None:
    """pass (True) when the measured value is at or under its target; None when it was not measured."""
    return None if value is None else value <= target


def replay_ratios(run: dict) -> dict[str, dict[str, object]]:
    """Per product page at curated size: server-like filter rerun, its replay floor, the sidebar floor, plain
    AppTest beside them, and what the page and its replay sent (so a reader can see the replay is faithful)."""
    curated = run["scales"].get("1", {})
    floor_rerun = _page_median(curated, "Floor", "rerun_s")
    rows = {}
    for label in PRODUCT_PAGES:
        record = curated.get("pages", {}).get(label, {})
        rerun = _page_median(curated, label, "rerun_s")
        replay = _page_median(curated, label, "replay_rerun_s")
        rows[label] = {"rerun": rerun, "replay": replay, "replay_ratio": _ratio_of(rerun, replay),
                       "floor_ratio": _ratio_of(rerun, floor_rerun),
                       "apptest_rerun": _page_median(curated, label, "apptest_rerun_s"),
                       "harness_rerun": _page_median(curated, label, "harness_rerun_s"),
                       "previous_floor_ratio": PREVIOUS_SIDEBAR_RATIOS.get(label),
                       "sent": record.get("sent_filtered"), "sent_replay": record.get("sent_replay")}
    return rows


def memory_figures(scale: dict) -> dict[str, object]:
    """RSS after load and after the pages, the largest per-rerun allocation, and whether every run was handed
    the same cached Atlas object (one id per process)."""
    pages = scale.get("pages", {})
    after_pages = [record["rss_after_page_mib"] for record in pages.values() if record.get("rss_after_page_mib")]
    peaks = {label: record["rerun_traced"]["peak_mib"] for label, record in pages.items() if record.get("rerun_traced")}
    ids = scale.get("served_atlas_ids_by_page") or ({"all": scale["served_atlas_ids"]}
                                                   if "served_atlas_ids" in scale else {})
    dataset_mib = scale.get("cache_pickle_mb", 0) * 1e6 / 2 ** 20 or None
    peak = max(peaks.values()) if peaks else None
    counts = [count for count in ids.values() if count is not None]
    one_object = all(count == 1 for count in counts) if counts else None
    small = (None if peak is None or not dataset_mib or dataset_mib < COPY_CHECK_MIN_MIB
             else peak < COPY_SHARE_LIMIT * dataset_mib)
    # A second Atlas object fails outright; otherwise the allocation decides (when the data is big enough to tell).
    no_copy = False if one_object is False else small
    return {"rss_after_load_mib": scale.get("rss_after_load_mib"),
            "rss_after_pages_mib": max(after_pages) if after_pages else None,
            "peak_rerun_mib": peak, "peak_page": max(peaks, key=peaks.get) if peaks else None,
            "dataset_mib": dataset_mib, "one_object": one_object, "no_copy": no_copy}


def target_rows(run: dict) -> list[dict[str, object]]:
    """Every target of issue 15 as (what, figures, measured ratio or value, target, verdict), from one run."""
    rows: list[dict[str, object]] = []
    largest = max(run["scales"], key=int)
    big = run["scales"][largest]
    curated = run["scales"].get("1", {})
    floor_rerun = _page_median(curated, "Floor", "rerun_s")

    for label, row in replay_ratios(run).items():
        figures = (f"rerun {_ms(row['rerun'])}, replay floor {_ms(row['replay'])}; ÷ sidebar floor "
                   f"{_ratio(row['floor_ratio'])} (before: {_ratio(row['previous_floor_ratio'])})")
        rows.append({"what": f"{label}: curated filter rerun ÷ its replay floor", "figures": figures,
                     "value": _ratio(row["replay_ratio"]), "target": f"≤ {REPLAY_RATIO_TARGET:g}×",
                     "ok": within(row["replay_ratio"], REPLAY_RATIO_TARGET)})

    scale = scale_ratios(run)
    for label, _, _ in PAGES:
        ratio = scale[label]
        ok = within(ratio, SCALE_RATIO_TARGET)
        if _stopped_bound(big, label, "rerun_s") is not None:
            ok = False  # a rerun that did not finish within the session limit
        rows.append({"what": f"{label}: filter rerun at {largest}× ÷ at 1×",
                     "figures": f"{_timing(big, label, 'rerun_s')} vs {_ms(_page_median(curated, label, 'rerun_s'))}",
                     "value": _scale_ratio_cell(run, label, ratio), "target": f"≤ {SCALE_RATIO_TARGET:g}×", "ok": ok})

    load = median(big.get("load_s", []))
    rows.append({"what": f"`load_atlas` at {largest}×", "figures": f"{len(big.get('load_s', []))} load(s) in this run",
                 "value": _s(load), "target": f"≤ {LOAD_TARGET_S:g} s", "ok": within(load, LOAD_TARGET_S)})

    memory = memory_figures(big)
    rss = (f"RSS after load {_mib(memory['rss_after_load_mib'])}, after the pages {_mib(memory['rss_after_pages_mib'])}"
           f"; largest allocation in one filter rerun {_mib(memory['peak_rerun_mib'])} ({memory['peak_page'] or '–'}) "
           f"against {_mib(memory['dataset_mib'])} of data; same Atlas object on every run: "
           f"{ {True: 'yes', False: '**no**', None: '–'}[memory['one_object']] }")
    rows.append({"what": f"Memory per process at {largest}×, no per-run copy of the dataset", "figures": rss,
                 "value": _mib(memory["peak_rerun_mib"]),
                 "target": f"same object, peak < {COPY_SHARE_LIMIT:.0%} of data", "ok": memory["no_copy"]})

    browser = run.get("browser", {}).get("marks_ms", {})
    floor_ready = browser.get("Floor", {}).get("sidebar_ready")
    for label, mark, name in (("Overview", "plotly_chart", "first chart"), ("Map", "map_canvas", "map canvas")):
        value = browser.get(label, {}).get(mark)
        ratio = _ratio_of(value, floor_ready)
        rows.append({"what": f"Browser: {label} {name} ÷ floor page's sidebar ready",
                     "figures": f"{_plain_ms(value)} vs {_plain_ms(floor_ready)}", "value": _ratio(ratio),
                     "target": f"≤ {BROWSER_RATIO_TARGET:g}×", "ok": within(ratio, BROWSER_RATIO_TARGET)})

    refusal = next((run["scales"][key]["refusal"] for key in sorted(run["scales"], key=int, reverse=True)
                    if run["scales"][key].get("refusal")), None)
    refusal_scale = next((key for key in sorted(run["scales"], key=int, reverse=True)
                          if run["scales"][key].get("refusal")), None)
    rerun = median(refusal["rerun_s"]) if refusal and refusal.get("rerun_s") else None
    ratio = _ratio_of(rerun, floor_rerun)
    shown = "" if not refusal else ("; refusal shown" if refusal.get("shows_error") else "; **no refusal shown**")
    rows.append({"what": f"Refusal page ({refusal_scale or largest}× data, size guard on) rerun ÷ curated sidebar floor",
                 "figures": f"{_ms(rerun)} vs {_ms(floor_rerun)}{shown}", "value": _ratio(ratio),
                 "target": f"≤ {REFUSAL_RATIO_TARGET:g}×",
                 "ok": within(ratio, REFUSAL_RATIO_TARGET) if not refusal or refusal.get("shows_error") else False})
    return rows


def _mib(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} MiB" if value >= 10 else f"{value:,.1f} MiB"


def _plain_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def _targets(run: dict) -> list[str]:
    curated = run["scales"]["1"]
    largest = max(run["scales"], key=int)
    timing = curated.get("timing", "AppTest")
    lines = ["## Targets", "",
             f"All figures from this one run. Reruns are timed **{timing}**: the script run plus serializing its "
             "messages, with one compiled-script cache per process as a server has (plain AppTest recompiles app.py "
             "and the page on every run and adds its own harness; its figures are in the next section for comparison). Filter rerun = a run after changing the country filter "
             f"(median over {curated['reps']} sessions × {len(curated.get('rerun_changes', []))} changes: "
             f"{' → '.join(str(c or 'all') for c in curated.get('rerun_changes', []))}). Replay floor = a page that "
             "re-sends exactly the elements and blocks the page sent after its first filter change (recorded once, "
             "same block structure, same bytes), so only Streamlit's cost of delivering that output remains. "
             "Sidebar floor = a page that draws only the shared sidebar (`page_setup`): a reference column.", "",
             "| Target | figures | measured | target | verdict |", "|---|---|---:|---:|:-:|"]
    for row in target_rows(run):
        lines.append(f"| {row['what']} | {row['figures']} | {row['value']} | {row['target']} | {_verdict(row['ok'])} |")
    big = run["scales"][largest]
    if big.get("isolated_pages"):
        lines += ["", f"At {largest}× each page ran in its own process (the Atlas loaded once and handed over "
                  f"pickled), one session with no warm-up, changes "
                  f"{' → '.join(str(c or 'all') for c in big.get('rerun_changes', []))}, sampled by the profiler (which "
                  "costs a few per cent), and "
                  f"stopped after {big['session_limit_s']:.0f} s per session; a stopped page's rerun is shown "
                  "as a lower bound (the session limit minus what had already finished). Memory: RSS of the process "
                  "that loaded the data, and the largest RSS of the per-page processes after their session; the "
                  "per-rerun allocation is the tracemalloc peak of one extra filter rerun per page."]
    if run.get("quick"):
        lines += ["", "Quick run (fewer scales or repetitions): a smoke test, not the committed figures."
                  + (f" The largest scale is {largest}×, so the 1000× rows use {largest}×." if largest != "1000" else "")]
    broken = [f"{label} at {key}×: {record['exceptions'][0][:160]}" for key in sorted(run["scales"], key=int)
              for label, record in run["scales"][key].get("pages", {}).items() if record.get("exceptions")]
    if broken:
        lines += ["", "Pages that raised an exception (their timings stop there): " + "; ".join(broken)]
    return lines + [""]


def _per_page(run: dict) -> list[str]:
    curated = run["scales"]["1"]
    rows = replay_ratios(run)
    floor_first, floor_rerun = _page_median(curated, "Floor", "first_s"), _page_median(curated, "Floor", "rerun_s")
    lines = ["## Per page at curated size (median)", "",
             "Server-like = the script run (ScriptRunner's SCRIPT_STARTED to SCRIPT_STOPPED events) plus serializing "
             "its messages, with one compiled-script cache shared across runs (what `streamlit run` does); post-run GC = "
             "the `gc.collect(2)` a server runs after every script run (`runner.postScriptGC`, on by default; AppTest's "
             "runner skips it, so the harness runs and times it after each run of the first session per page): paid in "
             "CPU after the run's last message, not part of the rerun figure; AppTest "
             "wall = the whole `AppTest.run()` with that shared cache (adds AppTest's mock runtime, thread start and "
             "element-tree parsing); plain AppTest = `AppTest.run()` as shipped, a fresh script cache per run, so each "
             "run also re-reads and recompiles app.py and the page (the figures before this rework were taken so). "
             "The targets use server-like. Sent = the delta messages of the run after the first filter change "
             "(elements / blocks / serialized bytes), for the page and for its replay: equal figures show the replay "
             "re-sends exactly the page's output.", "",
             "| Page | first run | filter rerun | post-run GC | AppTest wall | plain AppTest | replay floor rerun "
             "| ÷ replay | ÷ sidebar floor | before ÷ sidebar floor | sent by page | sent by replay |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]

    def sent(figures: dict | None) -> str:
        return "–" if not figures else f"{figures['elements']} / {figures['blocks']} / {_kb(figures['bytes'])}"

    lines.append(f"| *Sidebar floor* | {_ms(floor_first)} | {_ms(floor_rerun)} "
                 f"| {_ms(_page_median(curated, 'Floor', 'post_run_rerun_s'))} "
                 f"| {_ms(_page_median(curated, 'Floor', 'harness_rerun_s'))} "
                 f"| {_ms(_page_median(curated, 'Floor', 'apptest_rerun_s'))} | | | 1.0× | 1.0× | | |")
    for label, row in rows.items():
        lines.append(f"| {label} | {_ms(_page_median(curated, label, 'first_s'))} | {_ms(row['rerun'])} "
                     f"| {_ms(_page_median(curated, label, 'post_run_rerun_s'))} | {_ms(row['harness_rerun'])} | {_ms(row['apptest_rerun'])} | {_ms(row['replay'])} | {_ratio(row['replay_ratio'])} "
                     f"| {_ratio(row['floor_ratio'])} | {_ratio(row['previous_floor_ratio'])} | {sent(row['sent'])} "
                     f"| {sent(row['sent_replay'])} |")
    check = _read_last("server-check.json")
    if check:
        lines += ["", f"Cross-check against a real `streamlit run` (`benchmarks/server_check.py`, {check['date'][:16]}): "
                  f"on the {check['page']} page a Chromium visitor added and removed a country {check['reruns']} times; "
                  f"the server process used {_ms(check['server_cpu_median_s'])} CPU per filter rerun (median), and "
                  f"{_ms(check.get('server_no_gc_cpu_median_s'))} with Streamlit's post-run `gc.collect(2)` turned off "
                  "(`runner.postScriptGC`, on by default), against "
                  f"{_ms(check['apptest_served_median_s'])} server-like ({_ms(check['apptest_script_cpu_median_s'])} "
                  "script CPU) for the same changes in AppTest in the same process. So the server-like figure is "
                  "what a server pays per rerun apart from that collection, which the post-run GC column measures."]
    return lines + [""]


def _scale(run: dict) -> list[str]:
    scales = sorted(run["scales"], key=int)
    lines = ["## Scale", "",
             "Synthetic datasets are N copies of the curated tables with fresh ids (`tools/make_synthetic.py`), "
             "generated into `benchmarks/results/datasets/` (ignored by git), valid against the schema "
             "(id patterns allow more digits in the copy's `datapackage.json`).", "",
             "### Data layer", "",
             "| Scale | workshops / events / institutions / sources / claims | CSV | runs | `load_atlas` "
             "| cache copy per run¹ |",
             "|---|---|---:|---:|---:|---:|"]
    for key in scales:
        scale = run["scales"][key]
        rows = scale["rows"]
        guard = " ²" if scale.get("size_guard_lifted") else ""
        lines.append(f"| {key}× | {rows['workshops']:,} / {rows['events']:,} / {rows['institutions']:,} / "
                     f"{rows['sources']:,} / {rows['claims']:,} | {sum(scale['csv_mb'].values()):,.1f} MB{guard} "
                     f"| {scale['reps']} | {_s(median(scale['load_s']))} | {_ms(scale['cache_unpickle_s'])} "
                     f"({scale['cache_pickle_mb']:,.0f} MB) |")
    lines += ["", "¹ What `st.cache_data` would cost per run of every page (it hands each caller a fresh unpickled "
              "copy): unpickling the Atlas alone. The app holds the Atlas in `st.cache_resource` (one shared object), "
              "so it does not pay this; the memory row of the targets checks that every run gets the same object.",
              ]
    lifted = [key for key in scales if run["scales"][key].get("size_guard_lifted")]
    if lifted:
        big = run["scales"][lifted[0]]
        largest_file = max(big["csv_mb"], key=big["csv_mb"].get)
        lines.append(f"² The app refuses any table over {big['size_guard_mb'] * 1e6 / 2 ** 20:.0f} MiB "
                     "(setting `max_table_mb` in config.toml / `LUBAN_ATLAS_MAX_TABLE_MB`); "
                     f"at {', '.join(k + '×' for k in lifted)} `{largest_file}.csv` is "
                     f"{big['csv_mb'][largest_file]:.0f} MB, so the benchmark process lifts that guard to measure it. "
                     "As shipped, the app shows its clear data-error page for such a dataset.")
    filters = list(run["scales"][scales[0]]["filters"])
    lines += ["", "`apply_filters` (median; rows selected as workshops / events):", "",
              "| Filter | " + " | ".join(f"{k}×" for k in scales) + " |",
              "|---|" + "---:|" * len(scales)]
    for name in filters:
        cells = []
        for key in scales:
            data = run["scales"][key]["filters"].get(name) or next(
                (v for k, v in run["scales"][key]["filters"].items() if k.split("=")[0] == name.split("=")[0]), None)
            cells.append("–" if data is None else f"{_ms(data['seconds'])} ({data['workshops']:,} / {data['events']:,})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    for title, key in (("Filter rerun by scale (server-like, median)", "rerun_s"),
                       ("Replay floor rerun by scale (server-like, median)", "replay_rerun_s"),
                       ("First run by scale (server-like, median)", "first_s")):
        lines += ["", f"### {title}", "",
                  "| Page | " + " | ".join(f"{k}×" for k in scales) + f" | {scales[-1]}× ÷ 1× |",
                  "|---|" + "---:|" * (len(scales) + 1)]
        for label, _, _ in PAGES:
            values = [_page_median(run["scales"][k], label, key) for k in scales]
            bound = _stopped_bound(run["scales"][scales[-1]], label, key)
            ratio = _ratio(_ratio_of(values[-1] if bound is None else bound, values[0]))
            lines.append(f"| {label} | " + " | ".join(_timing(run["scales"][k], label, key) for k in scales)
                         + f" | {'> ' if bound is not None else ''}{ratio} |")

    lines += ["", "### Sent to the browser", "",
              "First run with no filters (the largest view). Tables: rows sent / rows in the frame (Streamlit "
              "pages large frames lazily); maps: rows per deck.gl layer; charts: plotted points.", "",
              "| Page | Scale | bytes | tables | map layers | charts |", "|---|---:|---:|---|---|---|"]
    for label in PRODUCT_PAGES:
        for key in scales:
            sent = run["scales"][key]["pages"].get(label, {}).get("payload")
            if not sent:
                continue
            tables = ", ".join(f"{t['rows']:,}/{t.get('rows_total', t['rows']):,}" for t in sent["tables"]) or "–"
            maps = "; ".join(", ".join(f"{layer['type'].replace('Layer', '')} {layer['rows']:,}"
                                       for layer in deck["layers"]) + f" ({_kb(deck['bytes'])})"
                             for deck in sent["maps"]) or "–"
            charts = ", ".join(f"{c['points']:,} pts ({_kb(c['bytes'])})" for c in sent["charts"]) or "–"
            lines.append(f"| {label} | {key}× | {_kb(sent['bytes'])} | {tables} | {maps} | {charts} |")
    return lines + [""]


def _browser(run: dict) -> list[str]:
    browser = run.get("browser")
    if not browser:
        return ["## Browser", "", "Not measured in this run (`--no-browser`).", ""]
    marks = browser["marks_ms"]
    floor_ready = marks.get("Floor", {}).get("sidebar_ready")
    lines = ["## Browser (curated data, Chromium headless, software WebGL)", "",
             f"Median of {browser['reps']} fresh visitors per page (a new browser context each, after one warm-up "
             "visit per page), milliseconds from navigation start to the element existing in the page "
             "(in-page MutationObserver, so Playwright's polling adds nothing). Ratios are to the floor page's "
             f"sidebar-ready time ({floor_ready:,.0f} ms)." if floor_ready else "No floor time measured.", "",
             "| Page | sidebar ready | map canvas | ÷ floor | first plotly chart | ÷ floor | first table |",
             "|---|---:|---:|---:|---:|---:|---:|"]

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:,.0f} ms"

    for label, _, _ in PAGES:
        page = marks.get(label, {})
        lines.append(f"| {label} | {cell(page.get('sidebar_ready'))} | {cell(page.get('map_canvas'))} "
                     f"| {_ratio(_ratio_of(page.get('map_canvas'), floor_ready))} | {cell(page.get('plotly_chart'))} "
                     f"| {_ratio(_ratio_of(page.get('plotly_chart'), floor_ready))} | {cell(page.get('table'))} |")
    rss = browser.get("server_rss_kib", {})
    lines += ["", f"Server memory after these visits: {rss.get('VmRSS', 0) / 1024:,.0f} MiB resident "
              f"(peak {rss.get('VmHWM', 0) / 1024:,.0f} MiB)."]
    if browser.get("errors"):
        lines += ["", "Errors: " + "; ".join(browser["errors"][:10])]
    return lines + [""]


def _profile_table(profile: dict, title: str) -> list[str]:
    lines = [f"**{title}** — {profile['samples']:,} stack samples every {profile['interval_ms']:g} ms.", "",
             "| Project function (inclusive share) | % | Any function (own time) | % |", "|---|---:|---|---:|"]
    project, own = profile["project_inclusive"], profile["self"]
    for index in range(max(len(project), len(own))):
        left = project[index] if index < len(project) else ("", "")
        right = own[index] if index < len(own) else ("", "")
        lines.append(f"| `{left[0]}` | {left[1]} | `{right[0]}` | {right[1]} |" if left[0] else
                     f"| | | `{right[0]}` | {right[1]} |")
    return lines + [""]


def _hot_spots(run: dict) -> list[str]:
    lines = ["## Hot spots (sampling profiler)", "",
             "`benchmarks/sampler.py` samples the stack of the thread that runs the page (AppTest runs scripts in "
             "their own thread, which cProfile does not follow). Percentages are shares of the samples.", ""]
    for key in sorted(run["scales"], key=int, reverse=True):
        scale = run["scales"][key]
        if scale.get("rerun_profile"):
            profile = scale["rerun_profile"]
            lines += _profile_table(profile, f"{key}×: slowest page rerun ({profile['page']}, "
                                             f"{profile['reruns']} filter reruns)")
        if scale.get("load_profile"):
            lines += _profile_table(scale["load_profile"], f"{key}×: `load_atlas`")
    for key in sorted(run["scales"], key=int, reverse=True):
        scale = run["scales"][key]
        profiles = scale.get("page_profiles") or {label: record["profile"] for label, record
                                                  in scale.get("pages", {}).items() if record.get("profile")}
        if not profiles:
            continue
        what = "first run and filter reruns" if scale.get("isolated_pages") else "filter reruns"
        lines += [f"**{key}×: where each page's {what} go** (project functions, inclusive share of samples; "
                  "`page_setup` is the shared part the floor page also runs):", ""]
        for label, profile in profiles.items():
            top = [(name, share) for name, share in profile["project_inclusive"]
                   if not name.endswith(" <module>")][:6]
            lines.append(f"- {label}: " + "; ".join(f"`{name}` {share}%" for name, share in top))
        lines.append("")
    if NOTES_PATH.exists():
        lines += [NOTES_PATH.read_text(encoding="utf-8").strip(), ""]
    return lines


def _loadtest(loadtest: dict | None) -> list[str]:
    lines = ["## Concurrent visitors (`make loadtest`)", ""]
    if not loadtest:
        return lines + ["Not run yet.", ""]
    latency = loadtest["latency_ms"]
    rss = loadtest["server_rss_kib"]
    browsers = loadtest.get("browsers", 1)
    lines += [f"Run {loadtest['date']} on `{loadtest['git']}`, data: {loadtest['dataset']}. "
              f"{loadtest['sessions']} concurrent browser sessions (a context each, spread over {browsers} headless "
              f"Chromium process{'es' if browsers > 1 else ''}, arriving 0.5 s apart) against one `streamlit run` "
              "server on loopback, all on the same 2 cores. Each visitor opens a link with its own country and "
              "year range, unticks *regional events*, adds a second country, ticks it again, visits every page "
              "through the sidebar links and downloads the workshops CSV on Explore.", "",
              "| Measure | Value |", "|---|---|",
              f"| Sessions completed without error | {loadtest['sessions_ok']} of {loadtest['sessions']} |",
              f"| Errors (page errors, dialogs, stException, wrong filters or counts, failed downloads) "
              f"| {len(loadtest['errors'])} |",
              f"| Filter reruns timed | {latency['count']} |",
              f"| Rerun latency p50 / p95 / max | {latency['p50']:,.0f} / {latency['p95']:,.0f} / "
              f"{latency['max']:,.0f} ms |",
              f"| Page switch p50 / p95 | {loadtest['page_switch_ms']['p50']:,.0f} / "
              f"{loadtest['page_switch_ms']['p95']:,.0f} ms |",
              f"| CSV downloads | {loadtest['downloads']['ok']} ok, {loadtest['downloads']['failed']} failed"
              f"{', ' + loadtest['downloads']['note'] if loadtest['downloads'].get('note') else ''} |",
              f"| Server RSS before / peak / after | {rss['before'] / 1024:,.0f} / {rss['peak'] / 1024:,.0f} / "
              f"{rss['after'] / 1024:,.0f} MiB |",
              f"| First page load p50 / p95 | {loadtest['first_load_ms']['p50']:,.0f} / "
              f"{loadtest['first_load_ms']['p95']:,.0f} ms |",
              f"| Server CPU | {loadtest.get('server_cpu_s', 0):,.0f} s in {loadtest['wall_s']:,.0f} s wall "
              f"({loadtest.get('server_cpu_s', 0) / loadtest['wall_s']:.2f} cores on average) |",
              f"| Load average at the end (whole machine) | {loadtest.get('loadavg_after', '–')} |", "",
              "Rerun latency: from the sidebar change to the page showing the match line expected for the new "
              "filters with Streamlit's running indicator gone. Expected counts come from `atlas.apply_filters` "
              "in the test process, so a session that saw another visitor's filters would fail."]
    if loadtest["errors"]:
        lines += ["", "Errors:", ""] + [f"- {error}" for error in loadtest["errors"][:20]]
    if LOADTEST_NOTES_PATH.exists():
        lines += ["", LOADTEST_NOTES_PATH.read_text(encoding="utf-8").strip()]
    return lines + [""]


def _history() -> list[str]:
    if not HISTORY_PATH.exists():
        return []
    entries = [json.loads(line) for line in HISTORY_PATH.read_text().splitlines() if line.strip()]
    lines = ["## History (before / after)", "",
             "One line per full `make bench` run (`benchmarks/history.jsonl`): median filter rerun at curated size "
             "÷ sidebar floor, and at the largest scale ÷ curated. Timing: plain AppTest before the server-like "
             "harness, server-like since (the replay-floor ratios are in `history.jsonl` from then on).", "",
             "| Date | Code | timing | floor rerun | " + " | ".join(f"{p} ÷ floor" for p in PRODUCT_PAGES)
             + " | " + " | ".join(f"{p} N×÷1×" for p in PRODUCT_PAGES) + " | load at N× |",
             "|---|---|---|---:|" + "---:|" * (2 * len(PRODUCT_PAGES) + 1)]
    for entry in entries[-15:]:
        lines.append(f"| {entry['date'][:16]} | `{entry['git'][:60]}` | {entry.get('timing', 'AppTest')} "
                     f"| {_ms(entry['floor_rerun_s'])} | "
                     + " | ".join(_ratio(entry["rerun_floor_ratio"].get(p)) for p in PRODUCT_PAGES) + " | "
                     + " | ".join(_ratio(entry["scale_ratio"].get(p)) for p in PRODUCT_PAGES)
                     + f" | {_s(entry.get('load_largest_s'))} ({entry.get('largest_scale')}×) |")
    return lines + [""]


def _loading(load: dict | None) -> list[str]:
    lines = ["## Loading (`make bench-load`)", ""]
    if not load:
        return lines + ["`make bench-load` has not been run yet.", ""]
    lines += [f"Run {load['date']} on `{load['git']}`, base data: {load['dataset']}; load average before / after: "
              f"{load['loadavg_before']} / {load['loadavg_after']} on {load['machine']['cpu']}. `load_atlas` "
              "(read, validate, type, derive, links) in a fresh process per load, the vectorised code against the "
              "per-value code it replaced (`tests/reference_load.py`), alternating, medians. Wall time moves with "
              "the machine's load; the ratio and CPU time are the comparable figures.", "",
              "| Scale | CSV | rows (events) | runs | reference wall / CPU | vectorised wall / CPU | speed-up (wall / CPU) "
              f"| ≤ {load['target_s']:.0f} s | same Atlas |",
              "|---|---:|---:|---:|---:|---:|---:|:-:|:-:|"]
    for scale, result in load["scales"].items():
        new, old = result["new"], result["reference"]
        lines.append(f"| {scale}× | {result['csv_mb']:,.1f} MB | {result['rows']['events']:,} | {result['reps']} "
                     f"| {old['wall_s']:.2f} / {old['cpu_s']:.2f} s | {new['wall_s']:.2f} / {new['cpu_s']:.2f} s "
                     f"| {result['speedup_wall']:.1f}× / {result['speedup_cpu']:.1f}× "
                     f"| {_verdict(new['wall_s'] <= load['target_s'])} | {'yes' if result['identical'] else '**NO**'} |")
    return lines + [""]


RECONNECT_NOTE = "5 s wait for the page to reconnect"


def _cluster(cluster: dict | None) -> list[str]:
    lines = ["## Replicas behind a load balancer (`make loadtest-cluster`)", ""]
    if not cluster:
        return lines + ["`make loadtest-cluster` has not been run yet.", ""]
    kill = cluster.get("kill", {})
    lines += [f"Run {cluster['date']} on `{cluster['git']}`: {cluster['replicas']} Streamlit replicas behind "
              f"{cluster['balancer']} on loopback (cookie affinity, health checks on `/_stcore/health`), "
              f"{cluster['sessions']} concurrent Chromium sessions changing filters for {cluster['duration_s']:.0f} s; "
              f"replica {kill.get('replica', '–')} killed (SIGKILL) {kill.get('at_s', 0):.0f} s into the run.", "",
              "| Measure | Result |", "|---|---|",
              f"| Filter changes completed | {cluster['changes']:,} |",
              f"| Errors before the kill | {cluster['errors_before_kill']} |",
              f"| Sessions per replica at the start | {cluster['sessions_per_replica']} |",
              f"| Sessions on the killed replica | {kill.get('sessions_on_replica', '–')} |",
              f"| … reconnected to another replica ({', '.join(kill.get('moved_to', [])) or '–'}) and showed their "
              f"filters' view again on the first run there, then kept working | {kill.get('recovered', '–')} |",
              f"| … what their first run there showed | {', '.join(f'{k}: {v}' for k, v in kill.get('outcomes', {}).items()) or '–'} |",
              f"| … lost (no right view within {kill.get('recovery_limit_s', 0):.0f} s of the kill) | {kill.get('lost', '–')} |",
              f"| Kill to right view p50 / max (includes a {RECONNECT_NOTE}) | {kill.get('recovery_s_p50', 0):.1f} / "
              f"{kill.get('recovery_s_max', 0):.1f} s |",
              f"| Sessions on other replicas disturbed by the kill | {kill.get('others_disturbed', '–')} |",
              f"| Plain HTTP (`/_stcore/health`, static files) through the balancer without affinity cookie | "
              f"{cluster.get('plain_http', '–')} |", ""]
    if cluster.get("errors"):
        lines += ["Errors:", ""] + [f"- {error}" for error in cluster["errors"][:20]] + [""]
    return lines


def _read_last(name: str) -> dict | None:
    path = LAST_RUN_DIR / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def render(run: dict, loadtest: dict | None) -> str:
    lines = ["# Benchmarks", "",
             "Written by `make bench` (`benchmarks/run.py`); the load-test section by `make loadtest` "
             "(`benchmarks/loadtest.py`). Do not edit by hand: hand-written analysis lives in "
             "`benchmarks/hotspots.md` and is included below. Raw results: `benchmarks/last-run/`.", ""]
    lines += _machine(run) + _targets(run) + _per_page(run) + _scale(run) + _loading(_read_last("load.json"))
    lines += _browser(run) + _loadtest(loadtest) + _cluster(_read_last("cluster.json")) + _hot_spots(run) + _history()
    lines += protocol_section(_read_last("protocol.json"))
    return "\n".join(lines).rstrip() + "\n"


def write_report() -> None:
    """BENCHMARKS.md from the committed last runs of `make bench` and `make loadtest` (either may be missing)."""
    def read(name: str) -> dict | None:
        path = LAST_RUN_DIR / name
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    run, loadtest = read("bench.json"), read("loadtest.json")
    if run is None:
        text = "# Benchmarks\n\n`make bench` has not been run yet.\n\n" + "\n".join(
            _loading(read("load.json")) + _loadtest(loadtest) + _cluster(read("cluster.json"))) + "\n"
    else:
        text = render(run, loadtest)
    REPORT_PATH.write_text(text, encoding="utf-8")
