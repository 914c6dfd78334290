"""One error type for bad data: every problem carries its file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data; `row` is the line number in the file (header = line 1)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.message}"


class AtlasDataError(Exception):
    """Raised once with every problem found, so a curator fixes them all in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in the data:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)
