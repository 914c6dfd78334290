"""Each corrupted-data case gives a clear file:row:column message from the CLI, root cause first, and nothing is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from corruptions import CORRUPTIONS
from helpers import REPO


def snapshot(directory):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()}


@pytest.mark.parametrize("case", CORRUPTIONS, ids=[c.name for c in CORRUPTIONS])
def test_cli_names_the_problem_and_writes_nothing(mini_dir, case):
    case.damage(mini_dir)
    before = snapshot(mini_dir)
    result = subprocess.run([sys.executable, "-m", "atlas", "validate", str(mini_dir)], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.strip().startswith(case.expected) for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    # Relative to the data folder: the server's own path never appears in a message.
    assert str(mini_dir) not in result.stderr
    if case.root_cause:
        assert lines[1].strip().startswith(case.expected), result.stderr
    if case.most_problems is not None:
        assert int(lines[0].split()[0]) <= case.most_problems, result.stderr
    assert snapshot(mini_dir) == before
