"""One map marker per record: workshops by status, cooperation sites by category, partners and their arcs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.arrays import is_in
from atlas.dates import format_partial, format_with_precision
from atlas.i18n import labelled, t
from components.map_frames import join_parts, join_lines, column_lists, marker_frame
from components.map_icons import PARTNER_COLOUR
from components.palette import CATEGORY_COLOURS, STATUS_COLOURS, hex_to_rgb

# Beyond this a layer is a smear at any zoom and each marker adds about 1 KB to the page; the caption says
# how many were left out.
MAX_MARKERS_PER_LAYER = 1000
SUMMARY_CHARS = 140
MAX_NAMES_IN_TOOLTIP = 4
# Milestones worth a line in a workshop's tooltip, in life-cycle order.
KEY_MILESTONES = ("mou", "agreement", "launch_ceremony", "trial_operation", "partial_opening", "opening")


def _place_label(place: str, country_name: str, precision: str) -> str:
    where = join_parts(place, country_name)
    return t("map.tt.place", place=where or t("detail.no_place"), precision=t(f"precision.{precision}"))


def key_dates(workshop_ids: pd.Series, events: pd.DataFrame) -> dict[str, list[str]]:
    """workshop id -> ['Memorandum (MoU): 2 March 2023 (day precision)', ...]: the first dated event of each
    key milestone, in life-cycle order (one pass over the events, however many workshops)."""
    own = np.flatnonzero(is_in(events["workshop_id"], set(workshop_ids)) & is_in(events["milestone"], KEY_MILESTONES)
                         & np.asarray(events["date"] != "", dtype=bool))
    if not len(own):
        return {}
    rows = column_lists(events, ("workshop_id", "milestone", "date", "date_precision"), own)
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
    return marker_frame(
        len(w["workshop_id"]), kind="workshop", record_kind="workshop", record_id=w["workshop_id"], name=w["name_en"],
        country=w["country"], country_name=w["country_name"], place=w["city"], precision=w["coord_precision"],
        lon=[float(x) for x in w["lon"]], lat=[float(y) for y in w["lat"]],
        colour=[STATUS_COLOURS[status] for status in w["status"]], style_key=w["status"],
        # The table shows the most advanced milestone reached, named, with its precision.
        date_label=[lines[-1] if lines else "" for lines in dates],
        tt_title=w["name_en"],
        tt_kind=[t("map.tt.workshop_kind", status=t(f"status.{status}"), as_of=format_partial(as_of))
                 for status, as_of in zip(w["status"], w["status_as_of"])],
        tt_body=[join_lines(t("map.tt.host", host=host or t("detail.not_named")),
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
    return marker_frame(
        len(e["event_id"]), kind="site", record_kind="event", record_id=e["event_id"], name=e["title"],
        country=e["place_country"], country_name=place_country, place=e["place"], precision=e["coord_precision"],
        lon=[float(x) for x in e["lon"]], lat=[float(y) for y in e["lat"]],
        colour=[CATEGORY_COLOURS[category] for category in e["category"]], style_key=e["category"], date_label=when,
        tt_title=e["title"],
        tt_kind=[t("map.tt.site_kind", category=t(f"category.{category}"), date=date)
                 for category, date in zip(e["category"], when)],
        tt_body=[join_lines(_place_label(place, country_name, precision),
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
    p = column_lists(institutions, PARTNER_FIELDS, located)
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
    return marker_frame(
        len(chosen), kind="partner", record_kind="institution", record_id=chosen, name=p["partner_name"],
        country=p["country"], country_name=p["country_name"], place=p["city"], precision=p["coord_precision"],
        lon=[float(x) for x in p["lon"]], lat=[float(y) for y in p["lat"]], colour=PARTNER_COLOUR,
        style_key="partner", date_label="", tt_title=p["partner_name"],
        tt_kind=[t("map.tt.partner_kind_cn") if country == "CN" else t("map.tt.partner_kind") for country in p["country"]],
        tt_body=[join_lines(_place_label(city, country_name, precision),
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
        "tt_body": [t("map.tt.arc_body", source=join_parts(city, country), target=join_parts(target_city, target_country))
                    for city, country, target_city, target_country in zip(
                        a["city"], a["country_name"], a["target_city"], a["target_country"])],
    })
