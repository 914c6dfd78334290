"""benchmarks/st_protocol.py: what the protocol client reads out of a run (match line text, widget ids, errors)."""

from __future__ import annotations

import sys
from email.message import Message

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Element_pb2 import Element

from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from st_protocol import Run, _cookies_from, plain_text  # noqa: E402


@pytest.mark.parametrize(("markdown", "expected"), [
    # The match line as the app writes it: counts in bold, the active filters Markdown-escaped.
    ("Showing **1** of 8 workshops and **13** of 149 events — Kazakhstan · 2021–2025.",
     "Showing 1 of 8 workshops and 13 of 149 events — Kazakhstan · 2021–2025."),
    # md_escape puts a backslash before Markdown punctuation in link values; the page shows the character.
    (r"\*Almaty\* \[x\]", "*Almaty* [x]"),
    # Line breaks and double spaces are one space in the rendered text.
    ("a  b\nc", "a b c"),
    ("", ""),
])
def test_plain_text(markdown: str, expected: str) -> None:
    assert plain_text(markdown) == expected


def _element(kind: str, **values: object) -> Element:
    element = Element()
    for name, value in values.items():
        setattr(getattr(element, kind), name, value)
    if not values:
        getattr(element, kind).SetInParent()
    return element


def test_run_reads_widget_ids_sidebar_text_and_errors() -> None:
    run = Run(0.1, {
        (1, 0): _element("markdown", body="Showing **2** of 8 workshops"),
        (0, 0): _element("markdown", body="main block text"),
        (1, 1): _element("checkbox", id="$$ID-def-filter_regional:timeline_old"),
        (1, 2): _element("checkbox", id="$$ID-abc-filter_regional:timeline"),
        (0, 1): _element("exception", type="ValueError", message="bad"),
        (0, 2): _element("alert", body="broken", format=Alert.ERROR),
        (0, 3): _element("alert", body="a notice", format=Alert.WARNING),
    }, "country=KZ", "r1")
    # Only the sidebar (delta path root 1) is read for the match line.
    assert run.sidebar_texts() == ["Showing 2 of 8 workshops"]
    # A widget is found by the exact end of its id: "-<key>", never a key that merely starts the same.
    assert run.widget_id("filter_regional:timeline") == "$$ID-abc-filter_regional:timeline"
    assert run.widget_id("filter_regional:map") is None
    # Exceptions and st.error boxes are errors; a warning (e.g. a link notice) is not.
    assert run.errors() == ["exception: ValueError: bad", "error box: broken"]


def test_cookies_from_set_cookie_headers() -> None:
    headers = Message()
    headers["Set-Cookie"] = "LUBAN_REPLICA=r2; path=/; HttpOnly"
    headers["Set-Cookie"] = "_streamlit_xsrf=2|aa|bb|1; Path=/; SameSite=Lax"
    assert _cookies_from(headers) == {"LUBAN_REPLICA": "r2", "_streamlit_xsrf": "2|aa|bb|1"}


def test_shown_widget_states_follow_the_frontend() -> None:
    from st_protocol import bool_state, shown_widget_states
    countries = _element("multiselect", id="$$ID-1-filter_countries:map", set_value=False)
    countries.multiselect.options.extend(["Kazakhstan", "Uzbekistan"])
    countries.multiselect.default.append(1)
    years = _element("slider", id="$$ID-2-filter_years:map", set_value=True)
    years.slider.value.extend([2015, 2020])
    years.slider.default.extend([2000, 2026])
    regional = _element("checkbox", id="$$ID-3-filter_regional:map", set_value=False, default=True)
    language = _element("button_group", id="$$ID-4-language:map", set_value=False)
    held = {"$$ID-3-filter_regional:map": bool_state(False)}
    states = shown_widget_states([countries, years, regional, language, _element("markdown", body="x")], held)
    # No value set by the run and none held: the default (option 1).
    assert list(states["$$ID-1-filter_countries:map"].string_array_value.data) == ["Uzbekistan"]
    # A value the run set wins over the default.
    assert list(states["$$ID-2-filter_years:map"].double_array_value.data) == [2015, 2020]
    # Not set by the run: the value the client held (its own earlier change), not the default; dropping it would
    # make the server see the widget go back to its default and undo the visitor's filter.
    assert states["$$ID-3-filter_regional:map"].bool_value is False
    # An untouched button group sends nothing; markdown is no widget.
    assert set(states) == {"$$ID-1-filter_countries:map", "$$ID-2-filter_years:map", "$$ID-3-filter_regional:map"}
