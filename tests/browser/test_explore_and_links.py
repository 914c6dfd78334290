"""In a real browser: sidebar filters, page switches, shared links, every download format checked row by row."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from atlas import Filters, apply_filters, load_atlas
from atlas.permalink import parse_params
from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, wait_for_app
from helpers import REPO, build_dataset

# Download names carry the dataset version of data/datapackage.json (one version everywhere).
VERSION = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]

# A rerun after a filter change takes ~0.2 s here; allow for a loaded 2-core CI machine.
RERUN_TIMEOUT_MS = 15_000
# A small file is ready before the click; a large one is built on click, on a server thread.
DOWNLOAD_TIMEOUT_MS = 30_000
KZ_OPERATING_2023_2025 = Filters(countries=("KZ",), year_min=2023, year_max=2025, statuses=("operating",))


# ---------------------------------------------------------------- helpers

def sidebar(page: Page):
    return page.locator('[data-testid="stSidebar"]')


def wait_for_rerun(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=RERUN_TIMEOUT_MS)
    page.wait_for_timeout(300)   # the status widget appears only after a short delay; let a pending run start
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=RERUN_TIMEOUT_MS)


def choose(page: Page, label: str, option: str) -> None:
    """Pick one option in a sidebar multiselect by typing it, as a keyboard user would."""
    box = sidebar(page).locator('[data-testid="stMultiSelect"]').filter(has_text=label)
    box.locator("input").click()
    page.keyboard.type(option)   # narrows the list, as a visitor would; 'Operating' also matches 'Partially operating'
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_rerun(page)


def query(page: Page) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page.url).query))


def visible_ids(page: Page, tab: str) -> list[str]:
    """Ids in the grid of one tab, read from the data grid's accessible table (the id is the first column)."""
    page.get_by_role("tab", name=tab, exact=True).click()
    panel = page.locator('[data-testid="stTabs"] [role="tabpanel"]:visible')
    # The grid draws on a canvas and fills its accessible table a moment later; an empty table is a sentence.
    panel.locator('[data-testid="stDataFrame"] td[aria-colindex="1"], [data-testid="stAlert"]').first.wait_for(
        state="attached", timeout=RERUN_TIMEOUT_MS)
    grid = panel.locator('[data-testid="stDataFrame"]').first
    if grid.count() == 0:
        return []
    return sorted(grid.locator('td[aria-colindex="1"]').all_text_contents())


def permalink(page: Page) -> str:
    return page.locator('[data-testid="stCode"]').first.inner_text().strip()


def expected_ids(data_dir, filters: Filters, table: str, column: str) -> list[str]:
    return sorted(apply_filters(load_atlas(data_dir), filters).table(table)[column])


def choose_format(page: Page, name: str) -> None:
    """Pick a download format; the page reruns and builds that file (the button then names the format)."""
    choice = page.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name=name, exact=True)
    choice.click()
    expect(choice).to_have_attribute("aria-checked", "true")
    wait_for_rerun(page)


def download(page: Page, label: str):
    button = page.locator('[data-testid="stDownloadButton"]').get_by_role("button", name=label, exact=True)
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    item = info.value
    return item.suggested_filename, item.path().read_bytes()


def csv_ids(data: bytes, column: str) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")
    return sorted(row[column] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def watch_reruns(page: Page) -> list[str]:
    """Kinds of every message the page sends to the server (a rerun request is 'rerun_script')."""
    kinds: list[str] = []

    def on_frame(payload) -> None:
        if isinstance(payload, bytes):
            kinds.append(BackMsg.FromString(payload).WhichOneof("type") or "")

    page.on("websocket", lambda socket: socket.on("framesent", on_frame))
    return kinds


@pytest.fixture(scope="module")
def mini_data(tmp_path_factory):
    """The same fixture tables the mini_server serves, for computing the expected rows in the test process."""
    return build_dataset(tmp_path_factory.mktemp("expected") / "mini")


# ---------------------------------------------------------------- the issue's "done when" path

def test_narrow_share_and_download_the_issue_example(mini_server, mini_data, new_page):
    page = new_page()
    page.goto(f"{mini_server.url}/Explore")
    wait_for_app(page)
    assert visible_ids(page, "Workshops") == ["LW-KG-01", "LW-KZ-01", "LW-KZ-04"]

    # 1. Narrow through the sidebar: Kazakhstan, operating, 2023–2025 (slider moved with the keyboard).
    choose(page, "Countries", "Kazakhstan")
    assert query(page) == {"country": "KZ"}
    choose(page, "Workshop status", "Operating")
    thumb = sidebar(page).locator('[data-testid="stSlider"] input[type="range"]').first   # the start thumb
    thumb.focus()
    for _ in range(2023 - 2009):
        page.keyboard.press("ArrowRight")
    wait_for_rerun(page)
    expect(page).to_have_url(re.compile(r"years=2023\.\.2025"), timeout=RERUN_TIMEOUT_MS)
    assert query(page) == {"country": "KZ", "status": "operating", "years": "2023..2025"}
    assert visible_ids(page, "Workshops") == ["LW-KZ-01"]
    assert visible_ids(page, "Events") == expected_ids(mini_data, KZ_OPERATING_2023_2025, "events", "event_id")
    link = permalink(page)
    assert link == f"{mini_server.url}/Explore?country=KZ&years=2023..2025&status=operating"
    screenshot(page, "explore-kz-operating-2023-2025")

    # 2. Switch pages through the sidebar links; the filters follow.
    for label, path in (("Map", "/Map"), ("Timeline", "/Timeline"), ("Explore & download", "/Explore")):
        sidebar(page).get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(re.compile(re.escape(path) + r"\?"), timeout=PAGE_READY_TIMEOUT_MS)
        wait_for_app(page)
        assert query(page) == {"country": "KZ", "status": "operating", "years": "2023..2025"}, label
        assert sidebar(page).locator('[data-testid="stMultiSelect"]').first.inner_text().startswith("Countries")
        expect(sidebar(page).locator('[data-testid="stMultiSelect"]').first).to_contain_text("Kazakhstan")
    assert visible_ids(page, "Workshops") == ["LW-KZ-01"]

    # 3. A colleague opens the copied link in a fresh browser (no session): same view.
    colleague = new_page()
    colleague.goto(link)
    wait_for_app(colleague)
    assert visible_ids(colleague, "Workshops") == ["LW-KZ-01"]
    assert visible_ids(colleague, "Events") == visible_ids(page, "Events")
    expect(sidebar(colleague).locator('[data-testid="stMultiSelect"]').first).to_contain_text("Kazakhstan")
    expect(sidebar(colleague).locator('[data-testid="stMultiSelect"]').nth(1)).to_contain_text("Operating")
    assert permalink(colleague) == link

    # 4. Download the CSV and the ZIP: exactly those rows, and the README says where they came from.
    name, data = download(page, "Download CSV (Workshops)")
    assert name == f"luban-atlas_{VERSION}_KZ_2023-2025_operating_workshops.csv"
    assert csv_ids(data, "workshop_id") == ["LW-KZ-01"] == visible_ids(page, "Workshops")
    choose_format(page, "ZIP bundle")
    name, data = download(page, "Download ZIP bundle")
    assert name == f"luban-atlas_{VERSION}_KZ_2023-2025_operating.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert csv_ids(archive.read("events.csv"), "event_id") == visible_ids(page, "Events")
    readme = archive.read("README.md").decode("utf-8")
    assert f"**Permalink of this view**: {link}" in readme
    assert "**Filters applied**: Countries: Kazakhstan; Years: 2023–2025; Workshop status: Operating" in readme
    for source_id in csv_ids(archive.read("sources.csv"), "source_id"):
        assert f"- [{source_id}]" in readme


def test_every_format_downloads_through_its_button_without_losing_the_view(mini_server, mini_data, new_page):
    page = new_page()
    sent = watch_reruns(page)
    page.goto(f"{mini_server.url}/Explore?country=KZ")
    wait_for_app(page)
    filters = Filters(countries=("KZ",))
    data_dir = mini_data

    # Select the first workshop row: the detail panel opens; a download must not close it (no rerun).
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)   # the checkbox column of the first data row
    heading = page.locator('[data-testid="stMainBlockContainer"] h3').filter(has_text="Kazakhstan Luban Workshop (EKTU)")
    expect(heading).to_be_visible(timeout=RERUN_TIMEOUT_MS)
    screenshot(page, "explore-row-detail")
    url_before = page.url
    wait_for_rerun(page)

    def download_without_rerun(label: str):
        # The file is ready before the click (bytes, tied to this session): the click fetches it over HTTP and
        # asks the server neither for a rerun nor to build a file (a deferred download's backend operation).
        sent_before = len(sent)
        name, data = download(page, label)
        assert not {"rerun_script", "backend_operation_request"} & set(sent[sent_before:]), sent[sent_before:]
        return name, data

    name, data = download_without_rerun("Download CSV (Workshops)")
    assert name == f"luban-atlas_{VERSION}_KZ_workshops.csv"
    assert csv_ids(data, "workshop_id") == expected_ids(data_dir, filters, "workshops", "workshop_id")

    sent_before_format = len(sent)
    choose_format(page, "Excel")
    assert "rerun_script" in sent[sent_before_format:]   # the watcher does see reruns: choosing a format made one
    name, data = download_without_rerun("Download Excel")
    assert name == f"luban-atlas_{VERSION}_KZ.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[0] == "README"
    assert sorted(r[0] for r in workbook["events"].iter_rows(min_row=2, values_only=True)) == \
        expected_ids(data_dir, filters, "events", "event_id")

    choose_format(page, "JSON")
    name, data = download_without_rerun("Download JSON")
    assert name == f"luban-atlas_{VERSION}_KZ.json"
    document = json.loads(data)
    assert sorted(r["institution_id"] for r in document["tables"]["institutions"]) == \
        expected_ids(data_dir, filters, "institutions", "institution_id")
    assert document["permalink"] == f"{mini_server.url}/Explore?country=KZ"

    choose_format(page, "GeoJSON")
    name, data = download_without_rerun("Download GeoJSON")
    assert name == f"luban-atlas_{VERSION}_KZ.geojson"
    features = json.loads(data)["features"]
    oskemen = next(f for f in features if f["properties"].get("workshop_id") == "LW-KZ-01")
    assert oskemen["geometry"]["coordinates"] == [82.628, 49.948]   # longitude first

    choose_format(page, "ZIP bundle")
    name, data = download_without_rerun("Download ZIP bundle")
    assert name == f"luban-atlas_{VERSION}_KZ.zip"
    assert "README.md" in zipfile.ZipFile(io.BytesIO(data)).namelist()

    # Back to CSV and another table: its file and rows follow the choice.
    choose_format(page, "CSV")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Table for the CSV download").click()
    page.get_by_role("option", name=re.compile(r"^Sources")).click()
    wait_for_rerun(page)
    # The button names its table: once it says Sources, the rerun has registered the new file.
    name, data = download_without_rerun("Download CSV (Sources)")
    assert name == f"luban-atlas_{VERSION}_KZ_sources.csv"
    assert csv_ids(data, "source_id") == expected_ids(data_dir, filters, "sources", "source_id")

    assert page.url == url_before
    expect(heading).to_be_visible()


def test_empty_view_explains_and_one_click_brings_records_back(mini_server, new_page):
    page = new_page()
    page.goto(f"{mini_server.url}/Explore?country=KG&years=2009..2010")
    wait_for_app(page)
    alert = page.locator('[data-testid="stAlert"]').first
    expect(alert).to_contain_text("Nothing matches these filters (Kyrgyzstan · 2009–2010)")
    expect(alert).to_contain_text("Removing the year range alone would bring back 1 workshop and 3 events")
    screenshot(page, "explore-empty")
    page.get_by_role("button", name="Remove the year range: 2009–2010").click()
    expect(page).to_have_url(re.compile(r"\?country=KG$"), timeout=RERUN_TIMEOUT_MS)
    wait_for_rerun(page)
    assert visible_ids(page, "Workshops") == ["LW-KG-01"]


def test_invalid_link_shows_notices_and_a_clean_view(mini_server, new_page):
    page = new_page()
    page.goto(f"{mini_server.url}/Explore?country=KZ,XX&years=abc&q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    wait_for_app(page)
    warnings = sidebar(page).locator('[data-testid="stAlert"]')
    expect(warnings.filter(has_text="'XX'")).to_have_count(1)
    expect(warnings.filter(has_text="'abc'")).to_have_count(1)
    assert page.locator("img[src='x']").count() == 0          # the search text is shown, never run
    assert query(page) == {"country": "KZ", "q": "<img src=x onerror=alert(1)>"}


def test_phone_width_explore_is_usable(server, new_page):
    page = new_page(width=390, height=844)
    page.goto(f"{server.url}/Explore?country=KZ")
    # On a phone the sidebar starts collapsed, so wait for the main block instead of wait_for_app's sidebar.
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_rerun(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    real = load_atlas(REPO / "data")
    filters, notices = parse_params({"country": "KZ"}, {"KZ"}, set(), set(), real.year_bounds)
    assert notices == []
    expected = expected_ids(REPO / "data", filters, "workshops", "workshop_id")
    assert visible_ids(page, "Workshops") == expected
    # Nothing wider than the screen but the grid itself (which scrolls inside its own box).
    overflow = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth")
    assert overflow <= 390 + 1
    expect(page.locator('[data-testid="stButtonGroup"]').get_by_role("radio", name="ZIP bundle")).to_be_visible()
    expect(page.locator('[data-testid="stDownloadButton"]').get_by_role("button")).to_be_visible()
    screenshot(page, "phone-explore")


def test_real_data_explore_downloads_the_whole_dataset(server, new_page):
    page = new_page()
    page.goto(f"{server.url}/Explore")
    wait_for_app(page)
    choose_format(page, "ZIP bundle")
    name, data = download(page, "Download ZIP bundle")
    archive = zipfile.ZipFile(io.BytesIO(data))
    real = load_atlas(REPO / "data")
    assert name == f"luban-atlas_{real.version}_all.zip"
    assert csv_ids(archive.read("workshops.csv"), "workshop_id") == sorted(real.workshops["workshop_id"])
    assert len(csv_ids(archive.read("sources.csv"), "source_id")) == len(apply_filters(real, Filters()).sources)
    screenshot(page, "explore-real-data")
