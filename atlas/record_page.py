"""Server-rendered HTML for one record (`/record/<id>`) and the dataset (`/dataset`): readable without JavaScript,
citable, with schema.org JSON-LD; every value passes through atlas.escape.html_escape (no Streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

import pandas as pd

from atlas.dates import format_with_precision
from atlas.escape import html_escape as h
from atlas.escape import html_link, is_web_url, json_for_script
from atlas.export import EXPORT_TABLES, citation_text
from atlas.i18n import DEFAULT_LANGUAGE, language_names, number, t
from atlas.load import Atlas
from atlas.records import RECORD_TABLES, find_in, find_record

SCHEMA_TYPES = {"workshop": "EducationalOrganization", "event": "Event", "institution": "Organization",
                "claim": "Claim", "source": "CreativeWork"}
# The download formats the Explore page offers, each also a plain URL under /api/v1/ (see http_routes).
DOWNLOAD_FORMATS = {"zip": "application/zip", "csv": "text/csv",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "json": "application/json", "geojson": "application/geo+json"}
STYLE = """body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
color:#1b1b1b}a{color:#005a8c}dt{font-weight:600;margin-top:.5rem}dd{margin-left:1rem}
.conflict{border-left:4px solid #d55e00;padding:.25rem .75rem;background:#fff4ec}
.cite{border:1px solid #ccc;padding:.5rem .75rem;background:#f7f7f7;font-family:ui-monospace,monospace;
white-space:pre-wrap}nav{font-size:.9rem;margin-bottom:1rem}small{color:#555}"""


@dataclass(frozen=True)
class Page:
    """An HTML page and its HTTP status."""
    html: str
    status: int = 200


def _name(kind: str, record: pd.Series) -> str:
    if kind in ("workshop", "institution"):
        return record["name_en"]
    if kind == "event":
        return record["title"]
    if kind == "claim":
        return record["subject"]
    return record.get("title") or record["publisher"] or record["source_id"]


def record_path(record_id: str, language: str = DEFAULT_LANGUAGE) -> str:
    return f"/record/{quote(record_id, safe='')}" + (f"?lang={language}" if language != DEFAULT_LANGUAGE else "")


def app_path(record_id: str, language: str = DEFAULT_LANGUAGE) -> str:
    params = {"record": record_id, **({"lang": language} if language != DEFAULT_LANGUAGE else {})}
    return "/?" + urlencode(params)


def _link_to_record(record_id: str, label: str, language: str) -> str:
    return f'<a href="{h(record_path(record_id, language))}">{h(label)}</a>'


def _english_prose(text: str, language: str) -> str:
    """Data prose we hold only in English: marked as English on a Russian or Chinese page, never passed off as translated."""
    if language == DEFAULT_LANGUAGE:
        return h(text)
    return f'<span lang="en">{h(text)}</span>{h(t("record.english_mark", language))}'


def _date(value: str, precision: str | None, language: str) -> str:
    return format_with_precision(value, precision, language)


def source_citation(source: dict, language: str) -> str:
    """One source as a full citation in HTML: publisher, “title” [English title], date or n.d. + accessed, link,
    and for a mirror copy the original's address."""
    parts = [h(source.get("publisher") or t("export.no_publisher", language))]
    if source.get("title"):
        title = f"“{h(source['title'])}”"
        if source.get("title_en"):
            title += f" [{h(source['title_en'])}]"
        parts.append(title)
    if source.get("published"):
        parts.append(h(_date(source["published"], source.get("published_precision"), language)))
    elif source.get("accessed"):
        parts.append(h(t("detail.undated_accessed", language, date=source["accessed"])))
    else:
        parts.append(h(t("record_page.no_date", language)))
    parts.append(h(t(f"side.{source['side']}", language)))
    line = ", ".join(parts) + ". " + html_link(source["url"], source["url"])
    if source.get("is_mirror"):
        original = source.get("canonical_url") or ""
        line += " — " + h(t("detail.mirror", language))
        if original:
            line += " → " + h(t("detail.original_at", language)) + ": " + html_link(original, original)
    if source.get("retrieval") == "not_found":
        line += " — " + h(t("detail.not_found_page", language))
    return f'<li id="{h(source["source_id"])}"><small>[{h(source["source_id"])}]</small> {line}</li>'


def _facts(atlas: Atlas, kind: str, record: pd.Series, language: str) -> list[tuple[str, str]]:
    """(label, HTML value) pairs of one record; values are escaped here, links built by the helpers above."""
    def label(key: str) -> str:
        return t(key, language)

    def place(city: str, country: str, precision: str) -> str:
        where = ", ".join(p for p in (city, country) if p) or label("detail.no_place")
        return h(f"{where} ({t('location.' + precision, language)})")

    def institutions(ids: tuple[str, ...], names: tuple[str, ...]) -> str:
        return "; ".join(_link_to_record(i, n, language) for i, n in zip(ids, names)) or "—"

    facts: list[tuple[str, str]] = []
    if kind == "workshop":
        facts += [
            (label("detail.status"), h(t(f"status.{record['status']}", language) + f" ({label('detail.as_of')} "
                                       + _date(record["status_as_of"], None, language) + ")")),
            (label("detail.host"), _link_to_record(record["host_institution_id"], record["host_name"], language)
             if record["host_institution_id"] else h(label("detail.not_named"))),
            (label("detail.partners"), institutions(record["partner_institution_ids"], record["partner_names"])),
            (label("detail.place"), place(record["city"], record["country_name"], record["coord_precision"])),
            (label("detail.majors"), _english_prose("; ".join(record["majors"]), language) if record["majors"] else "—"),
        ]
        if pd.notna(record["area_m2"]):
            facts.append((label("detail.area"), h(f"{number(record['area_m2'], language)} m² "
                                                  f"({label('detail.as_of')} {_date(record['area_as_of'], None, language)})")))
        if pd.notna(record["students_trained"]):
            qualifier = t(f"detail.qualifier_{record['students_qualifier'] or 'exact'}", language)
            facts.append((label("detail.students"), h(f"{qualifier}{number(int(record['students_trained']), language)}"
                                                      f" ({label('detail.as_of')} {_date(record['students_as_of'], None, language)})")))
        if record["status_note"]:
            facts.append((label("detail.status_note"), _english_prose(record["status_note"], language)))
        milestones = atlas.events[atlas.events["workshop_id"] == record["workshop_id"]].sort_values("date_start")
        if not milestones.empty:
            items = "".join(
                f"<li>{h(_date(e.date, e.date_precision, language))}"
                + (f" — {h(t('milestone.' + e.milestone, language))}" if e.milestone else "")
                + f": {_link_to_record(e.event_id, e.title, language)}</li>"
                for e in milestones.itertuples())
            facts.append((label("detail.milestones"), f"<ul>{items}</ul>"))
    elif kind == "event":
        when = _date(record["date"], record["date_precision"], language)
        facts += [
            (label("detail.date"), h(when + (f" — {record['date_note']}" if record["date_note"] else ""))),
            (label("detail.category"), h(t(f"category.{record['category']}", language)
                                         + (f" · {t('milestone.' + record['milestone'], language)}"
                                            if record["milestone"] else ""))),
            (label("detail.country"), h(record["country_name"])),
            (label("detail.place"), place(record["place"], "", record["coord_precision"])),
            (label("detail.institutions"), institutions(record["institution_ids"], record["institution_names"])),
        ]
        if record["workshop_id"]:
            workshop = find_in(atlas, "workshop", record["workshop_id"])
            name = workshop["name_en"] if workshop is not None else record["workshop_id"]
            facts.append((t("explore.col.workshop", language), _link_to_record(record["workshop_id"], name, language)))
        if record["other_participants"]:
            facts.append((label("detail.participants"), h(record["other_participants"])))
        if record["summary"]:
            facts.append((label("record_page.summary"), h(record["summary"])))
    elif kind == "institution":
        names = dict.fromkeys(n for n in (record["name_en"], record["name_ru"], record["name_zh"]) if n)
        facts += [
            (label("detail.other_names"), h(" · ".join(names)) or "—"),
            (label("detail.aliases"), h("; ".join(record["aliases"])) or "—"),
            (label("detail.kind"), h(t(f"institution_kind.{record['kind']}", language))),
            (label("detail.place"), place(record["city"], record["country_name"], record["coord_precision"])),
        ]
    elif kind == "claim":
        facts += [
            (t("explore.col.value_as_stated", language), h(" ".join(v for v in (record["value_as_stated"], record["unit"])
                                                                 if v))),
            (t("explore.col.scope", language), h(record["scope"] + (f" · {record['country_name']}"
                                                                    if record["country_name"] else ""))),
            (t("explore.col.as_of", language), h(_date(record["as_of"], record["as_of_precision"], language))),
            (t("explore.col.claimed_by", language), h(record["claimed_by"])),
        ]
        if record["workshop_id"]:
            facts.append((t("explore.col.workshop", language),
                          _link_to_record(record["workshop_id"], record["workshop_id"], language)))
    elif kind == "source":
        citing = citing_records(atlas, record["source_id"])
        facts.append((t("record_page.cited_by", language),
                      "; ".join(_link_to_record(i, i, language) for i in citing) or "—"))
    return facts


def citing_records(atlas: Atlas, source_id: str) -> list[str]:
    """Ids of every record that cites a source, table by table in id order."""
    found: list[str] = []
    for table in ("workshops", "events", "institutions", "claims"):
        frame = atlas.table(table)
        key = RECORD_TABLES[{"workshops": "workshop", "events": "event", "institutions": "institution",
                             "claims": "claim"}[table]][1]
        cites = frame["source_ids"].map(lambda ids: source_id in ids).to_numpy(dtype=bool)
        found += sorted(frame.loc[cites, key])
    return found


def record_citation(atlas: Atlas, kind: str, record: pd.Series, url: str, today: date, language: str) -> str:
    """'Luban Atlas contributors (2026). “Name” (EV-012). In: <dataset citation> <url> (accessed …).'"""
    record_id = record[RECORD_TABLES[kind][1]]
    return t("record_page.citation", language, name=_name(kind, record), record_id=record_id,
             dataset=citation_text(atlas), url=url, accessed=today.isoformat())


def _jsonld(atlas: Atlas, kind: str, record: pd.Series, url: str, base_url: str, sources: list[dict]) -> dict:
    record_id = record[RECORD_TABLES[kind][1]]
    document = {
        "@context": "https://schema.org", "@type": SCHEMA_TYPES[kind], "@id": url, "url": url,
        "identifier": record_id, "name": _name(kind, record),
        "isPartOf": {"@type": "Dataset", "name": atlas.package.get("title", ""), "version": atlas.version,
                     "url": f"{base_url}/dataset",
                     "license": next((lic.get("path") for lic in atlas.package.get("licenses", [])), "")},
        "citation": [{"@type": "CreativeWork", "url": s["url"], "name": s.get("title") or s["url"],
                      "publisher": s.get("publisher", ""), **({"datePublished": s["published"]}
                                                               if s.get("published") else {})}
                     for s in sources],
    }
    if kind == "event" and record["date"]:
        document["startDate"] = record["date"]
        if record["place"]:
            document["location"] = {"@type": "Place", "name": record["place"]}
    if kind in ("workshop", "institution") and pd.notna(record.get("lat")) and pd.notna(record.get("lon")):
        document["location"] = {"@type": "Place", "name": record.get("city", ""),
                                "geo": {"@type": "GeoCoordinates", "latitude": record["lat"],
                                        "longitude": record["lon"]}}
    if kind == "source":
        document["url"] = url
        document["sameAs"] = record["url"]
    return document


def _language_links(path_of, language: str) -> str:
    links = []
    for code, name in language_names().items():
        links.append(h(name) if code == language else f'<a href="{h(path_of(code))}" lang="{h(code)}">{h(name)}</a>')
    return " · ".join(links)


def _document(title: str, body: str, language: str, jsonld: dict | None = None) -> str:
    script = (f'<script type="application/ld+json">\n{json_for_script(jsonld)}\n</script>\n' if jsonld else "")
    return (f'<!DOCTYPE html>\n<html lang="{h(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{h(title)}</title>\n'
            f"<style>{STYLE}</style>\n{script}</head>\n<body>\n{body}\n</body>\n</html>\n")


def render_record(atlas: Atlas, record_id: str, base_url: str, language: str, today: date | None = None) -> Page:
    """The citable page of one record in `language` (atlas: the display copy in that language), or a 404 page."""
    today = today or date.today()
    found = find_record(atlas, record_id)
    if found is None:
        return render_not_found(record_id, language)
    kind, record = found
    url = f"{base_url}{record_path(record_id)}"
    name = _name(kind, record)
    cited_ids = (record["source_id"],) if kind == "source" else tuple(record["source_ids"])
    by_id = {s["source_id"]: s for s in atlas.sources[atlas.sources["source_id"].isin(cited_ids)].to_dict("records")}
    sources = [by_id[i] for i in cited_ids if i in by_id]
    facts = "".join(f"<dt>{h(label)}</dt><dd>{value}</dd>" for label, value in _facts(atlas, kind, record, language))
    conflict = record.get("conflict_note") or ""
    notes = record.get("notes") or ""
    body = [
        f'<nav><a href="/">{h(t("app.title", language))}</a> · <a href="{h("/dataset" + _lang_query(language))}">'
        f'{h(t("record_page.dataset_link", language))}</a> · {_language_links(lambda c: record_path(record_id, c), language)}'
        "</nav>",
        f"<header><small>{h(t('record_page.kind.' + kind, language))} · {h(record_id)}</small>",
        f"<h1>{h(name)}</h1></header>",
        f"<dl>{facts}</dl>",
    ]
    if conflict:
        body.append(f'<section class="conflict"><h2>{h(t("detail.conflicts", language))}</h2><p>{_english_prose(conflict, language)}</p>'
                    "</section>")
    if notes:
        body.append(f"<p><small>{h(t('record_page.notes', language))}: {_english_prose(notes, language)}</small></p>")
    heading = t("record_page.sources_heading", language) if kind != "source" else t("record_page.citation_heading",
                                                                                    language)
    items = "".join(source_citation(s, language) for s in sources)
    body.append(f"<section><h2>{h(heading)}</h2><ol>{items}</ol></section>" if items
                else f"<p>{h(t('detail.no_sources', language))}</p>")
    body.append(f'<section><h2>{h(t("record_page.how_to_cite", language))}</h2>'
                f'<p class="cite" id="citation">{h(record_citation(atlas, kind, record, url, today, language))}</p>'
                f"<p><small>{h(t('record_page.cite_sources_too', language))}</small></p></section>")
    body.append(f'<p><a href="{h(app_path(record_id, language))}">{h(t("record_page.open_in_app", language))}</a>'
                f' · <a href="{h(record_path(record_id, language))}">{h(t("record_page.permalink", language))}</a>: '
                f"<code>{h(url)}</code></p>")
    body.append(f"<footer><small>{h(t('record_page.footer', language, version=atlas.version, date=atlas.last_updated))}"
                "</small></footer>")
    jsonld = _jsonld(atlas.original, kind, find_in(atlas.original, kind, record_id), url, base_url, sources)
    return Page(_document(f"{name} · {t('app.title', language)}", "\n".join(body), language, jsonld))


def _lang_query(language: str) -> str:
    return f"?lang={language}" if language != DEFAULT_LANGUAGE else ""


def render_not_found(record_id: str, language: str) -> Page:
    body = (f'<nav><a href="/">{h(t("app.title", language))}</a></nav>'
            f"<h1>{h(t('record_page.not_found_title', language))}</h1>"
            f"<p>{h(t('record_page.not_found_body', language, record_id=record_id[:80]))}</p>"
            f'<p><a href="/dataset{h(_lang_query(language))}">{h(t("record_page.dataset_link", language))}</a></p>')
    return Page(_document(t("record_page.not_found_title", language), body, language), status=404)


def render_message(title: str, lines: list[str], language: str, status: int) -> Page:
    """A plain page for an error (bad data, a server fault): title and lines, all escaped."""
    body = f"<h1>{h(title)}</h1>" + "".join(f"<p>{h(line)}</p>" for line in lines)
    return Page(_document(title, body, language), status=status)


# ---------------------------------------------------------------- the dataset

def dataset_jsonld(atlas: Atlas, base_url: str) -> dict:
    """schema.org Dataset: version, licence, temporal and spatial coverage, a distribution per download format."""
    low, high = atlas.year_bounds
    central = atlas.countries[atlas.countries["region"] == "central_asia"]
    licence = next((lic.get("path") for lic in atlas.package.get("licenses", [])), "")
    return {
        "@context": "https://schema.org", "@type": "Dataset", "@id": f"{base_url}/dataset",
        "name": atlas.package.get("title", ""), "description": atlas.package.get("description", ""),
        "url": f"{base_url}/dataset", "version": atlas.version, "dateModified": atlas.last_updated,
        "license": licence, "isAccessibleForFree": True,
        "creator": [{"@type": "Organization", "name": c.get("title", "")}
                    for c in atlas.package.get("contributors", [])],
        "citation": citation_text(atlas),
        "temporalCoverage": f"{low}/{high}",
        "spatialCoverage": [{"@type": "Place", "name": name, "identifier": iso2}
                            for iso2, name in zip(central["iso2"], central["name_en"])],
        "variableMeasured": list(EXPORT_TABLES),
        "distribution": [{"@type": "DataDownload", "encodingFormat": mime,
                          "contentUrl": f"{base_url}/api/v1/download.{fmt}"} for fmt, mime in DOWNLOAD_FORMATS.items()]
        + [{"@type": "DataDownload", "encodingFormat": "text/csv", "name": table,
            "contentUrl": f"{base_url}/api/v1/{table}.csv"} for table in EXPORT_TABLES],
    }


def render_dataset(atlas: Atlas, base_url: str, language: str) -> Page:
    """/dataset: what the dataset is, its version and licence, where to get it, how to cite it, and its JSON-LD."""
    document = dataset_jsonld(atlas, base_url)
    low, high = atlas.year_bounds
    counts = "".join(f"<li><a href=\"/api/v1/{name}.json\"><code>{name}</code></a>: "
                     f"{h(number(len(atlas.table(name)), language))}</li>" for name in EXPORT_TABLES)
    downloads = "".join(f'<li><a href="/api/v1/download.{fmt}">{h(t("explore.downloads.format_name." + fmt, language))}'
                        f"</a> <small><code>/api/v1/download.{fmt}</code></small></li>" for fmt in DOWNLOAD_FORMATS)
    licence = ", ".join(html_link(lic.get("title") or lic.get("name", ""), lic.get("path", ""))
                        for lic in atlas.package.get("licenses", []))
    body = "\n".join([
        f'<nav><a href="/">{h(t("app.title", language))}</a> · '
        f'{_language_links(lambda c: "/dataset" + _lang_query(c), language)}</nav>',
        f"<h1>{h(atlas.package.get('title', ''))}</h1>",
        f"<p>{h(atlas.package.get('description', ''))}</p>",
        "<dl>",
        f"<dt>{h(t('export.fact.version', language))}</dt><dd>{h(atlas.version)} ({h(atlas.last_updated)})</dd>",
        f"<dt>{h(t('export.fact.licence', language))}</dt><dd>{licence}</dd>",
        f"<dt>{h(t('record_page.temporal', language))}</dt><dd>{low}–{high}</dd>",
        f"<dt>{h(t('record_page.spatial', language))}</dt>"
        f"<dd>{h(', '.join(p['name'] for p in document['spatialCoverage']))}</dd>",
        "</dl>",
        f"<h2>{h(t('record_page.tables', language))}</h2><ul>{counts}</ul>",
        f"<h2>{h(t('explore.downloads.heading', language))}</h2><ul>{downloads}</ul>",
        f"<h2>{h(t('explore.cite.heading', language))}</h2><p class=\"cite\">{h(citation_text(atlas))}</p>",
        f"<p><small>{h(t('record_page.api_note', language))}</small></p>",
    ])
    if is_web_url(base_url):
        body += f"\n<p><code>{h(base_url)}/dataset</code></p>"
    return Page(_document(f"{atlas.package.get('title', '')} · {t('record_page.dataset_link', language)}", body,
                          language, document))
