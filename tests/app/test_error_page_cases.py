"""Each corrupted-data case shows the app's error page with the same file:row:column message, no exception."""

from __future__ import annotations

import pytest

from app_support import exceptions
from corruptions import CORRUPTIONS


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[c.name for c in CORRUPTIONS])
def test_app_error_page_names_the_problem(open_page, mini_dir, case):
    case.damage(mini_dir)
    app = open_page("pages/3_Explore.py", data_dir=mini_dir)
    assert exceptions(app) == []
    assert "could not be loaded" in app.error[0].value
    assert any(line.startswith(case.expected) for line in app.code[0].value.splitlines()), app.code[0].value
