"""Containers whose content is built only while a visitor has them open (Streamlit 1.67's stateful expanders)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def lazy_expander(label: str, key: str) -> Iterator[bool]:
    """An expander whose content the caller builds only while it is open: `with lazy_expander(...) as is_open:`.

    A stateful expander (a key and on_change="rerun") tells the script whether it is open; opening or closing it
    reruns the script (or only the fragment it is in). Closed, it is sent empty, so a filter change neither builds nor
    sends what nobody sees. It is still a <details>/<summary>: reachable by keyboard and read by screen readers as
    before. Its id is made from the label and key, so it stays open across filter changes.
    """
    panel = st.expander(label, key=key, on_change="rerun")
    with panel:
        yield bool(panel.open)


@st.fragment
def folded(label: str, key: str, draw: Callable[[], None]) -> None:
    """An expander whose content draw() builds only while it is open, in a fragment of its own: opening or closing it
    reruns only this expander, not the page (the page's values that draw() uses are those of its last full run)."""
    with lazy_expander(label, key) as is_open:
        if is_open:
            draw()
