"""The display copy in each language: sourced names, marked translations, English fallback, search in any language."""

from dataclasses import replace

import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.i18n import language_context
from atlas.load import TRANSLATION_COLUMNS
from atlas.localise import FALLBACK, ORIGINAL, SOURCE, TRANSLATION, localise
from tests.helpers import build_dataset, read_rows, write_rows


def _translations(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in TRANSLATION_COLUMNS} for row in rows], dtype=str)


@pytest.fixture
def atlas(tmp_path):
    return load_atlas(build_dataset(tmp_path / "mini"))


def test_english_is_the_atlas_itself(atlas):
    assert localise(atlas, "en") is atlas


@pytest.mark.parametrize("language, institution, expected, origin", [
    # name_ru stated by a source: shown, marked as the source's
    ("ru", "ektu-kz", "Восточно-Казахстанский технический университет", SOURCE),
    ("zh", "ektu-kz", "东哈萨克斯坦技术大学", SOURCE),
    # no Chinese name in the data: the English one, never a blank
    ("zh", "kaznu-kz", "Al-Farabi Kazakh National University", ORIGINAL),
])
def test_institution_names_come_from_sources(atlas, language, institution, expected, origin):
    shown = localise(atlas, language).institutions.set_index("institution_id")
    assert shown.loc[institution, "name_en"] == expected
    assert shown.loc[institution, "name_origin"] == origin


def test_event_text_is_our_marked_translation_or_marked_english(atlas):
    atlas = replace(atlas, translations=_translations([
        {"table": "events", "record_id": "EV-004", "field": "title", "language": "ru",
         "text": "Институт Конфуция при КазНУ", "origin": "our_translation"}]))
    events = localise(atlas, "ru").events.set_index("event_id")
    assert events.loc["EV-004", "title"] == "Институт Конфуция при КазНУ"
    assert events.loc["EV-004", "title_origin"] == TRANSLATION
    # EV-001 has no Russian title: English, with the visible mark
    assert events.loc["EV-001", "title"] == "MoU signed (англ.)"
    assert events.loc["EV-001", "title_origin"] == FALLBACK


def test_country_names_and_regional_label_follow_the_language(atlas):
    ru = localise(atlas, "ru")
    assert set(ru.countries["name_en"]) >= {"Казахстан", "Кыргызстан"}
    kz = ru.workshops[ru.workshops["country"] == "KZ"]
    assert (kz["country_name"] == "Казахстан").all()
    with language_context("zh"):
        zh = localise(atlas, "zh")
    assert "哈萨克斯坦" in set(zh.workshops["country_name"])


def test_published_data_is_untouched(atlas):
    before = atlas.fingerprint()
    ru = localise(atlas, "ru")
    assert ru.original is atlas
    assert atlas.fingerprint() == before
    selection = apply_filters(ru, Filters(countries=("KZ",)))
    published = selection.on(ru.original)
    assert published.workshops["name_en"].tolist() == atlas.workshops.loc[selection.workshops.index, "name_en"].tolist()
    assert list(published.events.index) == list(selection.events.index)


@pytest.mark.parametrize("query", ["Алматы", "阿拉木图", "Almaty", "Казахстан", "哈萨克斯坦", "Kazakhstan"])
def test_search_finds_the_same_records_in_any_language(tmp_path, query):
    folder = build_dataset(tmp_path / "mini")
    fields, events = read_rows(folder / "events.csv")
    almaty = [row["event_id"] for row in events if row["place"] == "Almaty"]
    assert almaty, "the fixture needs an event in Almaty"
    rows = [{"table": "events", "record_id": almaty[0], "field": "place", "language": language, "text": text,
             "origin": "our_translation"} for language, text in (("ru", "Алматы"), ("zh", "阿拉木图"))]
    write_rows(folder / "translations.csv", list(TRANSLATION_COLUMNS), rows)
    atlas = load_atlas(folder)
    if "translations" not in atlas.specs:
        pytest.skip("datapackage.json declares no translations table yet")
    found = set(apply_filters(atlas, Filters(text=query)).events["event_id"])
    english = {"Алматы": "Almaty", "阿拉木图": "Almaty", "Казахстан": "Kazakhstan", "哈萨克斯坦": "Kazakhstan"}
    expected = set(apply_filters(atlas, Filters(text=english.get(query, query))).events["event_id"])
    assert found == expected and found
