"""Why Explore hands small files to st.download_button as bytes: Streamlit's file lifetimes under concurrent sessions.

Streamlit 1.67 serves download files from its MediaFileManager. Every script run that finishes, in any session,
calls remove_orphaned_files(): a download file no session references is marked on the first call and deleted on
the second. Bytes passed to download_button are registered with add(), which ties the file to the running session
until that session's next run; a callable (a deferred download) is run on click by execute_deferred(), which stores
the file without tying it to any session. These tests pin that behaviour, so a Streamlit upgrade that changes it
shows up here (and components/downloads.py EAGER_MAX_ROWS can be revisited).
"""

from __future__ import annotations

import pytest
from streamlit.runtime import media_file_manager
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

CSV = b"\xef\xbb\xbfworkshop_id\r\nLW-KZ-01\r\n"
COORDINATES = "1.(3.-14).5"   # where the button sits in the page's element tree


@pytest.fixture
def manager(monkeypatch):
    # The manager takes the session from the script-run context of the calling thread; here: one visitor.
    monkeypatch.setattr(media_file_manager, "_get_session_id", lambda: "visitor")
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def served(manager: MediaFileManager, url: str) -> bytes | None:
    """What the /media route would send for this URL (None is its 404)."""
    file = manager.read_file(url.rsplit("/", 1)[-1])
    return None if file is None else file.content


def other_sessions_finish_two_runs(manager: MediaFileManager) -> None:
    manager.remove_orphaned_files()
    manager.remove_orphaned_files()


def test_bytes_passed_to_the_button_survive_other_sessions_until_this_session_reruns(manager):
    # What download_button does with bytes (streamlit/elements/widgets/button.py, marshall_file).
    url = manager.add(CSV, "text/csv", COORDINATES, file_name="luban.csv", is_for_static_download=True)
    other_sessions_finish_two_runs(manager)
    assert served(manager, url) == CSV
    # The visitor's next run drops its references and registers the same bytes again: same URL, still served.
    manager.clear_session_refs("visitor")
    assert manager.add(CSV, "text/csv", COORDINATES, file_name="luban.csv", is_for_static_download=True) == url
    other_sessions_finish_two_runs(manager)
    assert served(manager, url) == CSV
    # Only once the visitor's session no longer shows the button does the file go.
    manager.clear_session_refs("visitor")
    other_sessions_finish_two_runs(manager)
    assert served(manager, url) is None


def test_a_file_built_on_click_is_lost_when_two_other_runs_finish_before_the_browser_fetches_it(manager):
    # What download_button does with a callable, and what the click does (the race seen in the load test).
    placeholder = manager.add_deferred(lambda: CSV, "text/csv", COORDINATES, file_name="luban.csv")
    url = manager.execute_deferred(placeholder)
    assert served(manager, url) == CSV          # a fetch right away works ...
    other_sessions_finish_two_runs(manager)
    assert served(manager, url) is None         # ... but after two other runs finish, the browser gets a 404
