"""User-facing strings from gettext catalogs (msgctxt = key, msgid = English), plus Babel numbers and dates."""

from __future__ import annotations

import contextvars
import gettext
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
TEMPLATE = LOCALES_DIR / "messages.pot"
CONFIG_FILE = ROOT / "config.toml"
DEFAULT_LANGUAGE = "en"
BABEL_LOCALES = {"en": "en_GB"}

# The language of the current script run. Streamlit runs each session's script in its own thread and
# page_setup sets this first thing, so no visitor's choice leaks into another's (no gettext.install()).
_current = contextvars.ContextVar("atlas_language", default=DEFAULT_LANGUAGE)


@dataclass(frozen=True)
class Entry:
    """One catalog message: a plain string, or singular/plural forms with the language's plural rule."""
    text: str | tuple[str, ...]
    fuzzy: bool = False


@lru_cache(maxsize=1)
def language_names() -> dict[str, str]:
    """Code -> name in that language, from config.toml [languages]; English always first."""
    with CONFIG_FILE.open("rb") as handle:
        configured = tomllib.load(handle).get("languages", {})
    names = {DEFAULT_LANGUAGE: configured.get(DEFAULT_LANGUAGE, "English")}
    for code, name in configured.items():
        if code != DEFAULT_LANGUAGE and (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").exists():
            names[code] = name
    return names


def languages() -> tuple[str, ...]:
    return tuple(language_names())


def catalog_path(language: str) -> Path:
    return TEMPLATE if language == DEFAULT_LANGUAGE else LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=16)
def _catalog(language: str) -> tuple[dict[str, Entry], object]:
    """Key -> Entry, and the plural-index function of this language (from the catalog's Plural-Forms)."""
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=None if language == DEFAULT_LANGUAGE else language)
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.context:
            continue
        if language == DEFAULT_LANGUAGE:
            text = message.id
        else:
            text = message.string
            if isinstance(text, (list, tuple)):
                text = tuple(text) if all(text) else None
            if not text:
                continue
        if isinstance(text, list):
            text = tuple(text)
        entries[message.context] = Entry(text, fuzzy=message.fuzzy)
    plural = gettext.c2py(catalog.plural_expr if language != DEFAULT_LANGUAGE else "(n != 1)")
    return entries, plural


def _lookup(key: str, language: str) -> tuple[Entry, object]:
    entries, plural = _catalog(language)
    entry = entries.get(key)
    if entry is not None and not entry.fuzzy:
        return entry, plural
    entries, plural = _catalog(DEFAULT_LANGUAGE)
    if key not in entries:
        raise KeyError(f"missing string '{key}' in {TEMPLATE.relative_to(ROOT)}")
    return entries[key], plural


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    """The language of this script run (page_setup calls it before anything is drawn)."""
    _current.set(language if language in languages() else DEFAULT_LANGUAGE)


@contextmanager
def language_context(language: str) -> Iterator[None]:
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def t(key: str, language: str | None = None, **values: object) -> str:
    """The string for `key` in `language` (default: this run's), falling back to English; formatted with `values`."""
    entry, _ = _lookup(key, language or _current.get())
    text = entry.text[0] if isinstance(entry.text, tuple) else entry.text
    return text.format(**values) if values else text


def tn(key: str, count: int, language: str | None = None, **values: object) -> str:
    """The plural form of `key` for `count` under the language's CLDR rule; `{count}` is the Babel-formatted number."""
    language = language or _current.get()
    entry, plural = _lookup(key, language)
    forms = entry.text if isinstance(entry.text, tuple) else (entry.text,)
    form = forms[min(plural(abs(int(count))), len(forms) - 1)]
    return form.format(count=number(count, language), n=number(count, language), **values)


def number(value: float | int, language: str | None = None, decimals: int | None = None) -> str:
    """1,234 / 1 234 / 1,234 — digits grouped the way each language writes them (`decimals` fixes the decimals)."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_babel_locale(language or _current.get()))


def month_year(value: date, language: str | None = None) -> str:
    """'November 2024' / 'ноябрь 2024 г.' / '2024年11月' (CLDR skeleton yMMMM: nominative month in Russian)."""
    return format_skeleton("yMMMM", value, locale=_babel_locale(language or _current.get()))


def day_month_year(value: date, language: str | None = None, long: bool = False) -> str:
    return format_skeleton("yMMMMd" if long else "yMMMd", value, locale=_babel_locale(language or _current.get()))


def month_year_short(value: date, language: str | None = None) -> str:
    return format_skeleton("yMMM", value, locale=_babel_locale(language or _current.get()))


def join_list(items: list[str] | tuple[str, ...], language: str | None = None) -> str:
    """'a, b and c' / 'a, b и c' / 'a、b和c' — the language's own list pattern (CLDR via Babel), not an English ', '."""
    items = [str(item) for item in items]
    return format_list(items, style="standard", locale=_babel_locale(language or _current.get())) if items else ""


def labelled(label: str, value: str, language: str | None = None) -> str:
    """'Date: 2024' / '日期：2024' — a label and its value with the language's own colon."""
    return t("punctuation.label_value", language, label=label, value=value)


@lru_cache(maxsize=16)
def _babel_locale(language: str) -> Locale:
    # British English: the atlas writes "licence" and "29 Nov 2022", not "Nov 29, 2022".
    return Locale.parse(BABEL_LOCALES.get(language, language))


def has_key(key: str, language: str = DEFAULT_LANGUAGE) -> bool:
    return key in _catalog(language)[0]


def all_keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    return set(_catalog(language)[0])


def placeholders(text: str | tuple[str, ...]) -> set[str]:
    """The {names} a message formats, for the parity test between languages."""
    texts = text if isinstance(text, tuple) else (text,)
    return {name for item in texts for name in re.findall(r"\{(\w+)[^{}]*\}", item)}


def entries(language: str) -> dict[str, Entry]:
    """Every translated (or, for English, source) entry of a catalog — for tests and the translation report."""
    return dict(_catalog(language)[0])
