"""Luban Atlas data layer: load, validate, filter, summarise and export the curated dataset (no Streamlit here)."""

from atlas.errors import AtlasDataError, Problem
from atlas.filters import Filters, Selection, apply_filters
from atlas.load import Atlas, load_atlas

__all__ = ["Atlas", "AtlasDataError", "Filters", "Problem", "Selection", "apply_filters", "load_atlas"]
