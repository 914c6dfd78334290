"""`?record=<id>` on any page opens that record's detail panel with the filters of the link; unknown ids get a notice."""

from __future__ import annotations

import pytest

from app_support import exceptions

PAGES = ["app.py", "pages/1_Map.py", "pages/2_Timeline.py", "pages/3_Explore.py", "pages/4_About.py"]
# One record of each kind in the fixture, and a word its panel shows.
RECORDS = {"LW-KG-01": "Kyrgyzstan", "EV-005": "EV-005", "kstu-kg": "Kyrgyz", "CL-001": "CL-001", "S-001": "S-001"}




@pytest.mark.parametrize("page", PAGES)
def test_record_link_opens_the_panel_with_the_filters(open_page, mini_dir, page):
    app = open_page(page, data_dir=mini_dir, record="LW-KG-01", country="KG")
    assert exceptions(app) == []
    assert app.query_params["record"] == ["LW-KG-01"] or app.query_params["record"] == "LW-KG-01"
    captions = [c.value for c in app.main.caption]
    assert any("LW-KG-01" in c.replace("\\", "") for c in captions), captions
    # The panel's own permalink keeps the filters and the record.
    codes = [c.value for c in app.main.code]
    assert any(code.endswith("?country=KG&record=LW-KG-01") for code in codes), codes
    assert app.sidebar.warning.len == 0


@pytest.mark.parametrize("record_id", list(RECORDS))
def test_every_kind_of_record_opens(open_page, mini_dir, record_id):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, record=record_id)
    assert exceptions(app) == []
    codes = [c.value for c in app.main.code]
    assert any(code.endswith(f"record={record_id}") for code in codes), codes
    assert not [i.value for i in app.main.info if "not found" in i.value.lower()]


@pytest.mark.parametrize("page", PAGES)
def test_unknown_record_gets_the_invalid_link_notice(open_page, mini_dir, page):
    app = open_page(page, data_dir=mini_dir, record="EV-999<b>x</b>", country="KG")
    assert exceptions(app) == []
    warnings = [w.value for w in app.sidebar.warning]
    assert len(warnings) == 1 and "EV\\-999\\<b\\>x\\</b\\>" in warnings[0], warnings
    # The bad id is dropped from the address bar; the valid filter stays.
    assert "record" not in app.query_params and app.query_params["country"] in ("KG", ["KG"])


def test_closing_the_record_drops_it_from_the_link(open_page, mini_dir):
    app = open_page("pages/1_Map.py", data_dir=mini_dir, record="EV-005")
    close = next(b for b in app.button if b.key == "linked_record_close")
    close.click().run()
    assert exceptions(app) == []
    assert "record" not in app.query_params
    assert not any(code.value.endswith("record=EV-005") for code in app.main.code)
