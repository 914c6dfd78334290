"""Marker symbols as SVG: one per shape, colour and precision, packed into one icon atlas per layer."""

from __future__ import annotations

import base64
import math
from functools import lru_cache

SHAPES = {"workshop": "circle", "site": "diamond", "partner": "square"}
ICON_SIZE_PX = {"workshop": 24, "site": 18, "partner": 14}
PARTNER_COLOUR = "#4D4D4D"
ICON_CELL, ATLAS_COLUMNS = 64, 8
OUTLINE_COLOUR = "#1F2933"


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
