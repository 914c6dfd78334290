"""AppTest support: run pages the way Streamlit's classic `pages/` app does (entrypoint first, then switch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from helpers import REPO

# The first run imports plotly/pydeck and validates the data; later reruns take milliseconds.
APPTEST_TIMEOUT_S = 60


@pytest.fixture
def open_page(monkeypatch) -> Callable[..., AppTest]:
    """open_page("pages/1_Map.py", data_dir=..., country="KZ") -> an AppTest that has run once."""

    def make(page: str = "app.py", data_dir: Path | None = None, **params: str) -> AppTest:
        monkeypatch.setenv("LUBAN_ATLAS_DATA_DIR", str(data_dir or REPO / "data"))
        app = AppTest.from_file(str(REPO / "app.py"), default_timeout=APPTEST_TIMEOUT_S)
        for name, value in params.items():
            app.query_params[name] = value
        if page != "app.py":
            app.switch_page(page)
        return app.run()

    return make


def exceptions(app: AppTest) -> list[str]:
    return [element.value for element in app.exception]
