"""Filters <-> URL query parameters: parse shared links defensively, report what was ignored, build view URLs."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from atlas.filters import Filters
from atlas.i18n import t

MAX_PARAM_LENGTH = 500
MAX_LIST_ITEMS = 50
MAX_TEXT_LENGTH = 200
# Longer than any browser sends in a URL: a bound on work, not a rule visitors meet.
MAX_URL_TEXT = 100_000
# A notice names at most this many bad values; a link with hundreds of them gets one readable line.
MAX_NAMED_IN_NOTICE = 5
MAX_SHOWN_VALUE_LENGTH = 40
PARAM_NAMES = ("country", "years", "status", "category", "q", "regional")
LIST_PARAMS = ("country", "status", "category")
# Ours but not filters: the page language and an opened record travel in the same link.
VIEW_PARAMS = ("lang", "record")
# Each URL parameter is one filter the visitor can drop in one click (the year range counts as one).
PARAM_FIELDS = {"country": ("countries",), "years": ("year_min", "year_max"), "status": ("statuses",),
                "category": ("categories",), "q": ("text",), "regional": ("include_regional",)}
# The sidebar label of each parameter: a notice names the filter the way the visitor sees it.
PARAM_LABELS = {"country": "filters.countries", "years": "filters.years", "status": "filters.statuses",
                "category": "filters.categories", "q": "filters.text", "regional": "filters.regional",
                "lang": "language.label", "record": "record.label"}
YEAR_SEPARATOR = ".."


@dataclass(frozen=True)
class Notice:
    """Something a link asked for and did not get: a message key and its values, rendered late.

    Rendering late keeps notices in the visitor's current language, and lets each echo point choose
    its escaping (Markdown in the sidebar, HTML on record pages, none in JSON): link values never
    reach a renderer unescaped.
    """
    key: str
    values: tuple[tuple[str, object], ...] = ()

    def render(self, escape: Callable[[str], str] = str, language: str | None = None) -> str:
        shown = {}
        for name, value in self.values:
            if name == "param" and value in PARAM_LABELS:
                value = t(PARAM_LABELS[value], language)
            elif isinstance(value, _Quoted):
                value = _quoted(value, language)
            elif isinstance(value, tuple):
                value = _quoted_list(value, language)
            shown[name] = escape(str(value))
        return t(self.key, language, **shown)

    def __str__(self) -> str:
        return self.render()

    @property
    def param(self) -> str:
        """The URL parameter this notice is about (the API names it in its 400 answers)."""
        values = dict(self.values)
        if "param" in values:
            return str(values["param"])
        if "params" in values:
            return str(values["params"][0])
        return "years" if "years" in self.key else ""

    def __contains__(self, fragment: str) -> bool:
        return fragment in str(self)


class _Quoted(str):
    """A value taken from the link, shown in quotes (or as 'empty')."""


def _shown(value: object) -> _Quoted:
    return _Quoted(str(value)[:MAX_SHOWN_VALUE_LENGTH])


def _quoted(value: str, language: str | None) -> str:
    return t("permalink_notice.quoted", language, value=value) if value else t("permalink_notice.empty", language)


def _quoted_list(values: tuple[str, ...], language: str | None) -> str:
    named = ", ".join(_quoted(v, language) for v in values[:MAX_NAMED_IN_NOTICE])
    extra = len(values) - MAX_NAMED_IN_NOTICE
    return named + (t("permalink_notice.and_more", language, count=extra) if extra > 0 else "")


def _notice(key: str, **values: object) -> Notice:
    return Notice(key, tuple(values.items()))


def _all_values(value: object, limit: int = MAX_PARAM_LENGTH) -> list[str]:
    """Query values come as a string or a list of strings (a repeated parameter)."""
    if isinstance(value, (list, tuple)):
        return [str(item)[:limit] for item in value]
    return [str(value)[:limit]]


def _choices(raw: str, allowed: set[str], param: str, notices: list[Notice]) -> tuple[str, ...]:
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
        notices.append(_notice("permalink.unknown_value", param=param, value=_shown(rejected[0])))
    elif rejected:
        notices.append(_notice("permalink_notice.unknown_values", param=param,
                               values=tuple(_shown(v) for v in rejected)))
    if len(items) > MAX_LIST_ITEMS:
        notices.append(_notice("permalink.too_many", param=param, limit=MAX_LIST_ITEMS))
    return tuple(chosen)


def _year(text: str) -> int | None:
    """'' -> None (open end); only plain ASCII digits count, so '²⁰²³' or '2_023' are not years."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 4):
        raise ValueError(text)
    return int(text)


def _years(raw: str, bounds: tuple[int, int], notices: list[Notice]) -> tuple[int | None, int | None]:
    low, high = bounds
    # A single year ('2024') means that year only, as on Our World in Data's `time=` links.
    parts = raw.split(YEAR_SEPARATOR) if YEAR_SEPARATOR in raw else [raw, raw]
    try:
        if len(parts) != 2:
            raise ValueError(raw)
        start, end = _year(parts[0]), _year(parts[1])
    except ValueError:
        notices.append(_notice("permalink.bad_years", value=_shown(raw)))
        return None, None
    if start is not None and end is not None and start > end:
        notices.append(_notice("permalink.reversed_years", value=_shown(raw)))
        return None, None
    if any(y is not None and not low <= y <= high for y in (start, end)):
        notices.append(_notice("permalink.years_out_of_range", value=_shown(raw), low=low, high=high))
        return None, None
    if start in (None, low) and end in (None, high):
        # The whole range is no restriction: keep it out of the state so links stay canonical.
        return None, None
    return start, end


def _clean_text(raw: str, notices: list[Notice]) -> str:
    # Control and zero-width format characters have no place in a search box and would leak into file
    # names and README lines.
    visible = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = " ".join(visible.split())
    if len(text) > MAX_TEXT_LENGTH:
        notices.append(_notice("permalink_notice.text_cut", param="q", limit=MAX_TEXT_LENGTH,
                               length=len(text)))
    return text[:MAX_TEXT_LENGTH].rstrip()


def looks_like_ours(name: str) -> bool:
    """A misspelling of one of our parameters ('contry', 'yeras'): worth a notice; 'utm_source' is not."""
    name = name.strip().lower()
    if not name or len(name) > 20:
        return False
    return any(_distance(name, ours) <= max(1, len(ours) // 3) for ours in PARAM_NAMES + VIEW_PARAMS
               if len(ours) > 1) or name in ("countries", "statuses", "categories", "year", "search", "language")


def _distance(a: str, b: str) -> int:
    """Edit distance counting a swap of neighbours as one edit ('yeras' is one slip from 'years')."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def _one_value(name: str, given: list[str], notices: list[Notice]) -> str:
    """A single-valued parameter given more than once: the last one wins, and the notice says which."""
    if len(given) > 1:
        notices.append(_notice("permalink_notice.repeated", param=name, count=len(given), value=_shown(given[-1])))
    return given[-1] if given else ""


def link_choices(atlas) -> dict[str, object]:
    """The values a link may name, from the data and its schema: parse_params(params, **link_choices(atlas)).

    The sidebar (components/filters.py) and the data API (atlas/api.py) both validate links with it."""
    specs = atlas.specs
    return {
        "countries": set(atlas.countries.loc[atlas.countries["region"] == "central_asia", "iso2"]),
        "statuses": set(specs["workshops"].field("status").enum),
        "categories": set(specs["events"].field("category").enum),
        "year_bounds": atlas.year_bounds,
    }


def parse_params(params: Mapping[str, object], countries: set[str], statuses: set[str], categories: set[str],
                 year_bounds: tuple[int, int]) -> tuple[Filters, list[Notice]]:
    """Filters from a link; every invalid part is ignored and named in a notice, nothing raises."""
    notices: list[Notice] = []
    # The search text is measured whole, so its notice can say how long it was; the rest is cut early.
    given = {name: _all_values(params[name], MAX_URL_TEXT if name == "q" else MAX_PARAM_LENGTH)
             for name in PARAM_NAMES if name in params}
    # List filters read every repetition (country=KZ&country=UZ is both); single values keep the last.
    values = {name: (",".join(items) if name in LIST_PARAMS else _one_value(name, items, notices))
              for name, items in given.items()}
    misspelt = [str(name) for name in params
                if name not in PARAM_NAMES + VIEW_PARAMS and looks_like_ours(str(name))]
    if len(misspelt) == 1:
        notices.append(_notice("permalink.unknown_param", param=_shown(misspelt[0])))
    elif misspelt:
        notices.append(_notice("permalink_notice.unknown_params", params=tuple(_shown(v) for v in misspelt)))

    year_min, year_max = (None, None)
    if "years" in values:
        year_min, year_max = _years(values["years"], year_bounds, notices) if values["years"] else (None, None)

    regional = True
    if "regional" in values:
        if values["regional"] in ("0", "1"):
            regional = values["regional"] == "1"
        else:
            notices.append(_notice("permalink.unknown_value", param="regional", value=_shown(values["regional"])))

    filters = Filters(
        countries=_choices(values.get("country", ""), countries, "country", notices),
        year_min=year_min, year_max=year_max,
        statuses=_choices(values.get("status", ""), statuses, "status", notices),
        categories=_choices(values.get("category", ""), categories, "category", notices),
        text=_clean_text(values.get("q", ""), notices),
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


def parse_record(given: object, is_known: Callable[[str], bool]) -> tuple[str | None, list[Notice]]:
    """The record a link opens (`record=EV-012`): the last value if it names a known record, else a notice."""
    notices: list[Notice] = []
    values = [value for value in _all_values(given) if value.strip()] if given not in (None, "", []) else []
    value = _one_value("record", values, notices).strip()
    if not value:
        return None, notices
    if is_known(value):
        return value, notices
    notices.append(_notice("permalink.unknown_value", param="record", value=_shown(value)))
    return None, notices


def record_url(base_url: str | None, filters: Filters, record_id: str) -> str:
    """The address of this view opened on one record: the view's link plus `record=<id>`."""
    link = view_url(base_url, filters)
    return f"{link}{'&' if '?' in link else '?'}record={quote(record_id, safe='')}"
