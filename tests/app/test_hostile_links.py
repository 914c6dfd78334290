"""A crafted link cannot put a link, an image or formatting into the atlas: every echoed URL value is literal."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from app_support import exceptions

PAGES = ["app.py", "pages/1_Map.py", "pages/2_Timeline.py", "pages/3_Explore.py", "pages/4_About.py"]
PARAMS = ["country", "years", "status", "category", "q", "regional", "lang"]
PAYLOADS = {
    "markdown link": "[Sign in again](https://ev.il/a)",
    "markdown image": "![tracker](https://evil.example/pixel.png)",
    "emphasis": "**BIG** _italic_",
    "html": "<img src=https://evil.example/x.png onerror=alert(1)><b>bold</b>",
    "template braces": "{value}{0}{{braces}}",
    "javascript url": "javascript:alert(1)",
    "control and zero-width": "K\u200bZ\x00\u202e<a>zw</a>",
}
# A word of each payload that survives escaping: the elements echoing the payload are those containing it.
MARKERS = ("Sign in again", "tracker", "BIG", "onerror", "braces", "alert", "zw")
RENDERER = MarkdownIt("commonmark")
# Inline elements a payload must never become: only the atlas writes links, images and emphasis.
FORMATTING = {"link_open": "link_close", "em_open": "em_close", "strong_open": "strong_close"}


def formatted_payloads(body: str) -> list[str]:
    """The payload words that Markdown would render as a link, an image, emphasis or raw HTML."""
    found = []
    for block in RENDERER.parse(body):
        open_elements: list[str] = []
        for token in block.children or []:
            if token.type in FORMATTING:
                open_elements.append(FORMATTING[token.type])
            elif open_elements and token.type == open_elements[-1]:
                open_elements.pop()
            elif token.type in ("image", "html_inline") or (token.type == "text" and open_elements):
                text = token.content + " " + " ".join(str(v) for v in (token.attrs or {}).values())
                found += [f"{token.type}:{marker}" for marker in MARKERS if marker in text]
    return found


def echoed_markdown(app) -> list[str]:
    """Every Markdown body on the page (sidebar and main) that echoes a payload."""
    bodies = [str(element.value) for kind in ("warning", "error", "info", "markdown", "caption")
              for element in list(getattr(app.sidebar, kind)) + list(getattr(app.main, kind))]
    return [body for body in bodies if any(marker in body.replace("\\", "") for marker in MARKERS)]


@pytest.mark.parametrize("param", PARAMS)
@pytest.mark.parametrize("family", list(PAYLOADS))
def test_payload_in_any_parameter_is_shown_as_text(open_page, mini_dir, param, family):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, **{param: PAYLOADS[family]})
    assert exceptions(app) == []
    assert [found for body in echoed_markdown(app) for found in formatted_payloads(body)] == []
    # The address bar is rewritten to a clean link: an invalid value never survives into it (a search
    # text is the visitor's own words and stays, cleaned).
    if param != "q":
        assert all(PAYLOADS[family] not in value for value in app.query_params.values())


@pytest.mark.parametrize("page", PAGES)
def test_every_page_echoes_a_hostile_link_literally(open_page, mini_dir, page):
    # One link carrying a different payload in each parameter reaches every echo point of the page.
    params = dict(zip(PARAMS, PAYLOADS.values()))
    app = open_page(page, data_dir=mini_dir, **params)
    assert exceptions(app) == []
    echoed = echoed_markdown(app)
    assert echoed, "no element echoes the payloads: the check below would pass vacuously"
    assert [found for body in echoed for found in formatted_payloads(body)] == []
    notices = " ".join(w.value for w in app.sidebar.warning)
    assert "Sign in again" in notices.replace("\\", "")    # the rejected value is named, not hidden


@pytest.mark.parametrize(("params", "fragment"), [
    ({"country": ["KZ", "KG"]}, None),                                 # union, no notice
    ({"years": ["2023", "2024"]}, "2 times"),                          # which one was kept
    ({"q": "x" * 10_000}, "10000 characters"),                         # over-long text reported
    ({"utm_source": "newsletter", "fbclid": "x1", "gclid": "y"}, None),  # tracking parameters: silent
    ({"contry": "KZ"}, "contry"),                                      # a misspelling of ours: reported
])
def test_repeated_long_and_foreign_parameters(open_page, mini_dir, params, fragment):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, **params)
    assert exceptions(app) == []
    notices = " ".join(w.value for w in app.sidebar.warning).replace("\\", "")
    if fragment is None:
        assert notices == ""
    else:
        assert fragment in notices
    # Others' parameters are kept out of the canonical link.
    assert not {"utm_source", "fbclid", "gclid", "contry"} & set(app.query_params)


def test_repeated_country_is_the_union_in_the_address_bar(open_page, mini_dir):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, country=["KZ", "KG"])
    assert app.query_params["country"] == "KZ,KG"


def test_the_check_itself_sees_formatting():
    # Guards the table above against a checker that can never fail.
    assert formatted_payloads("[Sign in again](https://ev.il/a)") == ["text:Sign in again"]
    assert formatted_payloads("![tracker](https://evil.example/pixel.png)")
    assert formatted_payloads("**BIG**") and formatted_payloads("x <b onerror=1>")
    assert formatted_payloads("\\[Sign in again\\](https://ev.il/a) \\*\\*BIG\\*\\*") == []


def test_notices_are_only_rendered_through_an_escaping_function():
    # A new echo point that renders a Notice without md_escape (or html.escape) fails here.
    import re
    from helpers import REPO
    calls = []
    for path in [REPO / "app.py", *(REPO / "pages").glob("*.py"), *(REPO / "components").rglob("*.py")]:
        calls += [(path.name, m) for m in re.findall(r"\.render\(([^)]*)\)", path.read_text(encoding="utf-8"))]
    assert calls, "the scan found no notice rendering at all"
    assert [c for c in calls if c[1].split(",")[0].strip() not in ("md_escape", "html_escape")] == []
