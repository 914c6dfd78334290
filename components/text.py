"""Safe display of record text: Markdown and HTML in data are shown as characters, links only for http(s)."""

from __future__ import annotations

from urllib.parse import urlparse

from atlas.escape import html_escape, md_escape  # noqa: F401  (the one pair of escapers, re-exported)


def is_web_url(url: object) -> bool:
    """Only http(s) addresses with a host become links; javascript:, data: and the rest stay text."""
    if not isinstance(url, str):
        return False
    parsed = urlparse(url.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and not any(c in url for c in " <>\"'")


def md_link(label: object, url: object) -> str:
    label_text = md_escape(label)
    if is_web_url(url):
        safe_url = str(url).strip().replace(")", "%29").replace("(", "%28")
        return f"[{label_text}]({safe_url})"
    return f"{label_text} ({md_escape(url)})"
