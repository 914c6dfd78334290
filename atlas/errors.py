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
    # A warning is reported and counted but never stops the atlas from loading.
    warning: bool = False
    # A root cause (a file that cannot be parsed, a repeated id) is listed before the problems that follow from it.
    root_cause: bool = False

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.message}"


def report_order(problem: Problem) -> tuple:
    """Root causes first, then by file, line and column."""
    return (not problem.root_cause, problem.file, problem.row or 0, problem.column or "", problem.message)


class AtlasDataError(Exception):
    """Raised once with every problem found, so a curator fixes them all in one pass."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | tuple[Problem, ...] = ()):
        self.problems = sorted(set(problems), key=report_order)
        # Warnings found on the way (records citing only mirrors): listed by the CLI on request, never a reason to refuse.
        self.warnings = tuple(sorted(set(warnings), key=report_order))
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in the data:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)
