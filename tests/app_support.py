"""AppTest support: run pages the way Streamlit's classic `pages/` app does (entrypoint first, then switch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from helpers import REPO

# The first run imports plotly/pydeck and validates the data; later reruns take milliseconds.
APPTEST_TIMEOUT_S = 60


@pytest.fixture
def open_page(monkeypatch) -> Callable[..., AppTest]:
    """open_page("pages/1_Map.py", data_dir=..., country="KZ") -> an AppTest that has run once."""

    def make(page: str = "app.py", data_dir: Path | None = None, **params: str) -> AppTest:
        monkeypatch.setenv("LUBAN_ATLAS_DATA_DIR", str(data_dir or REPO / "data"))
        app = AppTest.from_file(str(REPO / "app.py"), default_timeout=APPTEST_TIMEOUT_S)
        for name, value in params.items():
            app.query_params[name] = value
        if page != "app.py":
            app.switch_page(page)
        return app.run()

    return make


def exceptions(app: AppTest) -> list[str]:
    return [element.value for element in app.exception]


def _tree_blocks(app: AppTest):
    """Every node of the last run's tree, sidebar and main."""
    return iter(app._tree)


def _rerun_with(app: AppTest, state) -> AppTest:
    """Rerun after one interaction that changed `state` (a container's widget state), as the browser sends it.

    Only that state is sent: the session keeps every other widget's value, as it does for a browser that sends
    them unchanged. Re-serialising them through AppTest would not be faithful: it writes a multiselect whose
    labels are translated back as the label's English text (a Russian page's categories become "Forum").
    """
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    states = WidgetStates()
    states.widgets.append(state)
    return app._run(states)


def open_expander(app: AppTest, label: str, *, expanded: bool = True) -> AppTest:
    """Open (or close) the expander labelled `label` the way a browser does, and rerun.

    AppTest 1.67 has no method for it: a click on a stateful expander (one with a key and on_change="rerun")
    makes the browser send the expander's id with a boolean, which is what this sends. An expander that is
    not stateful has no id, and the assertion says so (the server would never learn it was opened).
    """
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    matches = [node for node in _tree_blocks(app) if getattr(node, "type", "") == "expander" and node.label == label]
    assert matches, f"no expander labelled {label!r}"
    widget_id = matches[0].proto.id
    assert widget_id, f"expander {label!r} is not stateful: opening it would never reach the server"
    return _rerun_with(app, WidgetState(id=widget_id, bool_value=expanded))


def expander_open(app: AppTest, label: str) -> bool:
    """Whether the expander labelled `label` was sent open in the last run."""
    matches = [node for node in _tree_blocks(app) if getattr(node, "type", "") == "expander" and node.label == label]
    assert matches, f"no expander labelled {label!r}"
    return matches[0].proto.expanded


def select_tab(app: AppTest, label: str) -> AppTest:
    """Select the tab labelled `label` the way a browser does (the tab container's id with the label), and rerun."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    for node in _tree_blocks(app):
        proto = getattr(node, "proto", None)
        if getattr(node, "type", "") == "tab_container" and any(
                getattr(tab, "label", None) == label for tab in node.children.values()):
            widget_id = proto.tab_container.id
            assert widget_id, f"the tabs holding {label!r} are not stateful: a switch would never reach the server"
            return _rerun_with(app, WidgetState(id=widget_id, string_value=label))
    raise AssertionError(f"no tab labelled {label!r}")


def open_every_container(app: AppTest) -> AppTest:
    """Visit every tab and open every expander, one click at a time, so code built only when shown runs too."""
    tab_labels = [tab.label for node in _tree_blocks(app) if getattr(node, "type", "") == "tab_container"
                  for tab in node.children.values()]
    for label in tab_labels or [None]:
        if label is not None:
            select_tab(app, label)
        for expander in [node.label for node in _tree_blocks(app) if getattr(node, "type", "") == "expander"
                         and not node.proto.expanded]:
            open_expander(app, expander)
    return app


def fragment_of(app: AppTest, widget_id: str) -> str:
    """The id of the fragment a widget was drawn in (what the browser sends with a fragment-scoped rerun)."""
    metadata = app._session_state._state._new_widget_state.widget_metadata[widget_id]
    assert metadata.fragment_id, f"widget {widget_id} is not inside a fragment: an interaction reruns the whole page"
    return metadata.fragment_id


def interact_in_fragment(app: AppTest, fragment_id: str, state) -> AppTest:
    """Rerun as the browser does after an interaction with a widget inside a fragment: only that fragment runs.

    AppTest 1.67 always reruns the whole script; a browser asks for a fragment-scoped rerun (the fragment's id
    with the widget's new state). This sends that request through AppTest's own script runner.
    """
    from functools import partial

    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.testing.v1 import local_script_runner

    states = WidgetStates()
    states.widgets.append(state)
    plain = local_script_runner.RerunData
    local_script_runner.RerunData = partial(plain, fragment_id_queue=[fragment_id], is_fragment_scoped_rerun=True)
    try:
        return app._run(states)
    finally:
        local_script_runner.RerunData = plain
