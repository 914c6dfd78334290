"""The language switch at the top of the sidebar: from the link (lang=), else the browser, else English."""

from __future__ import annotations

import streamlit as st

from atlas.i18n import DEFAULT_LANGUAGE, join_list, language_names, set_language, t
from atlas.permalink import MAX_SHOWN_VALUE_LENGTH
from components.filters import LANGUAGE_KEY
from components.text import md_escape

CHOSEN_KEY = "atlas_language"
NOTICE_KEY = "atlas_language_notice"


def browser_language() -> str:
    """The browser's preferred language if the atlas offers it ('ru-RU' -> 'ru'), else English."""
    try:
        locale = st.context.locale or ""
    except Exception:  # noqa: BLE001 - no browser behind AppTest or a bare script run
        locale = ""
    primary = locale.replace("_", "-").split("-")[0].lower()
    return primary if primary in language_names() else DEFAULT_LANGUAGE


def _initial_language() -> str:
    requested = st.query_params.get_all("lang")
    browser = browser_language()
    if not requested:
        return browser
    value = requested[-1].strip().lower()
    if value in language_names():
        return value
    # An unknown lang= is reported like any other invalid link value, in English (the fallback).
    st.session_state[NOTICE_KEY] = requested[-1][:MAX_SHOWN_VALUE_LENGTH]
    return DEFAULT_LANGUAGE


def _remember(language: str) -> None:
    st.session_state[CHOSEN_KEY] = language
    # Kept in the link whenever it is not what this browser would pick anyway, so a shared link keeps it.
    st.session_state[LANGUAGE_KEY] = language if language != DEFAULT_LANGUAGE or browser_language() != language \
        else None


def _on_switch(key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen:
        _remember(chosen)
        st.session_state.pop(NOTICE_KEY, None)


def choose_language(page: str) -> str:
    """This session's language, set for the run before anything is drawn."""
    if CHOSEN_KEY not in st.session_state:
        _remember(_initial_language())
    language = st.session_state[CHOSEN_KEY]
    set_language(language)
    return language


def draw_language_switch(page: str) -> None:
    """English · Русский · 中文 — each name in its own language, at the very top of the sidebar."""
    names = language_names()
    key = f"language:{page}"
    if st.session_state.get(key) != st.session_state[CHOSEN_KEY]:
        st.session_state[key] = st.session_state[CHOSEN_KEY]
    st.sidebar.segmented_control(t("language.label"), list(names), format_func=names.get, key=key,
                                 required=True, on_change=_on_switch, args=(key,))
    if NOTICE_KEY in st.session_state:
        raw = st.session_state[NOTICE_KEY]
        shown = t("permalink_notice.quoted", value=raw) if raw else t("permalink_notice.empty")
        st.sidebar.warning(t("language.unknown", value=md_escape(shown), offered=join_list(list(names.values()))),
                           icon=":material/translate:")
