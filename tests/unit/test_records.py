"""Record ids: one lookup across the five tables, `record=` parsed like any link value, record links built."""

from __future__ import annotations

import pytest

from atlas import Filters, load_atlas
from atlas.permalink import parse_params, parse_record, record_url
from atlas.records import find_record, is_well_formed, record_kind


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    from helpers import build_dataset
    return load_atlas(build_dataset(tmp_path_factory.mktemp("records") / "mini"))


@pytest.mark.parametrize(("record_id", "kind"), [
    ("LW-KG-01", "workshop"),
    ("EV-005", "event"),
    ("kstu-kg", "institution"),
    ("CL-001", "claim"),
    ("S-001", "source"),
    ("lw-kg-01", None),             # ids are case-sensitive: a lower-cased id is another (unknown) id
    ("EV-999", None),               # well-formed, not in the data
    ("", None),                     # empty never matches a row
    (" EV-005", None),              # callers strip; the lookup itself does not guess
    ("EV-005<script>", None),       # not an id shape at all: refused before any table is searched
    ("../etc/passwd", None),
    ("x" * 200, None),              # longer than any id
    (None, None),
    (12, None),                     # not a string
])
def test_record_kind(mini, record_id, kind):
    assert record_kind(mini, record_id) == kind
    found = find_record(mini, record_id)
    assert (found is None) == (kind is None)
    if found:
        assert found[0] == kind


@pytest.mark.parametrize(("given", "expected", "notice_params"), [
    ("EV-005", "EV-005", []),
    (["EV-005"], "EV-005", []),
    (["EV-001", "EV-005"], "EV-005", ["record"]),     # repeated: the last wins and the notice says so
    ("  EV-005  ", "EV-005", []),                      # pasted with spaces
    ("EV-999", None, ["record"]),                      # unknown id: the usual invalid-link notice
    ("<img src=x onerror=alert(1)>", None, ["record"]),
    ("", None, []),                                    # empty: nothing opened, nothing to say
    (None, None, []),
    ([], None, []),
])
def test_parse_record(mini, given, expected, notice_params):
    record, notices = parse_record(given, lambda value: record_kind(mini, value) is not None)
    assert record == expected
    assert [notice.param for notice in notices] == notice_params


def test_unknown_record_notice_shows_the_value_escaped(mini):
    from atlas.escape import html_escape
    _, notices = parse_record("<b>x</b>", lambda value: False)
    shown = notices[0].render(html_escape)
    assert "<b>" not in shown and "&lt;b&gt;" in shown


def test_record_is_a_view_parameter_not_a_misspelling(mini):
    # parse_params must not report `record` as an unknown parameter (it is read beside the filters).
    _, notices = parse_params({"record": "EV-005"}, {"KZ"}, set(), set(), (2000, 2030))
    assert notices == []


@pytest.mark.parametrize(("base", "filters", "record_id", "expected"), [
    ("http://h/Map", Filters(), "EV-005", "http://h/Map?record=EV-005"),
    ("http://h/Map?old=1", Filters(countries=("KZ",)), "EV-005", "http://h/Map?country=KZ&record=EV-005"),
    (None, Filters(countries=("KZ", "KG"), year_min=2023, year_max=2025), "LW-KZ-01",
     "?country=KZ,KG&years=2023..2025&record=LW-KZ-01"),
    ("http://h/", Filters(), "a&b=c", "http://h/?record=a%26b%3Dc"),   # never a second parameter smuggled in
])
def test_record_url(base, filters, record_id, expected):
    assert record_url(base, filters, record_id) == expected


@pytest.mark.parametrize(("key", "values", "param"), [
    ("permalink.bad_years", (("value", "x"),), "years"),
    ("permalink.unknown_value", (("param", "status"), ("value", "x")), "status"),
    ("permalink_notice.unknown_params", (("params", ("contry", "yeras")),), "contry"),
])
def test_notice_names_its_parameter(key, values, param):
    from atlas.permalink import Notice
    assert Notice(key, values).param == param


def test_well_formed_ids():
    assert is_well_formed("LW-KZ-01") and is_well_formed("ttu-tj") and is_well_formed("S-183")
    assert not is_well_formed("a b") and not is_well_formed("-x") and not is_well_formed("")


@pytest.mark.parametrize(("language", "marked"), [
    ("en", False),   # English prose is the data's own language: no mark
    ("ru", True),    # prose we hold only in English is marked as English, never passed off as a translation
    ("zh", True),
])
def test_record_page_marks_english_prose_in_other_languages(language, marked):
    from datetime import date

    from atlas.i18n import t
    from atlas.record_page import render_record
    from helpers import DATA_DIR

    real = load_atlas(DATA_DIR)
    page = render_record(real, "LW-KZ-01", "http://atlas.example", language, today=date(2026, 12, 4))
    mark = t("record.english_mark", language)
    assert ('<span lang="en">' in page.html) is marked
    assert (mark in page.html) is marked
    # the 'as of' dates of area and students are written in the language, not as raw ISO months
    assert "(as of 2023-12)" not in page.html and "2023-12)" not in page.html
