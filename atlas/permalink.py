"""Filters <-> URL query parameters: parse shared links defensively, report what was ignored, build view URLs."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import quote, urlencode

from atlas.filters import Filters
from atlas.i18n import t

MAX_PARAM_LENGTH = 500
MAX_LIST_ITEMS = 50
MAX_TEXT_LENGTH = 200
# A notice names at most this many bad values; a link with hundreds of them gets one readable line.
MAX_NAMED_IN_NOTICE = 5
MAX_SHOWN_VALUE_LENGTH = 40
PARAM_NAMES = ("country", "years", "status", "category", "q", "regional")
# Each URL parameter is one filter the visitor can drop in one click (the year range counts as one).
PARAM_FIELDS = {"country": ("countries",), "years": ("year_min", "year_max"), "status": ("statuses",),
                "category": ("categories",), "q": ("text",), "regional": ("include_regional",)}
YEAR_SEPARATOR = ".."


def _single(value: object) -> str:
    """Query values come as a string or a list of strings; the last one wins."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)[:MAX_PARAM_LENGTH]


def _shown(value: object) -> str:
    return str(value)[:MAX_SHOWN_VALUE_LENGTH]


def _quoted_list(values: list[str]) -> str:
    named = ", ".join(f"'{_shown(v)}'" for v in values[:MAX_NAMED_IN_NOTICE])
    extra = len(values) - MAX_NAMED_IN_NOTICE
    return named + (t("permalink_notice.and_more", count=extra) if extra > 0 else "")


def _choices(raw: str, allowed: set[str], param: str, notices: list[str]) -> tuple[str, ...]:
    items = raw.split(",")
    chosen: list[str] = []
    rejected: list[str] = []
    for item in items[:MAX_LIST_ITEMS]:
        item = item.strip()
        if not item:
            continue
        if item in allowed:
            if item not in chosen:
                chosen.append(item)
        elif item not in rejected:
            rejected.append(item)
    if len(rejected) == 1:
        notices.append(t("permalink.unknown_value", param=param, value=_shown(rejected[0])))
    elif rejected:
        notices.append(t("permalink_notice.unknown_values", param=param, values=_quoted_list(rejected)))
    if len(items) > MAX_LIST_ITEMS:
        notices.append(t("permalink.too_many", param=param, limit=MAX_LIST_ITEMS))
    return tuple(chosen)


def _year(text: str) -> int | None:
    """'' -> None (open end); only plain ASCII digits count, so '²⁰²³' or '2_023' are not years."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        raise ValueError(text)
    return int(text)


def _years(raw: str, bounds: tuple[int, int], notices: list[str]) -> tuple[int | None, int | None]:
    low, high = bounds
    # A single year ('2024') means that year only, as on Our World in Data's `time=` links.
    parts = raw.split(YEAR_SEPARATOR) if YEAR_SEPARATOR in raw else [raw, raw]
    try:
        if len(parts) != 2:
            raise ValueError(raw)
        start, end = _year(parts[0]), _year(parts[1])
    except ValueError:
        notices.append(t("permalink.bad_years", value=_shown(raw)))
        return None, None
    if start is not None and end is not None and start > end:
        notices.append(t("permalink.reversed_years", value=_shown(raw)))
        return None, None
    if any(y is not None and not low <= y <= high for y in (start, end)):
        notices.append(t("permalink.years_out_of_range", value=_shown(raw), low=low, high=high))
        return None, None
    if start in (None, low) and end in (None, high):
        # The whole range is no restriction: keep it out of the state so links stay canonical.
        return None, None
    return start, end


def _clean_text(raw: str) -> str:
    # Control characters have no place in a search box and would leak into file names and README lines.
    visible = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    return " ".join(visible.split())[:MAX_TEXT_LENGTH].rstrip()


def parse_params(params: Mapping[str, object], countries: set[str], statuses: set[str], categories: set[str],
                 year_bounds: tuple[int, int]) -> tuple[Filters, list[str]]:
    """Filters from a link; every invalid part is ignored and named in a notice, nothing raises."""
    notices: list[str] = []
    values = {name: _single(params[name]) for name in PARAM_NAMES if name in params}
    unknown = [str(name) for name in params if name not in PARAM_NAMES]
    if len(unknown) == 1:
        notices.append(t("permalink.unknown_param", param=_shown(unknown[0])))
    elif unknown:
        notices.append(t("permalink_notice.unknown_params", params=_quoted_list(unknown)))

    year_min, year_max = _years(values["years"], year_bounds, notices) if values.get("years") else (None, None)

    regional = True
    if "regional" in values:
        if values["regional"] in ("0", "1"):
            regional = values["regional"] == "1"
        else:
            notices.append(t("permalink.unknown_value", param="regional", value=_shown(values["regional"])))

    filters = Filters(
        countries=_choices(values.get("country", ""), countries, "country", notices),
        year_min=year_min, year_max=year_max,
        statuses=_choices(values.get("status", ""), statuses, "status", notices),
        categories=_choices(values.get("category", ""), categories, "category", notices),
        text=_clean_text(values.get("q", "")),
        include_regional=regional,
    )
    return filters, notices


def to_params(filters: Filters) -> dict[str, str]:
    """Query parameters for a view; defaults are left out so links stay short."""
    params: dict[str, str] = {}
    if filters.countries:
        params["country"] = ",".join(filters.countries)
    if filters.has_year_range:
        start = "" if filters.year_min is None else filters.year_min
        end = "" if filters.year_max is None else filters.year_max
        params["years"] = f"{start}{YEAR_SEPARATOR}{end}"
    if filters.statuses:
        params["status"] = ",".join(filters.statuses)
    if filters.categories:
        params["category"] = ",".join(filters.categories)
    if filters.text:
        params["q"] = filters.text
    if not filters.include_regional:
        params["regional"] = "0"
    return params


def active_params(filters: Filters) -> list[str]:
    """The URL parameters in force, in PARAM_NAMES order: the filters a visitor could drop."""
    return [name for name in PARAM_NAMES if name in to_params(filters)]


def without_param(filters: Filters, param: str) -> Filters:
    """The same view with one filter (named by its URL parameter) set back to its default."""
    defaults = Filters()
    return replace(filters, **{field: getattr(defaults, field) for field in PARAM_FIELDS[param]})


def to_query_string(filters: Filters) -> str:
    """'country=KZ,KG&years=2023..2025' — commas and dots left readable, everything else percent-encoded."""
    return urlencode(to_params(filters), quote_via=quote, safe=",.")


def view_url(base_url: str | None, filters: Filters) -> str:
    """The address of this view: page URL (without any old query) plus the filters; relative if no base is known."""
    base = (base_url or "").split("#", 1)[0].split("?", 1)[0]
    query = to_query_string(filters)
    return f"{base}?{query}" if query else base
