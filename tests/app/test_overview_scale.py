"""Overview with many official claims: the claims chart draws one point per year and the table says what it leaves out."""

from __future__ import annotations

import json

from app_support import exceptions, open_expander
from helpers import read_rows, write_rows

CLAIMS = 600
CLAIMS_TABLE = "Every claimed and documented count as a table, with who states it and its sources"


def with_many_claims(directory):
    fields, rows = read_rows(directory / "claims.csv")
    template = next(row for row in rows if row["claim_id"] == "CL-001")
    for n in range(CLAIMS):
        rows.append({**template, "claim_id": f"CL-{1000 + n}", "as_of": f"{2022 + n % 2}-{1 + n % 12:02d}",
                     "value": str(20 + n % 10), "value_as_stated": str(20 + n % 10)})
    write_rows(directory / "claims.csv", fields, rows)
    return directory


def claims_chart_json(app) -> str:
    """The claims chart as sent to the browser (the one with our documented series)."""
    return next(chart.proto.spec for chart in app.get("plotly_chart")
                if any(trace.get("legendgroup") == "documented" for trace in json.loads(chart.proto.spec)["data"]))


def test_many_claims_are_drawn_by_year_and_the_table_is_capped(open_page, mini_dir):
    app = open_page("app.py", data_dir=with_many_claims(mini_dir))
    assert exceptions(app) == []
    sent = claims_chart_json(app)
    spec = json.loads(sent)
    # 601 worldwide claims (CL-001 and the 600 added) in 2022 and 2023: two yearly points, not 601.
    worldwide = [trace for trace in spec["data"] if trace.get("legendgroup") == "luban_workshops_worldwide"
                 and trace.get("mode") == "markers+text"]
    assert [len(trace["x"]) for trace in worldwide] == [2]
    notes = [annotation["text"] for annotation in spec["layout"]["annotations"]]
    assert any(note.startswith("601 official claims drawn one point per year") for note in notes)
    assert len(sent) < 30_000
    # The table (built when opened): 601 claims and 2 documented launches or openings, 500 shown.
    open_expander(app, CLAIMS_TABLE)
    captions = [caption.value for caption in app.main.caption]
    assert "Showing the first 500 of 603 rows (oldest first)." in " ".join(captions)
    table = next(frame.value for frame in app.main.dataframe if "Series (scope)" in frame.value.columns)
    assert len(table) == 500


def test_fixture_claims_table_is_whole_without_a_cap_note(open_page, mini_dir):
    app = open_expander(open_page("app.py", data_dir=mini_dir), CLAIMS_TABLE)
    assert not any("Showing the first" in caption.value for caption in app.main.caption)
    table = next(frame.value for frame in app.main.dataframe if "Series (scope)" in frame.value.columns)
    assert len(table) == 3
