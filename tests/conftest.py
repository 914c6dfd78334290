"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import build_dataset


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A fresh copy of the small fixture dataset that the test may corrupt."""
    return build_dataset(tmp_path / "mini")
