"""Progress of long work as a few lines: one per phase and per tenth of the work."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressLines:
    """A `units.Progress` callback that prints `[  12.3 s]  40%  phase`.

    A phase's first word names its kind ("polls 50,000 of 2,000,000" is "polls"), so
    a phase that only counts up prints at each tenth, not at every batch.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.kind = ""
        self.tenth = -1

    def __call__(self, fraction: float, phase: str) -> None:
        kind = phase.split(" ", 1)[0]
        tenth = int(fraction * 10)
        if kind != self.kind or tenth != self.tenth:
            self.kind, self.tenth = kind, tenth
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:7.1f} s] {fraction:4.0%}  {phase}", file=self.stream, flush=True)

    def step(self, phase: str) -> None:
        """A phase that has no fraction of its own (it starts now)."""
        self(0.0, phase)
