"""What the map says beside itself: the legend, the caption, the records as a table, and which record a click picked."""

from __future__ import annotations

import html

import pandas as pd

from atlas.i18n import number, t, tn
from components.map_data import MapData
from components.map_frames import column_lists
from components.map_grouping import GROUP, GROUP_PRECISION
from components.map_icons import PARTNER_COLOUR, marker_icon
from components.palette import CATEGORY_COLOURS, CATEGORY_FAMILIES, FAMILY_OF, STATUS_COLOURS, STATUS_ORDER

MAX_TABLE_ROWS = 300


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
    return (f'<span style="display:inline-flex;align-items:center;gap:4px;margin:0 12px 2px 0;white-space:nowrap">'
            f'<img src="{icon["url"]}" width="16" height="16" alt="">{html.escape(label)}</span>')


def _legend_row(title: str, items: list[str]) -> str:
    return f'<div><b>{html.escape(title)}</b> {"".join(items)}</div>'


def legend_html(map_data: MapData) -> str:
    """Legend in the map's own symbols, three short rows: workshop statuses; other sites by kind (the Overview's
    category families, one colour each, instead of a swatch per category); what shapes, rings and arcs mean."""
    statuses = set(map_data.workshops["style_key"].tolist())
    rows = [_legend_row(t("map.legend.workshops"), [
        _legend_item(marker_icon("circle", STATUS_COLOURS[s], False), t(f"status.{s}"))
        for s in STATUS_ORDER if s in statuses or not statuses])]
    if map_data.show_sites and not map_data.sites.empty:
        families = {FAMILY_OF.get(category, category) for category in map_data.sites["style_key"].tolist()}
        rows.append(_legend_row(t("map.legend.sites"), [
            _legend_item(marker_icon("diamond", CATEGORY_COLOURS[members[0]], False), t(f"overview.family.{family}"))
            for family, members in CATEGORY_FAMILIES.items() if family in families]))
    extra = []
    if map_data.show_arcs and not map_data.partners.empty:
        extra.append(_legend_item(marker_icon("square", PARTNER_COLOUR, False), t("map.legend.partner")))
        extra.append(f'<span style="margin:0 12px 2px 0;white-space:nowrap"><span style="display:inline-block;'
                     f'width:22px;height:3px;vertical-align:middle;background:linear-gradient(90deg,{PARTNER_COLOUR},'
                     f'{STATUS_COLOURS["operating"]})"></span> {html.escape(t("map.legend.arc"))}</span>')
    extra.append(_legend_item(marker_icon("circle", "#777777", False), t("map.legend.campus")))
    extra.append(_legend_item(marker_icon("circle", "#777777", True), t("map.legend.city")))
    if map_data.grouped:
        extra.append(f'<span style="margin:0 12px 2px 0">{html.escape(t("map.legend.grouped"))}</span>')
    rows.append(f'<div>{"".join(extra)}</div>')
    return f'<div style="font-size:13px;line-height:1.5">{"".join(rows)}</div>'


def _count(key: str, n: int) -> str:
    return tn(f"map.count.{key}", n)


def summary(map_data: MapData) -> dict[str, int]:
    partners = column_lists(map_data.partners, ("country", "place"))
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
    m = column_lists(map_data.markers, ("kind", "name", "country_name", "place", "precision", "style_key", "date_label",
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
