"""Clocks for the system under test.

The bundled charge point and the Central System endpoint read time only
through a clock. A :class:`VirtualClock` moves only when the harness advances
it, so fuzzing never sleeps; a :class:`RealClock` follows the wall clock, for
charge points that we do not control.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import itertools
import time
from datetime import datetime, timezone
from typing import Callable

from vocabulary import dates

EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()


@functools.lru_cache(maxsize=4096)
def iso(t: float) -> str:
    """OCPP dateTime (section 3.15): UTC, with a Z suffix, millisecond precision. Kept for the last few
    thousand times: on a virtual clock the messages of a step, and the next steps, share their times."""
    return dates.iso(t, milliseconds=True)


def parse_iso(text: str) -> float:
    """An OCPP dateTime as seconds since the epoch (vocabulary/dates.py); ValueError if not one."""
    stamp = dates.seconds(text)
    if stamp is None:
        raise ValueError(f"not an OCPP dateTime (ISO 8601 with an offset): {text!r}")
    return stamp


class TimerHandle:
    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], None]):
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Time that moves only by :meth:`advance_to`."""

    virtual = True

    def __init__(self, start: float = EPOCH):
        self._now = start
        self._timers: list[tuple[float, int, TimerHandle]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def reset(self, start: float = EPOCH) -> None:
        """Back to ``start`` with no timers, for the next independent run on the same clock."""
        for _, _, handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self._now = start

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(max(when, self._now), callback)
        heapq.heappush(self._timers, (handle.when, next(self._order), handle))
        return handle

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return self.call_at(self._now + delay, callback)

    def next_deadline(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def due(self) -> bool:
        deadline = self.next_deadline()
        return deadline is not None and deadline <= self._now

    def advance_to(self, t: float) -> int:
        """Set the time to ``t`` (never backwards) and run every callback due by then.

        Returns how many callbacks ran. Callers that must settle between timers
        advance to :meth:`next_deadline` one step at a time.
        """
        self._now = max(self._now, t)
        ran = 0
        while self.due():
            _, _, handle = heapq.heappop(self._timers)
            handle.callback()
            ran += 1
        return ran


class RealClock:
    """Wall-clock time on the running event loop."""

    virtual = False

    def now(self) -> float:
        return time.time()

    def call_at(self, when: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        return self.call_later(when - time.time(), callback)

    def call_later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(max(delay, 0.0), callback)

    def next_deadline(self) -> float | None:
        return None
