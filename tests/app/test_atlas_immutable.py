"""The shared Atlas (st.cache_resource, one object for every visitor) is never changed by any page."""

from __future__ import annotations

import pytest

from app_support import exceptions, open_every_container
from atlas import load_atlas
from components.cached import cached_atlas
from helpers import REPO

PAGES = ["app.py", "pages/1_Map.py", "pages/2_Timeline.py", "pages/3_Explore.py", "pages/4_About.py"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", [{}, {"country": "KZ", "years": "2023..2025", "q": "Luban"},
                                    {"lang": "ru", "category": "forum"}, {"lang": "zh", "regional": "0"}])
def test_no_page_changes_the_shared_atlas(open_page, page, params):
    fresh = load_atlas(REPO / "data").fingerprint()
    # Every tab visited and every expander opened: what is built only when shown must not write either.
    app = open_every_container(open_page(page, **params))
    assert exceptions(app) == []
    shared = cached_atlas(str(REPO / "data"))
    # The page really used the shared object (else the comparison below would prove nothing).
    assert cached_atlas(str(REPO / "data")) is shared
    assert shared.fingerprint() == fresh


def test_fingerprint_notices_an_in_place_write():
    # Guards the test above: a write into a frame must change the fingerprint.
    atlas = load_atlas(REPO / "data")
    before = atlas.fingerprint()
    atlas.events.loc[atlas.events.index[0], "title"] = "changed"
    assert atlas.fingerprint() != before
