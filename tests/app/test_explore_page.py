"""Explore page in AppTest: tables follow filters and links, readable labels, row details, ways out of empty views."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from app_support import exceptions, select_tab
from atlas import Filters, apply_filters, load_atlas
from components import tables
from components.tables import build_table, citing_records, selection_key, ways_out

EXPLORE = "pages/3_Explore.py"
TAB_ORDER = ("workshops", "events", "institutions", "sources", "claims")
TAB_LABELS = {"workshops": "Workshops", "events": "Events", "institutions": "Institutions", "sources": "Sources",
              "claims": "Official claims"}


def open_tab(app, table: str):
    """The tab of `table` selected, as a visitor clicks it (only the open tab's table is built and sent)."""
    return select_tab(app, TAB_LABELS[table])


def shown_table(app, table: str):
    """One tab's table, its tab selected first, found by its id column (the claims table is not selectable, so it
    carries no key)."""
    open_tab(app, table)
    id_column = tables.ID_COLUMNS[table]
    return next((f.value for f in app.dataframe if list(f.value.columns[:1]) == [id_column]), None)


def shown_ids(app, table: str) -> list[str]:
    frame = shown_table(app, table)   # an empty table draws a sentence, not a dataframe
    return [] if frame is None else sorted(frame[tables.ID_COLUMNS[table]])


def expected_ids(data_dir, filters: Filters, table: str) -> list[str]:
    return sorted(apply_filters(load_atlas(data_dir), filters).table(table)[tables.ID_COLUMNS[table]])


@pytest.fixture
def mini(mini_dir):
    return load_atlas(mini_dir)


# ---------------------------------------------------------------- the page follows filters and links

def test_tables_change_with_the_sidebar_filters(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir)
    assert exceptions(app) == []
    assert shown_ids(app, "workshops") == ["LW-KG-01", "LW-KZ-01", "LW-KZ-04"]
    app.sidebar.multiselect[0].set_value(["KG"]).run()
    for table in TAB_ORDER:
        assert shown_ids(app, table) == expected_ids(mini_dir, Filters(countries=("KG",)), table), table
    assert shown_ids(app, "workshops") == ["LW-KG-01"]


@pytest.mark.parametrize(("params", "filters"), [
    ({"country": "KZ", "years": "2023..2025", "status": "operating"},
     Filters(countries=("KZ",), year_min=2023, year_max=2025, statuses=("operating",))),   # the example
    ({"category": "confucius_institute"}, Filters(categories=("confucius_institute",))),   # no workshops at all
    ({"q": "EKTU"}, Filters(text="EKTU")),                                                  # alias search
])
def test_a_link_reproduces_the_tables(open_page, mini_dir, params, filters):
    app = open_page(EXPLORE, data_dir=mini_dir, **params)
    assert exceptions(app) == []
    for table in TAB_ORDER:
        assert shown_ids(app, table) == expected_ids(mini_dir, filters, table), table


def test_filters_survive_a_round_trip_through_other_pages(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir)
    app.sidebar.multiselect[0].set_value(["KZ"]).run()
    app.switch_page("pages/1_Map.py").run()
    app.switch_page(EXPLORE).run()
    assert exceptions(app) == []
    assert shown_ids(app, "workshops") == ["LW-KZ-01", "LW-KZ-04"]
    assert app.query_params["country"] == "KZ"


def test_permalink_block_shows_the_view_query(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir, country="KZ", years="2023..2025")
    # AppTest has no browser URL (st.context.url is None), so the link is the query alone.
    assert app.code[0].value == "?country=KZ&years=2023..2025"


def test_hostile_search_text_stays_text(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir, q="**x** <img src=x onerror=alert(1)>")
    assert exceptions(app) == []
    warning = app.warning[0].value
    assert "\\*\\*x\\*\\*" in warning and "\\<img" in warning   # escaped, so shown literally
    assert "?q=%2A%2Ax%2A%2A%20%3Cimg" in app.code[0].value


# ---------------------------------------------------------------- readable cells

def test_cells_are_readable_labels_and_dates_keep_their_precision(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir)
    workshops = shown_table(app, "workshops").set_index("workshop_id")
    assert workshops.loc["LW-KZ-01", "status"] == "Operating"
    assert workshops.loc["LW-KZ-01", "mou"] == "2 Mar 2023"          # day precision
    assert workshops.loc["LW-KZ-01", "status_as_of"] == "Oct 2024"   # month precision: no invented day
    assert workshops.loc["LW-KZ-01", "majors"] == "Automotive technology; New-energy vehicles"
    assert workshops.loc["LW-KZ-01", "students"] == "more than 400 (2024)"
    assert workshops.loc["LW-KZ-01", "source_link"] == "https://example.org/kz-opening"
    events = shown_table(app, "events").set_index("event_id")
    assert events.loc["EV-004", "date"] == "2009"                      # year precision stays a year
    assert events.loc["EV-006", "date"] == "undated"
    assert events.loc["EV-003", "category"] == "Luban Workshop milestone"
    assert events.loc["EV-002", "milestone"] == "Trial operation"
    assert list(events.index[-1:]) == ["EV-006"]                       # undated rows sort last


def test_link_columns_only_carry_web_addresses(mini):
    # Schema validation already requires http(s); the table must not rely on it: a javascript: link is dropped.
    selection = apply_filters(mini, Filters())
    sources = selection.sources.copy()
    sources.loc[sources["source_id"] == "S-001", "url"] = "javascript:alert(1)"
    sources.loc[sources["source_id"] == "S-002", "canonical_url"] = "data:text/html,<b>x</b>"
    table = build_table(mini, replace(selection, sources=sources), "sources").frame.set_index("source_id")
    assert pd.isna(table.loc["S-001", "url"])
    assert pd.isna(table.loc["S-002", "canonical_url"])
    assert table.loc["S-003", "url"] == "https://example.net/claims"
    assert table.loc["S-002", "url"] == "https://example.cn/kg"


def test_cited_by_counts_every_selected_record(mini):
    selection = apply_filters(mini, Filters())
    citing = citing_records(mini, selection, "S-001")
    expected = sorted(
        [*selection.workshops.loc[selection.workshops["source_ids"].map(lambda s: "S-001" in s), "workshop_id"],
         *selection.events.loc[selection.events["source_ids"].map(lambda s: "S-001" in s), "event_id"],
         *selection.institutions.loc[selection.institutions["source_ids"].map(lambda s: "S-001" in s), "institution_id"],
         *selection.claims.loc[selection.claims["source_ids"].map(lambda s: "S-001" in s), "claim_id"]])
    assert sorted(citing["ID"]) == expected
    # Hand-counted in tests/fixtures/mini: two workshops, two events, two institutions and one claim.
    assert expected == ["CL-002", "EV-001", "EV-002", "LW-KZ-01", "LW-KZ-04", "ektu-kz", "tvi-cn"]
    assert build_table(mini, selection, "sources").frame.set_index("source_id").loc["S-001", "cited_by"] == len(expected)


# ---------------------------------------------------------------- caps

def test_tables_are_capped_with_a_visible_count(mini):
    table = build_table(mini, apply_filters(mini, Filters()), "events", max_rows=4)
    assert (table.shown, table.total, table.truncated) == (4, 6, True)
    assert table.record_id(3) is not None and table.record_id(4) is None


def test_page_says_showing_n_of_m_when_capped(open_page, mini_dir, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS_SHOWN", 2)
    app = open_page(EXPLORE, data_dir=mini_dir)
    captions = [c.value for c in app.caption]
    assert "Showing 2 of 3 workshops that match the filters. The table shows the first 2 of 3 rows; " \
           "the downloads contain all 3." in captions
    captions = [c.value for c in open_tab(app, "events").caption]
    assert "Showing 2 of 6 events that match the filters. The table shows the first 2 of 6 rows; " \
           "the downloads contain all 6." in captions


# ---------------------------------------------------------------- selection opens the detail panel

@pytest.mark.parametrize(("table", "row", "heading"), [
    ("workshops", 1, "Aktobe Luban Workshop \\(announced\\)"),   # rows sorted: Kazakhstan first, undated last
    ("events", 0, "Confucius Institute at KazNU"),              # chronological: 2009 first
])
def test_selecting_a_row_opens_the_detail_panel(open_page, mini_dir, table, row, heading):
    app = open_tab(open_page(EXPLORE, data_dir=mini_dir), table)
    app.session_state[selection_key(table, Filters())] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    app.run()
    assert exceptions(app) == []
    assert heading in [s.value for s in app.subheader]
    assert [b.proto.label for b in app.get("link_button")] == ["Report a correction"]


def test_selecting_a_source_lists_the_records_citing_it(open_page, mini_dir):
    app = open_tab(open_page(EXPLORE, data_dir=mini_dir, country="KG"), "sources")
    app.session_state[selection_key("sources", Filters(countries=("KG",)))] = {
        "selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    source_id = shown_table(app, "sources").iloc[0]["source_id"]
    assert f"**Records in this view that cite {source_id}**" in [m.value for m in app.markdown]
    citing = next(f.value for f in app.dataframe if list(f.value.columns) == ["Record", "ID", "Name or title"])
    assert len(citing) > 0


def test_records_citing_a_source_are_capped_with_a_visible_count(open_page, mini_dir, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS_SHOWN", 2)
    app = open_tab(open_page(EXPLORE, data_dir=mini_dir), "sources")
    app.session_state[selection_key("sources", Filters())] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    assert shown_table(app, "sources").iloc[0]["source_id"] == "S-001"   # cited by 7 records (hand-counted above)
    assert "Showing the first 2 of 7 records in this view that cite S-001." in [c.value for c in app.caption]
    citing = next(f.value for f in app.dataframe if list(f.value.columns) == ["Record", "ID", "Name or title"])
    assert len(citing) == 2


# ---------------------------------------------------------------- empty views

def test_ways_out_name_the_filters_that_matter(mini):
    # Kyrgyzstan in 2009–2010: nothing. Without the country, KazNU's 2009 Confucius Institute returns;
    # without the years, Kyrgyzstan's workshop and its events return.
    filters = Filters(countries=("KG",), year_min=2009, year_max=2010)
    found = {way.param: (way.workshops, way.events) for way in ways_out(mini, filters)}
    assert found == {"years": (1, 3), "country": (0, 1)}


def test_ways_out_is_empty_when_only_a_combination_helps(mini):
    # Each filter alone still excludes everything: a search nobody matches plus a year with no records.
    assert ways_out(mini, Filters(text="zzzz-no-such-thing", year_min=2010, year_max=2010)) == []


def test_empty_view_names_the_filters_and_offers_one_click_ways_out(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir, country="KG", years="2009..2010")
    assert exceptions(app) == []
    warning = app.warning[0].value
    assert warning.startswith("Nothing matches these filters \\(Kyrgyzstan · 2009–2010\\)")
    assert "Removing the year range alone would bring back 1 workshop and 3 events" in warning
    assert "Removing the country filter alone would bring back 1 event\\." in warning   # zero workshops unsaid
    labels = [b.label for b in app.button]
    assert labels[:3] == ["Remove the year range: 2009–2010", "Remove the country filter: Kyrgyzstan",
                          "Reset all filters"]
    next(b for b in app.button if b.label.startswith("Remove the year range")).click().run()
    assert exceptions(app) == []
    assert dict(app.query_params) == {"country": "KG"}
    assert app.sidebar.slider[0].value == (2009, 2025)
    assert shown_ids(app, "workshops") == ["LW-KG-01"]


def test_reset_from_the_empty_view_clears_everything(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir, country="KG", years="2009..2010", q="nothing")
    next(b for b in app.button if b.label == "Reset all filters").click().run()
    assert dict(app.query_params) == {}
    assert app.sidebar.multiselect[0].value == []
    assert shown_ids(app, "workshops") == ["LW-KG-01", "LW-KZ-01", "LW-KZ-04"]


# ---------------------------------------------------------------- downloads

def test_download_caption_and_table_choice_count_rows_in_words(open_page, mini_dir):
    app = open_page(EXPLORE, data_dir=mini_dir, country="KZ", years="2023..2025", status="operating")
    # The counts are a list in the language's own pattern (CLDR via Babel): "…, 2 official claims and 2 sources".
    assert ("Exactly the rows that match the filters — 1 workshop, 3 events, 2 institutions, 2 official claims "
            "and 2 sources — with every source they cite.") in " ".join(c.value for c in app.caption)
    assert app.segmented_control[0].options == ["CSV", "Excel", "JSON", "GeoJSON", "ZIP bundle"]
    assert app.selectbox[0].options[:2] == ["Workshops (1 row)", "Events (3 rows)"]


@pytest.fixture
def media(monkeypatch):
    """The media file manager of every AppTest run in this test (AppTest makes a new one per run by default)."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    manager = MediaFileManager(MemoryMediaFileStorage("/mock/media"))
    monkeypatch.setattr(app_test, "MediaFileManager", lambda storage: manager)
    return manager


def download_button(app):
    buttons = app.get("download_button")
    assert len(buttons) == 1
    return buttons[0].proto


def served(media, url: str) -> bytes | None:
    file = media.read_file(url.rsplit("/", 1)[-1])
    return None if file is None else file.content


@pytest.mark.parametrize(("fmt", "label", "extension"), [
    ("csv", "Download CSV (Workshops)", "csv"), ("xlsx", "Download Excel", "xlsx"), ("json", "Download JSON", "json"),
    ("geojson", "Download GeoJSON", "geojson"), ("zip", "Download ZIP bundle", "zip"),
])
def test_the_chosen_format_is_ready_before_the_click_and_the_click_does_not_rerun(open_page, mini_dir, media, fmt,
                                                                                  label, extension):
    from atlas.export import table_csv_bytes, to_geojson_bytes, to_json_bytes
    app = open_page(EXPLORE, data_dir=mini_dir, country="KZ")
    assert app.segmented_control[0].value == "csv"
    if fmt != "csv":
        app.segmented_control[0].set_value(fmt).run()
    button = download_button(app)
    assert button.label == label
    assert button.ignore_rerun                                 # on_click="ignore"
    assert button.url.endswith(f".{extension}") and not button.deferred_file_id   # bytes, not a callable
    mini = load_atlas(mini_dir)
    selection = apply_filters(mini, Filters(countries=("KZ",)))
    expected = {"csv": lambda: table_csv_bytes(mini, selection, "workshops"),
                "json": lambda: to_json_bytes(mini, selection, "?country=KZ"),
                "geojson": lambda: to_geojson_bytes(mini, selection, "?country=KZ")}
    if fmt in expected:                                        # XLSX and ZIP carry build times: checked in the browser
        assert served(media, button.url) == expected[fmt]()
    assert exceptions(app) == []


def test_the_csv_table_choice_picks_the_file(open_page, mini_dir, media):
    app = open_page(EXPLORE, data_dir=mini_dir, country="KZ", years="2023..2025", status="operating")
    app.selectbox[0].set_value("sources").run()
    button = download_button(app)
    assert button.label == "Download CSV (Sources)"
    assert served(media, button.url).decode("utf-8-sig").splitlines()[0].startswith("source_id,")
    assert len(served(media, button.url).decode("utf-8-sig").splitlines()) == 1 + 2   # header and 2 sources


def test_an_eager_file_survives_other_sessions_finishing_runs(open_page, mini_dir, media):
    # The load test's race (BENCHMARKS.md): any session's finished run removes download files no session holds.
    app = open_page(EXPLORE, data_dir=mini_dir)
    url = download_button(app).url
    media.remove_orphaned_files()
    media.remove_orphaned_files()
    assert served(media, url) is not None
    # A rerun of this session (a row selected) keeps the same file at the same address.
    app.session_state[selection_key("workshops", Filters())] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    media.remove_orphaned_files()
    media.remove_orphaned_files()
    assert download_button(app).url == url and served(media, url) is not None


def test_files_above_the_limit_are_built_on_click_and_can_be_lost_under_concurrency(open_page, mini_dir, media,
                                                                                   monkeypatch):
    from components import downloads
    monkeypatch.setitem(downloads.EAGER_MAX_ROWS, "csv", 2)   # the mini dataset has 3 workshops
    app = open_page(EXPLORE, data_dir=mini_dir)
    button = download_button(app)
    assert button.url == "" and button.deferred_file_id          # a callable: nothing is built until the click
    assert "built when you click" in " ".join(c.value for c in app.caption)
    url = media.execute_deferred(button.deferred_file_id)       # the click
    assert served(media, url).decode("utf-8-sig").count("LW-") == 3
    media.remove_orphaned_files()
    media.remove_orphaned_files()
    assert served(media, url) is None                             # why the limit is not lower: the race
    monkeypatch.setitem(downloads.EAGER_MAX_ROWS, "csv", 3)
    app.run()
    assert download_button(app).url and "built when you click" not in " ".join(c.value for c in app.caption)


def test_the_file_is_built_once_per_view(open_page, mini_dir, monkeypatch):
    from components import downloads
    built = []
    monkeypatch.setattr(downloads, "table_csv_bytes", lambda atlas, selection, table: built.append(table) or b"x")
    app = open_page(EXPLORE, data_dir=mini_dir)
    assert built == ["workshops"]
    app.session_state[selection_key("workshops", Filters())] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()                                                      # same view: the file is reused
    assert built == ["workshops"]
    app.selectbox[0].set_value("events").run()
    app.sidebar.multiselect[0].set_value(["KZ"]).run()
    assert built == ["workshops", "events", "events"]              # another table, then another view
    assert exceptions(app) == []


def test_explore_runs_on_the_real_data(open_page):
    app = open_page(EXPLORE)
    assert exceptions(app) == []
    real = load_atlas()
    assert shown_ids(app, "workshops") == sorted(real.workshops["workshop_id"])


# ---------------------------------------------------------------- labels for every value the schema allows

@pytest.mark.parametrize(("prefix", "table", "field"), [
    ("explore.kind.", "institutions", "kind"),
    ("explore.location.", "institutions", "coord_precision"),   # 'unknown' here is a place, not a date
    ("explore.location.", "events", "coord_precision"),
    ("explore.location.", "workshops", "coord_precision"),
    ("side.", "sources", "side"),
])
def test_every_enum_value_shown_in_a_table_has_a_label(prefix, table, field):
    from atlas.i18n import has_key
    enum = load_atlas().specs[table].field(field).enum
    assert [value for value in enum if not has_key(prefix + value)] == []


def test_every_filter_has_words_for_readmes_and_empty_views():
    from atlas.i18n import has_key
    from atlas.permalink import PARAM_NAMES
    assert [p for p in PARAM_NAMES if not (has_key(f"export.param.{p}") and has_key(f"empty_view.param.{p}"))] == []
