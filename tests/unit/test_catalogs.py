"""The Russian and Chinese catalogs are complete and safe: every key translated, nothing fuzzy, placeholders and
Markdown kept, plural forms by CLDR, and dates and numbers through Babel."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from atlas.dates import format_partial
from atlas.i18n import (TEMPLATE, catalog_path, join_list, labelled, language_names, month_year, number, placeholders,
                        t, tn)

LANGUAGES = [code for code in language_names() if code != "en"]


def _messages(language: str):
    with catalog_path(language).open("rb") as handle:
        return {m.context: m for m in read_po(handle, locale=language) if m.context}


def _english():
    with TEMPLATE.open("rb") as handle:
        return {m.context: m for m in read_po(handle) if m.context}


def _texts(value) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _plural_count(language: str) -> int:
    with catalog_path(language).open("rb") as handle:
        return read_po(handle, locale=language).num_plurals


# Messages that are legitimately the same in every language: names of file formats and programs, and
# "ID" (Russian and Chinese tables write it in Latin letters too). Messages made only of placeholders and
# punctuation ("{label} ({rows})", "{low}–{high}") and bare URLs are allowed by rule, not listed here.
SAME_IN_EVERY_LANGUAGE = {"CSV", "JSON", "GeoJSON", "BibTeX", "Excel", "ID"}


def _same_in_every_language(english: str) -> bool:
    words = re.sub(r"\{[^{}]*\}", "", english)
    return (english.strip() in SAME_IN_EVERY_LANGUAGE or not re.search(r"[^\W\d_]", words)
            or re.fullmatch(r"\s*https?://\S+\s*", english) is not None)


def catalog_problems(english: dict[str, Message], translated: dict[str, Message], plural_count: int) -> list[tuple[str, str]]:
    """(key, problem) for every message of the template that a catalog lacks, leaves empty, marks fuzzy, gives
    the wrong number of plural forms, or leaves identical to English where a translation is due."""
    problems = []
    for key, source in english.items():
        message = translated.get(key)
        if message is None:
            problems.append((key, "missing"))
            continue
        forms = _texts(message.string)
        if message.fuzzy:
            problems.append((key, "fuzzy"))
        if isinstance(source.id, (tuple, list)) and len(forms) != plural_count:
            problems.append((key, "plural forms"))
        if not all(form.strip() for form in forms):
            problems.append((key, "empty"))
        elif any(form == text and not _same_in_every_language(text) for form in forms for text in _texts(source.id)):
            problems.append((key, "same as English"))
    return problems


def test_russian_and_chinese_are_offered():
    assert LANGUAGES == ["ru", "zh"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    # Languages come from language_names() (config.toml + an existing catalog), so a new language is checked too.
    assert catalog_problems(_english(), _messages(language), _plural_count(language)) == []


def _message(key: str, english, translated=None, fuzzy: bool = False) -> tuple[Message, Message]:
    source = Message(english, context=key)
    return source, Message(english, translated if translated is not None else "", context=key,
                           flags=["fuzzy"] if fuzzy else [])


@pytest.mark.parametrize("english, translated, fuzzy, expected", [
    # a real translation passes
    ("Map", "Карта", False, []),
    # an empty msgstr is what Babel's update leaves for a new message
    ("Map", "", False, ["empty"]),
    ("Map", "   ", False, ["empty"]),
    # fuzzy means a translator has not confirmed it: the app falls back to English for it
    ("Map", "Карта", True, ["fuzzy"]),
    # copied English is an untranslated string a visitor would see in the wrong language
    ("Map", "Map", False, ["same as English"]),
    ("Reset filters", "Reset filters", False, ["same as English"]),
    # file-format names are the same in every language
    ("CSV", "CSV", False, []),
    ("GeoJSON", "GeoJSON", False, []),
    ("BibTeX", "BibTeX", False, []),
    # only placeholders and punctuation: nothing to translate
    ("{label} ({rows})", "{label} ({rows})", False, []),
    ("{low}–{high}", "{low}–{high}", False, []),
    # a bare URL stays a URL
    ("https://creativecommons.org/licenses/by/4.0/", "https://creativecommons.org/licenses/by/4.0/", False, []),
    # a placeholder beside words still needs the words translated
    ("{n} sources", "{n} sources", False, ["same as English"]),
    # Russian needs three plural forms (one, few, many): two is a missing form, one empty form is empty
    (("{n} source", "{n} sources"), ("{n} источник", "{n} источника", "{n} источников"), False, []),
    (("{n} source", "{n} sources"), ("{n} источник", "{n} источников"), False, ["plural forms"]),
    (("{n} source", "{n} sources"), ("{n} источник", "", "{n} источников"), False, ["empty"]),
    (("{n} source", "{n} sources"), ("{n} источник", "{n} sources", "{n} источников"), False, ["same as English"]),
])
def test_catalog_problems_finds_each_kind(english, translated, fuzzy, expected):
    source, message = _message("k", english, translated, fuzzy)
    assert [problem for _, problem in catalog_problems({"k": source}, {"k": message}, plural_count=3)] == expected


def test_catalog_problems_finds_a_missing_key():
    source, _ = _message("k", "Map")
    assert catalog_problems({"k": source}, {}, plural_count=3) == [("k", "missing")]


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


@pytest.mark.parametrize("count, expected", [
    (1, "1 мастерская"), (2, "2 мастерские"), (5, "5 мастерских"),
    # 11-14 take 'many' although they end in 1-4; 21 and 22 take 'one' and 'few' again
    (11, "11 мастерских"), (12, "12 мастерских"), (21, "21 мастерская"), (22, "22 мастерские"),
    # the last two digits decide (1 234 takes "few"), and Babel groups the digits with a no-break space
    (0, "0 мастерских"), (1234, "1\xa0234 мастерские"), (1000, "1\xa0000 мастерских"),
])
def test_russian_plural_forms_read_naturally(count, expected):
    assert tn("explore.count.workshops", count, language="ru") == expected


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


@pytest.mark.parametrize("language, items, expected", [
    # CLDR's list pattern per language: English and Russian put a word before the last item, Chinese uses 、 and 和.
    ("en", ["2 workshops", "5 events", "3 sources"], "2 workshops, 5 events and 3 sources"),
    ("ru", ["2 мастерские", "5 событий", "3 источника"], "2 мастерские, 5 событий и 3 источника"),
    ("zh", ["2个工坊", "5个事件", "3个来源"], "2个工坊、5个事件和3个来源"),
    # two items take the two-item pattern, one item stands alone, none is empty (never a stray separator)
    ("ru", ["a", "b"], "a и b"),
    ("zh", ["a"], "a"),
    ("en", [], ""),
])
def test_lists_are_joined_the_way_each_language_writes_them(language, items, expected):
    assert join_list(items, language) == expected


@pytest.mark.parametrize("language, expected", [
    ("en", "**Date**: 2024"),
    ("ru", "**Date**: 2024"),
    # Chinese writes a full-width colon with no space after a label
    ("zh", "**Date**：2024"),
])
def test_a_label_and_its_value_use_the_language_colon(language, expected):
    assert labelled("**Date**", "2024", language) == expected


@pytest.mark.parametrize("language, expected", [
    # the "last updated" date of the dataset, as precise as it is (a day), in each language's own words
    ("en", "22 November 2026"),
    ("ru", "22 ноября 2026\u202fг."),  # CLDR puts a narrow no-break space before г.
    ("zh", "2026年11月22日"),
])
def test_the_last_updated_date_is_written_by_babel(language, expected):
    assert format_partial("2026-11-22", language=language, long=True) == expected
