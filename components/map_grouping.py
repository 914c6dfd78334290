"""Markers and arcs grouped by place, for layers with more records than the map may draw (vectorised, Arrow)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from atlas import Atlas
from atlas.arrays import is_in
from atlas.i18n import t, tn
from components.map_frames import join_parts, marker_frame, take_list
from components.map_icons import ICON_SIZE_PX, PARTNER_COLOUR
from components.palette import CATEGORY_COLOURS, STATUS_COLOURS, hex_to_rgb

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


def group_size(kind: str, count: float) -> int:
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
    where = [join_parts(place, country_name) or t("detail.no_place")
             for place, country_name in zip(rows["place"], rows["country_name"])]
    titles = [t("map.group.title", what=_many(noun, n), place=place) for n, place in zip(counts, where)]
    frame = marker_frame(
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
    return {name: take_list(frame[column], positions) for name, column in fields.items()}


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
    source_text = [join_parts(p, c) for p, c in zip(source_where["place"], source_where["country_name"])]
    target_text = [join_parts(p, c) for p, c in zip(target_where["place"], target_where["country_name"])]
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
