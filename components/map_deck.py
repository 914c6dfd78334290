"""The pydeck map: country outlines and labels, partner arcs, marker layers and the tooltip, as one compact Deck."""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from atlas import Atlas
from atlas.i18n import number, t
from components.map_data import MapData
from components.map_frames import KIND_ORDER, column_lists
from components.map_grouping import GROUP, GROUP_COUNT_COLOUR, group_size
from components.map_labels import label_points
from components.map_icons import ICON_SIZE_PX, SHAPES, icon_atlas, icon_id
from components.map_view import MAX_ZOOM, MIN_ZOOM, MapView

OFFLINE_STYLE = "/app/static/offline-map-style.json"
# The outlines as the map draws them, served as a file (tools/build_outlines.py writes it from the data directory's
# outlines): the browser fetches them once instead of receiving them with every run's deck spec.
MAP_OUTLINES_FILE = Path(__file__).resolve().parents[1] / "static" / "map-outlines.json"
MAP_OUTLINES_URL = "/app/static/map-outlines.json"
TILE_STYLE = pdk.map_styles.CARTO_LIGHT


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
    m = column_lists(markers, ("kind", "record_kind", "record_id", "lon", "lat", "colour", "precision", "offset_x",
                         "offset_y", "tt_title", "tt_kind", "tt_body"))
    counts = markers["count"].tolist() if "count" in markers.columns else [None] * len(markers)
    records: dict[str, list[dict]] = {kind: [] for kind in KIND_ORDER}
    for kind, record_kind, record_id, lon, lat, colour, precision, offset_x, offset_y, title, what, body, count in zip(
            *m.values(), counts):
        records[kind].append({
            "record_kind": record_kind, "record_id": record_id, "lon": lon, "lat": lat,
            "icon": icon_id(SHAPES[kind], colour, precision != "campus"),
            "size": group_size(kind, count) if record_kind == GROUP else ICON_SIZE_PX[kind],
            "pixel_offset": [offset_x, offset_y],
            "tt_title": deck_safe(title), "tt_kind": deck_safe(what), "tt_body": deck_safe(body)})
    return records


def _count_labels(records: dict[str, list[dict]], markers: pd.DataFrame) -> list[dict]:
    """The number under each grouped marker, so a place's size reads without hovering."""
    if "count" not in markers.columns:
        return []
    groups = {r["record_id"]: r for kind in KIND_ORDER for r in records[kind] if r["record_kind"] == GROUP}
    m = column_lists(markers, ("record_kind", "record_id", "count"))
    labels = []
    for record_kind, record_id, count in zip(*m.values()):
        if record_kind == GROUP:
            record = groups[record_id]
            offset_x, offset_y = record["pixel_offset"]
            labels.append({"text": number(int(count)), "position": [record["lon"], record["lat"]],
                           "pixel_offset": [offset_x, offset_y + record["size"] / 2 + 7]})
    return labels


def _arc_records(arcs: pd.DataFrame) -> list[dict]:
    columns = column_lists(arcs, tuple(column for column in arcs.columns if column != "partner_id"))
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


def country_labels(atlas: Atlas) -> list[dict]:
    """Each country's name in the visitor's language at its label point (inside its outline), else its centroid."""
    countries = atlas.countries
    points = label_points(atlas.outlines, tuple(countries["iso2"].tolist()))
    labels = []
    for iso2, name, lat, lon in zip(countries["iso2"], countries["name_en"], countries["centroid_lat"],
                                    countries["centroid_lon"]):
        position = points.get(iso2, (float(lon), float(lat)))
        labels.append({"name": deck_safe(name), "position": [float(position[0]), float(position[1])]})
    return labels


def country_label_layer(atlas: Atlas) -> pdk.Layer:
    return pdk.Layer("TextLayer", id="country-labels", data=country_labels(atlas), get_text="name",
                     get_position="position", get_size=13, get_color=[60, 70, 82, 255],
                     font_family="'Helvetica, Arial, sans-serif'", font_weight=600, character_set="'auto'",
                     background=True, get_background_color=[255, 255, 255, 190], background_padding=[4, 1],
                     pickable=False)


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
    # Country names go above the markers (not pickable, so clicks reach the markers beneath), on a pale pill.
    layers.append(country_label_layer(atlas))
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
