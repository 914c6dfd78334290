"""User-facing strings: one table per language in locales/<lang>.toml, looked up by dotted key."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=8)
def _table(language: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{language}.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        nested = tomllib.load(handle)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            dotted = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(dotted, value)
            else:
                flat[dotted] = value

    walk("", nested)
    return flat


def t(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string for `key` in `language` (falling back to English), formatted with `values`."""
    text = _table(language).get(key) or _table(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"missing string '{key}' in locales/{DEFAULT_LANGUAGE}.toml")
    return text.format(**values) if values else text


def has_key(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return key in _table(language)


def all_keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    return set(_table(language))
