"""Safe display of record text: Markdown and HTML in data are shown as characters, links only for http(s)."""

from __future__ import annotations

from atlas.escape import html_escape, is_web_url, md_escape  # noqa: F401  (the one set of escapers, re-exported)


def md_link(label: object, url: object) -> str:
    label_text = md_escape(label)
    if is_web_url(url):
        safe_url = str(url).strip().replace(")", "%29").replace("(", "%28")
        return f"[{label_text}]({safe_url})"
    return f"{label_text} ({md_escape(url)})"
