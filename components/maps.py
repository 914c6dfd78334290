"""Pure map builders: filtered records -> markers, arcs, pydeck Deck, legend, caption and table (no st.* calls)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from atlas.arrays import is_in
from atlas import Atlas, Selection
from atlas.dates import format_partial, format_with_precision
from atlas.i18n import labelled, number, t, tn
from components.palette import CATEGORY_COLOURS, STATUS_COLOURS, STATUS_ORDER, hex_to_rgb

OFFLINE_STYLE = "/app/static/offline-map-style.json"
# The outlines as the map draws them, served as a file (tools/build_outlines.py writes it from the data directory's
# outlines): the browser fetches them once instead of receiving them with every run's deck spec.
MAP_OUTLINES_FILE = Path(__file__).resolve().parents[1] / "static" / "map-outlines.json"
MAP_OUTLINES_URL = "/app/static/map-outlines.json"
TILE_STYLE = pdk.map_styles.CARTO_LIGHT
# The map fills two thirds of the main area: about 610 px wide in a 1400 px window with the sidebar open.
# Views are fitted to a slightly smaller box, so what is fitted stays in view on laptops too.
MAP_WIDTH_PX, MAP_HEIGHT_PX = 600, 560
FIT_PADDING_PX = 48
MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 1.5, 12.0, 7.0
# deck.gl's Web Mercator world is 512 px wide at zoom 0.
WORLD_PX = 512
MAX_TABLE_ROWS = 300
# Beyond this a layer is a smear at any zoom and each marker adds about 1 KB to the page; the caption says
# how many were left out.
MAX_MARKERS_PER_LAYER = 1000
SUMMARY_CHARS = 140
MAX_NAMES_IN_TOOLTIP = 4

KIND_ORDER = ("workshop", "partner", "site")
SHAPES = {"workshop": "circle", "site": "diamond", "partner": "square"}
ICON_SIZE_PX = {"workshop": 24, "site": 18, "partner": 14}
PARTNER_COLOUR = "#4D4D4D"
ICON_CELL, ATLAS_COLUMNS = 64, 8
OUTLINE_COLOUR = "#1F2933"
# Markers that share a place sit on a sunflower spiral around it, this many pixels apart: screen-space offsets
# keep every marker reachable at every zoom and never move a point when the visitor zooms in.
SPREAD_STEP_PX = 13.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
# Milestones worth a line in a workshop's tooltip, in life-cycle order.
KEY_MILESTONES = ("mou", "agreement", "launch_ceremony", "trial_operation", "partial_opening", "opening")

MARKER_COLUMNS = ["kind", "record_kind", "record_id", "name", "country", "country_name", "place", "precision",
                  "lon", "lat", "colour", "style_key", "date_label", "tt_title", "tt_kind", "tt_body"]


# --- icons -----------------------------------------------------------------------------------------------------

_SHAPE_SVG = {
    "circle": '<circle cx="32" cy="32" r="{r}" fill="{fill}"/>',
    "diamond": '<path d="M32 {top} L{right} 32 L32 {bottom} L{left} 32 Z" fill="{fill}"/>',
    "square": '<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="{fill}"/>',
}


def _shape(shape: str, scale: float, fill: str) -> str:
    half = 30 * scale
    return _SHAPE_SVG[shape].format(r=f"{half:.1f}", fill=fill, top=f"{32 - half:.1f}", bottom=f"{32 + half:.1f}",
                                    left=f"{32 - half:.1f}", right=f"{32 + half:.1f}", size=f"{2 * half:.1f}")


def icon_id(shape: str, colour: str, hollow: bool) -> str:
    return f"{shape}-{colour}-{'city' if hollow else 'campus'}"


def _icon_svg(shape: str, colour: str, hollow: bool) -> str:
    """Solid = campus location; coloured ring with a white centre = city-level location.

    The dark edge keeps pale colours (announced grey, yellow) visible on the light background.
    """
    layers = [_shape(shape, 1.0, OUTLINE_COLOUR), _shape(shape, 0.86, colour)]
    if hollow:
        layers.append(_shape(shape, 0.46, "#FFFFFF"))
    return "".join(layers)


def _svg_url(body: str, width: int, height: int) -> str:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{body}</svg>'
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@lru_cache(maxsize=128)
def marker_icon(shape: str, colour: str, hollow: bool) -> dict:
    """One marker symbol as its own image (for the legend, which must match the map)."""
    return {"id": icon_id(shape, colour, hollow), "url": _svg_url(_icon_svg(shape, colour, hollow), ICON_CELL, ICON_CELL)}


def icon_atlas(icon_ids: list[str]) -> tuple[str, dict]:
    """All symbols a layer needs packed into one image, and where each sits.

    Markers then carry a short id (~25 bytes) instead of their own image (~470 bytes each).
    """
    unique = sorted(set(icon_ids))
    columns = max(1, min(len(unique), ATLAS_COLUMNS))
    rows = max(1, math.ceil(len(unique) / columns))
    parts, mapping = [], {}
    for index, name in enumerate(unique):
        shape, colour, precision = name.split("-")
        x, y = (index % columns) * ICON_CELL, (index // columns) * ICON_CELL
        parts.append(f'<g transform="translate({x} {y})">{_icon_svg(shape, colour, precision == "city")}</g>')
        mapping[name] = {"x": x, "y": y, "width": ICON_CELL, "height": ICON_CELL, "anchorY": ICON_CELL // 2,
                         "mask": False}
    return _svg_url("".join(parts), columns * ICON_CELL, rows * ICON_CELL), mapping


# --- markers ---------------------------------------------------------------------------------------------------

def _join(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def _place_label(place: str, country_name: str, precision: str) -> str:
    where = _join(place, country_name)
    return t("map.tt.place", place=where or t("detail.no_place"), precision=t(f"precision.{precision}"))


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _first_by_id(ids: pd.Series, limit: int, mask: np.ndarray | pd.Series | None = None) -> np.ndarray:
    """Row positions of the `limit` smallest ids (among rows where `mask` is set), smallest first.

    Picking k of n with Arrow costs a tenth of sorting all n, and then only the rows that are drawn are touched.
    """
    positions = np.arange(len(ids)) if mask is None else np.flatnonzero(np.asarray(mask, dtype=bool))
    k = min(limit, len(positions))
    if k == 0:
        return positions[:0]
    picked = pc.select_k_unstable(pa.array(ids).take(positions), k=k, sort_keys=[("id", "ascending")])
    return positions[picked.to_numpy()]


def _lists(frame: pd.DataFrame, columns: tuple[str, ...], positions: np.ndarray | None = None) -> dict[str, list]:
    """These columns (at these row positions) as Python lists.

    The map draws at most a few thousand rows, and per-row work in Python on lists is far cheaper than pandas
    operations on wide Arrow-backed frames, each of which costs tens of microseconds per column (a DataFrame
    take or column subset even more: every new frame builds its own column lookup).
    """
    if positions is None:
        return {column: frame[column].tolist() for column in columns}
    return {column: _take_list(frame[column], positions) for column in columns}


def _take_list(column: pd.Series, positions: np.ndarray) -> list:
    if isinstance(column.dtype, pd.StringDtype) and len(column) > 4 * len(positions) + 1000:
        # Only these rows leave Arrow: converting all of a large column costs per row.
        return pa.array(column).take(positions).to_pylist()
    return column.to_numpy(dtype=object)[positions].tolist()


def _marker_frame(count: int, **columns) -> pd.DataFrame:
    """A marker frame from per-row lists and one-value-for-all columns."""
    return pd.DataFrame({name: columns[name] if isinstance(columns[name], list) else [columns[name]] * count
                         for name in MARKER_COLUMNS}, columns=MARKER_COLUMNS)


def key_dates(workshop_ids: pd.Series, events: pd.DataFrame) -> dict[str, list[str]]:
    """workshop id -> ['Memorandum (MoU): 2 March 2023 (day precision)', ...]: the first dated event of each
    key milestone, in life-cycle order (one pass over the events, however many workshops)."""
    own = np.flatnonzero(is_in(events["workshop_id"], set(workshop_ids)) & is_in(events["milestone"], KEY_MILESTONES)
                         & np.asarray(events["date"] != "", dtype=bool))
    if not len(own):
        return {}
    rows = _lists(events, ("workshop_id", "milestone", "date", "date_precision"), own)
    first: dict[tuple[str, str], int] = {}
    # Earliest first (undated last, as pandas sorts): the first event of each milestone wins.
    for i in np.argsort(events["date_start"].to_numpy()[own], kind="stable").tolist():
        first.setdefault((rows["workshop_id"][i], rows["milestone"][i]), i)
    order = {m: i for i, m in enumerate(KEY_MILESTONES)}
    dates: dict[str, list[str]] = {}
    for (workshop_id, milestone), i in sorted(first.items(), key=lambda item: (item[0][0], order[item[0][1]])):
        when = format_with_precision(rows["date"][i], rows["date_precision"][i])
        dates.setdefault(workshop_id, []).append(labelled(t("milestone." + milestone), when))
    return dates


WORKSHOP_FIELDS = ("workshop_id", "name_en", "country", "country_name", "city", "coord_precision", "lon", "lat",
                   "status", "status_as_of", "host_name", "partner_names", "partner_institution_ids")


def workshop_markers(w: dict[str, list], events: pd.DataFrame) -> pd.DataFrame:
    """One marker per workshop (`w`: WORKSHOP_FIELDS as lists, in drawing order), coloured by status; tooltip text
    is plain (the chart escapes it)."""
    dates_of = key_dates(w["workshop_id"], events)
    dates = [dates_of.get(workshop_id, []) for workshop_id in w["workshop_id"]]
    return _marker_frame(
        len(w["workshop_id"]), kind="workshop", record_kind="workshop", record_id=w["workshop_id"], name=w["name_en"],
        country=w["country"], country_name=w["country_name"], place=w["city"], precision=w["coord_precision"],
        lon=[float(x) for x in w["lon"]], lat=[float(y) for y in w["lat"]],
        colour=[STATUS_COLOURS[status] for status in w["status"]], style_key=w["status"],
        # The table shows the most advanced milestone reached, named, with its precision.
        date_label=[lines[-1] if lines else "" for lines in dates],
        tt_title=w["name_en"],
        tt_kind=[t("map.tt.workshop_kind", status=t(f"status.{status}"), as_of=format_partial(as_of))
                 for status, as_of in zip(w["status"], w["status_as_of"])],
        tt_body=[_lines(t("map.tt.host", host=host or t("detail.not_named")),
                        t("map.tt.partners", partners=_some(list(partners)) or t("detail.not_named")),
                        _place_label(city, country_name, precision), *lines)
                 for host, partners, city, country_name, precision, lines in zip(
                     w["host_name"], w["partner_names"], w["city"], w["country_name"], w["coord_precision"], dates)])


def _some(names: list[str], limit: int = MAX_NAMES_IN_TOOLTIP) -> str:
    """'A; B; C; D and 7 more': a tooltip lists a few names, the detail panel has them all."""
    shown = "; ".join(names[:limit])
    return shown if len(names) <= limit else t("map.tt.and_more", names=shown, more=len(names) - limit)


def _shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def placed_events(events: pd.DataFrame) -> pd.Series:
    """Events that can go on the map: not a workshop milestone, with a place and coordinates."""
    return ((events["workshop_id"] == "") & (events["coord_precision"] != "none")
            & events["lat"].notna() & events["lon"].notna())


SITE_FIELDS = ("event_id", "title", "place_country", "place", "coord_precision", "lon", "lat", "category", "date",
               "date_precision", "other_participants", "institution_names", "summary")


def site_markers(e: dict[str, list], country_names: dict[str, str]) -> pd.DataFrame:
    """One marker per placed cooperation event (`e`: SITE_FIELDS as lists, in drawing order): Confucius Institutes,
    campuses, labs, forums..."""
    when = [format_with_precision(date, precision) for date, precision in zip(e["date"], e["date_precision"])]
    place_country = [country_names.get(code, code) for code in e["place_country"]]
    return _marker_frame(
        len(e["event_id"]), kind="site", record_kind="event", record_id=e["event_id"], name=e["title"],
        country=e["place_country"], country_name=place_country, place=e["place"], precision=e["coord_precision"],
        lon=[float(x) for x in e["lon"]], lat=[float(y) for y in e["lat"]],
        colour=[CATEGORY_COLOURS[category] for category in e["category"]], style_key=e["category"], date_label=when,
        tt_title=e["title"],
        tt_kind=[t("map.tt.site_kind", category=t(f"category.{category}"), date=date)
                 for category, date in zip(e["category"], when)],
        tt_body=[_lines(_place_label(place, country_name, precision),
                        t("map.tt.institutions", names=_some(list(names))) if names else "",
                        t("map.tt.participants", names=others) if others else "",
                        _shorten(summary))
                 for place, country_name, precision, names, others, summary in zip(
                     e["place"], place_country, e["coord_precision"], e["institution_names"],
                     e["other_participants"], e["summary"])])


PARTNER_FIELDS = ("institution_id", "name_en", "country", "country_name", "city", "coord_precision", "lon", "lat")


def partner_links(w: dict[str, list], institutions: pd.DataFrame) -> dict[str, list]:
    """(workshop, partner institution) pairs where the partner has coordinates, lead partner first, as columns.

    Only the given workshops (WORKSHOP_FIELDS as lists, already capped) are linked, and only their partners looked up.
    """
    wanted = {pid for ids in w["partner_institution_ids"] for pid in ids}
    located = np.flatnonzero(is_in(institutions["institution_id"], wanted)
                             & institutions["lat"].notna().to_numpy() & institutions["lon"].notna().to_numpy())
    p = _lists(institutions, PARTNER_FIELDS, located)
    row_of = {pid: k for k, pid in enumerate(p["institution_id"])}
    pairs = [(i, row_of[pid]) for i, ids in enumerate(w["partner_institution_ids"]) for pid in ids if pid in row_of]
    links = {name: [w[source][i] for i, _ in pairs] for name, source in (
        ("workshop_id", "workshop_id"), ("workshop_name", "name_en"), ("status", "status"), ("target_lon", "lon"),
        ("target_lat", "lat"), ("target_city", "city"), ("target_country", "country_name"))}
    links |= {("partner_name" if field == "name_en" else field): [p[field][k] for _, k in pairs]
              for field in PARTNER_FIELDS}
    return links


def partner_markers(links: dict[str, list], limit: int = MAX_MARKERS_PER_LAYER) -> pd.DataFrame:
    """One marker per partner institution of the linked workshops (the first `limit` by id)."""
    members: dict[str, list[int]] = {}
    for j in sorted(range(len(links["institution_id"])), key=lambda j: (links["institution_id"][j], links["workshop_id"][j])):
        members.setdefault(links["institution_id"][j], []).append(j)
    chosen = list(members)[:limit]
    first = [members[pid][0] for pid in chosen]
    p = {field: [links[field][j] for j in first] for field in ("partner_name", "country", "country_name", "city",
                                                                "coord_precision", "lon", "lat")}
    return _marker_frame(
        len(chosen), kind="partner", record_kind="institution", record_id=chosen, name=p["partner_name"],
        country=p["country"], country_name=p["country_name"], place=p["city"], precision=p["coord_precision"],
        lon=[float(x) for x in p["lon"]], lat=[float(y) for y in p["lat"]], colour=PARTNER_COLOUR,
        style_key="partner", date_label="", tt_title=p["partner_name"],
        tt_kind=[t("map.tt.partner_kind_cn") if country == "CN" else t("map.tt.partner_kind") for country in p["country"]],
        tt_body=[_lines(_place_label(city, country_name, precision),
                        t("map.tt.partner_of", names=_some([links["workshop_name"][j] for j in members[pid]])))
                 for pid, city, country_name, precision in zip(chosen, p["city"], p["country_name"],
                                                               p["coord_precision"])])


def partner_arcs(links: dict[str, list], limit: int = MAX_MARKERS_PER_LAYER) -> pd.DataFrame:
    """One arc per (partner with coordinates, workshop): from the partner's seat to the workshop's host city."""
    order = sorted(range(len(links["workshop_id"])),
                   key=lambda j: (links["workshop_id"][j], links["institution_id"][j]))[:limit]
    a = {field: [links[field][j] for j in order] for field in links}
    source_colour = hex_to_rgb(PARTNER_COLOUR, 200)
    target_colours = {status: hex_to_rgb(colour, 230) for status, colour in STATUS_COLOURS.items()}
    return pd.DataFrame({
        "record_kind": ["workshop"] * len(order), "record_id": a["workshop_id"], "partner_id": a["institution_id"],
        "source_lon": [float(x) for x in a["lon"]], "source_lat": [float(y) for y in a["lat"]],
        "target_lon": [float(x) for x in a["target_lon"]], "target_lat": [float(y) for y in a["target_lat"]],
        "source_colour": [source_colour] * len(order),
        "target_colour": [target_colours[status] for status in a["status"]],
        "tt_title": [t("map.tt.arc_title", partner=p, workshop=w) for p, w in zip(a["partner_name"], a["workshop_name"])],
        "tt_kind": [t("map.tt.arc_kind")] * len(order),
        "tt_body": [t("map.tt.arc_body", source=_join(city, country), target=_join(target_city, target_country))
                    for city, country, target_city, target_country in zip(
                        a["city"], a["country_name"], a["target_city"], a["target_country"])],
    })


# --- grouping by place (when a layer has more markers than it may draw) ----------------------------------------

# record_kind of a marker or arc that stands for several records at one place: a click on it opens no record.
GROUP = "place"
GROUP_PRECISION = "group"
GROUP_COUNT_COLOUR = [31, 41, 51, 255]


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _strings(values) -> pa.Array:
    array = _flat(pa.array(values))
    return array.cast(pa.string()) if array.type != pa.string() else array


def place_keys(country, place, lon, lat) -> pa.Array:
    """One key per row for 'the same place', as the spreading groups markers: country and lower-cased place name,
    or rounded coordinates where no place is named (Arrow kernels: no Python per row)."""
    name = pc.utf8_lower(pc.utf8_trim_whitespace(_strings(place)))
    named = pc.binary_join_element_wise(_strings(country), name, "|")
    unnamed = pc.equal(name, "")
    if not pc.any(unnamed).as_py():
        # Formatting every row's coordinates costs more than the rest together: only when some place is unnamed.
        return _flat(named)
    point = pc.binary_join_element_wise(
        *(pc.cast(pc.round(pa.array(np.asarray(values, dtype=float)), 4), pa.string()) for values in (lat, lon)), "@")
    # Named keys always hold a '|' and coordinate keys never do, so the two kinds cannot collide.
    return _flat(pc.if_else(unnamed, point, named))


@dataclass(frozen=True)
class Places:
    """Rows grouped by place key: each row's place, and per place its key, size, mean position, first row and
    most common style (status or category)."""

    codes: np.ndarray
    keys: list[str]
    count: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    first: np.ndarray
    main_style: list[str]

    def largest(self, limit: int) -> np.ndarray:
        """The `limit` places with the most rows (ties by key), largest first."""
        return np.lexsort((np.array(self.keys, dtype=str), -self.count))[:limit]


def group_by_place(keys: pa.Array, lon, lat, style=None) -> Places:
    encoded = _flat(keys).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n = len(encoded.dictionary)
    count = np.bincount(codes, minlength=n)
    # Rounded to about a metre: exact for places whose records share coordinates, and short in the page.
    mean = {name: (np.bincount(codes, weights=np.asarray(values, dtype=float), minlength=n)
                   / np.maximum(count, 1)).round(5) for name, values in (("lon", lon), ("lat", lat))}
    # Codes are numbered in order of first appearance, so each place's first row is where its code first occurs.
    first = np.unique(codes, return_index=True)[1]
    main_style = [""] * n
    if style is not None and n:
        styles = _strings(style).dictionary_encode()
        style_codes = styles.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        m = len(styles.dictionary)
        table = np.bincount(codes * m + style_codes, minlength=n * m).reshape(n, m)
        names = styles.dictionary.to_pylist()
        main_style = [names[i] for i in table.argmax(axis=1).tolist()]
    return Places(codes, encoded.dictionary.to_pylist(), count, mean["lon"], mean["lat"], first, main_style)


def _many(noun: str, n: int) -> str:
    """'1 workshop', '1,234 workshops'."""
    return tn(f"map.count.{noun}", n)


def group_id(kind: str, *keys: str) -> str:
    """A grouped marker's or arc's id: stable across runs (a click survives reruns) and free of record text."""
    return kind + "/" + hashlib.sha1("\x1f".join(keys).encode()).hexdigest()[:16]


def _group_size(kind: str, count: float) -> int:
    """Bigger for more records, within reason: 10 -> +6 px, 1,000 -> +18 px."""
    return int(round(ICON_SIZE_PX[kind] + 6 * math.log10(max(float(count), 1.0))))


def _take_strings(column: pd.Series, positions: np.ndarray) -> pa.Array:
    return _strings(column).take(pa.array(positions, type=pa.int64()))


def group_markers(kind: str, noun: str, places: Places, limit: int, rows: dict[str, list], colour,
                  tt_kind: list[str] | str) -> pd.DataFrame:
    """One marker per place (the `limit` largest), sized by its count; `rows` holds each drawn place's first row's
    country, country_name and place, and `colour` / `tt_kind` one value per drawn place (or one for all)."""
    drawn = places.largest(limit)
    counts = places.count[drawn].tolist()
    where = [_join(place, country_name) or t("detail.no_place")
             for place, country_name in zip(rows["place"], rows["country_name"])]
    titles = [t("map.group.title", what=_many(noun, n), place=place) for n, place in zip(counts, where)]
    frame = _marker_frame(
        len(drawn), kind=kind, record_kind=GROUP, record_id=[group_id(kind, places.keys[k]) for k in drawn.tolist()],
        name=titles, country=rows["country"], country_name=rows["country_name"], place=rows["place"],
        precision=GROUP_PRECISION, lon=places.lon[drawn].tolist(), lat=places.lat[drawn].tolist(), colour=colour,
        style_key=[places.main_style[k] for k in drawn.tolist()], date_label="", tt_title=titles, tt_kind=tt_kind,
        tt_body=t("map.group.body"))
    return frame.assign(count=counts)


def _first_rows(frame: pd.DataFrame, places: Places, drawn: np.ndarray, fields: dict[str, str],
                rows: np.ndarray | None = None) -> dict[str, list]:
    """country / country_name / place of each drawn place's first row (`fields` maps them to the frame's columns;
    `rows` maps the grouped rows to the frame's rows when they are not the same)."""
    first = places.first[drawn]
    positions = first if rows is None else rows[first]
    return {name: _take_list(frame[column], positions) for name, column in fields.items()}


def grouped_workshops(workshops: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, Places]:
    """Workshops grouped by place, each group coloured by its most common status."""
    places = group_by_place(place_keys(workshops["country"], workshops["city"], workshops["lon"], workshops["lat"]),
                            workshops["lon"], workshops["lat"], workshops["status"])
    drawn = places.largest(limit)
    rows = _first_rows(workshops, places, drawn, {"country": "country", "country_name": "country_name",
                                                   "place": "city"})
    statuses = [places.main_style[k] for k in drawn.tolist()]
    return group_markers("workshop", "workshops", places, limit, rows, [STATUS_COLOURS[s] for s in statuses],
                         [t("map.group.kind_workshops", status=t(f"status.{s}")) for s in statuses]), places


def grouped_sites(events: pd.DataFrame, placed: np.ndarray, country_names: dict[str, str],
                  limit: int) -> tuple[pd.DataFrame, int]:
    """Placed cooperation events grouped by place, each group coloured by its most common category; and the number
    of places."""
    rows = np.flatnonzero(placed)
    country = _take_strings(events["place_country"], rows)
    lon, lat = events["lon"].to_numpy(dtype=float)[rows], events["lat"].to_numpy(dtype=float)[rows]
    places = group_by_place(place_keys(country, _take_strings(events["place"], rows), lon, lat), lon, lat,
                            _take_strings(events["category"], rows))
    drawn = places.largest(limit)
    first = _first_rows(events, places, drawn, {"country": "place_country", "place": "place"}, rows)
    first["country_name"] = [country_names.get(code, code) for code in first["country"]]
    categories = [places.main_style[k] for k in drawn.tolist()]
    return group_markers("site", "sites", places, limit, first, [CATEGORY_COLOURS[c] for c in categories],
                         [t("map.group.kind_sites", category=t(f"category.{c}")) for c in categories]), len(places.keys)


def selected_links(workshops: pd.DataFrame, atlas: Atlas) -> tuple[np.ndarray, np.ndarray]:
    """(row in `workshops`, row in atlas.institutions) of every link from these workshops to a partner with
    coordinates, from the atlas's precomputed links (numpy only, however many workshops)."""
    link = atlas.links.lists[("workshops", "partner_institution_ids")]
    chosen = is_in(atlas.workshops["workshop_id"], workshops["workshop_id"].tolist())
    # The selection keeps the atlas's row order, so its n-th row is the n-th chosen atlas row.
    row_in_selection = np.full(len(chosen), -1, dtype=np.int64)
    row_in_selection[chosen] = np.arange(int(chosen.sum()))
    institutions = atlas.institutions
    located = institutions["lat"].notna().to_numpy() & institutions["lon"].notna().to_numpy()
    keep = chosen[link.rows] & located[link.targets]
    return row_in_selection[link.rows[keep]], link.targets[keep]


def grouped_partners_and_arcs(workshops: pd.DataFrame, workshop_places: Places, atlas: Atlas,
                              limit: int) -> tuple[pd.DataFrame, pd.DataFrame, int, int, int, int]:
    """Partner institutions grouped by place, and one arc per (partner place, workshop place) with its count.

    The workshops are drawn as places, so their links are too: thousands of single arcs would all run between
    the same few dozen pairs of places. Returns the partner markers, the arcs, the institution and link totals, and
    the numbers of partner places and of place pairs.
    """
    workshop_rows, institution_rows = selected_links(workshops, atlas)
    institutions = atlas.institutions
    partner_rows, link_partner = np.unique(institution_rows, return_inverse=True)
    lon = institutions["lon"].to_numpy(dtype=float)[partner_rows]
    lat = institutions["lat"].to_numpy(dtype=float)[partner_rows]
    places = group_by_place(place_keys(_take_strings(institutions["country"], partner_rows),
                                       _take_strings(institutions["city"], partner_rows), lon, lat), lon, lat)
    drawn = places.largest(limit)
    fields = {"country": "country", "country_name": "country_name", "place": "city"}
    rows = _first_rows(institutions, places, drawn, fields, partner_rows)
    partners = group_markers("partner", "partners", places, limit, rows, PARTNER_COLOUR,
                             [t("map.tt.partner_kind_cn") if country == "CN" else t("map.tt.partner_kind")
                              for country in rows["country"]])

    n_targets = max(len(workshop_places.keys), 1)
    pairs, counts = np.unique(places.codes[link_partner] * n_targets + workshop_places.codes[workshop_rows],
                              return_counts=True)
    pair_total = len(pairs)
    order = np.lexsort((pairs, -counts))[:limit]
    pairs, counts = pairs[order], counts[order]
    source, target = pairs // n_targets, pairs % n_targets
    source_where = _first_rows(institutions, places, source, {"country_name": "country_name", "place": "city"},
                               partner_rows)
    target_where = _first_rows(workshops, workshop_places, target, {"country_name": "country_name", "place": "city"})
    source_text = [_join(p, c) for p, c in zip(source_where["place"], source_where["country_name"])]
    target_text = [_join(p, c) for p, c in zip(target_where["place"], target_where["country_name"])]
    target_colours = {status: hex_to_rgb(colour, 230) for status, colour in STATUS_COLOURS.items()}
    arcs = pd.DataFrame({
        "record_kind": [GROUP] * len(pairs),
        "record_id": [group_id("link", places.keys[s], workshop_places.keys[w])
                      for s, w in zip(source.tolist(), target.tolist())],
        "partner_id": [""] * len(pairs),
        "source_lon": places.lon[source].tolist(), "source_lat": places.lat[source].tolist(),
        "target_lon": workshop_places.lon[target].tolist(), "target_lat": workshop_places.lat[target].tolist(),
        "source_colour": [hex_to_rgb(PARTNER_COLOUR, 200)] * len(pairs),
        "target_colour": [target_colours[workshop_places.main_style[w]] for w in target.tolist()],
        "tt_title": [t("map.group.links_title", what=_many("links", n), source=s or t("detail.no_place"),
                       target=w or t("detail.no_place")) for n, s, w in zip(counts.tolist(), source_text, target_text)],
        "tt_kind": [t("map.group.kind_links")] * len(pairs),
        "tt_body": [t("map.group.body")] * len(pairs),
        # Wider for more links: 1 -> 2.5 px, 100 -> 6.5 px.
        "width": [round(2.5 + 2 * math.log10(n), 1) for n in counts.tolist()],
        "count": counts.tolist(),
    })
    return partners, arcs, len(partner_rows), len(institution_rows), len(places.keys), pair_total


def spread_offsets(markers: pd.DataFrame) -> pd.DataFrame:
    """Add pixel offsets so markers that share a place (same country and city) are all visible and reachable.

    A lone marker stays exactly on its point; a group is laid out on a sunflower spiral in a fixed order
    (workshops, then partners, then sites, each by id), so the layout is the same on every run.
    """
    m = _lists(markers, ("country", "place", "lat", "lon", "kind", "record_id"))
    groups: dict[tuple, list[int]] = {}
    for i, (country, place, lat, lon) in enumerate(zip(m["country"], m["place"], m["lat"], m["lon"])):
        # Without a place name, only exactly equal coordinates count as the same place.
        key = ("place", country, place.casefold().strip()) if place.strip() else ("point", round(lat, 4), round(lon, 4))
        groups.setdefault(key, []).append(i)
    kind_order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    offset_x, offset_y = np.zeros(len(markers)), np.zeros(len(markers))
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (kind_order.get(m["kind"][i], len(KIND_ORDER)), m["record_id"][i]))
        for rank, i in enumerate(members):
            radius, angle = SPREAD_STEP_PX * (rank + 0.5) ** 0.5, rank * GOLDEN_ANGLE
            offset_x[i], offset_y[i] = radius * math.cos(angle), radius * math.sin(angle)
    return markers.assign(offset_x=offset_x.round(1), offset_y=offset_y.round(1))


# --- the map as a whole ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapData:
    """What the map draws for one selection; sites and partner links can be switched off.

    A layer with more markers than `limit` is drawn grouped by place (named in `grouped`, with its number of
    places), the workshops' partners and links with them; otherwise partner and link layers beyond `limit` keep
    the first by id. The totals count every match (partners and links: those of the drawn workshops).
    """

    workshops: pd.DataFrame
    sites: pd.DataFrame
    partners: pd.DataFrame
    arcs: pd.DataFrame
    workshop_total: int = 0
    workshop_countries: int = 0
    site_total: int = 0
    partner_total: int = 0
    arc_total: int = 0
    unplaced_events: int = 0
    show_sites: bool = True
    show_arcs: bool = True
    limit: int = MAX_MARKERS_PER_LAYER
    # (layer, number of places) for each layer drawn grouped by place: "workshops", "sites", "partners", "arcs".
    grouped: tuple[tuple[str, int], ...] = ()

    @cached_property
    def markers(self) -> pd.DataFrame:
        """Every visible marker, with pixel offsets for those that share a place."""
        frames = [self.workshops]
        if self.show_arcs:
            frames.append(self.partners)
        if self.show_sites:
            frames.append(self.sites)
        frames = [f for f in frames if not f.empty]
        combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MARKER_COLUMNS)
        return spread_offsets(combined)

    @property
    def visible_arcs(self) -> pd.DataFrame:
        return self.arcs if self.show_arcs else self.arcs.iloc[0:0]

    @property
    def is_empty(self) -> bool:
        return self.markers.empty


def build_map_data(selection: Selection, atlas: Atlas, show_sites: bool = True, show_arcs: bool = True,
                   limit: int | None = None) -> MapData:
    """Markers and arcs for the filtered selection (workshop key dates come from all of its milestones).

    A layer with more than `limit` markers is grouped by place with vectorised passes; below it, each record gets
    its own marker and tooltip, built only for what is drawn.
    """
    # Read at call time, so a test can lower the cap for the whole page.
    limit = MAX_MARKERS_PER_LAYER if limit is None else limit
    country_names = dict(zip(atlas.countries["iso2"].tolist(), atlas.countries["name_en"].tolist()))
    events, workshops = selection.events, selection.workshops
    placed = np.asarray(placed_events(events), dtype=bool)
    site_total = int(placed.sum())
    grouped: list[tuple[str, int]] = []
    if len(workshops) > limit:
        workshop_frame, workshop_places = grouped_workshops(workshops, limit)
        partners, arcs, partner_total, arc_total, partner_places, pairs = grouped_partners_and_arcs(
            workshops, workshop_places, atlas, limit)
        grouped += [("workshops", len(workshop_places.keys)), ("partners", partner_places), ("arcs", pairs)]
    else:
        drawn = _lists(workshops, WORKSHOP_FIELDS, _first_by_id(workshops["workshop_id"], limit))
        links = partner_links(drawn, atlas.institutions)
        workshop_frame, partners, arcs = workshop_markers(drawn, atlas.events), partner_markers(links, limit), \
            partner_arcs(links, limit)
        partner_total, arc_total = len(set(links["institution_id"])), len(links["institution_id"])
    if site_total > limit:
        sites, site_places = grouped_sites(events, placed, country_names, limit)
        grouped.append(("sites", site_places))
    else:
        sites = site_markers(_lists(events, SITE_FIELDS, _first_by_id(events["event_id"], limit, placed)), country_names)
    return MapData(
        workshops=workshop_frame, sites=sites, partners=partners, arcs=arcs,
        workshop_total=len(workshops),
        workshop_countries=workshops["country"].nunique(),
        site_total=site_total, partner_total=partner_total, arc_total=arc_total,
        unplaced_events=int((np.asarray(events["workshop_id"] == "", dtype=bool) & ~placed).sum()),
        show_sites=show_sites, show_arcs=show_arcs, limit=limit, grouped=tuple(grouped))


@dataclass(frozen=True)
class MapView:
    latitude: float
    longitude: float
    zoom: float

    def nudged(self, count: int) -> "MapView":
        """A view that differs from the last one sent in every field.

        The chart only applies the fields of initial_view_state that changed since the last run, so pressing
        "fit" twice on the same selection (after the visitor panned) would otherwise do nothing.
        """
        step = 1e-7 * (count % 2 + 1)
        return MapView(self.latitude + step, self.longitude + step, self.zoom + step)


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator world coordinates in [0, 1] (x east, y south)."""
    lat = max(min(lat, 85.05), -85.05)
    return (lon + 180) / 360, (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _inverse_mercator(x: float, y: float) -> tuple[float, float]:
    return x * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


def fit_view(lons: list[float], lats: list[float], width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX,
             max_zoom: float = MAX_FIT_ZOOM) -> MapView:
    """The view that shows every given point with some padding (a single point gets max_zoom)."""
    points = [_mercator(lon, lat) for lon, lat in zip(lons, lats)]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    usable_w, usable_h = width_px - 2 * FIT_PADDING_PX, height_px - 2 * FIT_PADDING_PX
    zooms = [max_zoom]
    if span_x > 0:
        zooms.append(math.log2(usable_w / (WORLD_PX * span_x)))
    if span_y > 0:
        zooms.append(math.log2(usable_h / (WORLD_PX * span_y)))
    lon, lat = _inverse_mercator((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    return MapView(round(lat, 4), round(lon, 4), round(max(MIN_ZOOM, min(zooms)), 2))


def view_points(map_data: MapData) -> tuple[list[float], list[float]]:
    markers = map_data.markers
    return markers["lon"].to_list(), markers["lat"].to_list()


def default_view(atlas: Atlas) -> MapView:
    """The opening view: every workshop and partner in the whole atlas (not the filtered part), so it never jumps."""
    workshops = atlas.workshops
    partners = atlas.institutions[atlas.institutions["institution_id"].isin(
        set(workshops["partner_institution_ids"].explode().dropna())) & atlas.institutions["lat"].notna()]
    lons = workshops["lon"].to_list() + partners["lon"].to_list()
    lats = workshops["lat"].to_list() + partners["lat"].to_list()
    if not lons:
        return MapView(42.0, 75.0, 3.0)
    return fit_view(lons, lats)


def screen_position(lon: float, lat: float, view: MapView, width_px: float, height_px: float) -> tuple[float, float]:
    """Where deck.gl draws a point, in pixels from the chart's top-left corner (used by tests and fitting)."""
    scale = WORLD_PX * 2 ** view.zoom
    x, y = _mercator(lon, lat)
    centre_x, centre_y = _mercator(view.longitude, view.latitude)
    return width_px / 2 + (x - centre_x) * scale, height_px / 2 + (y - centre_y) * scale


# --- deck ------------------------------------------------------------------------------------------------------

def outline_features(outlines: dict) -> dict:
    """Country outlines with their colours as properties; the six focus countries are drawn brighter and bolder.

    `fill` is for the offline background, `fill_street` lets the street map show through.
    """
    features = []
    for feature in outlines.get("features", []):
        focus = bool(feature["properties"].get("focus"))
        # Only colours travel with the shapes: no text from the file reaches the chart.
        properties = {"fill": [255, 255, 255, 255] if focus else [224, 228, 232, 255],
                      "fill_street": [255, 255, 255, 40] if focus else [0, 0, 0, 0],
                      "line": [90, 104, 120, 255] if focus else [170, 178, 186, 255], "line_px": 1.4 if focus else 0.6}
        features.append({"type": "Feature", "geometry": feature["geometry"], "properties": properties})
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=2)
def _served_outlines(modified_ns: int) -> dict | None:
    try:
        return json.loads(MAP_OUTLINES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def served_outlines() -> dict | None:
    """The served file's contents (read again only when it changes), or None without a readable file."""
    try:
        return _served_outlines(MAP_OUTLINES_FILE.stat().st_mtime_ns)
    except OSError:
        return None


def outline_data(outlines: dict) -> str | dict:
    """The served file's address when it holds exactly these outlines, else the outlines themselves.

    A data directory with other outlines than the shipped ones still gets its own shapes on the map.
    """
    features = outline_features(outlines)
    return MAP_OUTLINES_URL if features == served_outlines() else features


def deck_safe(text: str) -> str:
    """Record text that reaches the chart's tooltip exactly as written.

    deck.gl's JSON converter walks the layer data too: a string starting with '@@=' becomes an expression and
    '@@#' a constant, so a record titled '@@=alert(1)' would stop the whole map from drawing. The tooltip fills
    its placeholders one after the other, so a '{tt_body}' inside a title would swallow the real body. A
    zero-width space after '@' and '{' defuses both and looks the same. HTML needs no escaping here: the chart
    escapes every value it puts into the tooltip template (escaping twice would show '&lt;' to the visitor).
    """
    text = text.replace("{", "{\u200b")
    return "@\u200b" + text[1:] if text.startswith("@@") else text


def _marker_records(markers: pd.DataFrame) -> dict[str, list[dict]]:
    """The chart's data for each kind of marker, in one pass over the frame."""
    m = _lists(markers, ("kind", "record_kind", "record_id", "lon", "lat", "colour", "precision", "offset_x",
                         "offset_y", "tt_title", "tt_kind", "tt_body"))
    counts = markers["count"].tolist() if "count" in markers.columns else [None] * len(markers)
    records: dict[str, list[dict]] = {kind: [] for kind in KIND_ORDER}
    for kind, record_kind, record_id, lon, lat, colour, precision, offset_x, offset_y, title, what, body, count in zip(
            *m.values(), counts):
        records[kind].append({
            "record_kind": record_kind, "record_id": record_id, "lon": lon, "lat": lat,
            "icon": icon_id(SHAPES[kind], colour, precision != "campus"),
            "size": _group_size(kind, count) if record_kind == GROUP else ICON_SIZE_PX[kind],
            "pixel_offset": [offset_x, offset_y],
            "tt_title": deck_safe(title), "tt_kind": deck_safe(what), "tt_body": deck_safe(body)})
    return records


def _count_labels(records: dict[str, list[dict]], markers: pd.DataFrame) -> list[dict]:
    """The number under each grouped marker, so a place's size reads without hovering."""
    if "count" not in markers.columns:
        return []
    groups = {r["record_id"]: r for kind in KIND_ORDER for r in records[kind] if r["record_kind"] == GROUP}
    m = _lists(markers, ("record_kind", "record_id", "count"))
    labels = []
    for record_kind, record_id, count in zip(*m.values()):
        if record_kind == GROUP:
            record = groups[record_id]
            offset_x, offset_y = record["pixel_offset"]
            labels.append({"text": f"{int(count):,}", "position": [record["lon"], record["lat"]],
                           "pixel_offset": [offset_x, offset_y + record["size"] / 2 + 7]})
    return labels


def _arc_records(arcs: pd.DataFrame) -> list[dict]:
    columns = _lists(arcs, tuple(column for column in arcs.columns if column != "partner_id"))
    for field in ("tt_title", "tt_kind", "tt_body"):
        columns[field] = [deck_safe(text) for text in columns[field]]
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _with_hints(records: list[dict], grouped: bool) -> list[dict]:
    """With groups on the map each record says what a click does (see tooltip_spec); otherwise unchanged."""
    if grouped:
        hints = {False: t("map.tt.click_hint"), True: t("map.group.click_hint")}
        for record in records:
            record["tt_hint"] = hints[record["record_kind"] == GROUP]
    return records


def _icon_layer(layer_id: str, records: list[dict]) -> pdk.Layer:
    atlas_url, mapping = icon_atlas([record["icon"] for record in records])
    # Quoted, so pydeck passes the image address as a value rather than an expression.
    return pdk.Layer("IconLayer", id=layer_id, data=records, icon_atlas=f"'{atlas_url}'", icon_mapping=mapping,
                     get_icon="icon", get_position=["lon", "lat"], get_size="size", size_units="'pixels'",
                     get_pixel_offset="pixel_offset", pickable=True, auto_highlight=True,
                     highlight_color=[0, 0, 0, 60])


def tooltip_spec(hint_field: bool = False) -> dict:
    """One HTML template for every pickable layer; the chart HTML-escapes each {field} it fills in.

    With grouped markers on the map the last line comes from each record's `tt_hint` (a group opens no record).
    """
    hint = "{tt_hint}" if hint_field else html.escape(t("map.tt.click_hint"))
    template = ('<div style="font-weight:600;font-size:14px">{tt_title}</div>'
                '<div style="opacity:.85;margin-bottom:4px">{tt_kind}</div>'
                '<div>{tt_body}</div>'
                f'<div style="opacity:.7;font-size:11px;margin-top:4px">{hint}</div>')
    return {"html": template,
            "style": {"whiteSpace": "pre-line", "maxWidth": "360px", "fontSize": "12px", "lineHeight": "1.35",
                      "backgroundColor": "#1F2933", "color": "#FFFFFF", "padding": "8px 10px",
                      "borderRadius": "4px"}}


class CompactDeck(pdk.Deck):
    """A Deck whose JSON (what st.pydeck_chart sends on every run) has no indentation.

    pydeck indents by two spaces, which nearly quadruples the bytes and, because Python's C encoder does not
    indent, runs the pure-Python one: about five times slower. The parsed spec is the same.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def build_deck(map_data: MapData, atlas: Atlas, view: MapView, basemap: bool = False) -> pdk.Deck:
    """The pydeck map: outlines and labels, partner arcs, partner / site / workshop markers (bottom to top)."""
    layers = [
        pdk.Layer("GeoJsonLayer", id="outlines", data=outline_data(atlas.outlines), stroked=True,
                  filled=True, get_fill_color="properties.fill_street" if basemap else "properties.fill",
                  get_line_color="properties.line", get_line_width="properties.line_px", line_width_units="'pixels'",
                  # The data (an address) stays the same when the street map is switched: a changed trigger is
                  # deck.gl's documented way to have the fills computed again.
                  update_triggers={"getFillColor": "street" if basemap else "offline"}, pickable=False),
        pdk.Layer("TextLayer", id="country-labels",
                  data=[{"name": deck_safe(n), "position": [float(lon), float(lat)]} for n, lat, lon in
                        zip(atlas.countries["name_en"], atlas.countries["centroid_lat"], atlas.countries["centroid_lon"])],
                  get_text="name", get_position="position", get_size=13, get_color=[95, 107, 120, 255],
                  font_family="'Helvetica, Arial, sans-serif'", font_weight=600, character_set="'auto'",
                  pickable=False),
    ]
    markers = map_data.markers
    grouped = bool(map_data.grouped)
    if not map_data.visible_arcs.empty:
        arcs = map_data.visible_arcs
        layers.append(pdk.Layer(
            "ArcLayer", id="partner-arcs", data=_with_hints(_arc_records(arcs), grouped),
            get_source_position=["source_lon", "source_lat"], get_target_position=["target_lon", "target_lat"],
            get_source_color="source_colour", get_target_color="target_colour",
            get_width="width" if "width" in arcs.columns else 2.5, get_height=0.35,
            # Tilted into the ground plane, the arcs curve visibly on a flat (unpitched) map.
            get_tilt=90,
            great_circle=False, pickable=True, auto_highlight=True))
    records = {kind: _with_hints(kind_records, grouped) for kind, kind_records in _marker_records(markers).items()}
    for kind, layer_id in (("partner", "partners"), ("site", "sites"), ("workshop", "workshops")):
        if records[kind]:
            layers.append(_icon_layer(layer_id, records[kind]))
    labels = _count_labels(records, markers)
    if labels:
        layers.append(pdk.Layer("TextLayer", id="group-counts", data=labels, get_text="text", get_position="position",
                                get_pixel_offset="pixel_offset", get_size=12, get_color=GROUP_COUNT_COLOUR,
                                font_family="'Helvetica, Arial, sans-serif'", font_weight=700, pickable=False))
    return CompactDeck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=view.latitude, longitude=view.longitude, zoom=view.zoom,
                                         min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM, pitch=0, bearing=0),
        map_style=TILE_STYLE if basemap else OFFLINE_STYLE,
        map_provider="carto",
        tooltip=tooltip_spec(hint_field=grouped))


# --- selection, legend, caption, table -------------------------------------------------------------------------

def selected_record(selection_state: dict | None, map_data: MapData) -> tuple[str, str] | None:
    """(kind, id) of the clicked marker or arc, if it is still on the map after the latest filter change.

    A grouped marker or arc gives (GROUP, its id): it stands for many records, so it opens none of them.
    """
    objects = (selection_state or {}).get("objects") or {}
    markers = map_data.markers
    arcs = map_data.visible_arcs
    for picked in objects.values():
        for obj in picked or []:
            kind, record_id = obj.get("record_kind"), obj.get("record_id")
            on_map = ((markers["record_kind"] == kind) & (markers["record_id"] == record_id)).any() or (
                kind in ("workshop", GROUP) and ((arcs["record_kind"] == kind) & (arcs["record_id"] == record_id)).any())
            if on_map:
                return kind, record_id
    return None


def group_title(map_data: MapData, record_id: str) -> str:
    """'1,234 workshops in Astana, Kazakhstan': what a grouped marker or arc stands for ('' when it is gone)."""
    for frame in (map_data.markers, map_data.visible_arcs):
        found = frame["tt_title"][(frame["record_kind"] == GROUP) & (frame["record_id"] == record_id)]
        if len(found):
            return str(found.iloc[0])
    return ""


def _legend_item(icon: dict, label: str) -> str:
    return (f'<span style="display:inline-flex;align-items:center;gap:4px;margin:0 12px 4px 0">'
            f'<img src="{icon["url"]}" width="16" height="16" alt="">{html.escape(label)}</span>')


def legend_html(map_data: MapData) -> str:
    """Legend in the map's own symbols: status colours, shapes per layer, and solid vs ring for precision."""
    statuses = set(map_data.workshops["style_key"].tolist())
    status_items = "".join(_legend_item(marker_icon("circle", STATUS_COLOURS[s], False), t(f"status.{s}"))
                           for s in STATUS_ORDER if s in statuses or not statuses)
    rows = [f'<div><b>{html.escape(t("map.legend.workshops"))}</b> {status_items}</div>']
    if map_data.show_sites and not map_data.sites.empty:
        categories = sorted(set(map_data.sites["style_key"].tolist()))
        items = "".join(_legend_item(marker_icon("diamond", CATEGORY_COLOURS[c], False), t(f"category.{c}"))
                        for c in categories)
        rows.append(f'<div><b>{html.escape(t("map.legend.sites"))}</b> {items}</div>')
    extra = []
    if map_data.show_arcs and not map_data.partners.empty:
        extra.append(_legend_item(marker_icon("square", PARTNER_COLOUR, False), t("map.legend.partner")))
        extra.append(f'<span style="margin:0 12px 4px 0"><span style="display:inline-block;width:22px;height:3px;'
                     f'vertical-align:middle;background:linear-gradient(90deg,{PARTNER_COLOUR},{STATUS_COLOURS["operating"]})">'
                     f'</span> {html.escape(t("map.legend.arc"))}</span>')
    extra.append(_legend_item(marker_icon("circle", "#777777", False), t("map.legend.campus")))
    extra.append(_legend_item(marker_icon("circle", "#777777", True), t("map.legend.city")))
    if map_data.grouped:
        extra.append(f'<span style="margin:0 12px 4px 0">{html.escape(t("map.legend.grouped"))}</span>')
    rows.append(f'<div>{"".join(extra)}</div>')
    return f'<div style="font-size:13px;line-height:1.6">{"".join(rows)}</div>'


def _count(key: str, n: int) -> str:
    return tn(f"map.count.{key}", n)


def summary(map_data: MapData) -> dict[str, int]:
    partners = _lists(map_data.partners, ("country", "place"))
    china_cities = {place for country, place in zip(partners["country"], partners["place"]) if country == "CN" and place}
    return {
        "workshops": map_data.workshop_total,
        "workshop_countries": map_data.workshop_countries,
        "sites": map_data.site_total if map_data.show_sites else 0,
        "partner_cities_cn": len(china_cities) if map_data.show_arcs else 0,
        "arcs": len(map_data.visible_arcs),
        "unplaced_events": map_data.unplaced_events,
    }


def caption_text(map_data: MapData) -> str:
    """'8 workshops in 5 countries, 23 other sites; 3 partner cities in China.' plus what is left off the map."""
    counts = summary(map_data)
    parts = [t("map.caption.workshops", workshops=_count("workshops", counts["workshops"]),
               countries=_count("countries", counts["workshop_countries"]))]
    parts.append(_count("sites", counts["sites"]) if map_data.show_sites else t("map.caption.sites_hidden"))
    # The sentence's commas, semicolon and full stop are the language's own (Chinese: ，；。), from the catalog.
    text = t("map.caption.sentence", workshops=parts[0], sites=parts[1],
             partners=_count("partner_cities", counts["partner_cities_cn"]) if map_data.show_arcs
             else t("map.caption.arcs_hidden"))
    if counts["unplaced_events"]:
        text += " " + _count("unplaced", counts["unplaced_events"])
    grouped = dict(map_data.grouped)
    for drawn, total, what in ((len(map_data.workshops), map_data.workshop_total, "workshops"),
                               (len(map_data.sites), map_data.site_total if map_data.show_sites else 0, "sites"),
                               (len(map_data.partners), map_data.partner_total if map_data.show_arcs else 0, "partners"),
                               (len(map_data.arcs), map_data.arc_total if map_data.show_arcs else 0, "arcs")):
        if what in grouped and total:
            places = grouped[what]
            text += " " + t(f"map.caption.grouped_{what}", total=number(total), places=number(places),
                            cap=number(map_data.limit))
            if drawn < places:
                text += " " + t("map.caption.grouped_capped", shown=number(drawn), places=number(places))
        elif drawn < total:
            text += " " + t(f"map.caption.capped_{what}", shown=number(drawn), total=number(total))
    return text


def records_table(map_data: MapData, limit: int = MAX_TABLE_ROWS) -> tuple[pd.DataFrame, int]:
    """The mapped records as a compact table (the map's text alternative), at most `limit` rows, and the total."""
    m = _lists(map_data.markers, ("kind", "name", "country_name", "place", "precision", "style_key", "date_label",
                                  "record_id", "record_kind"))
    kind_order = {"workshop": 0, "site": 1, "partner": 2}
    rows = sorted(range(len(m["kind"])), key=lambda i: (kind_order[m["kind"][i]], m["country_name"][i], m["place"][i],
                                                       m["record_id"][i]))[:limit]
    shown = {column: [values[i] for i in rows] for column, values in m.items()}
    what = [t(f"status.{k}") if kind == "workshop" else t(f"category.{k}") if kind == "site" else t("map.table.partner_what")
            for kind, k in zip(shown["kind"], shown["style_key"])]
    table = pd.DataFrame({
        t("map.table.type"): [t(f"map.table.kind_{k}") for k in shown["kind"]],
        t("map.table.name"): shown["name"],
        t("map.table.country"): shown["country_name"],
        t("map.table.place"): shown["place"],
        t("map.table.location"): [t("map.table.grouped") if p == GROUP_PRECISION else t(f"precision.{p}")
                                  for p in shown["precision"]],
        t("map.table.what"): what,
        t("map.table.date"): shown["date_label"],
        # A group's id is internal (its place key): the row names what it stands for instead.
        t("map.table.id"): ["" if k == GROUP else i for k, i in zip(shown["record_kind"], shown["record_id"])],
    })
    return table, len(m["kind"])
