"""Every page in every language; the language lives in the link beside the filters; an unknown lang= gives a notice."""

from __future__ import annotations

import pytest

from app_support import exceptions
from atlas.i18n import languages, t

PAGES = {"app.py": "app.title", "pages/1_Map.py": "nav.map", "pages/2_Timeline.py": "timeline.title",
         "pages/3_Explore.py": "nav.explore", "pages/4_About.py": "about.dataset_title"}
NAV_KEYS = ("nav.overview", "nav.map", "nav.timeline", "nav.explore", "nav.about")


def title_of(page: str, language: str) -> str:
    # The About page's English title is the dataset's own (datapackage.json); other languages take the catalog's.
    if page == "pages/4_About.py" and language == "en":
        return "Luban Atlas: China–Central Asia education cooperation"
    return t(PAGES[page], language)


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_is_drawn_in_the_language_of_the_link(open_page, mini_dir, page, language):
    app = open_page(page, data_dir=mini_dir, lang=language)
    assert exceptions(app) == []
    assert app.title[0].value == title_of(page, language)
    assert app.sidebar.header[0].value == t("filters.header", language)
    assert app.sidebar.multiselect[0].label == t("filters.countries", language)
    assert app.sidebar.segmented_control[0].value == language
    assert [link.label for link in app.sidebar.get("page_link")] == [t(key, language) for key in NAV_KEYS]
    assert app.sidebar.warning.len == 0
    # Kept in the link unless it is what the browser would choose anyway (AppTest has no browser: English).
    assert app.query_params.get("lang") == (None if language == "en" else language)


@pytest.mark.parametrize("language", ["ru", "zh"])
def test_a_link_with_language_and_filters_reproduces_both(open_page, mini_dir, language):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, lang=language, country="KZ", status="operating",
                    years="2023..2025")
    assert exceptions(app) == []
    assert app.sidebar.multiselect[0].value == ["KZ"]
    assert app.sidebar.multiselect[1].value == ["operating"]
    assert app.sidebar.slider[0].value == (2023, 2025)
    assert app.sidebar.multiselect[1].label == t("filters.statuses", language)
    assert dict(app.query_params) == {"lang": language, "country": "KZ", "years": "2023..2025", "status": "operating"}


def test_switching_language_keeps_the_filters_and_survives_a_page_switch(open_page, mini_dir):
    app = open_page("pages/2_Timeline.py", data_dir=mini_dir, lang="ru", country="KG", years="2024..2025")
    app.sidebar.segmented_control[0].set_value("zh").run()
    assert exceptions(app) == []
    assert app.title[0].value == t("timeline.title", "zh")
    assert app.sidebar.multiselect[0].value == ["KG"]
    assert app.sidebar.slider[0].value == (2024, 2025)
    assert dict(app.query_params) == {"lang": "zh", "country": "KG", "years": "2024..2025"}
    app.switch_page("pages/1_Map.py").run()
    assert app.title[0].value == t("nav.map", "zh")
    assert app.sidebar.multiselect[0].value == ["KG"]
    assert dict(app.query_params) == {"lang": "zh", "country": "KG", "years": "2024..2025"}
    # English is what this (browserless) visitor would get anyway, so lang leaves the link; the filters stay.
    app.sidebar.segmented_control[0].set_value("en").run()
    assert app.title[0].value == t("nav.map", "en")
    assert dict(app.query_params) == {"country": "KG", "years": "2024..2025"}


@pytest.mark.parametrize(("value", "shown"), [
    ("xx", "'xx'"),              # a language the atlas does not offer
    ("ru-RU", "'ru-RU'"),        # a locale, not one of the offered codes
    ("", "an empty value"),      # lang= with nothing after it
    ("kk", "'kk'"),              # Kazakh: next to come, not offered until its catalog exists
])
def test_an_unknown_language_gives_a_notice_in_english(open_page, mini_dir, value, shown):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, lang=value, country="KZ")
    assert exceptions(app) == []
    notices = " ".join(warning.value for warning in app.sidebar.warning)
    assert "does not offer" in notices and shown in notices.replace("\\", "")
    assert "English, Русский and 中文" in notices
    assert app.title[0].value == t("nav.explore", "en")
    assert dict(app.query_params) == {"country": "KZ"}


@pytest.mark.parametrize("value", [" ZH ", "Ru"])
def test_case_and_spaces_in_a_language_code_are_forgiven(open_page, mini_dir, value):
    app = open_page("app.py", data_dir=mini_dir, lang=value)
    language = value.strip().lower()
    assert app.sidebar.warning.len == 0
    assert app.title[0].value == t("app.title", language)
    assert app.query_params["lang"] == language


@pytest.mark.parametrize(("params", "expected"), [
    ({"lang": "ru", "country": "KZ"}, "?country=KZ&lang=ru"),   # the on-page permalink keeps the language
    ({"lang": "zh"}, "?lang=zh"),                                # even with no filter
    ({"country": "KZ"}, "?country=KZ"),                          # English for an English browser: no lang=
])
def test_the_permalink_on_the_page_carries_the_language(open_page, mini_dir, params, expected):
    app = open_page("pages/3_Explore.py", data_dir=mini_dir, **params)
    assert app.code[0].value == expected
