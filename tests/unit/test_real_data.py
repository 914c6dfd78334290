"""The shipped data/ passes both validators and states the firmest facts of the research correctly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from atlas import load_atlas
from helpers import DATA_DIR, REPO


@pytest.fixture(scope="module")
def real():
    return load_atlas(DATA_DIR)


def test_atlas_validator_passes_on_real_data():
    result = subprocess.run([sys.executable, "-m", "atlas", "validate", str(DATA_DIR)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_frictionless_validator_passes_on_real_data():
    frictionless = shutil.which("frictionless", path=str(REPO / ".venv" / "bin")) or shutil.which("frictionless")
    assert frictionless, "frictionless is a dev requirement; install requirements-dev.txt"
    result = subprocess.run([frictionless, "validate", "--json", str(DATA_DIR / "datapackage.json")],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert '"valid": true' in result.stdout


def test_all_eight_workshops_are_present(real):
    assert sorted(real.workshops["workshop_id"]) == [
        "LW-KG-01", "LW-KZ-01", "LW-KZ-02", "LW-KZ-03", "LW-KZ-04", "LW-TJ-01", "LW-TM-01", "LW-UZ-01"]


def milestone(real, workshop_id: str, kind: str) -> list[str]:
    events = real.events
    return sorted(events.loc[(events["workshop_id"] == workshop_id) & (events["milestone"] == kind), "date"])


def source_urls(real, ids) -> set[str]:
    return set(real.sources.set_index("source_id").loc[list(ids), "url"])


def event_sources(real, workshop_id: str, kind: str) -> set[str]:
    events = real.events
    rows = events[(events["workshop_id"] == workshop_id) & (events["milestone"] == kind)]
    return set().union(*[source_urls(real, ids) for ids in rows["source_ids"]])


# The 15 firmest facts of shared/research/REPORT.md, each checked against the records and the cited URL.
def test_fact_01_02_kyrgyz_opening_and_majors(real):
    assert "2024-10-26" in milestone(real, "LW-KG-01", "opening")
    assert "http://en.people.cn/n3/2024/1029/c90000-20234974.html" in event_sources(real, "LW-KG-01", "opening")
    majors = " ".join(real.workshops.set_index("workshop_id").loc["LW-KG-01", "majors"]).lower()
    for word in ("hydropower", "electrical engineering", "mechanical design", "road and bridge"):
        assert word in majors


def test_fact_03_tajik_partners_and_area(real):
    tj = real.workshops.set_index("workshop_id").loc["LW-TJ-01"]
    assert tj["host_institution_id"] == "ttu-tj" and tj["partner_institution_ids"][0] == "tucvc-cn"
    assert tj["area_m2"] == 1138
    assert milestone(real, "LW-TJ-01", "opening")[0].startswith("2022-11")


def test_fact_04_05_ektu_mou_and_agreement(real):
    assert milestone(real, "LW-KZ-01", "mou")[0] == "2023-03-02"
    assert milestone(real, "LW-KZ-01", "agreement")[0] == "2023-05-18"
    assert "https://regional.chinadaily.com.cn/tianjin/lubanws/2023-05/19/c_902879.htm" in event_sources(real, "LW-KZ-01", "agreement")


def test_fact_06_astana_and_almaty_workshops(real):
    workshops = real.workshops.set_index("workshop_id")
    assert workshops.loc["LW-KZ-02", "host_institution_id"] == "enu-kz"
    assert workshops.loc["LW-KZ-03", "host_institution_id"] == "alt-kz"
    assert workshops.loc["LW-KZ-03", "partner_institution_ids"][0] == "uvu-cn"


def test_fact_07_turkmen_mou(real):
    assert milestone(real, "LW-TM-01", "mou")[0] == "2024-10-18"
    partners = set(real.workshops.set_index("workshop_id").loc["LW-TM-01", "partner_institution_ids"])
    assert {"xsyu-cn", "hbpu-cn", "cnpc-cn", "ceaie-cn"} <= partners


def test_fact_08_uzbek_partners(real):
    uz = real.workshops.set_index("workshop_id").loc["LW-UZ-01"]
    assert (uz["host_institution_id"], uz["partner_institution_ids"][0]) == ("tstu-uz", "tjmc-cn")


@pytest.mark.parametrize(("event_id", "date", "url"), [
    ("EV-035", "2025-05-12", "https://eng.khovar.tj/2025/05/first-meeting-of-education-ministers-of-china-central-asia-held-in-urumqi"),
    ("EV-036", "2025-05-12", "http://english.ts.cn/system/2025/05/14/036961651.shtml"),
    ("EV-050", "2023-10-14", "http://en.xjtu.edu.cn/2023-10/16/c_931454.htm"),
    ("EV-052", "2024-07-03", "http://english.blcu.edu.cn/info/1061/1102.htm"),
    ("EV-057", "2013-01-23", "https://www.oshsu.kg/en/page/108"),
    ("EV-070", "2014-11-27", "http://uz.china-embassy.gov.cn/rus/zwgx/rwhz/201412/t20141204_1958644.htm"),
    ("EV-065", "2015-08-20", "http://cie.upc.edu.cn/admission_en/About_Us/Confucius_Institute.htm"),
])
def test_facts_09_to_15_regional_and_institutes(real, event_id, date, url):
    event = real.events.set_index("event_id").loc[event_id]
    assert event["date"] == date
    assert url in source_urls(real, event["source_ids"])


def test_dataset_version_is_the_same_in_the_package_the_readme_and_the_changelog():
    package = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    version = package["version"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"dataset\s+version (\d+\.\d+\.\d+)", readme) == [version]
    # The newest changelog entry (the first heading under "## Changelog") is this version, dated x-last-updated.
    changelog = (DATA_DIR / "README.md").read_text(encoding="utf-8").split("## Changelog", 1)[1]
    newest = re.search(r"^### (\S+) — (\d{4}-\d{2}-\d{2})", changelog, flags=re.MULTILINE)
    assert newest and newest.groups() == (version, package["x-last-updated"])


def test_coverage_is_stated_for_every_central_asian_country_and_regional_events(real):
    coverage = real.package["x-coverage"]
    assert re.fullmatch(r"\d{4}-\d{2}", coverage["searched_through"])
    assert set(coverage["countries"]) == {"KZ", "KG", "TJ", "TM", "UZ", "regional"}
    for code, entry in coverage["countries"].items():
        assert entry["searched_through"] <= coverage["searched_through"], code
        assert {"en", "ru", "zh"} <= set(entry["languages"]), code


@pytest.mark.parametrize(("event_id", "date", "url"), [
    # The two 2024-2025 milestones issue 13 names, each with the page that states it.
    ("EV-140", "2025-11-02", "https://uzswlu.uz/en/news/the-second-uzbekistanchina-education-forum-officially-opened-in-tashkent-1762082395"),
    ("EV-102", "2024-10-14", "http://english.blcu.edu.cn/info/1061/1102.htm"),
])
def test_2024_2025_milestones_from_the_research(real, event_id, date, url):
    event = real.events.set_index("event_id").loc[event_id]
    assert event["date"] == date
    assert url in source_urls(real, event["source_ids"])


def test_tianjin_and_xian_points_are_the_city_centres(real):
    # The shared points of 0.1.0 lay ~25 km (Tianjin) and ~9 km (Xi'an) from the centres Wikipedia gives.
    centres = {"Tianjin": (39.133, 117.183), "Xi'an": (34.26111, 108.94222)}
    for city, (lat, lon) in centres.items():
        points = real.institutions[(real.institutions["city"] == city) & (real.institutions["coord_precision"] == "city")]
        assert not points.empty
        assert (points["lat"] - lat).abs().max() < 1e-6 and (points["lon"] - lon).abs().max() < 1e-6, city


def test_every_name_in_russian_or_chinese_from_the_research_cites_a_known_source(real):
    known = set(real.sources["source_id"])
    for column in ("name_ru_source_ids", "name_zh_source_ids"):
        cited = real.institutions[column].map(len) > 0
        assert cited.sum() >= 20, column
        assert set().union(*real.institutions.loc[cited, column]) <= known
