"""Crossing CALLs (OCPP-J 1.6 §4.1.1): the endpoint holds back its answer to one CALL of the charge
point's while a frame of ours crosses it.

Armed on :attr:`adapters.csms.CentralSystem.crossing`, a :class:`Crossing` takes the endpoint's answer to
the charge point's next CALL of ``hold``; ``send(release)`` then sends our frame (a CALL through
:meth:`~adapters.csms.CentralSystem.call`, or a raw one) and calls ``release()`` as soon as it is out,
which lets the held answer go. The answer goes out in any case when ``send`` ends. What ``send``
returns is the crossing's :attr:`outcome`.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable


class Crossing:
    """One crossing: armed for one step, it holds at most one answer."""

    def __init__(self, hold: str, send: Callable[[Callable[[], None]], Awaitable]):
        self.hold_action = hold
        self.send = send
        self.task: asyncio.Task | None = None

    def takes(self, action: str | None) -> bool:
        """Whether our answer to the charge point's CALL of ``action`` is to be held."""
        return self.task is None and action == self.hold_action

    def hold(self, release: Callable[[], None]) -> None:
        self.task = asyncio.ensure_future(self._cross(release))

    async def _cross(self, release: Callable[[], None]):
        released = False

        def once() -> None:
            nonlocal released
            if not released:
                released = True
                release()

        try:
            return await self.send(once)
        finally:
            once()

    async def outcome(self):
        """What ``send`` returned; None when nothing was held (the charge point sent no such CALL)."""
        if self.task is None:
            return None
        return await self.task
