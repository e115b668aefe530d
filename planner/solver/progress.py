"""One progress line on stderr for searches that take over a second; silent when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from typing import Any

SHOW_AFTER_S = 1.0


class Progress:
    """A single, rewritten status line: what is being solved, incumbent, bound, gap, work spent."""

    def __init__(self, label: str, enabled: bool | None = None, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = _is_tty(self.stream) if enabled is None else enabled
        self.label = label
        self.start = time.monotonic()
        self.width = 0

    def update(self, text: str, budget: Any = None) -> None:
        """Rewrite the line (only once the search has run for a second, so quick solves stay quiet)."""
        if not self.enabled or time.monotonic() - self.start < SHOW_AFTER_S:
            return
        line = f"{self.label}: {text}"
        if budget is not None:
            line += f" · work {budget.work_used:.1f}/{budget.params.effort:g} · {budget.seconds():.0f} s"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def done(self) -> None:
        """Erase the line, leaving the terminal as it was."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
