"""apply_filters follows links by row position (atlas/links.py): it must select exactly what plain id sets select."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from atlas import Filters, apply_filters, load_atlas
from atlas.links import build_links, follow
from atlas.load import normalise_text
from helpers import REPO

TABLES = ("workshops", "events", "institutions", "claims", "sources")


def reference_selection(atlas, filters: Filters) -> dict[str, set[str]]:
    """The filter rules written the slow, obvious way: row by row with Python sets of ids."""
    terms = normalise_text(pd.Series([filters.text])).iloc[0].split()

    def text_ok(row) -> bool:
        return all(term in row["search_text"] for term in terms)

    def years_ok(start, end) -> bool:
        if not filters.has_year_range:
            return True
        if pd.isna(start):
            return False
        low = -10_000 if filters.year_min is None else filters.year_min
        high = 10_000 if filters.year_max is None else filters.year_max
        return start <= high and end >= low

    events = list(atlas.events.to_dict("records"))
    in_range_workshops = {e["workshop_id"] for e in events if e["workshop_id"] and years_ok(e["year_start"], e["year_end"])}
    status_of = dict(zip(atlas.workshops["workshop_id"], atlas.workshops["status"]))
    workshops = [w for w in atlas.workshops.to_dict("records")
                 if (not filters.countries or w["country"] in filters.countries)
                 and (not filters.statuses or w["status"] in filters.statuses)
                 and (not filters.categories or "luban_workshop" in filters.categories)
                 and (not filters.has_year_range or w["workshop_id"] in in_range_workshops)
                 and text_ok(w)]
    workshop_ids = {w["workshop_id"] for w in workshops}

    def event_ok(e) -> bool:
        if filters.countries and e["country"] not in filters.countries and not (filters.include_regional and e["country"] == ""):
            return False
        if not filters.include_regional and e["country"] == "":
            return False
        if not years_ok(e["year_start"], e["year_end"]):
            return False
        if filters.categories and e["category"] not in filters.categories:
            return False
        if filters.statuses and e["workshop_id"] and status_of.get(e["workshop_id"]) not in filters.statuses:
            return False
        return not filters.text or text_ok(e) or e["workshop_id"] in workshop_ids

    chosen_events = [e for e in events if event_ok(e)]
    involved = ({i for w in workshops for i in w["partner_institution_ids"]} | {w["host_institution_id"] for w in workshops}
                | {i for e in chosen_events for i in e["institution_ids"]})
    institutions = [i for i in atlas.institutions.to_dict("records")
                    if i["institution_id"] in involved
                    or (filters.text and (not filters.countries or i["country"] in filters.countries) and text_ok(i))]
    claims = [c for c in atlas.claims.to_dict("records")
              if years_ok(c["year"], c["year"])
              and (not filters.countries or c["country"] in filters.countries or c["country"] == "")
              and (not filters.statuses or not c["workshop_id"] or status_of.get(c["workshop_id"]) in filters.statuses)
              and (not filters.text or text_ok(c) or c["workshop_id"] in workshop_ids)]
    cited = {s for rows in (workshops, chosen_events, institutions, claims) for row in rows for s in row["source_ids"]}
    return {"workshops": workshop_ids, "events": {e["event_id"] for e in chosen_events},
            "institutions": {i["institution_id"] for i in institutions}, "claims": {c["claim_id"] for c in claims},
            "sources": set(atlas.sources["source_id"]) & cited}


def random_filters(seed: int) -> Filters:
    rng = random.Random(seed)
    return Filters(
        countries=tuple(rng.sample(["KZ", "KG", "TJ", "TM", "UZ", "CN"], rng.randint(0, 3))),
        year_min=rng.choice([None, 2009, 2021, 2024]), year_max=rng.choice([None, 2019, 2023, 2026]),
        statuses=tuple(rng.sample(["operating", "launched", "announced", "partially_operating"], rng.randint(0, 2))),
        categories=tuple(rng.sample(["luban_workshop", "confucius_institute", "agreement", "forum"], rng.randint(0, 2))),
        text=rng.choice(["", "", "university", "tianjin", "Алматы", "ektu hydropower", "no-such-word"]),
        include_regional=rng.random() < 0.7)


@pytest.fixture(scope="module")
def atlases(tmp_path_factory):
    from helpers import build_dataset
    return {"mini": load_atlas(build_dataset(tmp_path_factory.mktemp("links") / "mini")), "real": load_atlas(REPO / "data")}


# Seeded random combinations of every filter (about 1 in 3 has a search term, 1 in 4 excludes regional events).
@pytest.mark.parametrize(("dataset", "seed"), list(itertools.product(["mini", "real"], range(40))))
def test_selection_matches_the_row_by_row_reference(atlases, dataset, seed):
    atlas, filters = atlases[dataset], random_filters(seed)
    selection = apply_filters(atlas, filters)
    expected = reference_selection(atlas, filters)
    id_columns = {"workshops": "workshop_id", "events": "event_id", "institutions": "institution_id",
                  "claims": "claim_id", "sources": "source_id"}
    for table in TABLES:
        assert set(selection.table(table)[id_columns[table]]) == expected[table], (table, filters)


def test_links_ignore_empty_and_unknown_ids():
    # The validator reports unknown ids; the links must still be built (as "no link") rather than crash or point anywhere.
    tables = {
        "workshops": pd.DataFrame({"workshop_id": ["W1", "W2"], "host_institution_id": ["I1", "I9"],
                                   "partner_institution_ids": [("I2", "I9"), ()], "source_ids": [("S1",), ("S9",)]}),
        "events": pd.DataFrame({"workshop_id": ["W2", "", "W9"], "institution_ids": [(), ("I1",), ()],
                                "source_ids": [("S1",), (), ()]}),
        "institutions": pd.DataFrame({"institution_id": ["I1", "I2"], "source_ids": [("S1",), ()]}),
        "claims": pd.DataFrame({"workshop_id": ["", "W1"], "source_ids": [(), ("S1",)]}),
        "sources": pd.DataFrame({"source_id": ["S1"]}),
    }
    links = build_links(tables)
    assert links.scalars[("events", "workshop_id")].tolist() == [1, -1, -1]
    assert links.scalars[("workshops", "host_institution_id")].tolist() == [0, -1]
    partners = links.lists[("workshops", "partner_institution_ids")]
    assert (partners.rows.tolist(), partners.targets.tolist()) == ([0], [1])
    assert partners.targets_of(np.array([True, False]), 2).tolist() == [False, True]
    assert partners.targets_of(np.array([False, True]), 2).tolist() == [False, False]
    assert follow(links.scalars[("events", "workshop_id")], np.array([False, True])).tolist() == [True, False, False]
