"""Median CPU time of a page's reruns in two code trees, alternating: filter changes, a map click, a row selection.

    .venv/bin/python tools/time_reruns.py OLD_TREE NEW_TREE [--runs 15] [--rounds 2]

OLD_TREE is a checkout of the code to compare against (e.g. `git archive <commit> | tar -x -C /tmp/old`); each
measurement runs in a fresh process under AppTest on the tree's own data/. CPU time of the process (all threads),
not wall time: the machine is shared, and CPU time moves less with other processes' load. An interaction inside a
fragment is sent as the browser sends it (a fragment-scoped rerun, tests/app_support.py); in a tree without
fragments it is a full rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

PAGES = ("app.py", "pages/1_Map.py", "pages/2_Timeline.py", "pages/3_Explore.py", "pages/4_About.py")
COUNTRIES = (["KZ"], ["KG"], [])


def _open(root: str, page: str):
    os.chdir(root)
    sys.path[:0] = [root, os.path.join(root, "tests")]
    os.environ["LUBAN_ATLAS_DATA_DIR"] = os.path.join(root, "data")
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(os.path.join(root, "app.py"), default_timeout=120)
    if page != "app.py":
        app.switch_page(page)
    return app.run()


def _timed(runs: int, step) -> float:
    times = []
    for index in range(runs + 2):          # two warm-up runs
        start = time.process_time()
        step(index)
        if index >= 2:
            times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def measure(root: str, what: str, runs: int) -> str:
    """One measurement in this process: 'filter:<page>', 'map-click' or 'row-select'."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

    if what.startswith("filter:"):
        app = _open(root, what.split(":", 1)[1])

        def step(index: int) -> None:
            app.sidebar.multiselect[0].set_value(COUNTRIES[index % 3]).run()
            assert not app.exception, [e.value for e in app.exception]
        return f"{_timed(runs, step):.1f}"
    app = _open(root, "pages/1_Map.py" if what == "map-click" else "pages/3_Explore.py")
    if what == "map-click":
        chart = app.get("deck_gl_json_chart")[0]
        layer = next(layer for layer in json.loads(chart.proto.json)["layers"] if layer["id"] == "workshops")
        picked = [r for r in layer["data"] if r.get("record_kind") == "workshop"][:2]
        widget_id = chart.proto.id
        values = [json.dumps({"selection": {"indices": {"workshops": [0]}, "objects": {"workshops": [
            {"record_kind": r["record_kind"], "record_id": r["record_id"]}]}}}) for r in picked]
    else:
        widget_id = next(f for f in app.dataframe if list(f.value.columns[:1]) == ["workshop_id"]).proto.id
        values = [json.dumps({"selection": {"rows": [row], "columns": [], "cells": []}}) for row in (0, 1)]
    metadata = app._session_state._state._new_widget_state.widget_metadata.get(widget_id)
    fragment = metadata.fragment_id if metadata else None

    def step(index: int) -> None:
        state = WidgetState(id=widget_id, string_value=values[index % 2])
        if fragment:
            import app_support
            app_support.interact_in_fragment(app, fragment, state)
        else:
            states = WidgetStates()
            states.widgets.append(state)
            app._run(states)
        assert not app.exception, [e.value for e in app.exception]
    return f"{_timed(runs, step):.1f} ({'fragment' if fragment else 'full'} rerun)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--measure", nargs=2, metavar=("ROOT", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(measure(os.path.abspath(args.measure[0]), args.measure[1], args.runs))
        return
    for what in [f"filter:{page}" for page in PAGES] + ["map-click", "row-select"]:
        for round_ in range(1, args.rounds + 1):
            results = [subprocess.run([sys.executable, __file__, "x", "x", "--runs", str(args.runs), "--measure",
                                       root, what], capture_output=True, text=True).stdout.strip() or "failed"
                       for root in (args.old, args.new)]
            print(f"{what:28} round {round_}: old {results[0]:>24}  new {results[1]:>24}  (CPU ms, median)", flush=True)


if __name__ == "__main__":
    main()
