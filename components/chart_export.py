"""Charts that can be taken away: a mode bar with PNG download only, a file name saying what the chart shows, and the
chart's title, the filters and a source line inside the figure, so the saved image says where it came from."""

from __future__ import annotations

import re

import plotly.graph_objects as go

from atlas import Atlas, Filters
from atlas.i18n import t

# Buttons that confuse more than they help on these charts (the visitor can still drag to zoom and double-click to
# reset); what stays is the camera (download as PNG) and "reset axes".
HIDDEN_BUTTONS = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d",
                  "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines"]
# Twice the screen size: sharp in a slide or a printed page.
EXPORT_SCALE = 2
SOURCE_FONT = dict(size=11, color="#555555")
TITLE_FONT = dict(size=15)
# Room at the top for the title, the two lines under it (filters, source), and a legend that sat on the plot's edge.
TITLE_PX, SOURCE_PX = 28, 34
# How far the title, the filters and the source reach down from the figure's top edge.
TITLE_BLOCK_PX = 70
LEGEND_GAP_PX = 24


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def filters_slug(filters: Filters) -> str:
    """'kz-uz_2015-2024' for the filters a file name can say in a few characters; '' for the whole atlas,
    'filtered' where only others (status, category, search) are set."""
    parts = []
    if filters.countries:
        parts.append("-".join(sorted(code.lower() for code in filters.countries)))
    if filters.year_min or filters.year_max:
        parts.append(f"{filters.year_min or ''}-{filters.year_max or ''}".strip("-"))
    others = filters.statuses or filters.categories or filters.text
    if others and not parts:
        parts.append("filtered")
    elif others:
        parts.append("more")
    return "_".join(part for part in parts if part)


def export_filename(chart: str, filters: Filters, version: str) -> str:
    """'luban-atlas_workshop-growth_kz_2015-2024_v0.1.0': what the chart shows, for which filters, which data."""
    parts = ["luban-atlas", _slug(chart), filters_slug(filters), f"v{version}"]
    return "_".join(part for part in parts if part)


def chart_config(filename: str) -> dict:
    """The plotly config for st.plotly_chart: the mode bar with PNG download and reset only, no plotly logo."""
    return {"displaylogo": False, "modeBarButtonsToRemove": HIDDEN_BUTTONS,
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": EXPORT_SCALE}}


def licence_name(atlas: Atlas) -> str:
    licences = atlas.package.get("licenses") or []
    return ", ".join(str(item.get("name") or item.get("title") or "") for item in licences) or "—"


def source_line(atlas: Atlas) -> str:
    """'Source: Luban Atlas, data version 0.1.0 (2026-11-22), CC-BY-4.0' in the visitor's language."""
    return t("chart.source_line", atlas=t("app.title"), version=atlas.version, date=atlas.last_updated,
             licence=licence_name(atlas))


def with_source(figure: go.Figure, title: str, filters_text: str, atlas: Atlas) -> go.Figure:
    """The figure with its title on top and, under it, the filters and the source line, inside the figure itself (so
    plotly's PNG download carries them, as Our World in Data's exports do). Changes `figure` and returns it.

    A title's subtitle sits at the top of the figure whatever the chart puts below its plot (a legend, long tick
    labels), so nothing there can overlap it.
    """
    layout = figure.layout
    top = layout.margin.t if layout.margin.t is not None else 30
    titled = _has_title(figure)
    extra = (0 if titled else TITLE_PX) + SOURCE_PX
    legend_on_top = layout.legend.y is not None and layout.legend.y > 1
    if legend_on_top:
        # Room between the legend and what the chart itself puts above its plot (subplot titles, 'today').
        extra += LEGEND_GAP_PX
    source = _plain(t("chart.filters_line", filters=filters_text)) + "<br>" + _plain(source_line(atlas))
    title_text = layout.title.text if titled else _plain(title)
    update: dict = dict(
        title=dict(text=title_text, x=0, xanchor="left", xref="paper", y=1, yref="container", yanchor="top",
                   pad=dict(t=10), font=TITLE_FONT, subtitle=dict(text=source, font=SOURCE_FONT)),
        margin=dict(t=top + extra))
    if layout.height:
        update["height"] = layout.height + extra
    if legend_on_top and layout.height:
        # A legend above the plot hangs from under the title block instead (it wraps downwards, pushing the plot
        # down, where anchored to the plot it would wrap upwards into the title).
        update["legend"] = dict(yref="container", y=1 - TITLE_BLOCK_PX / (layout.height + extra), yanchor="top")
    figure.update_layout(**update)
    return figure


def _has_title(figure: go.Figure) -> bool:
    return bool(figure.layout.title and figure.layout.title.text)


def _plain(text: str) -> str:
    """Text shown literally in a plotly label (plotly renders a subset of HTML)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def for_export(figure: go.Figure, chart: str, title: str, atlas: Atlas, filters: Filters,
               filters_text: str) -> tuple[go.Figure, dict]:
    """The figure with its title, filters and source inside, and st.plotly_chart's other arguments: the config that
    downloads it as 'luban-atlas_<chart>_<filters>_v<version>.png' and a text alternative naming what it shows."""
    # Plain text (the figure's title is HTML-escaped for plotly): Streamlit puts it in an attribute itself.
    alt = f"{figure.layout.title.text if _has_title(figure) else title}. {t('chart.filters_line', filters=filters_text)}"
    figure = with_source(figure, title, filters_text, atlas)
    return figure, {"config": chart_config(export_filename(chart, filters, atlas.version)), "alt": alt}
