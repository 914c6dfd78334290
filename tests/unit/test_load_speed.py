"""The vectorised load gives exactly what the per-value code gave (tests/reference_load.py), on real and edge data."""

from __future__ import annotations

import io
import sys
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference_load
from atlas import AtlasDataError, geo, load_atlas
from atlas.schema import read_package, table_specs
from atlas.load import OPTIONAL_TABLES, TABLE_NAMES, looked_up, normalise_text, read_csv_fast, spaced_columns
from atlas.unicode_tables import COMBINING_RANGES, PYTHON_WHITESPACE
from atlas.validate import fullmatches, split_items, split_list
from corruptions import CORRUPTIONS
from helpers import DATA_DIR, MINI_FIXTURE, REPO, build_dataset

sys.path.insert(0, str(REPO / "tools"))
from make_synthetic import make_synthetic  # noqa: E402


def assert_same_atlas(new, old) -> None:
    for name in TABLE_NAMES + OPTIONAL_TABLES:
        fresh, reference = getattr(new, name), getattr(old, name)
        if reference.empty:
            # An empty list column is now object (what a list column is); pandas' map on no rows kept text.
            pd.testing.assert_frame_equal(fresh, reference, check_dtype=False, obj=name)
        else:
            pd.testing.assert_frame_equal(fresh, reference, check_exact=True, obj=name)
    for key, link in old.links.lists.items():
        assert np.array_equal(new.links.lists[key].rows, link.rows), key
        assert np.array_equal(new.links.lists[key].targets, link.targets), key
    for key, positions in old.links.scalars.items():
        assert np.array_equal(new.links.scalars[key], positions) and new.links.scalars[key].dtype == positions.dtype, key
    assert new.year_bounds == old.year_bounds
    assert new.fingerprint() == old.fingerprint()


def load_both(directory):
    with reference_load.reference_code():
        old = load_atlas(directory)
    return load_atlas(directory), old


@pytest.mark.parametrize("dataset", ["fixture", "real", "real x3"])
def test_vectorised_load_equals_the_reference(tmp_path, dataset):
    if dataset == "fixture":
        directory = build_dataset(tmp_path / "mini", MINI_FIXTURE)
    elif dataset == "real":
        directory = DATA_DIR
    else:   # copies with new ids: many more rows, list cells and links than the curated data
        directory = tmp_path / "x3"
        make_synthetic(DATA_DIR, directory, 3)
        package = directory / "datapackage.json"
        package.write_text(package.read_text().replace(r"\\d{3}$", r"\\d{3,}$").replace(r"\\d{2}$", r"\\d{2,}$"))
    new, old = load_both(directory)
    assert len(new.events) > 0
    assert_same_atlas(new, old)


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[c.name for c in CORRUPTIONS])
def test_refusals_are_worded_as_before(mini_dir, case):
    case.damage(mini_dir)
    with pytest.raises(AtlasDataError) as new:
        load_atlas(mini_dir)
    with reference_load.reference_code(), pytest.raises(AtlasDataError) as old:
        load_atlas(mini_dir)
    assert [str(p) for p in new.value.problems] == [str(p) for p in old.value.problems]
    assert any(str(p).startswith(case.expected) for p in new.value.problems)


def test_search_folding_equals_the_reference_for_every_character():
    # Every code point alone and after a base letter (combining marks attach to it); surrogates cannot occur
    # in UTF-8 files. Python's unicodedata is the authority the reference used.
    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    texts = pd.Series(characters + ["e" + c for c in characters[::7]] + [None, "", "Ёлка Straße ΣΑΣ 鲁班工坊 ﬁ①"])
    pd.testing.assert_series_equal(normalise_text(texts), reference_load.normalise_text(texts))


# Letters whose fold depends on more than a table lookup in a naive reading: final sigma (lower() looks at the
# neighbours, casefold() does not), marks that attach to the letter before them, decompositions into several
# characters (ß, ﬁ, Hangul syllables, ①), dotted capital I, titlecase digraphs, no-break spaces.
_FOLD_ALPHABET = list("aBzΣσςΑİıßﬁ①ёЁйЙé\u0301\u0306\u0327\u0345가각ᄀ한 鲁班工坊\u00a0\u2003Åǅ\U0001d400")
_FOLD_ALPHABET += [" ", "-"]


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(st.text(st.sampled_from(_FOLD_ALPHABET), max_size=12), min_size=1, max_size=30))
def test_search_folding_equals_the_reference_for_mixed_strings(texts):
    # The fast fold works on code points across all rows at once: rows of any length, mixed ASCII and not.
    series = pd.Series(texts + ["plain ascii", ""])
    pd.testing.assert_series_equal(normalise_text(series), reference_load.normalise_text(series))


@pytest.mark.parametrize(("cell", "reason"), [
    ("a | b", "the usual separator with spaces"),
    ("a|b", "no spaces"),
    ("", "empty cell: no items"),
    (" | ", "only a separator: no items"),
    ("a||b", "an empty item between separators is dropped"),
    ("x\x1f| y\u3000", "characters Python's strip() removes but Arrow's whitespace trim does not know"),
    ("\u00a0c\u2003", "no-break and em spaces are stripped"),
    ("ё | 鲁班", "non-ASCII items"),
    (None, "missing value"),
])
def test_list_splitting_equals_the_reference(cell, reason):
    column = pd.Series([cell, "p | q"], dtype="str")
    assert split_list(column, "|").tolist() == reference_load.split_list(column, "|").tolist(), reason
    # The tuples the Atlas holds, built from the same split without lists in between.
    assert split_items(column, "|").tuples() == [tuple(cell) for cell in reference_load.split_list(column, "|")], reason


def _pandas(data: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            return None


_plain = st.one_of(st.text(st.sampled_from(list('ab é\t"\u00a0')), max_size=5), st.just("NA"))
_quoted = st.text(st.sampled_from(list('ab ,"\n\ré\t')), max_size=6).map(lambda t: '"' + t.replace('"', '""') + '"')
_junk = st.text(st.sampled_from(list(',"\n\r a')), max_size=4)
_field = st.one_of(_plain, _plain, _plain, _quoted, _quoted, _junk)
_row = st.one_of(st.lists(_field, min_size=3, max_size=3), st.lists(_field, min_size=2, max_size=4)).map(",".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(_row, max_size=6), end=st.sampled_from(["\n", "\r\n"]),
       header=st.sampled_from(["a,b,c", '"a",b,c', "\ufeffa,b,c", "a,b", "a,b,d", "a,a,b", "a"]))
def test_arrow_reader_gives_what_pandas_gives_or_steps_aside(rows, end, header):
    # Quotes left open, blank lines, BOM, CRLF, unknown or repeated headers, short and long rows: whenever the
    # fast reader answers, pandas' reader must give the same frame (and must not have refused the file).
    data = (end.join([header] + rows) + end).encode()
    fast = read_csv_fast(data, ["a", "b", "c"])
    if fast is not None:
        expected = _pandas(data)
        assert expected is not None, data
        pd.testing.assert_frame_equal(fast, expected)


@pytest.mark.parametrize(("data", "reason"), [
    (b'a,b\n1,"x\n', "a quote left open to the end of the file: pandas refuses it"),
    (b"a,b\n1,x", "no final line feed"),
    (b"a,b\r1,x\r", "lone carriage returns"),
    (b"a\n1\n", "one column"),
    (b"a,a\n1,2\n", "repeated header: pandas renames it"),
    (b"a,b,\n1,2,\n", "an unnamed column: pandas names it"),
    (b"a,b\n1,\xe9\n", "not UTF-8: the slow path reports the line"),
])
def test_arrow_reader_steps_aside_for_unusual_files(data, reason):
    assert read_csv_fast(data, ["a", "b"]) is None, reason


def test_points_inside_equals_ray_casting():
    # Every located record of the real data, and a 0.1° grid over each country's box.
    atlas = load_atlas(DATA_DIR)
    rings = geo.rings_by_country(atlas.outlines)
    for table, country_field in (("institutions", "country"), ("workshops", "country"), ("events", "place_country")):
        frame = getattr(atlas, table).dropna(subset=["lat", "lon"])
        for country, group in frame.groupby(country_field):
            if country in rings:
                lon, lat = group["lon"].to_numpy(float), group["lat"].to_numpy(float)
                assert np.array_equal(geo.points_inside(lon, lat, rings[country]),
                                      reference_load.points_inside(lon, lat, rings[country])), (table, country)
    for country in ("KZ", "KG", "TJ", "TM", "UZ", "CN"):
        corners = np.concatenate([ring for polygon in rings[country] for ring in polygon])
        lon, lat = np.meshgrid(np.arange(corners[:, 0].min() - 1, corners[:, 0].max() + 1, 0.1),
                               np.arange(corners[:, 1].min() - 1, corners[:, 1].max() + 1, 0.1))
        lon, lat = lon.ravel(), lat.ravel()
        assert np.array_equal(geo.points_inside(lon, lat, rings[country]),
                              reference_load.points_inside(lon, lat, rings[country])), country


def test_shared_link_arrays_are_read_only():
    atlas = load_atlas(DATA_DIR)
    positions = atlas.links.scalars[("events", "workshop_id")]
    with pytest.raises(ValueError):
        positions[0] = 0
    with pytest.raises(ValueError):
        atlas.links.lists[("events", "source_ids")].targets[0] = 0


def test_unicode_constants_are_pythons_own():
    # Kept as constants to save ~0.3 s per process; a Python with another Unicode version must regenerate them.
    characters = [chr(c) for c in range(sys.maxunicode + 1)]
    assert PYTHON_WHITESPACE == "".join(c for c in characters if c.isspace())
    combining = [ord(c) for c in characters if unicodedata.combining(c)]
    assert [c for first, last in COMBINING_RANGES for c in range(first, last + 1)] == combining


# Every pattern of the data package, and the integer and date forms check_fields asks for.
_PATTERNS = sorted({field.pattern for spec in table_specs(read_package(DATA_DIR)).values() for field in spec.fields
                    if field.pattern} | {r"[+-]?\d+", r"\d{4}-\d{2}-\d{2}", r"a{,2}", r"[\S]x", r"\w+"})
# Digits and spaces Python's re knows and RE2 does not (Arabic-Indic, full-width, no-break, \x1f), line ends.
_PATTERN_ALPHABET = list("SCLEVW-_:/.hHtpsaz09AZ ") + ["\u0663", "\uff11", "\u00a0", "\x1f", "\x0b", "\n", "\t",
                                                       "\u3000"]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.text(st.sampled_from(_PATTERN_ALPHABET), max_size=12),
                                 st.sampled_from(["S-123", "EV-0001", "LW-KZ-01", "https://x.org/a", "2024-05-01",
                                                  "2024-05", "KZ", "+12", "a{,2}", "http://a\u00a0b", "S-12\n"])),
                       min_size=1, max_size=20))
def test_pattern_checks_equal_pythons_fullmatch(values):
    # RE2 answers first and Python re rechecks what it rejects: the verdicts must be exactly Python's.
    column = pd.Series(values, dtype="str")
    for pattern in _PATTERNS:
        assert fullmatches(column, pattern).tolist() == column.str.fullmatch(pattern).tolist(), pattern


@pytest.mark.parametrize(("keys", "lookup", "reason"), [
    (["KZ", "CN", "XX", ""], {"KZ": "kazakhstan", "CN": "china"}, "unknown and empty keys give ''"),
    (["a", "b"], {}, "an empty lookup (no translations for the table)"),
    ([], {"a": "x"}, "no rows"),
    (["ё", "鲁班"], {"ё": "е", "鲁班": "lu ban"}, "non-ASCII keys"),
])
def test_looked_up_equals_map_then_fillna(keys, lookup, reason):
    key_series = pd.Series(keys, dtype="str", index=pd.RangeIndex(10, 10 + len(keys)))
    lookup_series = pd.Series(list(lookup.values()), index=pd.Index(list(lookup), dtype="str"), dtype="str")
    expected = key_series.map(lookup_series).astype(object).fillna("")
    assert looked_up(key_series, lookup_series).tolist() == expected.tolist(), reason
    assert looked_up(key_series, lookup_series).index.equals(key_series.index), reason


def test_spaced_columns_equals_chained_plus():
    # Missing values stay missing, as pandas' + leaves them; empty strings still get their separator.
    first = pd.Series(["a", "", None, "ё"], dtype="str")
    second = pd.Series(["b", "c", "d", ""], dtype="str")
    expected = first + " " + second + " " + first
    pd.testing.assert_series_equal(spaced_columns(first, second, first), expected, check_names=False)
