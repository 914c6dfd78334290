"""The shared filter state and `apply_filters`: pure, vectorised, one Selection out."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import numpy as np
import pandas as pd

from atlas.load import Atlas, normalise_text
from atlas.links import follow


@dataclass(frozen=True)
class Filters:
    """What the visitor asked for; empty tuples and None mean 'no restriction'."""

    countries: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    text: str = ""
    include_regional: bool = True

    @property
    def has_year_range(self) -> bool:
        return self.year_min is not None or self.year_max is not None

    @property
    def is_default(self) -> bool:
        return self == Filters()

    def active(self) -> dict[str, object]:
        """Only the restrictions in force, for captions, file names and READMEs."""
        defaults = Filters()
        return {name: getattr(self, name) for name in self.__dataclass_fields__
                if getattr(self, name) != getattr(defaults, name)}

    def slug(self) -> str:
        """File-name part naming the filters: 'KZ_2023-2025_operating' (or 'all')."""
        parts: list[str] = []
        if self.countries:
            parts.append("-".join(self.countries))
        if self.has_year_range:
            parts.append(f"{self.year_min or ''}-{self.year_max or ''}")
        parts += ["-".join(self.statuses)] if self.statuses else []
        parts += ["-".join(self.categories)] if self.categories else []
        if self.text:
            cleaned = "".join(ch if ch.isalnum() else "-" for ch in self.text.strip())[:30].strip("-")
            parts.append(f"q-{cleaned}" if cleaned else "q")
        if not self.include_regional:
            parts.append("no-regional")
        return "_".join(parts) if parts else "all"

    def without(self, name: str) -> "Filters":
        return replace(self, **{name: getattr(Filters(), name)})


@dataclass(frozen=True)
class Selection:
    """The rows that match, table by table; sources are exactly those the selected rows cite."""

    filters: Filters
    workshops: pd.DataFrame
    events: pd.DataFrame
    institutions: pd.DataFrame
    claims: pd.DataFrame
    sources: pd.DataFrame
    totals: dict[str, int] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def on(self, atlas: Atlas) -> "Selection":
        """The same rows taken from another copy of the atlas (e.g. the published data behind a display copy)."""
        def same_rows(name: str, frame: pd.DataFrame) -> pd.DataFrame:
            whole = atlas.table(name)
            return whole if len(frame) == len(whole) else whole.loc[frame.index]
        return replace(self, **{name: same_rows(name, getattr(self, name))
                                for name in ("workshops", "events", "institutions", "claims", "sources")})

    @property
    def is_empty(self) -> bool:
        return self.workshops.empty and self.events.empty


def _text_mask(search_text: pd.Series, text: str) -> np.ndarray:
    """Every whitespace-separated term must appear (accent- and case-insensitive)."""
    mask = np.ones(len(search_text), dtype=bool)
    for term in normalise_text(pd.Series([text])).iloc[0].split():
        mask &= _writable(search_text.str.contains(term, regex=False))
    return mask


def _year_mask(start_year: pd.Series, end_year: pd.Series, filters: Filters) -> np.ndarray:
    """Spans overlapping the range; undated rows pass only when no year range is set."""
    if not filters.has_year_range:
        return np.ones(len(start_year), dtype=bool)
    low = filters.year_min if filters.year_min is not None else -10_000
    high = filters.year_max if filters.year_max is not None else 10_000
    return _writable(((start_year <= high) & (end_year >= low)).fillna(False))


def _writable(mask: pd.Series) -> np.ndarray:
    # Arrow-backed results can convert to read-only arrays, and the masks below are combined in place.
    return np.array(mask, dtype=bool)


def _is_in(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    return _writable(column.isin(values))


def _is_empty(column: pd.Series) -> np.ndarray:
    return _writable(column == "")


def _rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    # Copy-on-write makes the unfiltered frame safe to hand out as is, and skipping the take of every
    # column is most of an unfiltered selection's cost at scale.
    return frame if mask.all() else frame[mask]


def apply_filters(atlas: Atlas, filters: Filters) -> Selection:
    """Select workshops, events, institutions, claims and the sources they cite.

    Masks are numpy arrays over each table's rows and links are followed through `atlas.links` (row positions),
    so the cost stays a few vectorised passes however many ids are selected."""
    events, workshops, institutions, claims = atlas.events, atlas.workshops, atlas.institutions, atlas.claims
    links = atlas.links
    event_workshop = links.scalars[("events", "workshop_id")]
    claim_workshop = links.scalars[("claims", "workshop_id")]

    event_country = (_is_in(events["country"], filters.countries) if filters.countries
                     else np.ones(len(events), dtype=bool))
    if filters.countries and filters.include_regional:
        event_country |= _is_empty(events["country"])
    if not filters.include_regional:
        event_country &= ~_is_empty(events["country"])
    event_years = _year_mask(events["year_start"], events["year_end"], filters)

    workshop_mask = np.ones(len(workshops), dtype=bool)
    if filters.countries:
        workshop_mask &= _is_in(workshops["country"], filters.countries)
    if filters.statuses:
        workshop_mask &= _is_in(workshops["status"], filters.statuses)
    if filters.categories and "luban_workshop" not in filters.categories:
        workshop_mask[:] = False
    if filters.has_year_range:
        # A workshop is in the range when any of its dated milestones is.
        in_range = np.zeros(len(workshops), dtype=bool)
        in_range[event_workshop[event_years & (event_workshop >= 0)]] = True
        workshop_mask &= in_range
    if filters.text:
        workshop_mask &= _text_mask(workshops["search_text"], filters.text)

    event_mask = event_country & event_years
    if filters.categories:
        event_mask &= _is_in(events["category"], filters.categories)
    if filters.statuses:
        # Status describes workshops: keep their milestones only for workshops with that status.
        with_status = _is_in(workshops["status"], filters.statuses)
        event_mask &= (event_workshop < 0) | follow(event_workshop, with_status)
    if filters.text:
        event_mask &= _text_mask(events["search_text"], filters.text) | follow(event_workshop, workshop_mask)

    institution_mask = (links.lists[("workshops", "partner_institution_ids")].targets_of(workshop_mask, len(institutions))
                        | links.lists[("events", "institution_ids")].targets_of(event_mask, len(institutions)))
    hosts = links.scalars[("workshops", "host_institution_id")]
    institution_mask[hosts[workshop_mask & (hosts >= 0)]] = True
    if filters.text:
        country_ok = (_is_in(institutions["country"], filters.countries) if filters.countries
                      else np.ones(len(institutions), dtype=bool))
        institution_mask |= country_ok & _text_mask(institutions["search_text"], filters.text)
    if filters.is_default:
        # No filter is the whole dataset: an institution no record names yet (a seat known, a link still to
        # research) is still part of the published table, and unfiltered downloads equal data/*.csv.
        institution_mask[:] = True

    claim_mask = _year_mask(claims["year"], claims["year"], filters)
    if filters.countries:
        claim_mask &= _is_in(claims["country"], filters.countries) | _is_empty(claims["country"])
    if filters.statuses:
        # A figure about one workshop follows that workshop's status; worldwide figures are unaffected.
        claim_mask &= (claim_workshop < 0) | follow(claim_workshop, _is_in(workshops["status"], filters.statuses))
    if filters.text:
        claim_mask &= _text_mask(claims["search_text"], filters.text) | follow(claim_workshop, workshop_mask)

    source_mask = np.zeros(len(atlas.sources), dtype=bool)
    for table, mask in (("workshops", workshop_mask), ("events", event_mask), ("institutions", institution_mask),
                        ("claims", claim_mask)):
        source_mask |= links.lists[(table, "source_ids")].targets_of(mask, len(source_mask))

    totals = {name: len(atlas.table(name)) for name in ("workshops", "events", "institutions", "claims", "sources")}
    return Selection(filters, _rows(workshops, workshop_mask), _rows(events, event_mask),
                     _rows(institutions, institution_mask), _rows(claims, claim_mask),
                     _rows(atlas.sources, source_mask), totals)
