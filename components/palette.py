"""Colour-blind-safe colours (Okabe–Ito) for statuses and categories, used the same way on maps, charts and legends."""

from __future__ import annotations

STATUS_ORDER = ("announced", "agreement_signed", "under_construction", "launched", "partially_operating", "operating")
STATUS_COLOURS = {
    "announced": "#BBBBBB",
    "agreement_signed": "#E69F00",
    "under_construction": "#F0E442",
    "launched": "#56B4E9",
    "partially_operating": "#0072B2",
    "operating": "#009E73",
}
# Eighteen categories share eight Okabe–Ito colours by family; the timeline adds symbols to tell them apart.
CATEGORY_COLOURS = {
    "luban_workshop": "#D55E00",
    "agreement": "#E69F00",
    "announcement": "#E69F00",
    "confucius_institute": "#CC79A7",
    "branch_campus": "#0072B2",
    "joint_lab": "#009E73",
    "centre": "#009E73",
    "forum": "#56B4E9",
    "conference": "#56B4E9",
    "summit": "#56B4E9",
    "alliance": "#F0E442",
    "university_network": "#F0E442",
    "scholarship": "#000000",
    "training": "#000000",
    "programme": "#000000",
    "visit": "#999999",
    "competition": "#999999",
    "fair": "#999999",
}
# Eighteen categories cannot be told apart in one stacked bar or legend; the colours above already group them into
# families, so the Overview's chart stacks families and the map's legend lists them (tables keep every category).
CATEGORY_FAMILIES = {
    "agreements": ("agreement", "announcement"),
    "confucius": ("confucius_institute",),
    "campuses": ("branch_campus",),
    "labs": ("joint_lab", "centre"),
    "meetings": ("forum", "conference", "summit"),
    "networks": ("alliance", "university_network"),
    "people": ("scholarship", "training", "programme"),
    "exchanges": ("visit", "competition", "fair"),
    "luban": ("luban_workshop",),
}
FAMILY_OF = {category: family for family, members in CATEGORY_FAMILIES.items() for category in members}
COUNTRY_COLOURS = {"KZ": "#0072B2", "KG": "#D55E00", "TJ": "#009E73", "TM": "#CC79A7", "UZ": "#E69F00", "CN": "#999999"}


def hex_to_rgb(colour: str, alpha: int = 255) -> list[int]:
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]
