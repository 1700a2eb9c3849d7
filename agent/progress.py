"""Console progress: a bar per stage on a terminal, plain lines otherwise (logs, pipes)."""

from __future__ import annotations

import sys
from typing import Any, TextIO

STAGE_NAMES = {
    "analysis": "analysis",
    "brief": "brief",
    "references": "references",
    "shots": "shot list",
    "storyboard": "storyboard",
    "video": "video",
    "timeline": "timeline",
    "export": "export",
}


class ConsoleProgress:
    """Callable as `on_progress(stage, done, total)`; `event(msg)` prints a note."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._bar: Any = None
        self._stage = ""
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = STAGE_NAMES.get(stage, stage)
        if self.tty:
            self._tty(label, done, total)
            return
        step = max(total // 20, 1) if stage == "export" else 1
        if stage != self._stage or done == total or done - self._last >= step:
            print(f"storybeat: {label} {done}/{total}", file=self.stream, flush=True)
            self._stage, self._last = stage, done

    def _tty(self, label: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if label != self._stage:
            self.close()
            self._bar = tqdm(
                total=total, desc=f"{label:<10}", unit="", file=self.stream, leave=True
            )
            self._stage = label
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def event(self, message: str) -> None:
        self.close()
        print(f"storybeat: {message}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = ""
