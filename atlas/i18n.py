"""User-facing strings: every locales/<lang>/*.toml merged into one table per language, looked up by dotted key."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=8)
def _table(language: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language).glob("*.toml")):
        with path.open("rb") as handle:
            nested = tomllib.load(handle)
        before = set(flat)
        walk_into: dict[str, str] = {}
        _flatten("", nested, walk_into)
        clashes = before & set(walk_into)
        if clashes:
            # One key, one string: a clash between files would make the shown text depend on file order.
            raise ValueError(f"{path.name} repeats keys defined in another file: {sorted(clashes)[:5]}")
        flat.update(walk_into)
    return flat


def _flatten(prefix: str, node: dict, into: dict[str, str]) -> None:
    for key, value in node.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(dotted, value, into)
        else:
            into[dotted] = value


def t(key: str, language: str = DEFAULT_LANGUAGE, **values: object):
    """The string (or list, e.g. month names) for `key` in `language`, falling back to English; formatted with `values`."""
    text = _table(language).get(key) or _table(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise KeyError(f"missing string '{key}' in locales/{DEFAULT_LANGUAGE}/*.toml")
    return text.format(**values) if values else text


def has_key(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return key in _table(language)


def all_keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    return set(_table(language))
