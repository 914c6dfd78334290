"""Regenerate data/country_outlines.geojson from Natural Earth 1:110m admin-0 countries, and the map's served copy."""

# Dev-time only: the app never runs this, it just reads the committed GeoJSON,
# so nothing is downloaded at run time. Usage: .venv/bin/python tools/build_outlines.py
# After editing data/country_outlines.geojson by hand: .venv/bin/python tools/build_outlines.py --static-only
# (rewrites static/map-outlines.json, what the map's browser side loads; a unit test checks the two agree).

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

GEOPANDAS_PIN = "geopandas==0.14.4"
# The shapefile ships inside this wheel; a pinned wheel gives byte-identical input
# every time, unlike naturalearthdata.com's "latest" downloads.
MEMBER_STEM = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
REPO_ROOT = Path(__file__).resolve().parents[1]
OUT_PATH = REPO_ROOT / "data" / "country_outlines.geojson"
sys.path.insert(0, str(REPO_ROOT))
from components.map_deck import MAP_OUTLINES_FILE, outline_features  # noqa: E402  (after the path is set)
DECIMALS = 3  # ~100 m: far finer than 1:110m linework, and keeps the file small

# Natural Earth name -> (ISO 3166-1 alpha-2, ISO alpha-3 expected in the shapefile, focus).
# Keyed by name and with iso2 written out by hand because the shapefile only has
# iso_a3, and Natural Earth uses "-99" for some countries (e.g. Kosovo); the iso3
# column is only cross-checked so a changed dataset fails loudly instead of mislabelling.
COUNTRIES = {
    # focus: the five Central Asian states and China
    "Kazakhstan": ("KZ", "KAZ", True),
    "Kyrgyzstan": ("KG", "KGZ", True),
    "Tajikistan": ("TJ", "TJK", True),
    "Turkmenistan": ("TM", "TKM", True),
    "Uzbekistan": ("UZ", "UZB", True),
    "China": ("CN", "CHN", True),
    # context: direct neighbours of the focus countries
    "Russia": ("RU", "RUS", False),
    "Mongolia": ("MN", "MNG", False),
    "Afghanistan": ("AF", "AFG", False),
    "Iran": ("IR", "IRN", False),
    "Pakistan": ("PK", "PAK", False),
    "India": ("IN", "IND", False),
    "Nepal": ("NP", "NPL", False),
    "Bhutan": ("BT", "BTN", False),
    "Myanmar": ("MM", "MMR", False),
    "Laos": ("LA", "LAO", False),
    "Vietnam": ("VN", "VNM", False),
    "North Korea": ("KP", "PRK", False),
    # context: Caspian / Caucasus side
    "Azerbaijan": ("AZ", "AZE", False),
    "Armenia": ("AM", "ARM", False),
    "Georgia": ("GE", "GEO", False),
    "Turkey": ("TR", "TUR", False),
    "Iraq": ("IQ", "IRQ", False),
    # context: so the East Asian coast does not look cut off
    "South Korea": ("KR", "KOR", False),
    "Japan": ("JP", "JPN", False),
    "Taiwan": ("TW", "TWN", False),  # separate polygon in Natural Earth
    "Bangladesh": ("BD", "BGD", False),
    # context: European side of Russia
    "Ukraine": ("UA", "UKR", False),
    "Belarus": ("BY", "BLR", False),
    "Moldova": ("MD", "MDA", False),
    "Poland": ("PL", "POL", False),  # borders Russia's Kaliningrad exclave
    "Lithuania": ("LT", "LTU", False),
    "Latvia": ("LV", "LVA", False),
    "Estonia": ("EE", "EST", False),
    "Finland": ("FI", "FIN", False),
    "Norway": ("NO", "NOR", False),
    # context: Middle East / Gulf south of Iran
    "Syria": ("SY", "SYR", False),
    "Saudi Arabia": ("SA", "SAU", False),
    "Kuwait": ("KW", "KWT", False),
    "Qatar": ("QA", "QAT", False),
    "United Arab Emirates": ("AE", "ARE", False),
    "Oman": ("OM", "OMN", False),
    # context: mainland South-East Asia below China
    "Thailand": ("TH", "THA", False),
    "Cambodia": ("KH", "KHM", False),
}


def fetch_shapefile(workdir: Path) -> Path:
    """Download the pinned wheel and extract the .shp/.shx/.dbf/.cpg; return the stem path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", GEOPANDAS_PIN, "--no-deps",
         "--only-binary=:all:", "-d", str(workdir), "-q"],
        check=True,
    )
    wheel = next(workdir.glob("geopandas-*.whl"))
    out_dir = workdir / "ne"
    out_dir.mkdir()
    with zipfile.ZipFile(wheel) as zf:
        for ext in ("shp", "shx", "dbf", "cpg"):
            # Write flat under out_dir rather than extractall(): only these members, no path tricks.
            (out_dir / f"naturalearth_lowres.{ext}").write_bytes(zf.read(f"{MEMBER_STEM}.{ext}"))
    return out_dir / "naturalearth_lowres"


def clean_ring(ring):
    """Round a ring, drop repeats rounding created, and reverse it.

    Shapefiles store outer rings clockwise and holes counter-clockwise; RFC 7946
    wants the opposite, so every ring is reversed.
    """
    pts = []
    for x, y in ring:
        p = [round(x, DECIMALS), round(y, DECIMALS)]
        if not pts or p != pts[-1]:
            pts.append(p)
    if pts[0] != pts[-1]:
        pts.append(list(pts[0]))
    pts.reverse()
    return pts if len(pts) >= 4 else None


def clean_polygon(rings):
    out = [r for r in (clean_ring(ring) for ring in rings) if r is not None]
    return out or None


def clean_geometry(geo):
    if geo["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": clean_polygon(geo["coordinates"])}
    if geo["type"] == "MultiPolygon":
        polys = [p for p in (clean_polygon(poly) for poly in geo["coordinates"]) if p]
        if len(polys) == 1:
            return {"type": "Polygon", "coordinates": polys[0]}
        return {"type": "MultiPolygon", "coordinates": polys}
    raise ValueError(f"unexpected geometry type {geo['type']}")


def build(stem: Path) -> dict:
    import shapefile  # pyshp; only needed when rebuilding from Natural Earth

    cpg = stem.with_suffix(".cpg")
    # The .dbf is Latin-1 (says the .cpg); pyshp's default UTF-8 chokes on names like Côte d'Ivoire.
    encoding = cpg.read_text().strip() if cpg.exists() else "latin-1"
    reader = shapefile.Reader(str(stem), encoding=encoding)
    found = {}
    for sr in reader.iterShapeRecords():
        name = sr.record["name"]
        if name not in COUNTRIES:
            continue
        iso2, iso3, focus = COUNTRIES[name]
        if sr.record["iso_a3"] not in (iso3, "-99"):
            raise SystemExit(f"{name}: shapefile iso_a3 {sr.record['iso_a3']!r}, expected {iso3}")
        found[name] = {
            "type": "Feature",
            "properties": {"iso2": iso2, "name_en": name, "focus": focus},
            "geometry": clean_geometry(sr.shape.__geo_interface__),
        }
    missing = sorted(set(COUNTRIES) - set(found))
    if missing:
        raise SystemExit(f"not in shapefile: {missing}")
    return {
        "type": "FeatureCollection",
        "x-source": (
            "Natural Earth 1:110m admin-0 countries (public domain), as shipped in "
            "geopandas 0.14.4 (geopandas/datasets/naturalearth_lowres); "
            f"regenerated by tools/build_outlines.py, coordinates rounded to {DECIMALS} decimals"
        ),
        # Focus countries first, so they draw on top when layers are not split by focus.
        "features": sorted(found.values(), key=lambda f: not f["properties"]["focus"]),
    }


def dump(fc: dict) -> str:
    # One feature per line: compact, yet git diffs stay readable per country.
    head = {k: v for k, v in fc.items() if k != "features"}
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in fc["features"]]
    return (json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[\n'
            + ",\n".join(lines) + "\n]}\n")


def write(path: Path, fc: dict) -> None:
    text = dump(fc)
    if json.loads(text) != json.loads(json.dumps(fc)):  # the hand-assembled wrapper must read back the same
        raise SystemExit(f"{path}: serialised outlines do not read back identically")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(REPO_ROOT)}: {len(fc['features'])} countries, {len(text.encode()) / 1024:.1f} KB")


def main() -> None:
    if "--static-only" not in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as tmp:
            write(OUT_PATH, build(fetch_shapefile(Path(tmp))))
    # The map's copy is derived from the committed file, so it always matches what the validator checks against.
    write(MAP_OUTLINES_FILE, outline_features(json.loads(OUT_PATH.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
