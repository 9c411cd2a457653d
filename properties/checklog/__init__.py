"""``ocpp-verify check-log``: judging recorded OCPP-J traffic against the model (issue 17).

:func:`check` reads logs as a stream (reader), splits them by charge point,
and judges each charge point's conversation (checker) with hidden events
assumed wherever the frames need them (worlds, model/hidden.py). report
writes the summary, JSON, JUnit XML and Markdown. docs/log-formats.md
describes the formats; docs/check-log.md how a log is judged.
"""

from __future__ import annotations

import time
from typing import Callable

import attrs

from .checker import CheckOptions, CpChecker
from .reader import LineError, LogError, read

__all__ = ["CheckOptions", "CheckReport", "LogError", "check"]


class StrictError(LogError):
    """``--strict``: a malformed line ends the check."""


@attrs.define
class CheckReport:
    charge_points: dict = attrs.Factory(dict)
    errors: list = attrs.Factory(list)
    frames: int = 0
    seconds: float = 0.0
    files: list = attrs.Factory(list)

    @property
    def violations(self) -> list:
        return [v for cp in self.charge_points.values() for v in cp.violations]

    @property
    def violation_count(self) -> int:
        return sum(sum(cp.by_rule.values()) for cp in self.charge_points.values())

    @property
    def judged(self) -> int:
        return sum(cp.judged for cp in self.charge_points.values())

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def check(paths, fmt: str | None = None, options: CheckOptions | None = None, strict: bool = False,
          on_progress: Callable[[CheckReport], None] | None = None) -> CheckReport:
    """Judge every charge point of the logs at ``paths`` (files in order, as one stream per charge point)."""
    options = options or CheckOptions()
    report = CheckReport(files=[str(p) for p in paths])
    started = time.monotonic()
    checkers = report.charge_points
    for path in paths:
        for record in read(path, fmt):
            if isinstance(record, LineError):
                if strict:
                    raise StrictError(f"{record} (--strict)")
                report.errors.append(record)
                continue
            name = record.cp or record.source
            checker = checkers.get(name)
            if checker is None:
                checker = checkers[name] = CpChecker(name, options)
            checker.feed(record)
            report.frames += 1
            if on_progress is not None and not report.frames % 1000:
                report.seconds = time.monotonic() - started
                on_progress(report)
    for checker in checkers.values():
        checker.finish()
    report.seconds = time.monotonic() - started
    return report
