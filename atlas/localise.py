"""The Atlas as shown in one language: names from sources that state them, our marked translations, English otherwise.

A localised Atlas is a display copy: its name and text columns (`name_en`, `title`, `summary`, `place`, `city`,
`country_name`, …) hold what a visitor reads in that language, while `Atlas.original` keeps the data as
published for downloads and the API. Rows, ids and order are unchanged, so a selection made on one is
valid on the other.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from atlas.i18n import DEFAULT_LANGUAGE, t
from atlas.load import Atlas

# Where a translated column's text came from, per row (column `<field>_origin` of the localised frames).
ORIGINAL = "original"          # the data's own text (English, or the language of the source)
SOURCE = "source"              # a name stated by a cited source in this language
TRANSLATION = "translation"    # our translation of our English text, marked as such
FALLBACK = "fallback"          # no text in this language yet: English shown, marked

# (table, field) pairs that translations.csv may carry, and the derived columns that repeat them.
TRANSLATED_FIELDS = {"events": ("title", "summary", "place"), "workshops": ("name_en", "city")}


def translations_for(atlas: Atlas, table: str, field: str, language: str) -> pd.DataFrame:
    """record_id -> (text, origin) of one field in one language, from translations.csv."""
    frame = atlas.translations
    if frame.empty:
        return pd.DataFrame({"text": pd.Series(dtype=str), "origin": pd.Series(dtype=str)})
    rows = frame[(frame["table"] == table) & (frame["field"] == field) & (frame["language"] == language)
                 & (frame["text"] != "")]
    return rows.drop_duplicates("record_id").set_index("record_id")[["text", "origin"]]


def _translated(atlas: Atlas, frame: pd.DataFrame, table: str, key: str, field: str, language: str,
                mark: str) -> tuple[pd.Series, pd.Series]:
    """The field's text in `language` and its origin; English with the fallback mark where nothing exists."""
    found = translations_for(atlas, table, field, language).reindex(frame[key])
    has = found["text"].notna().to_numpy() & (frame[field] != "").to_numpy()
    text = np.where(has, found["text"].fillna("").to_numpy(dtype=object),
                    (frame[field] + np.where(frame[field] != "", mark, "")).to_numpy(dtype=object))
    origin = np.where(has, np.where(found["origin"].fillna("") == "source", SOURCE, TRANSLATION),
                      np.where(frame[field] != "", FALLBACK, ORIGINAL))
    return pd.Series(text, index=frame.index, dtype=object).astype(str), pd.Series(origin, index=frame.index)


def _names(frame: pd.DataFrame, language: str) -> tuple[pd.Series, pd.Series]:
    """A name from the `name_<language>` column (source-stated) where present, else the English one."""
    column = f"name_{language}"
    if column not in frame.columns:
        return frame["name_en"], pd.Series(ORIGINAL, index=frame.index)
    has = (frame[column] != "").to_numpy()
    return (pd.Series(np.where(has, frame[column], frame["name_en"]), index=frame.index, dtype=object).astype(str),
            pd.Series(np.where(has, SOURCE, ORIGINAL), index=frame.index))


def place_names(atlas: Atlas, language: str) -> dict[str, str]:
    """English place name -> the same place in `language`, from the event places we translated."""
    events = atlas.events
    found = translations_for(atlas, "events", "place", language)
    if found.empty:
        return {}
    english = events.set_index("event_id")["place"].reindex(found.index)
    pairs = pd.DataFrame({"en": english.to_numpy(), "text": found["text"].to_numpy()}).dropna()
    pairs = pairs[pairs["en"] != ""]
    return dict(zip(pairs["en"], pairs["text"]))


def localise(atlas: Atlas, language: str) -> Atlas:
    """The display copy of `atlas` in `language` (the Atlas itself for English)."""
    if language == DEFAULT_LANGUAGE:
        return atlas
    mark = t("record.english_mark", language=language)
    countries = atlas.countries.copy()
    countries["name_en"], _ = _names(countries, language)
    country_name = countries.set_index("iso2")["name_en"]
    regional = t("region.regional", language=language)
    places = place_names(atlas, language)

    institutions = atlas.institutions.copy()
    institutions["name_en"], institutions["name_origin"] = _names(institutions, language)
    institutions["city"] = institutions["city"].map(lambda city: places.get(city, city))
    institutions["country_name"] = institutions["country"].map(country_name).fillna("")
    name_of = institutions.set_index("institution_id")["name_en"]

    def names(ids: pd.Series) -> pd.Series:
        return ids.map(lambda row: tuple(name_of.get(i, i) for i in row))

    events = atlas.events.copy()
    for field in TRANSLATED_FIELDS["events"]:
        events[field], events[f"{field}_origin"] = _translated(atlas, events, "events", "event_id", field,
                                                               language, "" if field == "place" else mark)
    events["country_name"] = events["country"].map(country_name).fillna(regional)
    events["institution_names"] = names(events["institution_ids"])

    workshops = atlas.workshops.copy()
    workshops["name_en"], workshops["name_en_origin"] = _translated(atlas, workshops, "workshops", "workshop_id",
                                                                    "name_en", language, mark)
    city, city_origin = _translated(atlas, workshops, "workshops", "workshop_id", "city", language, "")
    workshops["city"] = np.where(city_origin == FALLBACK, workshops["city"].map(lambda c: places.get(c, c)), city)
    workshops["country_name"] = workshops["country"].map(country_name)
    workshops["host_name"] = workshops["host_institution_id"].map(name_of).fillna("")
    workshops["partner_names"] = names(workshops["partner_institution_ids"])

    claims = atlas.claims.copy()
    claims["country_name"] = claims["country"].map(country_name).fillna("")
    return replace(atlas, countries=countries, institutions=institutions, events=events, workshops=workshops,
                   claims=claims, links=atlas.links, source_atlas=atlas.original)
