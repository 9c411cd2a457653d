"""From frames to model events: each CALL together with its answer, in the order the CALLs were sent.

A CALL of the Charge Point becomes a :class:`~model.events.CpCall` once the
Central System answered it (or once it is clear that no answer will come: the
Charge Point sent its next CALL, the connection closed, the log ended). A CALL
of the Central System becomes a stimulus with the Charge Point's answer. An
event is released only when every CALL before it is complete, so the model
reads them in the order the CALLs were made, as the harness does
(properties/harness.py).
"""

from __future__ import annotations

from collections import deque
from typing import Iterator

from .framing import Message

MAX_WAITING = 512
"""Events held back waiting for an answer; past this the oldest goes on unanswered."""


class Item:
    """One model event: ``kind`` "cp" (a CALL of the Charge Point), "cs" (a CALL of the Central System)
    or "event" (the connection opened or closed)."""

    __slots__ = ("kind", "message", "answer", "done", "nested", "crossing", "crossed")

    def __init__(self, kind: str, message: Message, done: bool = False):
        self.kind = kind
        self.message = message
        self.answer: Message | None = None
        self.done = done
        self.nested: tuple[Item, ...] = ()
        """For a CALL of the Central System: the Charge Point's CALLs made after it and answered before its answer
        (an Authorize.req validating the idTag of a ReserveNow.req or RemoteStartTransaction.req, §5.13, §5.11)."""
        self.crossing: tuple[Item, ...] = ()
        """For a CALL of the Central System answered in the log: the Charge Point's CALLs that came between it and
        its answer. Each may have been sent before the Charge Point received it (OCPP-J §4.1.1: "CALL messages from
        both sides can always cross each other"), or after (a CALL it made while handling it). Released together
        with it, once all are complete (the checker tries both orders, properties/checklog/checker.py)."""
        self.crossed: tuple[Item, ...] = ()
        """For a CALL of the Charge Point: the Central System's CALLs that came between it and its answer. The Charge
        Point received them first and may have handled them before that answer (OCPP-J §4.1.1); released with it, once
        all are complete."""

    @property
    def time(self) -> float:
        return self.message.record.time

    @property
    def action(self) -> str | None:
        return self.message.action

    @property
    def payload(self) -> dict:
        return self.message.payload or {}


class Segmenter:
    def __init__(self):
        self.waiting: deque[Item] = deque()
        self.open = {"cp": {}, "cs": {}}
        """CALLs still waiting for their answer, by the side that sent them: UniqueId -> Item."""

    def add(self, message: Message) -> Iterator[Item]:
        """The events that ``message`` completes, in order."""
        if message.kind is None:
            if message.action in ("connected", "disconnected"):
                self._give_up("cp")
                self._give_up("cs")
                self.waiting.append(Item("event", message, done=True))
        elif message.kind == 2:
            side = "cp" if message.record.direction == "cp->cs" else "cs"
            self._give_up(side)
            item = Item(side, message)
            if message.unique_id is not None:
                self.open[side][message.unique_id] = item
            self.waiting.append(item)
        else:
            side = "cs" if message.record.direction == "cp->cs" else "cp"
            item = self.open[side].pop(message.unique_id, None)
            if item is not None:
                item.answer, item.done = message, True
                if side == "cs":
                    later = list(self.waiting)[self.waiting.index(item) + 1:] if item in self.waiting else []
                    item.nested = tuple(w for w in later if w.kind == "cp" and w.answer is not None)
                    item.crossing = tuple(later)
                elif self.waiting and self.waiting[-1] is not item and item in self.waiting:
                    item.crossed = tuple(_central_system_prefix(list(self.waiting)[self.waiting.index(item) + 1:]))
        return self._release()

    def finish(self) -> Iterator[Item]:
        self._give_up("cp")
        self._give_up("cs")
        return self._release()

    def _give_up(self, side: str) -> None:
        """One CALL at a time (OCPP-J §4.1.1): a new CALL, or a closed connection, ends the wait."""
        for item in self.open[side].values():
            item.done = True
        self.open[side].clear()

    def _release(self) -> Iterator[Item]:
        while self.waiting and (self.waiting[0].done or len(self.waiting) > MAX_WAITING):
            item = self.waiting[0]
            if (item.crossing or item.crossed) and not all(c.done for c in item.crossing + item.crossed):
                if len(self.waiting) <= MAX_WAITING:
                    return
                item.crossing = item.crossed = ()
            self.waiting.popleft()
            if not item.done:
                self.open[item.kind].pop(item.message.unique_id, None)
                item.done = True
            for _ in item.crossing + item.crossed:  # right behind it, complete: released with it
                self.waiting.popleft()
            yield item


def _central_system_prefix(items: list[Item]) -> list[Item]:
    """The Central System's CALLs at the head of ``items``."""
    found = []
    for item in items:
        if item.kind != "cs":
            break
        found.append(item)
    return found
