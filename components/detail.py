"""The record detail panel (workshop, event or institution) shared by the map, timeline and explore pages."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import streamlit as st

from atlas import Atlas
from atlas.dates import format_partial, format_with_precision
from atlas.i18n import labelled, number, t
from atlas.localise import FALLBACK, TRANSLATION
from components.text import md_escape, md_link

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config.toml"
RECORD_TABLES = {"workshop": ("workshops", "workshop_id"), "event": ("events", "event_id"),
                 "institution": ("institutions", "institution_id")}


@lru_cache(maxsize=1)
def site_config() -> dict:
    with CONFIG_FILE.open("rb") as handle:
        return tomllib.load(handle)


def correction_url(kind: str, record: pd.Series, columns: list[str]) -> str:
    """A prefilled 'report a correction' link naming the record id and its current values."""
    record_id = record[RECORD_TABLES[kind][1]]
    subject = t("detail.correction_subject", record_id=record_id)
    lines = [f"{column}: {' | '.join(record[column]) if isinstance(record[column], tuple) else record[column]}"
             for column in columns]
    body = t("detail.correction_body", record_id=record_id) + "\n\n" + "\n".join(lines)
    return site_config()["corrections_url"].format(subject=quote(subject), body=quote(body[:1500]))


def find_record(atlas: Atlas, kind: str, record_id: str) -> pd.Series | None:
    table, key = RECORD_TABLES[kind]
    frame = atlas.table(table)
    # Positions first, then one row: a boolean mask over the frame would copy every column of the match.
    positions = np.flatnonzero(frame[key] == record_id)
    return frame.iloc[positions[0]] if len(positions) else None


def _source_lines(atlas: Atlas, source_ids: tuple[str, ...]) -> list[str]:
    # Only the cited rows, in citation order; indexing the whole sources table by id cost a copy per panel.
    cited = atlas.sources[atlas.sources["source_id"].isin(source_ids)].to_dict("records")
    by_id = {source["source_id"]: source for source in cited}
    lines = []
    for source in (by_id[source_id] for source_id in source_ids if source_id in by_id):
        label = source["title"] or source["url"]
        if source.get("title_en"):
            label = f"{label} [{source['title_en']}]"
        details = [md_escape(source["publisher"]), t(f"side.{source['side']}")]
        if source["published"]:
            details.append(md_escape(format_with_precision(source["published"], source["published_precision"])))
        elif source.get("accessed"):
            details.append(md_escape(t("detail.undated_accessed", date=format_partial(source["accessed"], long=True))))
        if source["is_mirror"]:
            original = source.get("canonical_url") or ""
            details.append(t("detail.mirror") + (f" ({md_link(t('detail.original_at'), original)})" if original else ""))
        if source.get("retrieval") == "not_found":
            details.append(t("detail.not_found_page"))
        lines.append(f"- {md_link(label, source['url'])} — {', '.join(details)}")
    return lines


def _draw_text_origin(record: pd.Series) -> None:
    """Say when the text shown is our translation or English standing in for one (never pass either as a source's)."""
    origins = {record.get(column) for column in ("title_origin", "summary_origin", "name_en_origin")}
    if FALLBACK in origins:
        st.caption(t("detail.english_fallback"))
    elif TRANSLATION in origins:
        st.caption(t("detail.our_translation"))


def _draw_sources_and_conflicts(atlas: Atlas, record: pd.Series) -> None:
    if record.get("conflict_note"):
        st.warning(labelled(f"**{t('detail.conflicts')}**", md_escape(record['conflict_note'])), icon=":material/difference:")
    if record.get("notes"):
        st.caption(md_escape(record["notes"]))
    st.markdown(f"**{t('detail.sources')}**")
    st.markdown("\n".join(_source_lines(atlas, record["source_ids"])) or t("detail.no_sources"))


def _draw_workshop(atlas: Atlas, record: pd.Series) -> None:
    st.subheader(md_escape(record["name_en"]))
    _draw_text_origin(record)
    facts = [
        (t("detail.status"), t(f"status.{record['status']}") + f" ({t('detail.as_of')} "
         + format_with_precision(record["status_as_of"], None) + ")"),
        (t("detail.host"), record["host_name"] or t("detail.not_named")),
        (t("detail.partners"), "; ".join(record["partner_names"]) or t("detail.not_named")),
        (t("detail.place"), f"{record['city']}, {record['country_name']} ({t('location.' + record['coord_precision'])})"),
        (t("detail.majors"), "; ".join(record["majors"])),
    ]
    if pd.notna(record["area_m2"]):
        facts.append((t("detail.area"), f"{number(round(record['area_m2']))} m² ({t('detail.as_of')} {format_partial(record['area_as_of'], long=True)})"))
    if pd.notna(record["students_trained"]):
        qualifier = t(f"detail.qualifier_{record['students_qualifier'] or 'exact'}")
        facts.append((t("detail.students"), f"{qualifier}{number(int(record['students_trained']))} ({t('detail.as_of')} {format_partial(record['students_as_of'], long=True)})"))
    if record["status_note"]:
        facts.append((t("detail.status_note"), record["status_note"]))
    st.markdown("\n".join("- " + labelled(f"**{label}**", md_escape(value)) for label, value in facts))
    milestones = atlas.events[atlas.events["workshop_id"] == record["workshop_id"]].sort_values("date_start")
    if not milestones.empty:
        st.markdown(f"**{t('detail.milestones')}**")
        st.dataframe(pd.DataFrame({
            t("detail.col_date"): [format_with_precision(d, p) for d, p in zip(milestones["date"], milestones["date_precision"])],
            t("detail.col_milestone"): [t(f"milestone.{m}") if m else "" for m in milestones["milestone"]],
            t("detail.col_what"): milestones["title"].to_list(),
            t("detail.col_sources"): [", ".join(ids) for ids in milestones["source_ids"]],
        }), hide_index=True, width="stretch")
    _draw_sources_and_conflicts(atlas, record)


def _draw_event(atlas: Atlas, record: pd.Series) -> None:
    st.subheader(md_escape(record["title"]))
    _draw_text_origin(record)
    place = record["place"] or t("detail.no_place")
    facts = [
        (t("detail.date"), format_with_precision(record["date"], record["date_precision"])
         + (f" — {record['date_note']}" if record["date_note"] else "")),
        (t("detail.category"), t(f"category.{record['category']}")
         + (f" · {t('milestone.' + record['milestone'])}" if record["milestone"] else "")),
        (t("detail.country"), record["country_name"]),
        # No place and no coordinates say the same thing once, not "place not stated (place not stated)".
        (t("detail.place"), f"{place} ({t('location.' + record['coord_precision'])})" if record["place"]
         or record["coord_precision"] != "none" else place),
        (t("detail.institutions"), "; ".join(record["institution_names"]) or "—"),
    ]
    if record["other_participants"]:
        facts.append((t("detail.participants"), record["other_participants"]))
    st.markdown("\n".join("- " + labelled(f"**{label}**", md_escape(value)) for label, value in facts))
    st.markdown(md_escape(record["summary"]))
    _draw_sources_and_conflicts(atlas, record)


def _draw_institution(atlas: Atlas, record: pd.Series) -> None:
    st.subheader(md_escape(record["name_en"]))
    published = find_record(atlas.original, "institution", record["institution_id"])
    other = dict.fromkeys(n for n in (published["name_en"], record["name_ru"], record["name_zh"]) if n and n != record["name_en"])
    names = " · ".join(other)
    facts = [
        (t("detail.other_names"), names or "—"),
        (t("detail.aliases"), "; ".join(record["aliases"]) or "—"),
        (t("detail.kind"), t(f"institution_kind.{record['kind']}")),
        (t("detail.place"), f"{record['city'] or '—'}, {record['country_name']} ({t('location.' + record['coord_precision'])})"),
    ]
    st.markdown("\n".join("- " + labelled(f"**{label}**", md_escape(value)) for label, value in facts))
    name_sources = tuple(dict.fromkeys(record.get("name_ru_source_ids", ()) + record.get("name_zh_source_ids", ())))
    if name_sources:
        st.caption(t("detail.name_sources", sources=", ".join(name_sources)))
    _draw_sources_and_conflicts(atlas, record)


def draw_detail(atlas: Atlas, kind: str, record_id: str) -> None:
    """Everything we know about one record, with its sources, conflicts and a correction link."""
    record = find_record(atlas, kind, record_id) if kind in RECORD_TABLES else None
    if record is None:
        st.info(t("detail.not_found", record_id=record_id))
        return
    {"workshop": _draw_workshop, "event": _draw_event, "institution": _draw_institution}[kind](atlas, record)
    table, _ = RECORD_TABLES[kind]
    columns = atlas.specs[table].field_names
    # The correction quotes the record as published, not the display copy's translated text.
    published = find_record(atlas.original, kind, record_id)
    st.link_button(t("detail.report_correction"), correction_url(kind, published, columns), icon=":material/edit_note:")
