"""What the map draws for one selection: every layer's markers and arcs, spread where they share a place."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from atlas import Atlas, Selection
from components.map_frames import KIND_ORDER, MARKER_COLUMNS, first_by_id, column_lists
from components.map_grouping import grouped_partners_and_arcs, grouped_sites, grouped_workshops
from components.map_markers import (MAX_MARKERS_PER_LAYER, SITE_FIELDS, WORKSHOP_FIELDS, partner_arcs, partner_links,
                                    partner_markers, placed_events, site_markers, workshop_markers)

# Markers that share a place sit on a sunflower spiral around it, this many pixels apart: screen-space offsets
# keep every marker reachable at every zoom and never move a point when the visitor zooms in.
SPREAD_STEP_PX = 13.0
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def spread_offsets(markers: pd.DataFrame) -> pd.DataFrame:
    """Add pixel offsets so markers that share a place (same country and city) are all visible and reachable.

    A lone marker stays exactly on its point; a group is laid out on a sunflower spiral in a fixed order
    (workshops, then partners, then sites, each by id), so the layout is the same on every run.
    """
    m = column_lists(markers, ("country", "place", "lat", "lon", "kind", "record_id"))
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
        drawn = column_lists(workshops, WORKSHOP_FIELDS, first_by_id(workshops["workshop_id"], limit))
        links = partner_links(drawn, atlas.institutions)
        workshop_frame, partners, arcs = workshop_markers(drawn, atlas.events), partner_markers(links, limit), \
            partner_arcs(links, limit)
        partner_total, arc_total = len(set(links["institution_id"])), len(links["institution_id"])
    if site_total > limit:
        sites, site_places = grouped_sites(events, placed, country_names, limit)
        grouped.append(("sites", site_places))
    else:
        sites = site_markers(column_lists(events, SITE_FIELDS, first_by_id(events["event_id"], limit, placed)), country_names)
    return MapData(
        workshops=workshop_frame, sites=sites, partners=partners, arcs=arcs,
        workshop_total=len(workshops),
        workshop_countries=workshops["country"].nunique(),
        site_total=site_total, partner_total=partner_total, arc_total=arc_total,
        unplaced_events=int((np.asarray(events["workshop_id"] == "", dtype=bool) & ~placed).sum()),
        show_sites=show_sites, show_arcs=show_arcs, limit=limit, grouped=tuple(grouped))
