"""A small sampling profiler for other threads (AppTest runs the page in its own thread, which cProfile cannot see)."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

SAMPLE_INTERVAL_S = 0.002


class StackSampler:
    """Samples the stacks of the threads whose name starts with `thread_prefix` (or one thread id) every few ms."""

    def __init__(self, thread_prefix: str | None = None, thread_id: int | None = None,
                 interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.thread_prefix = thread_prefix
        self.thread_id = thread_id
        self.interval_s = interval_s
        self.samples = 0
        self.self_counts: Counter[tuple[str, str, int]] = Counter()
        self.total_counts: Counter[tuple[str, str, int]] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="benchmark-sampler", daemon=True)

    def __enter__(self) -> "StackSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _targets(self) -> set[int]:
        if self.thread_id is not None:
            return {self.thread_id}
        return {thread.ident for thread in threading.enumerate()
                if thread.ident is not None and thread.name.startswith(self.thread_prefix or "")}

    def _run(self) -> None:
        while not self._stop.is_set():
            targets = self._targets()
            for ident, frame in sys._current_frames().items():
                if ident not in targets:
                    continue
                self.samples += 1
                seen: set[tuple[str, str, int]] = set()
                top = True
                while frame is not None:
                    code = frame.f_code
                    key = (code.co_filename, code.co_name, code.co_firstlineno)
                    if top:
                        self.self_counts[key] += 1
                        top = False
                    if key not in seen:  # recursion counts once per sample
                        self.total_counts[key] += 1
                        seen.add(key)
                    frame = frame.f_back
            time.sleep(self.interval_s)

    def report(self, project_root: Path, limit: int = 15) -> dict[str, object]:
        """Top functions by inclusive share (project code only) and by own share (any code), as % of samples."""
        def name(key: tuple[str, str, int]) -> str:
            filename, function, line = key
            path = Path(filename)
            try:
                shown = str(path.relative_to(project_root))
            except ValueError:
                parts = path.parts
                shown = "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else path.name
            return f"{shown}:{line} {function}"

        def share(count: int) -> float:
            return round(100 * count / self.samples, 1) if self.samples else 0.0

        root = str(project_root)
        project = [(key, count) for key, count in self.total_counts.most_common() if key[0].startswith(root)]
        return {
            "samples": self.samples,
            "interval_ms": self.interval_s * 1000,
            "project_inclusive": [(name(key), share(count)) for key, count in project[:limit]],
            "self": [(name(key), share(count)) for key, count in self.self_counts.most_common(limit)],
        }
