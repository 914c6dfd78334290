"""Plain-HTTP routes served beside the Streamlit pages by `st.App` (serve.py): record pages, /dataset, /api/v1/.

Thin Starlette handlers: each reads the one shared Atlas (atlas.shared, the same object the pages use), calls
the data layer (atlas.api, atlas.record_page, which call apply_filters and atlas.export like the pages do) and
wraps the answer. Nothing here writes anywhere. Every handler runs inside `_guarded`, which turns a refused
request into a 400 naming the parameter, bad data into a 503 naming the problem, and anything unexpected into
a 500 with no traceback (logged on the server).

Streamlit 1.67 facts this relies on (read in streamlit/web/server/starlette/starlette_app.py and web/cli.py):
- `streamlit run serve.py` parses serve.py (AST, without running it), finds `app = st.App(...)` and serves
  `serve:app` with uvicorn; the Streamlit script is app.py, so the classic pages/ beside it still work.
- User routes come before Streamlit's own; paths under /_stcore/, /media/, /component/ and /static/ are
  reserved (st.App raises ValueError). /app/static/ (static file serving) is Streamlit's too: we stay clear.
- Sync handlers run in Starlette's thread pool, so building a page never blocks the websocket loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from atlas.api import (API_PREFIX, DOWNLOAD_PARAMS, TABLE_FORMATS, TABLE_PARAMS, ApiError, download, index,
                       licence_url, parse_language, parse_query, split_resource, table_page)
from atlas.errors import AtlasDataError
from atlas.export import DOWNLOAD_FORMATS, EXPORT_TABLES
from atlas.i18n import DEFAULT_LANGUAGE, language_context, language_names, t
from atlas.record_page import dataset_jsonld, render_dataset, render_message, render_record
from atlas.shared import shared_atlas, shared_localised

LOG = logging.getLogger(__name__)
# Shared caches may keep an answer for a few minutes: the data changes only with a new release.
CACHE_CONTROL = "public, max-age=300"


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page_language(request: Request) -> str:
    """A page's language from ?lang=; an unknown value shows the page in English (as the app does)."""
    value = request.query_params.getlist("lang")
    return value[-1].strip().lower() if value and value[-1].strip().lower() in language_names() else DEFAULT_LANGUAGE


def _dataset_headers(atlas) -> dict[str, str]:
    headers = {"X-Dataset-Version": atlas.version, "Cache-Control": CACHE_CONTROL}
    licence = licence_url(atlas)
    if licence:
        headers["Link"] = f'<{licence}>; rel="license"'
    return headers


def _json(body: dict, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), status_code=status,
                    media_type="application/json", headers=headers)


def _guarded(html: bool) -> Callable:
    """Wrap a handler so that no request ever gets a traceback: 400/404 with a reason, 503 for bad data, 500."""
    def wrap(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def guarded(request: Request) -> Response:
            language = _page_language(request)
            try:
                return handler(request)
            except ApiError as error:
                if html:
                    return HTMLResponse(render_message(error.message, [], language, error.status).html,
                                        status_code=error.status)
                return _json(error.body(), error.status)
            except AtlasDataError as error:
                problems = [str(problem) for problem in error.problems]
                title = t("record_page.data_error_title", language)
                body = t("record_page.data_error_body", language, count=len(problems),
                         problem=problems[0] if problems else "")
                if html:
                    return HTMLResponse(render_message(title, [body], language, 503).html, status_code=503)
                return _json({"error": title, "detail": body, "problems": problems[:50], "status": 503}, 503)
            except Exception:  # noqa: BLE001 - the one place that turns any fault into a plain answer
                LOG.exception("%s %s failed", request.method, request.url.path)
                title = t("record_page.server_error_title", language)
                body = t("record_page.server_error_body", language)
                if html:
                    return HTMLResponse(render_message(title, [body], language, 500).html, status_code=500)
                return _json({"error": title, "detail": body, "status": 500}, 500)
        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded
    return wrap


@_guarded(html=True)
def record_page(request: Request) -> Response:
    """GET /record/<id>[?lang=ru]: the citable page of one record (404 page for an unknown id)."""
    language = _page_language(request)
    atlas = shared_localised(None, language)
    with language_context(language):
        page = render_record(atlas, request.path_params["record_id"], _base_url(request), language)
    headers = _dataset_headers(atlas.original) if page.status == 200 else {}
    return HTMLResponse(page.html, status_code=page.status, headers=headers)


@_guarded(html=True)
def dataset_page(request: Request) -> Response:
    """GET /dataset: the dataset described for people and (JSON-LD) for machines."""
    language = _page_language(request)
    atlas = shared_atlas()
    with language_context(language):
        page = render_dataset(atlas, _base_url(request), language)
    return HTMLResponse(page.html, status_code=page.status, headers=_dataset_headers(atlas))


@_guarded(html=False)
def dataset_jsonld_route(request: Request) -> Response:
    """GET /dataset.jsonld: the schema.org Dataset on its own."""
    atlas = shared_atlas()
    return _json(dataset_jsonld(atlas, _base_url(request)), headers={**_dataset_headers(atlas)})


@_guarded(html=False)
def api_index(request: Request) -> Response:
    """GET /api/v1/: tables, downloads, parameters, version and licence."""
    language = parse_language(request.query_params.getlist("lang") or None)
    atlas = shared_atlas()
    return _json(index(atlas, _base_url(request), language), headers=_dataset_headers(atlas))


@_guarded(html=False)
def api_resource(request: Request) -> Response:
    """GET /api/v1/<table>.json|csv (a page of a table) or /api/v1/download.<format> (the Explore download)."""
    resource = request.path_params["resource"]
    atlas = shared_atlas()
    base = _base_url(request)
    download_of = split_resource(resource, DOWNLOAD_FORMATS)
    if download_of and download_of[0] == "download":
        query = parse_query(atlas, request.query_params.multi_items(), DOWNLOAD_PARAMS)
        if download_of[1] != "csv" and "table" in request.query_params:
            raise ApiError(400, t("api.table_only_csv", query.language), "table")
        file = download(atlas, download_of[1], query, base)
        headers = {**_dataset_headers(atlas), "Content-Disposition": f'attachment; filename="{file.file_name}"'}
        return Response(file.body, media_type=file.media_type, headers=headers)
    table_of = split_resource(resource, tuple(TABLE_FORMATS))
    if not table_of or table_of[0] not in EXPORT_TABLES:
        language = parse_language(request.query_params.getlist("lang") or None) \
            if len(request.query_params.getlist("lang")) <= 1 else DEFAULT_LANGUAGE
        raise ApiError(404, t("api.not_found", language, path=f"{API_PREFIX}/{resource}"[:120],
                              index=f"{API_PREFIX}/"), None)
    query = parse_query(atlas, request.query_params.multi_items(), TABLE_PARAMS)
    page = table_page(atlas, table_of[0], table_of[1], query, base)
    headers = _dataset_headers(atlas)
    headers["X-Total-Count"] = str(page.total)
    if page.next_url:
        headers["Link"] = ", ".join(filter(None, [f'<{page.next_url}>; rel="next"', headers.get("Link")]))
    return Response(page.body, media_type=page.media_type, headers=headers)


@_guarded(html=False)
def api_not_found(request: Request) -> Response:
    raise ApiError(404, t("api.not_found", DEFAULT_LANGUAGE, path=request.url.path[:120], index=f"{API_PREFIX}/"))


ROUTES = [
    Route("/record/{record_id}", record_page, methods=["GET"]),
    # An id with a slash in it (or a decoded %2F) is no id: the same plain 404 page, not Starlette's text one.
    Route("/record/{record_id:path}", record_page, methods=["GET"]),
    Route("/dataset", dataset_page, methods=["GET"]),
    Route("/dataset.jsonld", dataset_jsonld_route, methods=["GET"]),
    Route(API_PREFIX, api_index, methods=["GET"]),
    Route(f"{API_PREFIX}/", api_index, methods=["GET"]),
    Route(API_PREFIX + "/{resource}", api_resource, methods=["GET"]),
    Route(API_PREFIX + "/{rest:path}", api_not_found, methods=["GET"]),
]


def plain_app():
    """The routes alone as a Starlette app (tests and benchmarks: no Streamlit runtime needed)."""
    from starlette.applications import Starlette
    return Starlette(routes=ROUTES)


__all__ = ["ROUTES", "plain_app"]
