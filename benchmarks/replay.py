"""Server-like AppTest runs (one compiled-script cache per process) and a page's replay floor (its recorded output, re-sent).

Two pieces the benchmark worker installs into its own process, never into the app:

- `share_script_cache()`: AppTest builds a new `ScriptCache` on every `run()` (streamlit/testing/v1/app_test.py,
  `script_cache = ScriptCache()` handed to `PagesManager`, which compiles the page script through
  `get_page_script_byte_code`; and testing/v1/local_script_runner.py, `script_cache=ScriptCache()` handed to
  `ScriptRunner`, which compiles the main script through `self._script_cache.get_bytecode`). So every measured
  rerun re-reads, re-parses and recompiles app.py and the page. A server keeps one ScriptCache per process
  (AppSession hands the same one to every ScriptRunner), so it compiles each script once. Pointing both names at
  one shared instance makes AppTest's reruns pay what a server pays. The server-like time of a run is then the
  script run itself (ScriptRunner's SCRIPT_STARTED to SCRIPT_STOPPED_* events) plus serializing its messages,
  without AppTest's own per-run harness (mock runtime, script thread start, parsing the element tree, which for
  a page of tables costs as much as the page).
- Recording and replay: `record_last_run()` keeps the delta messages of the last finished AppTest run
  (`LocalScriptRunner.forward_msgs()`, the queue the tree is parsed from, already composed so a path that was
  written twice holds its final element). `replay(label)`, called from a throwaway page, goes through that
  recording in order and re-sends each block with `DeltaGenerator._block(block_proto)` into its parent and each element
  as the same `ForwardMsg` that `DeltaGenerator._enqueue` builds (new_element copied whole, so the
  width/height/alignment configs stay; the cursor advanced with `lock_element()` as `_enqueue` does). What is
  left is Streamlit's cost of delivering exactly that output: the page's own work (filtering, building
  figures, decks and tables) is gone.
"""

from __future__ import annotations

import os
import threading
import time

# label -> list of (delta path, "block" | "element", proto); filled by the worker, read by the replay page.
RECORDINGS: dict[str, list[tuple[tuple[int, ...], str, object]]] = {}
_last_messages: list = []
# The last run's server-side cost: script_s (SCRIPT_STARTED to SCRIPT_STOPPED) and serialize_s (its messages to bytes).
LAST_RUN: dict[str, float] = {}
# Whether runs collect garbage afterwards as a server does (the worker turns it on for one session per page:
# at a few hundred ms per collection, every run would cost `make bench` minutes).
COLLECT_AFTER_RUN = False
_lock = threading.Lock()
_shared_cache = None
_sharing = False
_installed = False
REPLAY_PAGE = "pages/98_Replay.py"
REPLAY_SOURCE = '''"""Benchmark replay floor (throwaway copy only): re-sends a page's recorded output, nothing else."""

import streamlit as st

import replay

replay.replay(st.query_params.get("replay", ""))
'''


def install() -> None:
    """Patch AppTest's two ScriptCache constructions and LocalScriptRunner.run once per process."""
    global _installed
    if _installed:
        return
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    def script_cache() -> ScriptCache:
        global _shared_cache
        if not _sharing:
            return ScriptCache()
        with _lock:
            if _shared_cache is None:
                _shared_cache = ScriptCache()
            return _shared_cache

    app_test.ScriptCache = script_cache
    local_script_runner.ScriptCache = script_cache

    from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent
    original_run = local_script_runner.LocalScriptRunner.run
    stopped = {ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS, ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR,
               ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN}

    def run(self, *args, **kwargs):
        marks: dict[str, float] = {}

        def mark(sender, event, **_) -> None:
            # Both events are sent from the script thread, so thread_time() is the script's own CPU time.
            if event == ScriptRunnerEvent.SCRIPT_STARTED:
                marks.setdefault("started", time.perf_counter())
                marks.setdefault("started_cpu", time.thread_time())
            elif event in stopped:
                marks["stopped"] = time.perf_counter()
                marks["stopped_cpu"] = time.thread_time()


        self.on_event.connect(mark, weak=False)
        tree = original_run(self, *args, **kwargs)
        _last_messages[:] = list(self.forward_msgs())
        # What a server pays per run: the script run itself (from SCRIPT_STARTED, which follows the page lookup,
        # to the run's SCRIPT_STOPPED event, which follows widget clean-up) and turning every message into bytes
        # for the websocket. AppTest's own per-run harness (a mock runtime, a new thread, parsing the tree) is left out.
        started = time.perf_counter()
        for msg in _last_messages:
            msg.SerializeToString()
        serialize_s = time.perf_counter() - started
        LAST_RUN.clear()
        LAST_RUN.update(script_s=marks.get("stopped", 0.0) - marks.get("started", 0.0),
                        script_cpu_s=marks.get("stopped_cpu", 0.0) - marks.get("started_cpu", 0.0),
                        serialize_s=serialize_s, post_run_s=post_run_gc())
        return tree

    local_script_runner.LocalScriptRunner.run = run
    _installed = True


def post_run_gc() -> float | None:
    """Seconds of the gc.collect(2) a server's ScriptRunner runs after every script run when runner.postScriptGC
    is on (the default; script_runner.py `_on_script_finished`). AppTest's LocalScriptRunner overrides
    `_on_script_finished` without it, so AppTest never pays it; here it is paid and timed, kept apart from the
    rerun figure (it comes after the run's last message)."""
    import gc

    from streamlit import config
    if not (COLLECT_AFTER_RUN and config.get_option("runner.postScriptGC")) or os.environ.get("BENCH_POST_RUN_GC") == "0":
        return None
    started = time.perf_counter()
    gc.collect(2)
    return time.perf_counter() - started


def share_script_cache(shared: bool) -> None:
    """Server-like (one compiled copy of each script per process) when True; plain AppTest when False."""
    global _sharing
    install()
    _sharing = shared


def delta_messages() -> list:
    """The delta ForwardMsgs (new elements and blocks) the last AppTest run left in its queue."""
    return [msg for msg in _last_messages
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") in ("new_element", "add_block")]


def sent_summary(messages: list | None = None) -> dict[str, int]:
    """Elements, blocks and serialized bytes of the delta messages of a run (what goes over the websocket)."""
    messages = delta_messages() if messages is None else messages
    elements = sum(1 for msg in messages if msg.delta.WhichOneof("type") == "new_element")
    return {"elements": elements, "blocks": len(messages) - elements,
            "bytes": sum(msg.ByteSize() for msg in messages)}


def record(label: str) -> dict[str, int]:
    """Keep the last run's output under `label` for replay; returns what it holds."""
    messages = delta_messages()
    recording = []
    for msg in messages:
        path = tuple(msg.metadata.delta_path)
        if msg.delta.WhichOneof("type") == "add_block":
            recording.append((path, "block", msg.delta.add_block))
        else:
            recording.append((path, "element", msg.delta.new_element))
    RECORDINGS[label] = recording
    return sent_summary(messages)


def replay(label: str) -> None:
    """Re-send the recording of `label` in the same block structure (called inside a script run)."""
    from streamlit.delta_generator import _enqueue_message
    from streamlit.delta_generator_singletons import get_dg_singleton_instance
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    recording = RECORDINGS.get(label)
    if recording is None:
        raise KeyError(f"no recording for page {label!r} (recorded: {', '.join(RECORDINGS) or 'none'})")
    singletons = get_dg_singleton_instance()
    # Block paths -> the DeltaGenerator that writes into them; the root containers exist already.
    containers = {(0,): singletons.main_dg, (1,): singletons.sidebar_dg, (2,): singletons.event_dg,
                  (3,): singletons.bottom_dg}
    # In recorded order: a block's add_block comes before its children, and within one container the
    # cursor hands out the same positions in the same order as during the page's run.
    for path, kind, proto in recording:
        dg = containers[path[:-1]]
        if kind == "block":
            containers[path] = dg._block(proto)
            continue
        cursor = dg._cursor
        msg = ForwardMsg()
        msg.delta.new_element.CopyFrom(proto)
        msg.metadata.delta_path[:] = cursor.delta_path
        _enqueue_message(msg)
        cursor.lock_element()
