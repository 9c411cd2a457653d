"""Progress while fuzzing: a bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time


class Progress:
    def __init__(self, config, stream, interval: float = 5.0, quiet: bool = False):
        self.config = config
        self.stream = stream
        self.tty = stream.isatty() and not quiet
        self.interval = interval
        self.started = time.monotonic()
        self.last = 0.0

    def fraction(self, report) -> float:
        if self.config.max_examples:
            return min(report.examples / self.config.max_examples, 1.0)
        if self.config.budget:
            return min((time.monotonic() - self.started) / self.config.budget, 1.0)
        return 0.0

    def update(self, report) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else self.interval):
            return
        self.last = now
        line = f"{report.examples} examples, {report.steps} steps, {len(report.findings)} findings"
        if self.tty:
            filled = int(self.fraction(report) * 30)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {line}")
        else:
            self.stream.write(f"fuzz: {line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
