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
    lines = app.code[0].value.splitlines()
    assert any(line.startswith(case.expected) for line in lines), app.code[0].value
    if case.root_cause:
        assert lines[0].startswith(case.expected), app.code[0].value
    # Paths relative to the data folder: the page names the folder, never the server's absolute path.
    assert str(mini_dir) not in app.error[0].value + app.code[0].value
    assert f"`{mini_dir.name}`" in app.error[0].value
