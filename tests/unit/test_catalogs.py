"""The Russian and Chinese catalogs are complete and safe: every key translated, nothing fuzzy, placeholders and
Markdown kept, plural forms by CLDR, and dates and numbers through Babel."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from atlas.i18n import TEMPLATE, catalog_path, language_names, month_year, number, placeholders, t, tn

LANGUAGES = [code for code in language_names() if code != "en"]


def _messages(language: str):
    with catalog_path(language).open("rb") as handle:
        return {m.context: m for m in read_po(handle, locale=language) if m.context}


def _english():
    with TEMPLATE.open("rb") as handle:
        return {m.context: m for m in read_po(handle) if m.context}


def _texts(value) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def test_russian_and_chinese_are_offered():
    assert LANGUAGES == ["ru", "zh"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_markdown_and_links_are_kept(language):
    english, translated = _english(), _messages(language)
    broken = []
    for key, message in translated.items():
        if key not in english or not all(_texts(message.string)):
            continue
        source = " ".join(_texts(english[key].id))
        for text in _texts(message.string):
            wanted = placeholders(source) - ({"count", "n"} if isinstance(english[key].id, tuple) else set())
            if not wanted <= placeholders(text) or not placeholders(text) <= placeholders(source):
                broken.append((key, "placeholders"))
            if source.count("**") != text.count("**") * (len(_texts(english[key].id)) if isinstance(english[key].id, tuple) else 1) \
                    and source.count("**") != text.count("**"):
                broken.append((key, "bold"))
            if re.findall(r"\]\((\S+?)\)", source) and not set(re.findall(r"\]\((\S+?)\)", text)) <= set(re.findall(r"\]\((\S+?)\)", source)):
                broken.append((key, "link target"))
    assert broken == []


@pytest.mark.parametrize("count, form", [(1, 0), (2, 1), (5, 2), (21, 0), (12, 2), (0, 2)])
def test_russian_plural_rule_is_cldr(count, form):
    # 21 takes the 'one' form and 12 the 'many' form: the catalog's Plural-Forms, not an `n == 1` rule.
    from atlas.i18n import _catalog
    assert _catalog("ru")[1](count) == form


def test_english_plurals():
    assert tn("explore.count.workshops", 1, language="en") == "1 workshop"
    assert tn("explore.count.workshops", 2, language="en") == "2 workshops"


@pytest.mark.parametrize("language, expected", [("en", "December 2025"), ("ru", "декабрь 2025"), ("zh", "2025年12月")])
def test_month_names_come_from_babel(language, expected):
    assert month_year(date(2025, 12, 1), language).replace("\u202f", " ").removesuffix(" г.") == expected


@pytest.mark.parametrize("language, expected", [("en", "12,345"), ("ru", "12 345"), ("zh", "12,345")])
def test_numbers_are_grouped_per_locale(language, expected):
    assert number(12345, language).replace("\xa0", " ") == expected


def test_language_names_are_in_their_own_language():
    assert language_names() == {"en": "English", "ru": "Русский", "zh": "中文"}
