"""Slow, obvious reference versions of atlas.summaries functions: the tests check the fast ones against them."""

from __future__ import annotations

import pandas as pd

from atlas.i18n import t
from atlas.load import Atlas
from atlas.summaries import CONFLICT_TABLES, RECORD_TABLES, REGIONAL


def citation_counts(atlas: Atlas) -> pd.Series:
    """How many records (workshops, events, institutions, claims) cite each source; 0 for uncited sources."""
    cited = pd.concat([atlas.table(name)["source_ids"].explode() for name in RECORD_TABLES]).dropna()
    return cited.value_counts().reindex(atlas.sources["source_id"], fill_value=0).astype(int)


def sources_with_counts(atlas: Atlas) -> pd.DataFrame:
    """Every source with the number of records citing it, most cited first."""
    sources = atlas.sources.copy()
    sources["records"] = citation_counts(atlas).to_numpy()
    return sources.sort_values(["records", "source_id"], ascending=[False, True]).reset_index(drop=True)


def source_mix_by_country(atlas: Atlas) -> pd.DataFrame:
    """Distinct sources per country and side, from the workshops and events of each country (regional events as one row)."""
    frames = [atlas.workshops[["country", "source_ids"]], atlas.events[["country", "source_ids"]]]
    citations = pd.concat(frames).explode("source_ids").dropna(subset=["source_ids"]).drop_duplicates()
    side = atlas.sources.set_index("source_id")["side"]
    citations["side"] = citations["source_ids"].map(side)
    sides = list(atlas.specs["sources"].field("side").enum)
    mix = pd.crosstab(citations["country"], citations["side"]).reindex(columns=sides, fill_value=0)
    names = atlas.countries.set_index("iso2")["name_en"]
    order = [c for c in names.sort_values().index if c in mix.index] + ([REGIONAL] if REGIONAL in mix.index else [])
    mix = mix.reindex(order).fillna(0).astype(int)
    mix.index = [names.get(code, t("region.regional")) if code else t("region.regional") for code in mix.index]
    mix.index.name, mix.columns.name = "country", None
    mix["total"] = mix[sides].sum(axis=1)
    return mix


def conflicts(atlas: Atlas) -> pd.DataFrame:
    """Every record whose sources disagree (non-empty conflict_note), with the record it affects."""
    rows = []
    for table, (key, label) in CONFLICT_TABLES.items():
        frame = atlas.table(table)
        noted = frame[frame["conflict_note"].fillna("").str.strip() != ""]
        rows.append(pd.DataFrame({
            "table": table, "record_id": noted[key].to_numpy(), "name": noted[label].to_numpy(),
            "country_name": noted["country_name"].fillna("").to_numpy(),
            "conflict_note": noted["conflict_note"].to_numpy(),
            "source_ids": noted["source_ids"].map(" | ".join).to_numpy(),
        }))
    return pd.concat(rows, ignore_index=True)
