"""Links <-> filters: every invalid part is ignored with a notice, nothing raises (fuzzed), and links round-trip."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas import Filters
from atlas.permalink import (MAX_LIST_ITEMS, MAX_TEXT_LENGTH, PARAM_NAMES, VIEW_PARAMS, active_params, parse_params, to_params,
                             looks_like_ours, to_query_string, view_url, without_param)

COUNTRIES = {"KZ", "KG", "TJ", "TM", "UZ"}
STATUSES = {"announced", "agreement_signed", "under_construction", "launched", "partially_operating", "operating"}
CATEGORIES = {"luban_workshop", "agreement", "confucius_institute", "joint_lab", "forum"}
BOUNDS = (2009, 2026)


def parse(params: dict) -> tuple[Filters, list[str]]:
    return parse_params(params, COUNTRIES, STATUSES, CATEGORIES, BOUNDS)


@pytest.mark.parametrize(("params", "expected"), [
    ({}, Filters()),
    ({"country": "KZ"}, Filters(countries=("KZ",))),
    ({"country": ["KZ", "KG"]}, Filters(countries=("KZ", "KG"))),            # a repeated list parameter: the union
    ({"country": "KZ,KG,KZ"}, Filters(countries=("KZ", "KG"))),             # duplicates collapse, order kept
    ({"country": " KZ , ,KG"}, Filters(countries=("KZ", "KG"))),            # blanks and empty items are skipped
    ({"years": "2023..2025"}, Filters(year_min=2023, year_max=2025)),
    ({"years": "2023.."}, Filters(year_min=2023)),                           # open end
    ({"years": "..2015"}, Filters(year_max=2015)),                           # open start
    ({"years": "2024"}, Filters(year_min=2024, year_max=2024)),              # one year, as OWID's time=2024
    ({"years": "2009..2026"}, Filters()),                                    # the full range is no restriction
    ({"years": "2009.."}, Filters()),                                        # from the first year on: the same
    ({"status": "operating", "category": "joint_lab"}, Filters(statuses=("operating",), categories=("joint_lab",))),
    ({"q": "  Lu   ban  "}, Filters(text="Lu ban")),                         # whitespace normalised
    ({"q": "鲁班工坊"}, Filters(text="鲁班工坊")),                              # Chinese search kept as is
    ({"q": "a\x00b\x1fc"}, Filters(text="abc")),                             # control characters dropped
    ({"regional": "0"}, Filters(include_regional=False)),
    ({"regional": "1"}, Filters()),
    ({"utm_source": "newsletter", "fbclid": "abc", "gclid": "x"}, Filters()),  # others' tracking: silent
    ({"lang": "ru", "record": "EV-001"}, Filters()),                         # ours, not filters: silent here
])
def test_valid_links(params, expected):
    filters, notices = parse(params)
    assert (filters, notices) == (expected, [])


@pytest.mark.parametrize(("params", "expected", "fragments"), [
    ({"country": "XX"}, Filters(), ["'XX'", "Countries"]),                     # unknown country
    ({"country": "KZ,XX,YY"}, Filters(countries=("KZ",)), ["'XX', 'YY'"]),  # good kept, bad named in one notice
    ({"years": "abc"}, Filters(), ["'abc'", "2023..2025"]),                  # not a number: the notice shows the form
    ({"years": "2025..2010"}, Filters(), ["reversed"]),
    ({"years": "1900..2025"}, Filters(), ["2009–2026"]),                     # outside the data: says what is covered
    ({"years": "2023..2024..2025"}, Filters(), ["'2023..2024..2025'"]),      # three parts
    ({"years": "２０２３..2025"}, Filters(), ["'２０２３..2025'"]),             # full-width digits are not a year
    ({"years": "2_023..2025"}, Filters(), ["'2_023..2025'"]),                # int() would accept this; we do not
    ({"regional": "maybe"}, Filters(), ["'maybe'", "Include regional events"]),
    ({"contry": "KZ"}, Filters(), ["'contry'"]),                            # a misspelling of ours is reported
    ({"yeras": "2024"}, Filters(), ["'yeras'"]),
    ({"regional": ""}, Filters(), ["an empty value", "Include regional events"]),  # says "empty", names the label
    ({"years": ["1900", "2024"]}, Filters(year_min=2024, year_max=2024), ["2 times", "'2024'"]),  # says which won
    ({"q": "x" * 199 + " y"}, Filters(text="x" * 199), ["201 characters", "200"]),  # over-long text is reported
    ({"country": "XX"}, Filters(), ["Countries"]),                          # the filter named as the sidebar does
    ({"status": "operating,bogus"}, Filters(statuses=("operating",)), ["'bogus'"]),
])
def test_invalid_parts_are_ignored_and_named(params, expected, fragments):
    filters, notices = parse(params)
    assert filters == expected
    assert len(notices) == 1, notices
    for fragment in fragments:
        assert fragment in notices[0]


def test_many_bad_values_give_one_short_notice():
    filters, notices = parse({"country": ",".join(f"X{i}" for i in range(40))})
    assert filters == Filters()
    assert len(notices) == 1 and "and 35 more" in notices[0] and len(str(notices[0])) < 200


def test_too_many_values_are_cut_and_reported():
    values = ["KZ"] * (MAX_LIST_ITEMS + 10) + ["KG"]
    filters, notices = parse({"country": ",".join(values)})
    assert filters.countries == ("KZ",)                      # KG lies beyond the limit and is not read
    assert [str(n) for n in notices] == [f"Only the first {MAX_LIST_ITEMS} values of “Countries” in the link were read."]


def test_many_unknown_parameters_give_one_notice():
    _, notices = parse({name: "x" for name in ("contry", "countyr", "yeras", "stauts", "categry", "regonal", "lnag")})
    assert len(notices) == 1 and "and 2 more" in notices[0]


@pytest.mark.parametrize(("filters", "query"), [
    (Filters(), ""),
    (Filters(countries=("KZ", "KG"), year_min=2023, year_max=2025), "country=KZ,KG&years=2023..2025"),
    (Filters(year_max=2015), "years=..2015"),
    (Filters(statuses=("operating",), text="Luban & co"), "status=operating&q=Luban%20%26%20co"),
    (Filters(text="鲁班"), "q=%E9%B2%81%E7%8F%AD"),
    (Filters(include_regional=False), "regional=0"),
])
def test_query_strings_are_short_and_readable(filters, query):
    assert to_query_string(filters) == query


@pytest.mark.parametrize(("base", "expected"), [
    ("http://host:8501/Explore", "http://host:8501/Explore?country=KZ"),
    ("http://host:8501/Explore?country=KG#top", "http://host:8501/Explore?country=KZ"),   # old query replaced
    (None, "?country=KZ"),                                                                 # no browser URL known
])
def test_view_url(base, expected):
    assert view_url(base, Filters(countries=("KZ",))) == expected


def test_view_url_without_filters_is_the_bare_page():
    assert view_url("http://host/Map", Filters()) == "http://host/Map"


@pytest.mark.parametrize(("param", "expected"), [
    ("country", Filters(year_min=2023, year_max=2025, text="ektu")),
    ("years", Filters(countries=("KZ",), text="ektu")),            # both ends of the range go together
    ("q", Filters(countries=("KZ",), year_min=2023, year_max=2025)),
])
def test_without_param_drops_exactly_one_filter(param, expected):
    filters = Filters(countries=("KZ",), year_min=2023, year_max=2025, text="ektu")
    assert active_params(filters) == ["country", "years", "q"]
    assert without_param(filters, param) == expected


# ---------------------------------------------------------------- fuzz

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
VALUES = st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=5),
                   st.lists(st.sampled_from(sorted(COUNTRIES) + ["XX", "", ",", ".."]), max_size=300).map(",".join),
                   st.integers().map(str), st.text(alphabet="0123456789.,KZ -", min_size=400, max_size=3000))
PARAMS = st.dictionaries(st.one_of(st.sampled_from(PARAM_NAMES), ANY_TEXT), VALUES, max_size=10)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PARAMS)
def test_fuzzed_links_never_raise_and_always_give_valid_filters(params):
    filters, notices = parse(params)
    assert set(filters.countries) <= COUNTRIES and set(filters.statuses) <= STATUSES
    assert set(filters.categories) <= CATEGORIES
    for year in (filters.year_min, filters.year_max):
        assert year is None or BOUNDS[0] <= year <= BOUNDS[1]
    if filters.year_min is not None and filters.year_max is not None:
        assert filters.year_min <= filters.year_max
    assert len(filters.text) <= MAX_TEXT_LENGTH
    assert all(len(str(n)) < 400 for n in notices)
    # Misspellings of our parameter names are always reported; others' parameters never are.
    if any(name not in PARAM_NAMES + VIEW_PARAMS and looks_like_ours(name) for name in params):
        assert notices
    # What we write back is itself a clean link: parsing it again changes nothing and says nothing.
    assert parse(to_params(filters)) == (filters, [])


VALID_FILTERS = st.builds(
    Filters,
    countries=st.lists(st.sampled_from(sorted(COUNTRIES)), unique=True, max_size=5).map(tuple),
    year_min=st.none() | st.integers(BOUNDS[0] + 1, 2020),
    year_max=st.none() | st.integers(2021, BOUNDS[1] - 1),
    statuses=st.lists(st.sampled_from(sorted(STATUSES)), unique=True, max_size=3).map(tuple),
    categories=st.lists(st.sampled_from(sorted(CATEGORIES)), unique=True, max_size=3).map(tuple),
    text=st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), max_size=30)
    .map(lambda s: " ".join(s.split())),
    include_regional=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(VALID_FILTERS)
def test_every_view_survives_the_round_trip_through_its_url(filters):
    # Through the real URL: encode, split the query as a browser/server would, parse back.
    url = view_url("http://host/Explore", filters)
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    assert parse(params) == (filters, [])
