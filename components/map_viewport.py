"""The map's size from the browser: the main column's width and the window's height, so the map fills the screen."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.map_view import MAP_HEIGHT_PX, MAP_WIDTH_PX

# The map takes this share of the window's height, within these bounds (a phone in landscape still gets a usable map).
HEIGHT_SHARE = 0.72
MIN_HEIGHT_PX, MAX_HEIGHT_PX = 360, 900
# A phone-wide map is kept about square: a taller one would add only sea and steppe above and below the countries.
NARROW_PX, NARROW_ASPECT = 600, 1.15
# Window heights are reported in steps this coarse: a window dragged taller reruns the page a few times, not at every
# pixel. Widths are exact (the view is fitted to the map's real width) and resizing is debounced.
STEP_PX = 20

# Measures its own box (the main column's width) and the window; reports only changes, after resizing settles.
_JS = f"""
export default function(component) {{
  const {{ data, setStateValue, parentElement }} = component;
  const step = {STEP_PX};
  const measure = () => {{
    const box = parentElement.getBoundingClientRect ? parentElement : parentElement.host;
    const width = Math.round(box.getBoundingClientRect().width);
    const height = Math.round(window.innerHeight / step) * step;
    if (width > 0 && (width !== data.width || height !== data.height)) {{
      setStateValue("size", {{ width: width, height: height }});
    }}
  }};
  measure();
  let timer = null;
  const onResize = () => {{ clearTimeout(timer); timer = setTimeout(measure, 250); }};
  window.addEventListener("resize", onResize);
  return () => window.removeEventListener("resize", onResize);
}}
"""

_viewport = st.components.v2.component("luban_atlas.map_viewport", js=_JS, isolate_styles=False)


@dataclass(frozen=True)
class MapSize:
    width_px: int
    height_px: int
    measured: bool


def map_size(window: dict | None) -> MapSize:
    """The map's box for a reported {width, height} (the main column and the window), or the default before any."""
    if not window or not window.get("width") or not window.get("height"):
        return MapSize(MAP_WIDTH_PX, MAP_HEIGHT_PX, False)
    width = int(window["width"])
    height = float(window["height"]) * HEIGHT_SHARE
    if width < NARROW_PX:
        height = min(height, width * NARROW_ASPECT)
    return MapSize(width, int(max(MIN_HEIGHT_PX, min(MAX_HEIGHT_PX, round(height)))), True)


def measure_map(key: str = "map_viewport") -> MapSize:
    """Mount the measuring element (no visible output) and return the map's size as last reported.

    The browser is told what the server last heard, so it reports again when that was lost (a component's state is
    dropped while its page is not shown) and stays quiet otherwise.
    """
    known_key = f"{key}_known"
    known = st.session_state.get(known_key) or {}
    result = _viewport(key=key, data={"width": known.get("width"), "height": known.get("height")},
                       on_size_change=lambda: None, height=0)
    size = getattr(result, "size", None)
    size = size if isinstance(size, dict) else None
    st.session_state[known_key] = size
    return map_size(size)
