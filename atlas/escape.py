"""The two escaping functions every echo of data or visitor input goes through: Markdown and HTML."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlparse

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")
# GitHub-flavoured Markdown turns bare "https://…", "www.…" and "a@b.c" into links even when every
# special character is escaped; an invisible word joiner inside the pattern keeps them plain text.
WORD_JOINER = "\u2060"
AUTOLINK_STARTS = re.compile(r"(://|(?<![\w])www\.|@)", re.IGNORECASE)


def md_escape(text: object) -> str:
    """Escape Markdown (and HTML brackets) so text is shown literally in st.markdown and friends."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    broken = AUTOLINK_STARTS.sub(lambda match: match.group(0)[0] + WORD_JOINER + match.group(0)[1:], str(text))
    return MARKDOWN_SPECIALS.sub(r"\\\1", broken).replace("\n", " ")


def html_escape(text: object) -> str:
    """Escape text for HTML element content and quoted attributes (server-rendered record pages)."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(str(text), quote=True)


def is_web_url(url: object) -> bool:
    """Only http(s) addresses with a host become links; javascript:, data: and the rest stay text."""
    if not isinstance(url, str):
        return False
    parsed = urlparse(url.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and not any(c in url for c in " <>\"'")


def html_link(label: object, url: object) -> str:
    """<a href=…>label</a> for a web address; the label alone (escaped) for anything else."""
    if not is_web_url(url):
        return html_escape(label)
    return f'<a href="{html_escape(str(url).strip())}">{html_escape(label)}</a>'


def json_for_script(value: object) -> str:
    """JSON safe inside <script type="application/ld+json">: no '<', '>' or '&' can end the element early."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
