"""Shared benchmark plumbing: throwaway app copies with a floor page, synthetic datasets, servers, machine facts."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from browser_support import Server, launch_server, stop_server  # noqa: E402,F401  (tests/ holds the server plumbing; stop_server re-exported)
RESULTS_DIR = REPO / "benchmarks" / "results"
DATA_DIR = REPO / "data"
# Everything the app needs at run time; tests/, tools/ and data/ stay behind.
APP_PARTS = ("serve.py", "http_routes", "app.py", "pages", "components", "atlas", "locales", "static", ".streamlit", "config.toml")
FLOOR_PAGE = "pages/99_Floor.py"
# The floor draws exactly what every page draws before its own content, and nothing else.
FLOOR_SOURCE = '''"""Benchmark floor (throwaway copy only): the shared page scaffolding and nothing else."""

from components.layout import page_setup

page_setup("floor", "nav.overview")
'''
# (label, AppTest page path, URL path in the browser)
PAGES = (
    ("Floor", FLOOR_PAGE, "Floor"),
    ("Overview", "app.py", ""),
    # The same page in Russian: switching language must not slow a rerun (issue 12); the display copy is cached.
    ("Overview (ru)", "app.py?lang=ru", "?lang=ru"),
    ("Map", "pages/1_Map.py", "Map"),
    ("Timeline", "pages/2_Timeline.py", "Timeline"),
    ("Explore", "pages/3_Explore.py", "Explore"),
    ("About", "pages/4_About.py", "About"),
)
PACKAGES = ("streamlit", "pandas", "pyarrow", "plotly", "pydeck", "playwright")
# Curated id patterns are 3 (or 2) digits; synthetic copies append digits, so the copy's schema allows more.
ID_PATTERN_FIXES = ((r"\\d{3}$", r"\\d{3,}$"), (r"\\d{2}$", r"\\d{2,}$"))
SERVER_START_TIMEOUT_S = 120


def copy_app(target: Path) -> Path:
    """A runnable copy of the app in `target` with the floor and replay pages added (the product's pages/ stays untouched)."""
    target.mkdir(parents=True, exist_ok=True)
    for part in APP_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, target / part)
    (target / FLOOR_PAGE).write_text(FLOOR_SOURCE, encoding="utf-8")
    from replay import REPLAY_PAGE, REPLAY_SOURCE
    (target / REPLAY_PAGE).write_text(REPLAY_SOURCE, encoding="utf-8")
    shutil.copy(Path(__file__).with_name("replay.py"), target / "replay.py")
    return target


def curated_source(fallback_dir: Path) -> tuple[Path, str]:
    """data/ when the curated tables exist, else the small test fixture (built into fallback_dir)."""
    if all((DATA_DIR / f"{name}.csv").exists()
           for name in ("countries", "sources", "institutions", "workshops", "events", "claims")):
        return DATA_DIR, "data/ (curated)"
    sys.path.insert(0, str(REPO / "tests"))
    from helpers import build_dataset
    return build_dataset(fallback_dir), "tests/fixtures/mini (data/*.csv not there yet)"


def dataset_fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*")):
        if path.suffix in (".csv", ".json", ".geojson"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def relax_id_patterns(directory: Path) -> None:
    package = directory / "datapackage.json"
    text = package.read_text(encoding="utf-8")
    for old, new in ID_PATTERN_FIXES:
        text = text.replace(old, new)
    package.write_text(text, encoding="utf-8")


def synthetic_dataset(source: Path, factor: int, cache_root: Path) -> tuple[Path, float]:
    """An N-times copy of `source`, reused across runs while the source is unchanged (generation takes ~1 min at 1000x).

    Returns the directory and the seconds spent generating it now (0 when reused).
    """
    sys.path.insert(0, str(REPO / "tools"))
    from make_synthetic import make_synthetic
    target = cache_root / f"{dataset_fingerprint(source)}-x{factor}"
    if (target / ".complete").exists():
        return target, 0.0
    if target.exists():
        shutil.rmtree(target)
    started = time.perf_counter()
    make_synthetic(source, target, factor)
    relax_id_patterns(target)
    (target / ".complete").write_text("ok")
    for stale in cache_root.glob(f"*-x{factor}"):
        if stale != target:
            shutil.rmtree(stale, ignore_errors=True)
    return target, time.perf_counter() - started


def csv_megabytes(directory: Path) -> dict[str, float]:
    return {path.stem: path.stat().st_size / 1e6 for path in sorted(directory.glob("*.csv"))}


def machine_description() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, flags=re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kb = re.search(r"^MemTotal:\s*(\d+)", meminfo, flags=re.M)
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        chromium_version = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium_version = "not found"
    return {
        "cpu": f"{os.cpu_count()} × {models[0] if models else platform.processor() or 'unknown'}",
        "memory": f"{int(total_kb.group(1)) / 1024 / 1024:.1f} GiB" if total_kb else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "chromium": chromium_version,
    }


def git_state() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.rstrip()
    commit = git("rev-parse", "--short", "HEAD").strip()
    dirty = [line[3:] for line in git("status", "--porcelain", "--", *APP_PARTS).splitlines()]
    return f"{commit}" + (f" plus uncommitted changes in {', '.join(dirty)}" if dirty else "")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(app_dir: Path, data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> Server:
    """tests/browser_support's server, from a benchmark's app copy and with a longer start-up allowance."""
    return launch_server(app_dir, data_dir, log_path, SERVER_START_TIMEOUT_S, extra_env)


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    values = sorted(values)
    if not values:
        return None
    rank = max(1, -(-int(fraction * 100) * len(values) // 100))
    return values[min(rank, len(values)) - 1]


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
