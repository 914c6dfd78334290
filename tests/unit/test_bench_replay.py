"""The benchmark's replay floor re-sends exactly what a script sent (benchmarks/replay.py), and shares compiled scripts."""

from __future__ import annotations

import sys
import textwrap

import pytest
from streamlit.testing.v1 import AppTest

from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import replay  # noqa: E402

# Sidebar and main, nested blocks (columns in a container, an expander, tabs), widgets, a table, a chart
# and an element with a width setting: what the pages send, in miniature.
SCRIPT = textwrap.dedent('''
    import pandas as pd
    import streamlit as st

    st.sidebar.multiselect("Countries", ["KZ", "UZ"], default=["KZ"], key="countries")
    st.sidebar.markdown("sidebar text")
    st.title("Title")
    with st.container(border=True):
        left, right = st.columns(2)
        left.metric("Workshops", 12)
        right.metric("Events", 30)
    with st.expander("More", expanded=True):
        st.dataframe(pd.DataFrame({"a": [1, 2, 3]}))
    one, two = st.tabs(["One", "Two"])
    one.bar_chart(pd.DataFrame({"y": [1, 3, 2]}))
    two.write("second tab")
    st.button("Go", width="stretch")
''')


@pytest.fixture
def scripts(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(SCRIPT, encoding="utf-8")
    replay_page = tmp_path / "replay_page.py"
    replay_page.write_text(replay.REPLAY_SOURCE, encoding="utf-8")
    replay.share_script_cache(True)
    yield page, replay_page
    replay.share_script_cache(False)
    replay.RECORDINGS.clear()


def test_replay_sends_the_same_messages(scripts):
    page, replay_page = scripts
    app = AppTest.from_file(str(page)).run()
    assert not app.exception
    recorded = replay.record("page")
    page_messages = [(tuple(m.metadata.delta_path), m.delta.SerializeToString()) for m in replay.delta_messages()]
    assert recorded["blocks"] >= 5 and recorded["elements"] >= 9   # the structure above, not an empty run

    replayed = AppTest.from_file(str(replay_page))
    replayed.query_params["replay"] = "page"
    replayed.run()
    assert not replayed.exception
    assert replay.sent_summary() == recorded
    # Same paths, same bytes, same order: the replay is the page's output, not an approximation of it.
    assert [(tuple(m.metadata.delta_path), m.delta.SerializeToString()) for m in replay.delta_messages()] == page_messages
    # A rerun of the replay (no widget state: its widgets were drawn, never registered) sends it all again.
    replayed._run()
    assert replay.sent_summary() == recorded
    assert replay.LAST_RUN["script_s"] > 0 and replay.LAST_RUN["serialize_s"] >= 0


def test_unknown_recording_is_named(scripts):
    _, replay_page = scripts
    replayed = AppTest.from_file(str(replay_page))
    replayed.query_params["replay"] = "Nowhere"
    replayed.run()
    assert "Nowhere" in replayed.exception[0].value


def test_script_cache_shared_only_when_asked(scripts):
    from streamlit.testing.v1 import local_script_runner
    replay.share_script_cache(True)
    assert local_script_runner.ScriptCache() is local_script_runner.ScriptCache()
    replay.share_script_cache(False)
    # Plain AppTest again: a fresh cache per run, as shipped.
    assert local_script_runner.ScriptCache() is not local_script_runner.ScriptCache()
