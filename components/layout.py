"""Page scaffolding shared by every page: config, navigation, the data-error page, filters and selection."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from atlas import Atlas, AtlasDataError, Selection, apply_filters
from atlas.i18n import t
from atlas.dates import format_partial
from atlas.i18n import current_language
from atlas.summaries import searched_through
from components.cached import cached_atlas, data_dir, localised_atlas
from components.detail import draw_linked_record
from components.filters import draw_filters, draw_match_line
from components.language import choose_language, draw_language_switch

# A bundled file: a Material icon as favicon would be fetched from fonts.gstatic.com on every visit.
FAVICON = str(Path(__file__).resolve().parent.parent / "static" / "favicon.png")

PAGES = (
    ("app.py", "nav.overview", ":material/dashboard:"),
    ("pages/1_Map.py", "nav.map", ":material/map:"),
    ("pages/2_Timeline.py", "nav.timeline", ":material/timeline:"),
    ("pages/3_Explore.py", "nav.explore", ":material/table_view:"),
    ("pages/4_About.py", "nav.about", ":material/info:"),
)


def draw_navigation() -> None:
    # The default sidebar navigation shows file names; our own links carry proper labels and icons.
    for path, label_key, icon in PAGES:
        st.sidebar.page_link(path, label=t(label_key), icon=icon)
    st.sidebar.divider()


def load_or_stop() -> Atlas:
    """The atlas, or a clear error page naming file, row and column, then stop (never a traceback)."""
    directory = data_dir()
    try:
        cached_atlas(str(directory))
        return localised_atlas(str(directory), current_language())
    except AtlasDataError as error:
        # The folder's name only: every line is relative to it, and the server's absolute path is not a visitor's concern.
        st.error(f"**{t('app.data_error_title')}**\n\n"
                 + t("app.data_error_body", data_dir=directory.name, count=len(error.problems)))
        st.code("\n".join(str(problem) for problem in error.problems), language=None)
        st.stop()


def page_setup(page: str, title_key: str) -> tuple[Atlas, Selection]:
    """Configure the page, draw navigation and filters, and return the atlas and the filtered selection."""
    choose_language(page)
    st.set_page_config(page_title=f"{t(title_key)} · {t('app.title')}", page_icon=FAVICON,
                       layout="wide")
    draw_language_switch(page)
    # Streamlit's page says lang="en" whatever it shows (streamlit#15726): screen readers then read Russian or
    # Chinese with English rules. The language code is ours (en/ru/zh), never text from the URL.
    st.sidebar.html(f"<script>document.documentElement.lang = {json.dumps(current_language())};</script>",
                    unsafe_allow_javascript=True)
    draw_navigation()
    atlas = load_or_stop()
    filters = draw_filters(atlas, page)
    selection = apply_filters(atlas, filters)
    draw_match_line(atlas, selection)
    st.sidebar.caption(t("app.data_as_of", version=atlas.version, date=format_partial(atlas.last_updated, long=True)))
    through = searched_through(atlas)
    if through:
        # Beside "data as of": an empty recent year reads as "not yet documented", not "nothing happened".
        st.sidebar.caption(t("app.searched_through", month=format_partial(through, "month", long=True)))
    # A link naming a record (`?record=<id>`) opens it above whatever page it points at.
    draw_linked_record(atlas)
    return atlas, selection
