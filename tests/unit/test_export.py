"""Export builders on the fixture data: filtered rows only, BOM, XLSX README, lon/lat, ZIP README, injection, Unicode."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import date

import openpyxl
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas import export
from atlas.permalink import view_url
from helpers import REPO

TODAY = date(2026, 11, 22)
# The mini fixture shares data/datapackage.json, so version and update date come from there.
_PACKAGE = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
VERSION, UPDATED = _PACKAGE["version"], _PACKAGE["x-last-updated"]
PERMALINK = "http://atlas.example/Explore?country=KZ&years=2023..2025&status=operating"
ID_COLUMNS = {"workshops": "workshop_id", "events": "event_id", "institutions": "institution_id",
              "claims": "claim_id", "sources": "source_id"}

FILTER_CASES = [
    Filters(),                                                                  # the whole dataset
    Filters(countries=("KZ",), year_min=2023, year_max=2025, statuses=("operating",)),  # the issue's example view
    Filters(countries=("KG",), include_regional=False),                         # one country, regional events out
    Filters(categories=("confucius_institute",)),                               # no workshops, one event
    Filters(text="ektu"),                                                       # alias search
    Filters(countries=("KG",), year_min=2009, year_max=2010),                   # empty: nothing in KG then
]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    from helpers import build_dataset
    return load_atlas(build_dataset(tmp_path_factory.mktemp("export") / "mini"))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def selected_ids(mini, filters: Filters, table: str) -> list[str]:
    return sorted(apply_filters(mini, filters).table(table)[ID_COLUMNS[table]])


# ---------------------------------------------------------------- rows = the filter result

@pytest.mark.parametrize("filters", FILTER_CASES, ids=lambda f: f.slug())
@pytest.mark.parametrize("table", export.EXPORT_TABLES)
def test_csv_rows_are_exactly_the_filter_result(mini, filters, table):
    selection = apply_filters(mini, filters)
    rows = csv_rows(export.table_csv_bytes(mini, selection, table))
    assert sorted(row[ID_COLUMNS[table]] for row in rows) == selected_ids(mini, filters, table)
    header = next(csv.reader(io.StringIO(export.table_csv_bytes(mini, selection, table).decode("utf-8-sig"))))
    assert header == mini.specs[table].field_names   # published columns only, schema order, no helpers


def test_the_issue_example_view_has_the_hand_counted_rows(mini):
    # Kazakhstan, 2023–2025, operating: LW-KZ-01 only (LW-KZ-04 is announced); its MoU and trial opening,
    # plus the regional ministers' meeting of 2025 (regional events are included by default).
    selection = apply_filters(mini, FILTER_CASES[1])
    assert selected_ids(mini, FILTER_CASES[1], "workshops") == ["LW-KZ-01"]
    assert sorted(selection.events["event_id"]) == ["EV-001", "EV-002", "EV-005"]
    rows = csv_rows(export.table_csv_bytes(mini, selection, "workshops"))
    assert rows[0]["majors"] == "Automotive technology | New-energy vehicles"   # lists joined as in data/
    assert rows[0]["students_trained"] == "400"


@pytest.mark.parametrize("filters", FILTER_CASES, ids=lambda f: f.slug())
def test_json_tables_are_exactly_the_filter_result(mini, filters):
    document = json.loads(export.to_json_bytes(mini, apply_filters(mini, filters), PERMALINK))
    for table in export.EXPORT_TABLES:
        assert sorted(r[ID_COLUMNS[table]] for r in document["tables"][table]) == selected_ids(mini, filters, table)
    assert document["permalink"] == PERMALINK and document["version"] == mini.version != ""


def test_csv_is_utf8_with_bom_and_crlf_rows(mini):
    data = export.table_csv_bytes(mini, apply_filters(mini, Filters()), "sources")
    assert data[:3] == b"\xef\xbb\xbf"
    assert data.count(b"\r\n") == 1 + 3   # header + the three fixture sources


# ---------------------------------------------------------------- Unicode

def test_cyrillic_and_chinese_round_trip_in_every_format(mini):
    selection = apply_filters(mini, Filters(countries=("KZ",)))
    name_ru = "Восточно-Казахстанский технический университет"
    name_zh = "东哈萨克斯坦技术大学"
    rows = {r["institution_id"]: r for r in csv_rows(export.table_csv_bytes(mini, selection, "institutions"))}
    assert (rows["ektu-kz"]["name_ru"], rows["ektu-kz"]["name_zh"]) == (name_ru, name_zh)

    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(mini, selection, PERMALINK, TODAY)))
    sheet = workbook["institutions"]
    header = [c.value for c in sheet[1]]
    by_id = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (by_id["ektu-kz"]["name_ru"], by_id["ektu-kz"]["name_zh"]) == (name_ru, name_zh)

    document = json.loads(export.to_json_bytes(mini, selection).decode("utf-8"))
    assert name_zh in [r["name_zh"] for r in document["tables"]["institutions"]]
    assert "\\u" not in export.to_json_bytes(mini, selection).decode("utf-8")   # written as characters

    archive = zipfile.ZipFile(io.BytesIO(export.to_zip_bytes(mini, selection, PERMALINK, TODAY)))
    assert name_ru in archive.read("institutions.csv").decode("utf-8-sig")


# ---------------------------------------------------------------- formula injection

@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),          # a leading tab: some spreadsheets trim it and then see the formula
    ("\r=1+1", "'\r=1+1"),          # a leading carriage return, for the same reason
    ("Kazakhstan = 1", "Kazakhstan = 1"),   # '=' inside a cell is harmless
    ("", ""),                        # empty stays empty
    (12.5, 12.5),                    # numbers are never text formulas (negative longitudes stay numbers)
    (None, None),
])
def test_neutralise_formula(value, expected):
    assert export.neutralise_formula(value) == expected


PAYLOADS = {"notes": "=HYPERLINK(\"http://evil\",\"x\")", "status_note": "+1+1", "conflict_note": "-2+3",
            "city": "@SUM(A1)", "area_as_of": "\t=1+1", "students_as_of": "\r=1+1"}


@pytest.fixture
def poisoned(mini):
    """A selection whose text cells start with every formula trigger (built directly: the loader trims tab/CR)."""
    selection = apply_filters(mini, Filters(countries=("KZ",)))
    workshops = selection.workshops.copy()
    first = workshops.index[0]
    for column, payload in PAYLOADS.items():
        workshops.loc[first, column] = payload
    return replace(selection, workshops=workshops), workshops.loc[first, "workshop_id"]


def test_csv_neutralises_every_formula_trigger(mini, poisoned):
    selection, workshop_id = poisoned
    row = next(r for r in csv_rows(export.table_csv_bytes(mini, selection, "workshops"))
               if r["workshop_id"] == workshop_id)
    for column, payload in PAYLOADS.items():
        assert row[column] == "'" + payload, column
    assert row["lat"] == "49.948"   # numbers untouched


def test_xlsx_has_no_formula_cells_and_keeps_the_text(mini, poisoned):
    selection, workshop_id = poisoned
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(mini, selection, PERMALINK, TODAY)))
    formulas = [f"{s.title}!{c.coordinate}" for s in workbook for row in s.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    sheet = workbook["workshops"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == workshop_id)
    cells = dict(zip(header, row))
    for column, payload in PAYLOADS.items():
        # Stored as text with Excel's quote prefix: shown as written, never evaluated. (XML itself reads a
        # carriage return back as a line feed, so '\r' comes back as '\n' in any XLSX reader.)
        expected = payload.replace("\r", "\n")
        assert (cells[column].value, cells[column].data_type, cells[column].quotePrefix) == (expected, "s", True), column
    assert cells["lat"].value == 49.948 and cells["lat"].data_type == "n"


def test_xlsx_drops_control_characters_openpyxl_cannot_store(mini):
    selection = apply_filters(mini, Filters())
    workshops = selection.workshops.copy()
    workshops.loc[workshops.index[0], "notes"] = "bell\x07 and nul\x00 inside"
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(mini, replace(selection, workshops=workshops))))
    notes = [row[-1] for row in workbook["workshops"].iter_rows(min_row=2, values_only=True)]
    assert "bell and nul inside" in notes


# ---------------------------------------------------------------- XLSX

def test_xlsx_opens_with_a_readme_sheet_and_one_sheet_per_table(mini):
    filters = FILTER_CASES[1]
    selection = apply_filters(mini, filters)
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(mini, selection, PERMALINK, TODAY)))
    assert workbook.sheetnames == ["README", "workshops", "events", "institutions", "claims", "sources", "countries",
                                   "translations"]
    readme = {row[0]: row[1] for row in workbook["README"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert readme["Data version"] == f"{VERSION} (last updated {UPDATED})"
    assert readme["Extracted"] == "2026-11-22"
    assert readme["Filters applied"] == "Countries: Kazakhstan; Years: 2023–2025; Workshop status: Operating"
    assert readme["Permalink of this view"] == PERMALINK
    assert f"dataset version {VERSION}" in readme["Cite as"]
    assert readme["Licence"].startswith("Creative Commons Attribution 4.0")
    assert readme["workshops"] == "1 of 3 rows"
    assert readme["S-001"].startswith("Example News, “Workshop opens”, 10 Dec 2023")
    for table in export.EXPORT_TABLES:
        ids = sorted(row[0] for row in workbook[table].iter_rows(min_row=2, values_only=True))
        assert ids == selected_ids(mini, filters, table), table
    assert workbook["countries"].max_row == 1 + len(mini.countries)   # lookup table ships whole


# ---------------------------------------------------------------- GeoJSON

def test_geojson_is_a_valid_collection_of_points_in_lon_lat_order(mini):
    selection = apply_filters(mini, Filters())
    collection = json.loads(export.to_geojson_bytes(mini, selection, PERMALINK))
    assert collection["type"] == "FeatureCollection"
    located = {name: selection.table(name).dropna(subset=["lat", "lon"]) for name in export.POINT_TABLES}
    assert len(collection["features"]) == sum(len(frame) for frame in located.values())
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (feature["properties"]["lon"], feature["properties"]["lat"])
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    by_id = {f["properties"].get("workshop_id"): f for f in collection["features"] if f["properties"]["table"] == "workshops"}
    # Oskemen is at 49.9° N, 82.6° E: longitude first, as RFC 7946 says.
    assert by_id["LW-KZ-01"]["geometry"]["coordinates"] == [82.628, 49.948]
    # The institution with no known location is not a point.
    institution_ids = {f["properties"].get("institution_id") for f in collection["features"]}
    assert institution_ids >= set(located["institutions"]["institution_id"])
    assert set(selection.institutions["institution_id"]) - institution_ids == \
        set(selection.institutions.loc[selection.institutions["lat"].isna(), "institution_id"])
    assert collection["x-permalink"] == PERMALINK and f"{VERSION}" in collection["x-citation"]
    assert sorted(s["source_id"] for s in collection["x-sources"]) == ["S-001", "S-002", "S-003"]


# ---------------------------------------------------------------- ZIP

def test_zip_has_csvs_datapackage_and_a_readme_with_every_field(mini):
    filters = FILTER_CASES[1]
    selection = apply_filters(mini, filters)
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip_bytes(mini, selection, PERMALINK, TODAY)))
    assert sorted(archive.namelist()) == sorted([f"{n}.csv" for n in (*export.EXPORT_TABLES, "countries", "translations")]
                                                + ["datapackage.json", "README.md"])
    for table in export.EXPORT_TABLES:
        rows = csv_rows(archive.read(f"{table}.csv"))
        assert sorted(r[ID_COLUMNS[table]] for r in rows) == selected_ids(mini, filters, table)

    readme = archive.read("README.md").decode("utf-8")
    assert readme.startswith("# Luban Atlas: China–Central Asia education cooperation — filtered extract")
    for expected in (f"**Data version**: {VERSION} (last updated {UPDATED})",
                     "**Extracted**: 2026-11-22",
                     "**Filters applied**: Countries: Kazakhstan; Years: 2023–2025; Workshop status: Operating",
                     f"**Permalink of this view**: {PERMALINK}",
                     "**Cite as**: Luban Atlas contributors (2026). Luban Atlas: China–Central Asia education "
                     f"cooperation, dataset version {VERSION}. CC BY 4.0. Accessed 2026-11-22.",
                     "**Licence**: Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/)",
                     "- `workshops.csv`: 1 of 3 rows",
                     "## Sources cited by the included rows (2)"):
        assert expected in readme, expected
    cited = set(re.findall(r"^- \[(S-\d+)\]", readme, flags=re.MULTILINE))
    assert cited == set(selection.sources["source_id"]) == {"S-001", "S-003"}
    assert "https://example.org/kz-opening" in readme

    package = json.loads(archive.read("datapackage.json"))
    assert [r["name"] for r in package["resources"]] == ["countries", "sources", "institutions", "workshops",
                                                         "events", "claims", "translations"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", package["created"])
    assert package["x-extract"]["permalink"] == PERMALINK
    assert package["x-extract"]["rows"]["workshops"] == 1
    # Events may name a workshop outside the filter, so that reference cannot be declared in the extract.
    events_schema = next(r for r in package["resources"] if r["name"] == "events")["schema"]
    assert all(fk["reference"]["resource"] != "workshops" for fk in events_schema.get("foreignKeys", []))


def test_mirror_sources_name_their_original_in_the_readme(mini):
    readme = export.readme_text(mini, apply_filters(mini, Filters(countries=("KG",))), PERMALINK, TODAY)
    assert "[S-002] Example Xinhua, “吉尔吉斯斯坦鲁班工坊”, Oct 2024, Chinese side. https://example.cn/kg " \
           "(mirror copy of https://example.cn/kg-original)" in readme


def test_zip_extract_is_a_valid_frictionless_data_package(mini, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    selection = apply_filters(mini, FILTER_CASES[1])
    zipfile.ZipFile(io.BytesIO(export.to_zip_bytes(mini, selection, PERMALINK, TODAY))).extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


# ---------------------------------------------------------------- names and citation

@pytest.mark.parametrize(("filters", "table", "extension", "expected"), [
    (Filters(), None, "zip", f"luban-atlas_{VERSION}_all.zip"),
    (Filters(countries=("KZ",), year_min=2023, year_max=2025, statuses=("operating",)), "workshops", "csv",
     f"luban-atlas_{VERSION}_KZ_2023-2025_operating_workshops.csv"),
    (Filters(countries=("KZ", "KG"), include_regional=False), None, "xlsx", f"luban-atlas_{VERSION}_KZ-KG_no-regional.xlsx"),
    (Filters(year_min=2020), None, "json", f"luban-atlas_{VERSION}_2020.json"),       # open-ended range: no dangling dash
    (Filters(text="../../etc/passwd"), None, "json", f"luban-atlas_{VERSION}_q-etc-passwd.json"),  # no path tricks
    (Filters(text="鲁班 工坊"), None, "csv", f"luban-atlas_{VERSION}_q.csv"),         # non-Latin search: ASCII-only names
    (Filters(text="Öskemen"), None, "csv", f"luban-atlas_{VERSION}_q-Oskemen.csv"),   # accents folded, not dropped
])
def test_file_names_say_what_is_inside(mini, filters, table, extension, expected):
    assert export.file_name(mini, apply_filters(mini, filters), extension, table) == expected


def test_file_names_stay_short_with_every_category_selected(mini):
    categories = mini.specs["events"].field("category").enum
    name = export.file_name(mini, apply_filters(mini, Filters(categories=categories)), "zip")
    assert len(name) <= 130 and re.fullmatch(r"[A-Za-z0-9._-]+", name)


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), {}),
    (Filters(countries=("KZ", "KG")), {"country": "Kazakhstan, Kyrgyzstan"}),
    (Filters(year_min=2023, year_max=2023), {"years": "2023"}),                # one year, not '2023–2023'
    (Filters(year_max=2020), {"years": "2009–2020"}),                           # open start = first year of data
    (Filters(statuses=("operating", "announced")), {"status": "Operating, Announced"}),
    (Filters(categories=("joint_lab",), text="ektu"), {"category": "Joint lab", "q": "“ektu”"}),
    (Filters(include_regional=False), {"regional": "without regional events"}),
])
def test_describe_filters_in_words(mini, filters, expected):
    assert export.describe_filters(mini, filters) == expected


def test_citation_and_bibtex_name_the_version(mini):
    assert export.citation_text(mini, TODAY).endswith(f"dataset version {VERSION}. CC BY 4.0. Accessed 2026-11-22.")
    entry = export.bibtex(mini, "http://atlas.example/", TODAY)
    assert entry.startswith("@misc{luban_atlas_" + VERSION.replace(".", "_") + ",\n")
    assert "  version = {" + VERSION + "}," in entry and "  year = {2026}," in entry and "  urldate = {2026-11-22}" in entry
    assert "  author = {{Luban Atlas contributors}}," in entry
    assert entry.count("{") == entry.count("}")


def test_permalink_in_files_is_the_view_url(mini):
    filters = FILTER_CASES[1]
    url = view_url("http://atlas.example/Explore", filters)
    assert url == PERMALINK
    assert json.loads(export.to_json_bytes(mini, apply_filters(mini, filters), url))["permalink"] == PERMALINK


# ---------------------------------------------------------------- record text in other languages

TRANSLATIONS_CSV = """table,record_id,field,language,text,origin,source_ids,notes
events,EV-001,title,ru,Подписан меморандум,our_translation,,
events,EV-001,title,zh,签署谅解备忘录,our_translation,,
events,EV-003,title,ru,Открыта мастерская в Кыргызстане,our_translation,,
workshops,LW-KZ-01,name_en,zh,哈萨克斯坦鲁班工坊,source,S-001 | S-003,
workshops,LW-KG-01,name_en,ru,Мастерская Лу Баня в Кыргызстане,our_translation,,
"""


@pytest.fixture(scope="module")
def translated(tmp_path_factory):
    """The fixture data plus a translations.csv: our translations and one name a source states."""
    from helpers import build_dataset
    directory = build_dataset(tmp_path_factory.mktemp("export-translated") / "mini")
    (directory / "translations.csv").write_text(TRANSLATIONS_CSV, encoding="utf-8")
    return load_atlas(directory)


@pytest.mark.parametrize(("filters", "expected"), [
    # the whole dataset: every translation row, sorted by table, record, field, language
    (Filters(), [("events", "EV-001", "ru"), ("events", "EV-001", "zh"), ("events", "EV-003", "ru"),
                 ("workshops", "LW-KG-01", "ru"), ("workshops", "LW-KZ-01", "zh")]),
    # Kazakhstan only: the Kyrgyz event and workshop translations stay out
    (Filters(countries=("KZ",)), [("events", "EV-001", "ru"), ("events", "EV-001", "zh"),
                                  ("workshops", "LW-KZ-01", "zh")]),
    # nothing selected: no rows, but the same columns (a file readers can rely on)
    (Filters(countries=("KG",), year_min=2009, year_max=2010), []),
])
def test_translations_are_those_of_the_selected_records(translated, filters, expected):
    frame = export.translations_frame(translated, apply_filters(translated, filters))
    assert list(frame.columns) == translated.specs["translations"].field_names
    assert list(zip(frame["table"], frame["record_id"], frame["language"])) == expected


def test_translations_keep_their_origin_and_sources(translated):
    frame = export.translations_frame(translated, apply_filters(translated, Filters(countries=("KZ",))))
    name = frame[frame["table"] == "workshops"].iloc[0]
    # a name a source states is marked source with its sources joined as in the CSV; ours are our_translation
    assert (name["origin"], name["source_ids"], name["text"]) == ("source", "S-001 | S-003", "哈萨克斯坦鲁班工坊")
    assert set(frame.loc[frame["table"] == "events", "origin"]) == {"our_translation"}


def test_every_bundle_carries_the_translations_beside_the_original_text(translated):
    selection = apply_filters(translated, Filters(countries=("KZ",)))
    archive = zipfile.ZipFile(io.BytesIO(export.to_zip_bytes(translated, selection, PERMALINK, TODAY)))
    rows = csv_rows(archive.read("translations.csv"))
    assert [(r["record_id"], r["language"], r["text"]) for r in rows][:2] == [
        ("EV-001", "ru", "Подписан меморандум"), ("EV-001", "zh", "签署谅解备忘录")]
    # never in place of the original: the events table keeps the English title
    assert "MoU signed" in [r["title"] for r in csv_rows(archive.read("events.csv"))]
    assert "`translations.csv`" in archive.read("README.md").decode("utf-8")
    workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(translated, selection, PERMALINK, TODAY)))
    sheet = list(workbook["translations"].values)
    assert sheet[0][:6] == ("table", "record_id", "field", "language", "text", "origin")
    assert ("workshops", "LW-KZ-01", "name_en", "zh", "哈萨克斯坦鲁班工坊", "source") in [row[:6] for row in sheet]
    assert "translations" in [row[0] for row in workbook["README"].values]
    document = json.loads(export.to_json_bytes(translated, selection, PERMALINK))
    assert len(document["tables"]["translations"]) == 3


@pytest.mark.parametrize(("language", "line"), [
    # the README follows the page's language; file and column names stay the stable machine names
    ("ru", "- `translations.csv`: текст выбранных записей на русском и китайском языках"),
    ("zh", "- `translations.csv`: 所选记录的俄文和中文文本"),
    ("en", "- `translations.csv`: the selected records' text in Russian and Chinese"),
])
def test_readme_is_in_the_chosen_language(translated, language, line):
    from atlas.i18n import language_context
    selection = apply_filters(translated, Filters(countries=("KZ",)))
    with language_context(language):
        readme = export.readme_text(translated, selection, PERMALINK, TODAY)
        workbook = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(translated, selection, PERMALINK, TODAY)))
    assert line in readme
    assert "- `events.csv`" in readme and "- `workshops.csv`" in readme
    readme_sheet = [row[0] for row in workbook["README"].values]
    assert readme_sheet[1] == export.t("export.fact.title", language)
    assert list(workbook["events"].values)[0][0] == "event_id"
    title = translated.package["title"]
    assert readme.splitlines()[0] == "# " + export.t("export.readme_heading", language, title=title)


@pytest.mark.parametrize(("language", "expected"), [
    # the README of a download made on the Russian page names the country in Russian (countries.csv name_ru),
    # though the file's tables keep the data as published
    ("ru", "Страны: Казахстан"),
    ("zh", "国家：哈萨克斯坦"),      # and with the Chinese full-width colon
    ("en", "Countries: Kazakhstan"),
])
def test_readme_names_the_filtered_country_in_the_chosen_language(mini, language, expected):
    from atlas.i18n import language_context
    with language_context(language):
        sentence = export.filters_sentence(mini, Filters(countries=("KZ",)))
    assert sentence == expected
