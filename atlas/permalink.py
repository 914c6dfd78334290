"""Filters <-> URL query parameters: parse shared links defensively, report what was ignored."""

from __future__ import annotations

from collections.abc import Mapping

from atlas.filters import Filters
from atlas.i18n import t

MAX_PARAM_LENGTH = 500
MAX_LIST_ITEMS = 50
PARAM_NAMES = ("country", "years", "status", "category", "q", "regional")


def _single(value: object) -> str:
    """Query values come as a string or a list of strings; the last one wins."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)[:MAX_PARAM_LENGTH]


def _choices(raw: str, allowed: set[str], param: str, notices: list[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for item in raw.split(",")[:MAX_LIST_ITEMS]:
        item = item.strip()
        if not item:
            continue
        if item in allowed:
            if item not in chosen:
                chosen.append(item)
        else:
            notices.append(t("permalink.unknown_value", param=param, value=item[:40]))
    if len(raw.split(",")) > MAX_LIST_ITEMS:
        notices.append(t("permalink.too_many", param=param, limit=MAX_LIST_ITEMS))
    return tuple(chosen)


def parse_params(params: Mapping[str, object], countries: set[str], statuses: set[str], categories: set[str],
                 year_bounds: tuple[int, int]) -> tuple[Filters, list[str]]:
    """Filters from a link; every invalid part is ignored and named in a notice, nothing raises."""
    notices: list[str] = []
    low, high = year_bounds
    values = {name: _single(params[name]) for name in PARAM_NAMES if name in params}
    unknown = [name for name in params if name not in PARAM_NAMES]
    notices += [t("permalink.unknown_param", param=str(name)[:40]) for name in unknown]

    year_min = year_max = None
    if values.get("years"):
        parts = values["years"].split("..")
        try:
            if len(parts) != 2:
                raise ValueError
            start, end = (int(p) if p.strip() else None for p in parts)
        except ValueError:
            notices.append(t("permalink.bad_years", value=values["years"][:40]))
        else:
            if start is not None and end is not None and start > end:
                notices.append(t("permalink.reversed_years", value=values["years"][:40]))
            elif any(y is not None and not low <= y <= high for y in (start, end)):
                notices.append(t("permalink.years_out_of_range", value=values["years"][:40], low=low, high=high))
            else:
                year_min, year_max = start, end
                if (year_min in (None, low)) and (year_max in (None, high)):
                    year_min = year_max = None

    regional = True
    if "regional" in values:
        if values["regional"] in ("0", "1"):
            regional = values["regional"] == "1"
        else:
            notices.append(t("permalink.unknown_value", param="regional", value=values["regional"][:40]))

    filters = Filters(
        countries=_choices(values.get("country", ""), countries, "country", notices),
        year_min=year_min, year_max=year_max,
        statuses=_choices(values.get("status", ""), statuses, "status", notices),
        categories=_choices(values.get("category", ""), categories, "category", notices),
        text=values.get("q", "").strip()[:200],
        include_regional=regional,
    )
    return filters, notices


def to_params(filters: Filters) -> dict[str, str]:
    """Query parameters for a view; defaults are left out so links stay short."""
    params: dict[str, str] = {}
    if filters.countries:
        params["country"] = ",".join(filters.countries)
    if filters.has_year_range:
        params["years"] = f"{filters.year_min if filters.year_min is not None else ''}..{filters.year_max if filters.year_max is not None else ''}"
    if filters.statuses:
        params["status"] = ",".join(filters.statuses)
    if filters.categories:
        params["category"] = ",".join(filters.categories)
    if filters.text:
        params["q"] = filters.text
    if not filters.include_regional:
        params["regional"] = "0"
    return params
