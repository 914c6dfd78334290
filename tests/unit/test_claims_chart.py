"""Claims vs our records: each official count with its claimant and date, beside our documented Central Asian count."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas import load_atlas
from atlas.dates import spans
from components import claims_chart
from components.charts import is_empty_figure
from helpers import build_dataset

TODAY = pd.Timestamp("2026-06-15")
WORLDWIDE = "Worldwide total, as claimed in official and media reports"
TIANJIN = "Built by Tianjin colleges worldwide, as claimed"
DOCUMENTED = "Central Asia, launched or opened — documented in this atlas"
BAND = "Central Asia, documented: range left open by month- or year-only dates"


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return load_atlas(build_dataset(tmp_path_factory.mktemp("mini")))


def with_claim(claims: pd.DataFrame, **values: object) -> pd.DataFrame:
    """The claims plus one copy of CL-001 with some values changed (as_of spans recomputed like the loader)."""
    extra = claims[claims["claim_id"] == "CL-001"].copy()
    for column, value in values.items():
        extra[column] = value
    combined = pd.concat([claims, extra], ignore_index=True)
    combined["as_of_start"], combined["as_of_end"] = spans(combined["as_of"])
    return combined


def traces(figure, name: str) -> list:
    return [t for t in figure.data if t.name == name]


def stamps(values) -> list:
    return [None if v is None else pd.Timestamp(v) for v in values]


def test_only_worldwide_count_metrics_are_plotted(mini):
    claimed = claims_chart.claimed_counts(mini.claims)
    # CL-002 counts students at one workshop: a different measure, left out.
    assert claimed["claim_id"].tolist() == ["CL-001"]


def test_claim_point_shows_value_claimant_and_date_with_precision(mini):
    figure = claims_chart.build_claims_vs_records(mini.claims, mini.workshops, mini.events, today=TODAY)
    band, points = traces(figure, WORLDWIDE)
    # "December 2023" is a month: a band over the month and a hollow marker in its middle.
    assert stamps(band.x) == [pd.Timestamp("2023-12-01"), pd.Timestamp("2024-01-01"), None]
    assert stamps(points.x) == [pd.Timestamp("2023-12-16 12:00")]
    assert list(points.y) == [27]
    assert points.marker.symbol == ("circle-open",)
    assert list(points.customdata[0]) == ["27", "Red Star News", "December 2023 (month precision)", WORLDWIDE]
    assert "Red Star News" in points.text[0]


def test_documented_count_steps_up_on_known_days_and_leaves_a_band_for_month_dates(mini):
    figure = claims_chart.build_claims_vs_records(mini.claims, mini.workshops, mini.events, today=TODAY)
    lower, markers = traces(figure, DOCUMENTED)
    (upper,) = traces(figure, BAND)
    # KZ-01 trial operation on 9 Dec 2023: both lines step there. KG-01 opened in October 2024: possibly from
    # 1 October (upper), certainly by 31 October (lower). Flat to today. KZ-04 never opened: not counted.
    assert stamps(lower.x) == [pd.Timestamp(d) for d in
                               ("2023-12-09", "2023-12-09", "2024-10-01", "2024-10-31", TODAY)]
    assert list(lower.y) == [0, 1, 1, 2, 2]
    assert list(upper.y) == [0, 1, 2, 2, 2]
    assert upper.fill == "tonexty" and lower.line.shape == upper.line.shape == "hv"
    assert stamps(markers.x) == [pd.Timestamp("2023-12-09"), pd.Timestamp("2024-10-16 12:00")]
    assert list(markers.y) == [1, 1.5]  # a month-precision opening sits inside its band
    assert markers.marker.symbol == ("circle", "circle-open")
    assert [row[0] for row in markers.customdata] == ["Kazakhstan Luban Workshop (EKTU) (Trial operation)",
                                                      "Kyrgyzstan Luban Workshop (KSTU) (Opening)"]
    assert figure.layout.annotations[0].text == "2 in Central Asia, documented"


def test_overlapping_date_spans_never_run_backwards(mini):
    # A year-precision opening (all of 2024) and a known day inside it (5 March 2024).
    events = mini.events.copy()
    events.loc[events["event_id"] == "EV-003", ["date", "date_precision"]] = ["2024", "year"]
    events.loc[events["event_id"] == "EV-002", ["date", "date_precision"]] = ["2024-03-05", "day"]
    events["date_start"], events["date_end"] = spans(events["date"])
    steps = claims_chart.documented_steps(claims_chart.documented_counts(mini.workshops, events), TODAY)
    assert steps["x"].is_monotonic_increasing
    assert (steps["lower"] <= steps["upper"]).all()
    assert steps.set_index("x").loc[pd.Timestamp("2024-03-05"), ["lower", "upper"]].tolist() == [1, 2]


def test_tianjin_series_is_separate_and_lower_bounds_point_up(mini):
    claims = with_claim(mini.claims, claim_id="CL-900", metric="luban_workshops_tianjin_built", value=18.0,
                        value_as_stated="18", as_of="2021-04-30", as_of_precision="day", claimed_by="China Daily")
    claims = with_claim(claims, claim_id="CL-901", value=24.0, value_as_stated="over two dozen",
                        qualifier="lower_bound", claimed_by="Eurasianet")
    figure = claims_chart.build_claims_vs_records(claims, mini.workshops, mini.events, today=TODAY)
    (tianjin,) = traces(figure, TIANJIN)
    assert (stamps(tianjin.x), list(tianjin.y), tianjin.marker.symbol) == (
        [pd.Timestamp("2021-04-30")], [18], ("square",))
    worldwide = traces(figure, WORLDWIDE)[-1]
    assert list(worldwide.y) == [27, 24]
    assert worldwide.marker.symbol == ("circle-open", "triangle-up-open")
    # Two claims in the same month: their labels go one above, one below.
    assert list(worldwide.textposition) == ["top center", "bottom center"]


def test_missing_claims_still_draw_our_count_and_say_so(mini):
    no_claims = mini.claims[mini.claims["metric"] != "luban_workshops_worldwide"]
    figure = claims_chart.build_claims_vs_records(no_claims, mini.workshops, mini.events, today=TODAY)
    assert [t.name for t in figure.data] == [
        DOCUMENTED, BAND, DOCUMENTED]
    assert "No official worldwide count in this selection." in [a.text for a in figure.layout.annotations]


def test_nothing_to_draw_gives_an_explained_empty_figure(mini):
    figure = claims_chart.build_claims_vs_records(mini.claims.iloc[0:0], mini.workshops.iloc[0:0], mini.events,
                                                  today=TODAY)
    assert is_empty_figure(figure)
    assert figure.layout.annotations[0].text == "No official count and no launched workshop to draw."


def test_table_lists_every_point_in_date_order_with_who_states_it(mini):
    table = claims_chart.claims_vs_records_table(mini.claims, mini.workshops, mini.events)
    # Ordered by the start of each date's span: "December 2023" starts on the 1st, before 9 December.
    assert table.to_dict("records") == [
        {"Series (scope)": WORLDWIDE, "As of": "December 2023 (month precision)", "Count": "27",
         "Stated by / workshop": "Red Star News", "Sources": "S-003"},
        {"Series (scope)": DOCUMENTED, "As of": "9 December 2023 (day precision)", "Count": "1",
         "Stated by / workshop": "Kazakhstan Luban Workshop (EKTU) (Trial operation)", "Sources": "S-001"},
        {"Series (scope)": DOCUMENTED, "As of": "October 2024 (month precision)", "Count": "2",
         "Stated by / workshop": "Kyrgyzstan Luban Workshop (KSTU) (Opening)", "Sources": "S-002"},
    ]
