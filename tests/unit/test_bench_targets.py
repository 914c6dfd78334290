"""The benchmark's target verdicts (benchmarks/report.py): ratios to the replay floor, scale, load, memory, browser, refusal."""

from __future__ import annotations

import sys

import pytest

from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import report  # noqa: E402


@pytest.mark.parametrize(("value", "target", "expected"), [
    (1.2, 1.5, True),
    (1.5, 1.5, True),      # the target is inclusive: "≤ 1.5×"
    (1.51, 1.5, False),
    (None, 1.5, None),     # not measured (e.g. a quick run without the browser) is neither pass nor FAIL
    (0.0, 3.0, True),
])
def test_within(value, target, expected):
    assert report.within(value, target) is expected


def page(rerun_ms, replay_ms=None, **extra):
    record = {"first_s": [rerun_ms / 500], "rerun_s": [rerun_ms / 1000] * 3, **extra}
    if replay_ms is not None:
        record["replay_rerun_s"] = [replay_ms / 1000] * 3
    return record


def scale_result(pages, **extra):
    return {"reps": 1, "rerun_changes": [["KZ"], []], "load_s": [1.0], "pages": pages, **extra}


def make_run(curated_pages, big_pages=None, big_extra=None, browser=None):
    pages = {"Floor": page(20)}
    pages.update(curated_pages)
    run = {"scales": {"1": scale_result(pages, timing="server-like")}}
    if big_pages is not None:
        run["scales"]["1000"] = scale_result(big_pages, **(big_extra or {}))
    if browser is not None:
        run["browser"] = {"marks_ms": browser}
    return run


def rows_by_prefix(run, prefix):
    return [row for row in report.target_rows(run) if row["what"].startswith(prefix)]


@pytest.mark.parametrize(("rerun_ms", "replay_ms", "ratio", "ok"), [
    (30, 20, 1.5, True),     # exactly at the target
    (60, 20, 3.0, False),
    (20, 20, 1.0, True),     # nothing left but delivering the output
    (60, None, None, None),  # replay not recorded (the page raised): no verdict rather than a false pass
])
def test_replay_ratio_verdict(rerun_ms, replay_ms, ratio, ok):
    run = make_run({"Map": page(rerun_ms, replay_ms)})
    rows = report.replay_ratios(run)
    assert rows["Map"]["replay_ratio"] == (None if ratio is None else pytest.approx(ratio))
    assert rows["Map"]["floor_ratio"] == pytest.approx(rerun_ms / 20)
    assert rows["Map"]["previous_floor_ratio"] == 2.3
    [row] = rows_by_prefix(run, "Map: curated")
    assert row["ok"] is ok


@pytest.mark.parametrize(("big_ms", "ok"), [
    (60, True),    # 3× the curated rerun: at the target
    (61, False),
    (20, True),    # no slower at all
])
def test_scale_ratio_verdict(big_ms, ok):
    run = make_run({"Map": page(20, 15)}, big_pages={"Floor": page(20), "Map": page(big_ms)})
    [row] = rows_by_prefix(run, "Map: filter rerun at 1000×")
    assert row["ok"] is ok


def test_stopped_page_fails_the_scale_target():
    # A session stopped at its time limit has no rerun figure; it must fail, not show "–".
    stopped = {"first_s": [100.0], "rerun_s": [], "stopped_after_s": 180}
    run = make_run({"Map": page(20, 15)}, big_pages={"Floor": page(20), "Map": stopped})
    [row] = rows_by_prefix(run, "Map: filter rerun at 1000×")
    assert row["ok"] is False and row["value"].startswith("> ")


@pytest.mark.parametrize(("load_s", "ok"), [([2.5], True), ([3.0], True), ([4.0, 2.0, 3.5], False), ([], None)])
def test_load_verdict(load_s, ok):
    run = make_run({}, big_pages={"Floor": page(20)}, big_extra={"load_s": load_s})
    [row] = rows_by_prefix(run, "`load_atlas`")
    assert row["ok"] is ok


@pytest.mark.parametrize(("ids", "peak_mib", "dataset_mb", "ok"), [
    ({"Map": 1, "About": 1}, 5.0, 300, True),      # one shared object, small per-run allocation
    ({"Map": 1, "About": 2}, 5.0, 300, False),     # a second Atlas object handed to a run = a copy
    ({"Map": 1}, 200.0, 300, False),               # an allocation near the dataset's size = a copy
    ({"Map": 1}, 5.0, 1.0, None),                  # 1 MB of data: a copy cannot be told from ordinary work
    ({"Map": None, "About": 1}, 5.0, 300, True),   # a page without a figure (it raised) does not count
])
def test_memory_verdict(ids, peak_mib, dataset_mb, ok):
    big_pages = {"Floor": page(20, rss_after_page_mib=400.0),
                 "Map": page(30, rss_after_page_mib=420.0, rerun_traced={"peak_mib": peak_mib})}
    run = make_run({}, big_pages=big_pages,
                   big_extra={"served_atlas_ids_by_page": ids, "cache_pickle_mb": dataset_mb, "rss_after_load_mib": 380.0})
    figures = report.memory_figures(run["scales"]["1000"])
    assert figures["rss_after_pages_mib"] == 420.0 and figures["peak_page"] == "Map"
    [row] = rows_by_prefix(run, "Memory")
    assert row["ok"] is ok


@pytest.mark.parametrize(("marks", "overview_ok", "map_ok"), [
    ({"Floor": {"sidebar_ready": 2000}, "Overview": {"plotly_chart": 3000}, "Map": {"map_canvas": 3100}}, True, False),
    ({"Floor": {"sidebar_ready": 2000}, "Overview": {"plotly_chart": 4800}, "Map": {"map_canvas": 2900}}, False, True),
    ({"Overview": {"plotly_chart": 3000}}, None, None),   # no floor time: no ratio, no verdict
])
def test_browser_verdicts(marks, overview_ok, map_ok):
    run = make_run({}, browser=marks)
    [overview] = rows_by_prefix(run, "Browser: Overview")
    [map_row] = rows_by_prefix(run, "Browser: Map")
    assert (overview["ok"], map_row["ok"]) == (overview_ok, map_ok)


@pytest.mark.parametrize(("refusal", "ok"), [
    ({"rerun_s": [0.025, 0.03, 0.02], "shows_error": True}, True),    # 25 ms ÷ 20 ms floor
    ({"rerun_s": [0.9, 0.8, 1.0], "shows_error": True}, False),       # re-read and re-validated every run
    ({"rerun_s": [0.01], "shows_error": False}, False),               # fast but no refusal shown: not a pass
    (None, None),                                                     # no oversized scale in this run
])
def test_refusal_verdict(refusal, ok):
    extra = {"refusal": refusal} if refusal else {}
    run = make_run({}, big_pages={"Floor": page(20)}, big_extra=extra)
    [row] = rows_by_prefix(run, "Refusal")
    assert row["ok"] is ok
