"""The record detail panel (workshop, event, institution, claim or source) shared by every page, with its permalink."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from atlas import Atlas, Filters
from atlas.dates import format_partial, format_with_precision
from atlas.i18n import DEFAULT_LANGUAGE, current_language, labelled, number, t
from atlas.localise import FALLBACK, TRANSLATION
from atlas.permalink import record_url
from atlas.records import RECORD_TABLES, find_in, record_kind
from components.filters import CANONICAL_KEY, close_record, linked_record
from components.text import md_escape, md_link

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config.toml"


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
    return find_in(atlas, kind, record_id)


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


def english_prose(text: str) -> str:
    """Data prose we hold only in English, marked as such on a Russian or Chinese page (never passed off as translated)."""
    return text + (t("record.english_mark") if text and current_language() != DEFAULT_LANGUAGE else "")


def _draw_sources_and_conflicts(atlas: Atlas, record: pd.Series) -> None:
    if record.get("conflict_note"):
        st.warning(labelled(f"**{t('detail.conflicts')}**", md_escape(english_prose(record['conflict_note']))),
                   icon=":material/difference:")
    if record.get("notes"):
        st.caption(md_escape(english_prose(record["notes"])))
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
        (t("detail.majors"), english_prose("; ".join(record["majors"]))),
    ]
    if pd.notna(record["area_m2"]):
        facts.append((t("detail.area"), f"{number(round(record['area_m2']))} m² ({t('detail.as_of')} {format_partial(record['area_as_of'], long=True)})"))
    if pd.notna(record["students_trained"]):
        qualifier = t(f"detail.qualifier_{record['students_qualifier'] or 'exact'}")
        facts.append((t("detail.students"), f"{qualifier}{number(int(record['students_trained']))} ({t('detail.as_of')} {format_partial(record['students_as_of'], long=True)})"))
    if record["status_note"]:
        facts.append((t("detail.status_note"), english_prose(record["status_note"])))
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


def _draw_claim(atlas: Atlas, record: pd.Series) -> None:
    st.subheader(md_escape(record["subject"]))
    facts = [
        (t("explore.col.value_as_stated"), " ".join(v for v in (record["value_as_stated"], record["unit"]) if v)),
        (t("explore.col.scope"), record["scope"] + (f" · {record['country_name']}" if record["country_name"] else "")),
        (t("explore.col.as_of"), format_with_precision(record["as_of"], record["as_of_precision"])),
        (t("explore.col.claimed_by"), record["claimed_by"]),
    ]
    if record["workshop_id"]:
        facts.append((t("explore.col.workshop_id"), record["workshop_id"]))
    st.markdown("\n".join(f"- **{label}**: {md_escape(value)}" for label, value in facts))
    _draw_sources_and_conflicts(atlas, record)


def _draw_source(atlas: Atlas, record: pd.Series) -> None:
    st.subheader(md_escape(record["title"] or record["publisher"] or record["source_id"]))
    st.markdown("\n".join(_source_lines(atlas, (record["source_id"],))))
    if record.get("notes"):
        st.caption(md_escape(record["notes"]))


def record_link(record_id: str) -> str:
    """This page's address with the current filters, opened on the record (relative when the URL is unknown)."""
    return record_url(st.context.url, st.session_state.get(CANONICAL_KEY) or Filters(), record_id)


def record_page_url(record_id: str) -> str:
    """The record's citable plain-HTTP page on this server (/record/<id>, readable without JavaScript)."""
    parts = urlsplit(st.context.url or "")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return f"{origin}/record/{quote(record_id, safe='')}"


def _draw_record_links(record_id: str) -> None:
    # st.code gives a copy button and shows the address literally (the same box as Explore's view link).
    st.caption(t("record.copy_link"))
    st.code(record_link(record_id), language=None, wrap_lines=True)
    st.markdown(md_link(t("record.citable_page"), record_page_url(record_id))
                if record_page_url(record_id).startswith("http") else md_escape(record_page_url(record_id)))


def draw_detail(atlas: Atlas, kind: str, record_id: str) -> None:
    """Everything we know about one record, with its sources, conflicts, its permalink and a correction link."""
    record = find_record(atlas, kind, record_id) if kind in RECORD_TABLES else None
    if record is None:
        st.info(t("detail.not_found", record_id=record_id))
        return
    {"workshop": _draw_workshop, "event": _draw_event, "institution": _draw_institution, "claim": _draw_claim,
     "source": _draw_source}[kind](atlas, record)
    _draw_record_links(record_id)
    table, _ = RECORD_TABLES[kind]
    columns = atlas.specs[table].field_names
    # The correction quotes the record as published, not the display copy's translated text.
    published = find_record(atlas.original, kind, record_id)
    st.link_button(t("detail.report_correction"), correction_url(kind, published, columns), icon=":material/edit_note:")


def draw_linked_record(atlas: Atlas) -> None:
    """The record a shared link opened (`?record=<id>`), above the page, until the visitor closes it."""
    record_id = linked_record()
    if not record_id:
        return
    kind = record_kind(atlas, record_id)
    with st.container(border=True, key="linked_record"):
        st.caption(t("record.opened_from_link", record_id=md_escape(record_id)))
        if kind is None:
            st.info(t("detail.not_found", record_id=record_id))
        else:
            draw_detail(atlas, kind, record_id)
        st.button(t("record.close"), on_click=close_record, icon=":material/close:", key="linked_record_close")
