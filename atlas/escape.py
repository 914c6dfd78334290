"""The two escaping functions every echo of data or visitor input goes through: Markdown and HTML."""

from __future__ import annotations

import html
import re

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
