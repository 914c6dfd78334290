"""Every page in Russian and Chinese in a real browser: no English catalog text, glyphs drawn, charts drawn, screenshots."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlparse

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page

from atlas import load_atlas
from atlas.i18n import TEMPLATE, entries
from components.chart_base import workshop_label
from browser_support import PAGE_READY_TIMEOUT_MS, screenshot, wait_for_app
from helpers import DATA_DIR

PAGES = [("", "overview"), ("Map", "map"), ("Timeline", "timeline"), ("Explore", "explore"), ("About", "about")]
TRANSLATED = ("ru", "zh")
MAIN = '[data-testid="stMainBlockContainer"]'
# What each page must have drawn: plotly's SVG, deck.gl's WebGL canvas, the data grid's canvas.
DRAWN = {
    "overview": f'{MAIN} [data-testid="stPlotlyChart"] .main-svg',
    "map": f'{MAIN} [data-testid="stDeckGlJsonChart"] #deckgl-overlay',
    "timeline": f'{MAIN} [data-testid="stPlotlyChart"] .main-svg',
    "explore": f'{MAIN} [data-testid="stDataFrame"] canvas',
    "about": f'{MAIN} [data-testid="stDataFrame"] canvas',
}
# The regions the brief names (sidebar, headings, labels, buttons), plus tabs, metric labels and expander titles.
REGIONS = ('[data-testid="stSidebar"]', f"{MAIN} h1", f"{MAIN} h2", f"{MAIN} h3", f"{MAIN} label",
           f'{MAIN} [data-testid="stWidgetLabel"]', f'{MAIN} [data-testid="stMetricLabel"]', f"{MAIN} button",
           f'{MAIN} [data-testid="stPageLink"]', f'{MAIN} [role="tab"]', f'{MAIN} [data-testid="stExpander"] summary')
# Streamlit's own chrome, which the app cannot translate (see shared/design/streamlit-notes.md, point 2): the
# status widget ("Running…"), the main menu and toolbar, the sidebar's collapse button and the per-element
# toolbars of tables and charts (fullscreen, search, download). Their text is subtracted from the regions.
CHROME = ('[data-testid="stStatusWidget"]', '[data-testid="stToolbar"]', '[data-testid="stMainMenu"]',
          '[data-testid="stSidebarCollapseButton"]', '[data-testid="stElementToolbar"]',
          '[data-testid="stSidebarHeader"]')
# A fragment shorter than this ("Map", "All") could be a proper noun or part of a record's English name.
MIN_FRAGMENT_CHARS = 5
SCRIPT = {"ru": re.compile(r"[\u0400-\u04FF]"), "zh": re.compile(r"[\u4E00-\u9FFF]")}
# Glyphs compared against the font's "missing glyph" box: two unassigned code points draw .notdef (tofu).
GLYPHS_JS = """
([chars, selector]) => {
  const element = document.querySelector(selector);
  const family = getComputedStyle(element).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    context.clearRect(0, 0, 48, 48);
    context.fillStyle = '#000';
    context.font = `32px ${family}`;
    context.fillText(ch, 4, 38);
    return Array.from(context.getImageData(0, 0, 48, 48).data).join(',');
  };
  const tofu = [draw('\\u0378'), draw('\\u05FF')];
  return chars.map((ch) => {
    const bitmap = draw(ch);
    return {ch, bitmap, tofu: tofu.includes(bitmap), blank: !/[1-9]/.test(bitmap)};
  });
}
"""


@lru_cache(maxsize=None)
def english_fragments(language: str) -> tuple[tuple[str, str], ...]:
    """(key, fragment): literal English pieces of each catalog message whose translation differs from it."""
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    translated = entries(language)
    found = []
    for message in template:
        if not message.context or message.context not in translated:
            continue
        english = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        target = translated[message.context].text
        target_text = " ".join(target) if isinstance(target, tuple) else target
        for form in english:
            if form == target_text:
                continue
            # Link targets and {placeholders} are not text; Markdown marks split the rest into plain fragments.
            plain = re.sub(r"\]\([^)]*\)", "]", form)
            for piece in re.split(r"\{[^{}]*\}|\*\*|`|\[|\]|\n|:\s|\s·\s|\(|\)|“|”", plain):
                piece = " ".join(piece.split()).strip(" .,;:—–-")
                if len(piece) >= MIN_FRAGMENT_CHARS and re.search(r"[A-Za-z]{3}", piece) and piece not in target_text:
                    found.append((message.context, piece))
    return tuple(found)


def visible_region_text(page: Page) -> str:
    """The visible text of the sidebar, headings, labels and buttons, without Streamlit's untranslatable chrome."""
    return page.evaluate(
        """([regions, chrome]) => {
          const texts = [];
          for (const element of document.querySelectorAll(regions.join(','))) {
            let text = element.innerText || '';
            for (const part of element.querySelectorAll(chrome.join(','))) {
              if (part.innerText) text = text.split(part.innerText).join(' ');
            }
            if (!element.closest(chrome.join(','))) texts.push(text);
          }
          return texts.join('\\n');
        }""", [list(REGIONS), list(CHROME)])


@lru_cache(maxsize=1)
def record_texts() -> tuple[str, ...]:
    """The data's own English text (titles, names, places, publishers), longest first.

    Until a record has a translation the page shows its English text with a visible mark (atlas/localise.py):
    that is data, not a catalog message, and an English title may well contain 'Luban Workshop' or 'Training'.
    """
    atlas = load_atlas(DATA_DIR)
    columns = {"events": ("title", "summary", "place", "other_participants"), "workshops": ("name_en", "city"),
               "institutions": ("name_en", "city"), "sources": ("title", "publisher"), "countries": ("name_en",)}
    texts = {" ".join(str(value).split()) for table, names in columns.items() for name in names
             for value in atlas.table(table)[name] if isinstance(value, str) and len(value) >= MIN_FRAGMENT_CHARS}
    texts |= {alias for aliases in atlas.institutions["aliases"] for alias in aliases if len(alias) >= MIN_FRAGMENT_CHARS}
    # The timeline labels a workshop's row by its name without the words every row shares.
    texts |= {workshop_label(name) for name in atlas.workshops["name_en"]}
    # The dataset's own title and its README's headings (the About page shows data/README.md, a document of the
    # data written in English, not catalog text).
    texts.add(atlas.package.get("title", ""))
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    texts |= {line.lstrip("#").strip() for line in readme.splitlines() if line.startswith("#")}
    return tuple(sorted(texts, key=len, reverse=True))


def english_leaks(text: str, language: str) -> list[str]:
    flat = " ".join(text.split())
    for record_text in record_texts():
        flat = flat.replace(record_text, " ")
    return sorted({f"{key}: {fragment!r}" for key, fragment in english_fragments(language)
                   if re.search(rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])", flat)})


# Streamlit scrolls inside its main container, so a "full page" screenshot shows one viewport: the viewport is
# grown to the content's height (capped, for the About page) to see the whole page at once.
MAX_SCREENSHOT_HEIGHT_PX = 7000


def whole_page_screenshot(page: Page, name: str):
    height = page.evaluate("""() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]',
                                                  '[data-testid="stMainBlockContainer"]']
        .map((s) => document.querySelector(s)).filter(Boolean).map((e) => e.scrollHeight))""")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 100, 1000), MAX_SCREENSHOT_HEIGHT_PX)})
    page.wait_for_timeout(1500)   # charts redraw at the new size
    return screenshot(page, name)


@pytest.fixture(scope="module", autouse=True)
def warm_server(server, browser):
    """Each language's display copy of the atlas is built once per server on its first page: done here, outside
    the tests' time limits (a cold first page took over 90 s on this loaded 2-core machine)."""
    context = browser.new_context()
    page = context.new_page()
    for language in TRANSLATED:
        try:
            page.goto(f"{server.url}/?lang={language}")
            wait_for_app(page)
        except Exception:  # noqa: BLE001 - only warming: the tests below report any real failure
            pass
    context.close()


def open_page(page: Page, url: str, name: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.wait_for_selector(DRAWN[name], timeout=PAGE_READY_TIMEOUT_MS)


def test_fragments_cover_the_catalog():
    # Guards the leak test below: with no fragments it would pass on an English page.
    for language in TRANSLATED:
        keys = {key for key, _ in english_fragments(language)}
        assert len(keys) > 300, language
        assert ("filters.header", "Filters") in english_fragments(language)
        assert ("nav.map", "Map") not in english_fragments(language)  # too short to tell from a name
        assert any(key == "overview.comparison_heading" for key in keys)


def test_leak_check_finds_english_on_an_english_page(server, new_page):
    # The same check on the English page must find catalog text, or it could never fail.
    page = new_page()
    open_page(page, f"{server.url}/?lang=en", "overview")
    assert len(english_leaks(visible_region_text(page), "ru")) > 10


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize(("path", "name"), PAGES)
def test_page_in_language_has_no_english_catalog_text(server, new_page, path, name, language):
    page = new_page()
    open_page(page, f"{server.url}/{path}?lang={language}", name)
    text = visible_region_text(page)
    assert len(SCRIPT[language].findall(text)) > 50, text[:500]
    assert english_leaks(text, language) == []
    # Glyphs really drawn (a font for the script is installed): each differs from the missing-glyph box.
    sample = list(dict.fromkeys(SCRIPT[language].findall(page.locator(f"{MAIN} h1").inner_text() + text)))[:8]
    assert len(sample) >= 4, sample
    glyphs = page.evaluate(GLYPHS_JS, [sample, f"{MAIN} h1"])
    assert [g["ch"] for g in glyphs if g["tofu"] or g["blank"]] == []
    assert len({g["bitmap"] for g in glyphs}) == len(sample), "distinct characters drew the same box"
    assert whole_page_screenshot(page, f"lang-{language}-{name}").stat().st_size > 10_000


@pytest.mark.parametrize(("path", "name"), PAGES)
def test_english_page_screenshot(server, new_page, path, name):
    page = new_page()
    open_page(page, f"{server.url}/{path}?lang=en", name)
    assert page.locator(f"{MAIN} h1").count() == 1
    assert whole_page_screenshot(page, f"lang-en-{name}").stat().st_size > 10_000


@pytest.mark.parametrize("language", TRANSLATED)
def test_charts_carry_translated_text(server, new_page, language):
    # Titles, axes and legends are drawn by plotly inside the SVG, outside the regions above.
    page = new_page()
    open_page(page, f"{server.url}/Timeline?lang={language}", "timeline")
    svg_text = " ".join(page.locator(f'{MAIN} [data-testid="stPlotlyChart"] svg text').all_text_contents())
    assert len(SCRIPT[language].findall(svg_text)) > 20, svg_text[:300]
    assert english_leaks(svg_text, language) == []


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_switching_language_keeps_the_filters(server, new_page):
    page = new_page()
    open_page(page, f"{server.url}/Timeline?lang=ru&country=KZ&years=2019..2024", "timeline")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stButtonGroup"] button', has_text="中文").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('lang') === 'zh'",
                           timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_app(page)
    assert _query(page) == {"lang": ["zh"], "country": ["KZ"], "years": ["2019..2024"]}
    assert SCRIPT["zh"].search(page.locator(f"{MAIN} h1").inner_text())
    assert sidebar.get_by_text("哈萨克斯坦").count() >= 1  # the country filter's chip, now in Chinese
    # Another page keeps both the language and the filters.
    sidebar.locator('[data-testid="stPageLink"]').nth(1).click()
    page.wait_for_url(re.compile(r"/Map\?"), timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_app(page)
    assert _query(page) == {"lang": ["zh"], "country": ["KZ"], "years": ["2019..2024"]}
    # Back to English: this browser's own language, so lang leaves the link and the filters stay.
    sidebar.locator('[data-testid="stButtonGroup"] button', has_text="English").click()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('lang')", timeout=PAGE_READY_TIMEOUT_MS)
    wait_for_app(page)
    assert _query(page) == {"country": ["KZ"], "years": ["2019..2024"]}
    assert page.locator(f"{MAIN} h1").inner_text() == "Map"
