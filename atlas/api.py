"""The read-only data API's logic (no HTTP here): query strings validated like the app's links, pages of a table
as JSON or CSV with the dataset's version and licence, and download files from the same export builders."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from atlas.export import (DOWNLOAD_FORMATS, EXPORT_TABLES, MIME_TYPES, citation_text, download_builder, export_frame,
                          file_name, filters_sentence, to_csv_bytes)
from atlas.filters import Filters, Selection, apply_filters
from atlas.i18n import DEFAULT_LANGUAGE, language_context, language_names, t
from atlas.load import Atlas
from atlas.permalink import MAX_SHOWN_VALUE_LENGTH, PARAM_NAMES, link_choices, parse_params, to_params, to_query_string

API_PREFIX = "/api/v1"
# A page holds at most MAX_LIMIT rows: no answer is unbounded, whatever the dataset grows to. The default is the
# Explore page's table size, so a view of the curated data comes back whole.
DEFAULT_LIMIT = 500
MAX_LIMIT = 5_000
MAX_OFFSET = 10**9
PAGING_PARAMS = ("limit", "offset", "page")
# `search` is the API's readable name for the app's `q`.
FILTER_ALIASES = {"search": "q"}
TABLE_PARAMS = PARAM_NAMES + tuple(FILTER_ALIASES) + ("lang",) + PAGING_PARAMS
DOWNLOAD_PARAMS = PARAM_NAMES + tuple(FILTER_ALIASES) + ("lang", "table")
TABLE_FORMATS = {"json": "application/json", "csv": "text/csv"}


class ApiError(Exception):
    """A request the API refuses: HTTP status, the parameter at fault (if any) and a message in the asked language."""

    def __init__(self, status: int, message: str, parameter: str | None = None, errors: Sequence[dict] = ()):
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter
        self.errors = list(errors) or [{"parameter": parameter, "message": message}]

    def body(self) -> dict:
        return {"error": self.message, "parameter": self.parameter, "errors": self.errors, "status": self.status}


@dataclass(frozen=True)
class ApiQuery:
    """A validated request: the filters (as the app would read the same link), language, and paging."""
    filters: Filters
    language: str = DEFAULT_LANGUAGE
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    table: str = EXPORT_TABLES[0]
    extra: dict = field(default_factory=dict)


def _shown(value: str) -> str:
    return value[:MAX_SHOWN_VALUE_LENGTH]


def _grouped(items: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        if name:   # '?=x' or '?a=1&=&' carries no parameter at all
            grouped.setdefault(name, []).append(value)
    return grouped


def _single(name: str, values: list[str], language: str) -> str:
    if len(values) > 1:
        raise ApiError(400, t("api.repeated", language, param=name), name)
    return values[0].strip()


def _whole_number(name: str, values: list[str], low: int, high: int, language: str) -> int:
    text = _single(name, values, language)
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not low <= int(text) <= high:
        raise ApiError(400, t("api.bad_number", language, param=name, value=_shown(text), low=low, high=high), name)
    return int(text)


def parse_language(values: list[str] | None) -> str:
    """lang= of a request: one of the atlas's languages; anything else is an ApiError naming `lang`."""
    if not values:
        return DEFAULT_LANGUAGE
    value = _single("lang", values, DEFAULT_LANGUAGE).lower()
    if value not in language_names():
        raise ApiError(400, t("api.bad_language", DEFAULT_LANGUAGE, value=_shown(value),
                              offered=", ".join(language_names())), "lang")
    return value


def parse_query(atlas: Atlas, items: Sequence[tuple[str, str]], accepted: Sequence[str] = TABLE_PARAMS) -> ApiQuery:
    """Validate a query string (as (name, value) pairs) with the app's link rules; raise ApiError on any fault.

    The app ignores what it cannot use and says so beside the page; a program gets no page to read, so every
    fault the app would mention is an HTTP 400 here, naming the parameter."""
    given = _grouped(items)
    language = parse_language(given.get("lang"))
    unknown = [name for name in given if name not in accepted]
    if unknown:
        raise ApiError(400, t("api.unknown_param", language, param=_shown(unknown[0]),
                              accepted=", ".join(accepted)), _shown(unknown[0]))
    for alias, name in FILTER_ALIASES.items():
        if alias in given:
            if name in given:
                raise ApiError(400, t("api.alias_twice", language, alias=alias, param=name), alias)
            given[name] = given.pop(alias)
    link = {name: values for name, values in given.items() if name in PARAM_NAMES}
    filters, notices = parse_params(link, **link_choices(atlas))
    if notices:
        errors = [{"parameter": notice.param or None, "message": notice.render(language=language)}
                  for notice in notices]
        raise ApiError(400, errors[0]["message"], errors[0]["parameter"], errors)
    limit = _whole_number("limit", given["limit"], 1, MAX_LIMIT, language) if "limit" in given else DEFAULT_LIMIT
    offset = _whole_number("offset", given["offset"], 0, MAX_OFFSET, language) if "offset" in given else 0
    if "page" in given:
        if "offset" in given:
            raise ApiError(400, t("api.page_and_offset", language), "page")
        offset = (_whole_number("page", given["page"], 1, MAX_OFFSET // MAX_LIMIT, language) - 1) * limit
    table = EXPORT_TABLES[0]
    if "table" in given:
        table = _single("table", given["table"], language)
        if table not in EXPORT_TABLES:
            raise ApiError(400, t("api.unknown_table", language, value=_shown(table),
                                  tables=", ".join(EXPORT_TABLES)), "table")
    return ApiQuery(filters, language, limit, offset, table)


def split_resource(resource: str, formats: Sequence[str]) -> tuple[str, str] | None:
    """'events.csv' -> ('events', 'csv'); None when the name or the format is not one the API serves."""
    name, dot, fmt = resource.rpartition(".")
    return (name, fmt) if dot and fmt in formats else None


def dataset_facts(atlas: Atlas, language: str) -> dict:
    """What every answer carries: the dataset's title, version, date, licence and citation."""
    with language_context(language):
        return {"title": atlas.package.get("title", ""), "version": atlas.version,
                "last_updated": atlas.last_updated, "licenses": atlas.package.get("licenses", []),
                "citation": citation_text(atlas)}


def licence_url(atlas: Atlas) -> str:
    return next((lic.get("path", "") for lic in atlas.package.get("licenses", []) if lic.get("path")), "")


def _query_string(query: ApiQuery, offset: int | None = None, table: str | None = None) -> str:
    """The canonical query string of a request (filters as the app writes them), with another offset or table."""
    params = dict(to_params(query.filters))
    if query.language != DEFAULT_LANGUAGE:
        params["lang"] = query.language
    if table:
        params["table"] = table
    if offset is not None:
        if query.limit != DEFAULT_LIMIT:
            params["limit"] = str(query.limit)
        if offset:
            params["offset"] = str(offset)
    return urlencode(params, quote_via=quote, safe=",.")


def _with_query(path: str, query_string: str) -> str:
    return f"{path}?{query_string}" if query_string else path


@dataclass(frozen=True)
class TablePage:
    """One page of one table, ready to send: body, media type, the next page's address (or None), headers."""
    body: bytes
    media_type: str
    next_url: str | None
    total: int
    count: int


def view_selection(atlas: Atlas, query: ApiQuery) -> Selection:
    """The rows of the view, as published: the same apply_filters the pages call (on the data as published)."""
    published = atlas.original
    return apply_filters(published, query.filters)


def table_page(atlas: Atlas, table: str, fmt: str, query: ApiQuery, base_url: str) -> TablePage:
    """One page of `table` for the view: the Explore CSV's columns and values, at most `limit` rows."""
    if table not in EXPORT_TABLES:
        raise ApiError(404, t("api.unknown_table", query.language, value=_shown(table),
                              tables=", ".join(EXPORT_TABLES)), None)
    published = atlas.original
    selection = view_selection(atlas, query)
    frame = export_frame(published, selection, table)
    total = len(frame)
    rows = frame.iloc[query.offset:query.offset + query.limit]
    end = query.offset + len(rows)
    path = f"{base_url}{API_PREFIX}/{table}.{fmt}"
    next_url = _with_query(path, _query_string(query, offset=end)) if end < total else None
    if fmt == "csv":
        return TablePage(to_csv_bytes(rows.reset_index(drop=True)), TABLE_FORMATS["csv"], next_url, total, len(rows))
    with language_context(query.language):
        described = filters_sentence(published, query.filters)
    document = {
        "dataset": dataset_facts(published, query.language),
        "table": table,
        "filters": to_params(query.filters),
        "filters_described": described,
        "view": _with_query(f"{base_url}/Explore", to_query_string(query.filters)),
        "total": total, "offset": query.offset, "limit": query.limit, "count": len(rows),
        "next": next_url,
        "rows": json.loads(rows.to_json(orient="records", force_ascii=False)),
    }
    return TablePage(json.dumps(document, ensure_ascii=False).encode("utf-8"), TABLE_FORMATS["json"], next_url,
                     total, len(rows))


@dataclass(frozen=True)
class Download:
    body: bytes
    media_type: str
    file_name: str


def download(atlas: Atlas, fmt: str, query: ApiQuery, base_url: str) -> Download:
    """The Explore page's download of this view as a plain URL: the same builder, file name and README."""
    published = atlas.original
    selection = view_selection(atlas, query)
    # The file's README names the view as the Explore page would: its address with the filters.
    permalink = _with_query(f"{base_url}/Explore", to_query_string(query.filters))
    with language_context(query.language):
        body = download_builder(published, selection, fmt, query.table, permalink)()
    return Download(body, MIME_TYPES[fmt], file_name(published, selection, fmt, query.table if fmt == "csv" else None))


def index(atlas: Atlas, base_url: str, language: str) -> dict:
    """GET /api/v1/: what the API serves and how to ask for it."""
    return {
        "dataset": dataset_facts(atlas.original, language),
        "tables": {name: {fmt: f"{base_url}{API_PREFIX}/{name}.{fmt}" for fmt in TABLE_FORMATS}
                   for name in EXPORT_TABLES},
        "downloads": {fmt: f"{base_url}{API_PREFIX}/download.{fmt}" for fmt in DOWNLOAD_FORMATS},
        "records": f"{base_url}/record/{{id}}",
        "dataset_page": f"{base_url}/dataset",
        "parameters": {
            "country": "ISO codes, comma-separated (KZ,KG,TJ,TM,UZ)", "years": "2023..2025, 2024, 2023.. or ..2025",
            "status": "workshop status, comma-separated", "category": "event category, comma-separated",
            "q": "search text (alias: search)", "regional": "0 leaves out regional events",
            "lang": ", ".join(language_names()), "limit": f"1..{MAX_LIMIT} (default {DEFAULT_LIMIT})",
            "offset": "rows to skip", "page": "1-based page number (instead of offset)",
            "table": "download.csv only: " + ", ".join(EXPORT_TABLES),
        },
    }
