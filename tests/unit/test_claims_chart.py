"""Claims vs our records: each official count with its claimant and date, beside our documented Central Asian count."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas import load_atlas
from atlas.dates import spans
from components import claims_chart
from components.chart_base import is_empty_figure
from components.figures import assert_valid_figure
from helpers import DATA_DIR, build_dataset

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


# ---------------------------------------------------------------- at scale: shared counts, yearly points, capped table

def many_claims(claims: pd.DataFrame, count: int, years: tuple[int, ...] = (2022, 2023)) -> pd.DataFrame:
    """`count` worldwide claims spread over `years` (values 20..29, three claimants), as a large dataset has them."""
    base = claims[claims["claim_id"] == "CL-001"]
    extra = pd.concat([base] * count, ignore_index=True)
    extra["claim_id"] = [f"CL-{9000 + n}" for n in range(count)]
    extra["as_of"] = [f"{years[n % len(years)]}-{1 + n % 12:02d}" for n in range(count)]
    extra["as_of_precision"] = "month"
    extra["value"] = [20.0 + n % 10 for n in range(count)]
    extra["value_as_stated"] = [f"{20 + n % 10}" for n in range(count)]
    extra["claimed_by"] = [("Xinhua", "Xinhua", "China Daily")[n % 3] for n in range(count)]
    combined = pd.concat([claims[claims["claim_id"] != "CL-001"], extra], ignore_index=True)
    combined["as_of_start"], combined["as_of_end"] = spans(combined["as_of"])
    return combined


def points_drawn(figure) -> int:
    return sum(len(trace.x) for trace in figure.data if trace.x is not None)


def test_chart_and_table_are_valid_and_identical_when_counts_are_passed_in(mini):
    claimed = claims_chart.claimed_counts(mini.claims)
    documented = claims_chart.documented_counts(mini.workshops, mini.events)
    alone = claims_chart.build_claims_vs_records(mini.claims, mini.workshops, mini.events, today=TODAY)
    shared = claims_chart.build_claims_vs_records(mini.claims, mini.workshops, mini.events, today=TODAY,
                                                  claimed=claimed, documented=documented)
    assert_valid_figure(shared)
    assert shared.to_json() == alone.to_json()
    table = claims_chart.claims_vs_records_table(mini.claims, mini.workshops, mini.events,
                                                 claimed=claimed, documented=documented)
    pd.testing.assert_frame_equal(table, claims_chart.claims_vs_records_table(mini.claims, mini.workshops, mini.events))
    assert claims_chart.table_size(claimed, documented) == len(table) == 3


def test_real_data_chart_is_valid_with_one_point_per_claim():
    real = load_atlas(DATA_DIR)
    figure = claims_chart.build_claims_vs_records(real.claims, real.workshops, real.events, today=TODAY,
                                                  year_range=(2018, 2026))
    assert_valid_figure(figure)
    claimed = claims_chart.claimed_counts(real.claims)
    markers = [trace for trace in figure.data if trace.name in (WORLDWIDE, TIANJIN) and trace.mode == "markers+text"]
    assert sum(len(trace.x) for trace in markers) == len(claimed) > 0
    assert not any("one point per year" in (a.text or "") for a in figure.layout.annotations or ())


def test_empty_and_no_claim_figures_are_valid(mini):
    assert_valid_figure(claims_chart.build_claims_vs_records(mini.claims.iloc[0:0], mini.workshops.iloc[0:0],
                                                             mini.events, today=TODAY))
    no_claims = mini.claims[mini.claims["metric"] != "luban_workshops_worldwide"]
    assert_valid_figure(claims_chart.build_claims_vs_records(no_claims, mini.workshops, mini.events, today=TODAY))


def test_a_series_at_the_limit_still_draws_every_claim(mini):
    claims = many_claims(mini.claims, claims_chart.MAX_CLAIM_POINTS)
    figure = claims_chart.build_claims_vs_records(claims, mini.workshops, mini.events, today=TODAY)
    points = traces(figure, WORLDWIDE)[-1]
    assert len(points.x) == claims_chart.MAX_CLAIM_POINTS


def test_a_large_series_is_drawn_one_point_per_year_with_a_note(mini):
    claims = many_claims(mini.claims, 5000)
    figure = claims_chart.build_claims_vs_records(claims, mini.workshops, mini.events, today=TODAY)
    assert_valid_figure(figure)
    ranges, points = traces(figure, WORLDWIDE)
    # Two years of claims: two hollow points at mid-year on the median, each on a line from lowest to highest.
    # Even-numbered claims fall in 2022 (values 20, 22 .. 28), odd ones in 2023 (21 .. 29).
    middles = [pd.Timestamp("2022-07-02 12:00"), pd.Timestamp("2023-07-02 12:00")]
    assert stamps(points.x) == middles
    assert list(points.y) == [24, 25]
    assert points.marker.symbol == "circle-open"
    assert stamps(ranges.x) == [middles[0], middles[0], None, middles[1], middles[1], None]
    assert list(ranges.y) == [20, 28, None, 21, 29, None]
    assert list(points.customdata[0]) == ["2,500 claims as of 2022", "20–28", "24", WORLDWIDE,
                                          "Stated by 2 claimant(s), most often Xinhua"]
    assert "2,500 claims" in points.text[0]
    notes = [a.text for a in figure.layout.annotations]
    assert "5,000 official claims drawn one point per year:<br>the median, on a line from the lowest" in " ".join(notes)
    # Bounded: the whole figure carries a few dozen points, not one per claim.
    assert points_drawn(figure) < 40
    assert len(figure.to_json()) < 30_000


def test_yearly_points_of_two_series_label_on_opposite_sides(mini):
    claims = many_claims(mini.claims, 300)
    tianjin = many_claims(mini.claims, 200, years=(2021,))
    tianjin = tianjin[tianjin["claim_id"].str.startswith("CL-9")].assign(metric="luban_workshops_tianjin_built")
    tianjin["claim_id"] = [f"CL-8{n:03d}" for n in range(len(tianjin))]
    combined = pd.concat([claims, tianjin], ignore_index=True)
    figure = claims_chart.build_claims_vs_records(combined, mini.workshops, mini.events, today=TODAY)
    assert traces(figure, WORLDWIDE)[-1].textposition == "top center"
    (_, tianjin_points) = traces(figure, TIANJIN)
    assert tianjin_points.textposition == "bottom center" and len(tianjin_points.x) == 1


def test_claims_by_year_counts_range_median_and_commonest_claimant(mini):
    claimed = claims_chart.claimed_counts(many_claims(mini.claims, 7, years=(2024,)))
    # Values 20..26; claimants Xinhua (n = 0, 1, 3, 4, 6) and China Daily (n = 2, 5).
    assert claims_chart.claims_by_year(claimed).to_dict("records") == [
        {"year": 2024, "claims": 7, "low": 20.0, "median": 23.0, "high": 26.0, "claimants": 2,
         "top_claimant": "Xinhua"}]


def test_table_limit_keeps_the_first_rows_in_date_order_and_formats_only_those(mini):
    claims = many_claims(mini.claims, 600)
    full = claims_chart.claims_vs_records_table(claims, mini.workshops, mini.events)
    limited = claims_chart.claims_vs_records_table(claims, mini.workshops, mini.events, limit=500)
    assert len(full) == 602 and len(limited) == 500
    pd.testing.assert_frame_equal(limited, full.head(500))
    # Our documented rows (Dec 2023, Oct 2024) sort after the claims of 2022 and early 2023.
    documented_rows = full.index[full["Series (scope)"] == DOCUMENTED].tolist()
    limited_small = claims_chart.claims_vs_records_table(claims, mini.workshops, mini.events,
                                                         limit=documented_rows[0] + 1)
    assert limited_small["Series (scope)"].iloc[-1] == DOCUMENTED


def test_labels_alternate_only_within_a_run_of_close_claims(mini):
    claims = mini.claims
    for n, as_of in enumerate(["2021-01-10", "2021-03-01", "2021-05-01", "2022-06-01", "2022-07-01"]):
        claims = with_claim(claims, claim_id=f"CL-7{n:02d}", as_of=as_of, as_of_precision="day")
    claimed = claims_chart.claimed_counts(claims).sort_values("as_of_start")
    # Three claims each within 200 days of the one before (top, bottom, top), a gap, then a new run of two, and
    # CL-001 (December 2023) alone.
    assert claimed["label_position"].tolist() == ["top center", "bottom center", "top center",
                                                  "top center", "bottom center", "top center"]


def test_documented_count_takes_each_workshops_first_launch_or_opening(mini):
    # A second, later opening of LW-KZ-01 does not count it twice; an earlier launch ceremony moves it earlier.
    events = mini.events.copy()
    extra = events[events["event_id"] == "EV-002"].assign(event_id="EV-900", milestone="opening", date="2025-01-05",
                                                          date_precision="day")
    launch = events[events["event_id"] == "EV-002"].assign(event_id="EV-901", milestone="launch_ceremony",
                                                           date="2023-11-20", date_precision="day")
    events = pd.concat([events, extra, launch], ignore_index=True)
    events["date_start"], events["date_end"] = spans(events["date"])
    documented = claims_chart.documented_counts(mini.workshops, events)
    assert documented[["workshop_id", "event_id", "count"]].values.tolist() == [
        ["LW-KZ-01", "EV-901", 1], ["LW-KG-01", "EV-003", 2]]
    assert documented["name_en"].tolist() == ["Kazakhstan Luban Workshop (EKTU)", "Kyrgyzstan Luban Workshop (KSTU)"]
