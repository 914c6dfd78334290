"""Overview and About pages under AppTest: KPIs follow the filters, empty selections get sentences, About lists everything."""

from __future__ import annotations

import json

import pandas as pd

from app_support import exceptions, open_expander
from helpers import DATA_DIR

ABOUT = "pages/4_About.py"


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.main.metric}


def plotly_titles(app) -> list[str]:
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    return [spec["layout"].get("title", {}).get("text", "") for spec in specs]


def test_kpis_change_with_the_country_filter(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir)
    assert exceptions(app) == []
    # Whole fixture; hand counts explained in tests/unit/test_summaries.py.
    assert metrics(app) == {"Luban Workshops": "3", "Host countries": "2", "Chinese partners": "3",
                            "Other events": "3", "Sources cited": "3", "Operating": "2", "Announced": "1"}
    app.sidebar.multiselect[0].set_value(["KG"]).run()
    # Kyrgyzstan: LW-KG-01; partners zjweu-cn and nowhere-cn; EV-006 and the regional EV-005; sources S-002, S-003.
    assert metrics(app) == {"Luban Workshops": "1", "Host countries": "1", "Chinese partners": "2",
                            "Other events": "2", "Sources cited": "2", "Operating": "1", "Announced": "0"}
    app.sidebar.checkbox[0].uncheck().run()
    # Without regional events EV-005 and its source S-003 go; S-003 still comes in through nowhere-cn and CL-001.
    assert metrics(app)["Other events"] == "1"


def test_kpis_follow_a_shared_link(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir, country="KZ", regional="0")
    assert metrics(app)["Luban Workshops"] == "2"
    assert metrics(app)["Chinese partners"] == "1"   # LW-KZ-04 has no partner yet, LW-KZ-01 has tvi-cn


def test_overview_charts_latest_events_and_page_links(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir)
    assert plotly_titles(app)[:2] == ["Luban Workshops, by stage", "Other cooperation events, by kind"]
    assert len(app.get("plotly_chart")) == 3                          # plus the claims-vs-records chart
    labels = [expander.label for expander in app.main.expander]
    latest = [label for label in labels if "precision" in label]
    # Newest first; the undated EV-006 is not among them.
    assert [label.rsplit("— ", 1)[1] for label in latest] == [
        "Ministers meet in Urumqi", "Kyrgyz workshop opens", "Trial operation starts", "MoU signed",
        "Confucius Institute at KazNU"]
    assert latest[0].startswith("**12 May 2025 \\(day precision\\)**")
    # Each latest event opens onto its detail panel (the shared one, with sources and a correction link), built
    # when a visitor opens it.
    assert "Ministers meet in Urumqi" not in [sub.value for sub in app.main.subheader]
    open_expander(app, latest[0])
    assert "Ministers meet in Urumqi" in [sub.value for sub in app.main.subheader]
    page_links = [element.proto.page for element in app.main.get("page_link")]
    assert page_links == ["Map", "Timeline", "Explore", "About"]      # page names, as Streamlit records them


def test_empty_selection_gets_sentences_not_blank_charts(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir, q="no-such-thing-anywhere")
    assert exceptions(app) == []
    infos = " ".join(info.value for info in app.main.info)
    assert "Nothing matches the current filters (“no-such-thing-anywhere”)" in infos
    assert "No dated event matches the current filters" in infos
    # Only the claims chart remains: official worldwide counts are not searched by text.
    assert "Luban Workshops, by stage" not in plotly_titles(app)
    assert metrics(app)["Luban Workshops"] == "0"


def test_only_events_charted_when_no_workshop_matches(open_page, mini_dir):
    app = open_page("app.py", data_dir=mini_dir, category="conference")
    captions = " ".join(caption.value for caption in app.main.caption)
    assert "No Luban Workshop matches the current filters" in captions
    assert plotly_titles(app)[0] == "Other cooperation events, by kind"


def test_overview_runs_on_real_data(open_page):
    app = open_page("app.py")
    assert exceptions(app) == []
    workshops = pd.read_csv(DATA_DIR / "workshops.csv", dtype=str)
    assert metrics(app)["Luban Workshops"] == str(len(workshops))
    assert metrics(app)["Host countries"] == str(workshops["country"].nunique())


def _unescape(text: str) -> str:
    return text.replace("\\", "")


def test_about_lists_every_table_field_and_source_on_real_data(open_page):
    app = open_page(ABOUT)
    assert exceptions(app) == []
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    markdown = " ".join(element.value for element in app.main.markdown)
    dictionary_tables = [table.value for table in app.main.table if "Field" in table.value.columns]
    assert len(dictionary_tables) == len(package["resources"])
    for resource, table in zip(package["resources"], dictionary_tables):
        assert f"**{resource['title']}** (`{resource['path']}`" in markdown
        assert [_unescape(name) for name in table["Field"]] == [field["name"] for field in resource["schema"]["fields"]]
    sources = pd.read_csv(DATA_DIR / "sources.csv", dtype=str)
    listed = next(frame.value for frame in app.main.dataframe if "Publisher" in frame.value.columns)
    assert sorted(listed["Id"]) == sorted(sources["source_id"])
    assert (listed["Records"] > 0).all()            # every source is cited by at least one record
    assert listed["Records"].is_monotonic_decreasing


def test_about_renders_the_data_readme_sections_and_changelog(open_page):
    app = open_page(ABOUT)
    headers = [header.value for header in app.main.header]
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    readme_headings = [line[3:].strip() for line in readme.splitlines() if line.startswith("## ")]
    assert set(readme_headings) <= set(headers)
    assert headers[-1] == "Changelog"                        # moved to the end, after the package's own sections
    assert headers.index("Data dictionary") > headers.index(readme_headings[0])


def test_about_describes_the_whole_dataset_whatever_the_filters(open_page):
    app = open_page(ABOUT, country="KG")
    assert "whole dataset" in " ".join(caption.value for caption in app.main.caption)
    listed = next(frame.value for frame in app.main.dataframe if "Publisher" in frame.value.columns)
    assert len(listed) == len(pd.read_csv(DATA_DIR / "sources.csv", dtype=str))


def test_about_on_fixture_without_readme_says_so_and_cites_the_version(open_page, mini_dir):
    app = open_page(ABOUT, data_dir=mini_dir)
    assert exceptions(app) == []
    assert any("README" in info.value and "not found" in info.value for info in app.main.info)
    codes = [code.value for code in app.main.code]
    version = json.loads((mini_dir / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert any(f"dataset version {version}" in code for code in codes)      # plain-text citation
    assert any(code.startswith("@misc{luban_atlas_") and f"version = {{{version}}}" in code for code in codes)
    conflict_table = next(table.value for table in app.main.table if "What the sources say" in table.value.columns)
    assert [_unescape(record) for record in conflict_table["Record"]] == ["LW-KZ-01", "EV-002"]
    assert any(button.proto.label == "Report a correction" for button in app.main.get("link_button"))
