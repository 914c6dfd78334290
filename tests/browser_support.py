"""Browser-test support: start/stop real `streamlit run` servers on free ports, wait for pages, take screenshots."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from helpers import REPO

# The same entrypoint as `make run` (Makefile) and the README.
ENTRYPOINT = "serve.py"
SCREENSHOT_DIR = REPO / "test-artifacts" / "screenshots"
LOG_DIR = REPO / "test-artifacts" / "server-logs"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
# First start imports pandas/plotly/pydeck and validates the data: give it time on a slow 2-core machine.
SERVER_START_TIMEOUT_S = 60
# A page's first render loads the data through the cache and draws WebGL/plotly; on a loaded 2-core machine
# (load average ~20 seen here) that took over 45 s, so the bound is generous.
PAGE_READY_TIMEOUT_MS = 90_000


def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        # Never skip silently: `make test` installs Debian's chromium; without it the suite must fail.
        pytest.fail("Debian's chromium is not installed (run `make test`, which installs it, "
                    "or `apt-get install -y chromium`)", pytrace=False)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_kib(self) -> dict[str, int]:
        """Resident memory now and at its peak, from /proc/<pid>/status (the server is a single process)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return {key: int(re.search(rf"^{key}:\s*(\d+)", status, flags=re.M).group(1)) for key in ("VmRSS", "VmHWM")}


def start_server(data_dir: Path, name: str) -> Server:
    """The repo's app on `data_dir`, logging to test-artifacts/server-logs/<name>.log."""
    return launch_server(REPO, data_dir, LOG_DIR / f"{name}.log")


def launch_server(app_dir: Path, data_dir: Path, log_path: Path, timeout_s: float = SERVER_START_TIMEOUT_S,
                  extra_env: dict[str, str] | None = None) -> Server:
    """`streamlit run serve.py` (what `make run` starts: the pages and the plain-HTTP routes) from `app_dir` on a
    free loopback port, once its health check answers."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LUBAN_ATLAS_DATA_DIR": str(data_dir), **(extra_env or {})}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", ENTRYPOINT, "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(url, process, log_path)
        except OSError:
            time.sleep(0.2)
    stop_server(Server(url, process, log_path))
    raise RuntimeError(f"streamlit did not become healthy in {timeout_s}s:\n{log_path.read_text()}")


def stop_server(server: Server) -> None:
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(server.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_app(page: Page) -> None:
    """Wait until Streamlit has finished running the script and drawn the main block."""
    # Attached, not visible: Streamlit collapses the sidebar at phone width.
    page.wait_for_selector('[data-testid="stSidebar"]', state="attached", timeout=PAGE_READY_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=PAGE_READY_TIMEOUT_MS)
    # Widgets are lazy-loaded: until their code arrives Streamlit draws grey skeletons in their place.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        " && document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stButton\"]')",
        timeout=PAGE_READY_TIMEOUT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator('[data-testid="stException"]').first.inner_text()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_for_measured_map(page: Page) -> None:
    """Wait until the map has been redrawn at the size the browser reported (the first draw uses a default size)."""
    from components.map_view import MAP_HEIGHT_PX

    page.wait_for_function(
        "h => { const e = document.querySelector('[data-testid=\"stDeckGlJsonChart\"]');"
        " return e && Math.round(e.getBoundingClientRect().height) !== h; }",
        arg=MAP_HEIGHT_PX, timeout=PAGE_READY_TIMEOUT_MS)
