"""User-facing progress for long steps (synthesis, encoding).

On a terminal: a rich progress bar with an ETA. Otherwise (CI logs, pipes): a plain line at
most every ``interval`` seconds or every 10% of the work, e.g.
``synthesis: 40/120 segments (33%), eta 12s``. With ``enabled=False``: nothing at all.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

from audiodigest.timefmt import seconds_to_compact


class Progress:
    """Progress of ``total`` units of work; use as a context manager."""

    def __init__(self, total: int, description: str, *, enabled: bool = True,
                 stream: TextIO | None = None, interval: float = 5.0, unit: str = "segments") -> None:
        self.total = max(0, total)
        self.description = description
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.unit = unit
        self.done = 0
        self._start = time.monotonic()
        self._last_time = self._start
        self._last_done = 0
        self._rich: Any = None
        self._task: Any = None

    @property
    def is_tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> Progress:
        self._start = self._last_time = time.monotonic()
        if self.enabled and self.is_tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn(self.unit), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._rich.__enter__()
            self._task = self._rich.add_task(self.description, total=self.total)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._rich is not None:
            self._rich.__exit__(exc_type, exc, tb)
            self._rich = None
        elif self.enabled and exc_type is None and self.done != self._last_done:
            self._line()

    def set_total(self, total: int) -> None:
        """Change the amount of work (a caller may enter the context before it is known)."""
        self.total = max(0, total)
        if self._rich is not None:
            self._rich.update(self._task, total=self.total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.advance(self._task, n)
            return
        now = time.monotonic()
        step = max(1, self.total // 10)
        since = now - self._last_time
        # Quiet enough for CI logs: every ``interval`` seconds, or each further 10% but not
        # more than once a second, and always the last line.
        if (since >= self.interval or (self.done - self._last_done >= step and since >= 1.0)
                or self.done == self.total):
            self._line(now)

    def note(self, msg: str) -> None:
        """A message between progress lines (e.g. a retry)."""
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.console.print(msg)
        else:
            print(f"{self.description}: {msg}", file=self.stream, flush=True)

    def text(self) -> str:
        """The plain progress line for the current state."""
        pct = 100 * self.done // self.total if self.total else 100
        line = f"{self.description}: {self.done}/{self.total} {self.unit} ({pct}%)"
        elapsed = time.monotonic() - self._start
        if 0 < self.done < self.total:
            line += f", eta {seconds_to_compact(elapsed / self.done * (self.total - self.done))}"
        return line

    def _line(self, now: float | None = None) -> None:
        print(self.text(), file=self.stream, flush=True)
        self._last_time = now if now is not None else time.monotonic()
        self._last_done = self.done
