"""An in-memory link between the bundled charge point and the Central System endpoint (``--link memory``).

The two ends of a :class:`MemoryConnection` pair offer the part of the ``websockets`` connection API
that :class:`adapters.chargepoint.link.Link` (the client) and :class:`adapters.csms.CentralSystem`
(the server) use: ``send``, ``recv``, ``async for``, ``close``, ``state``, ``subprotocol``,
``close_code``/``close_reason`` and, on the server's end, ``request`` (path and headers). Text
messages go from one end to the other in order, with no framing, no socket and no handshake: what
costs the time of a WebSocket and tells nothing about a charge point that talks to itself. A message
sent before a close is still received; after it, ``send`` raises and iteration ends, as in
``websockets`` after a normal closing handshake.

The real WebSocket stays the default of ``fuzz`` and the only link to an external charge point.
"""

from __future__ import annotations

import asyncio
import collections

import attrs
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Close
from websockets.protocol import State


@attrs.frozen
class Request:
    """What the server's end knows of the opening handshake."""

    path: str
    headers: Headers


@attrs.frozen
class Refusal:
    """A handshake the server refused (``websockets`` would answer it with this HTTP status)."""

    status: int
    text: str
    headers: dict = attrs.Factory(dict)


class Handshake:
    """Stands for ``websockets``' server connection while the server checks an opening handshake."""

    @staticmethod
    def respond(status: int, text: str) -> Refusal:
        return Refusal(status, text)


class MemoryConnection:
    """One end of an in-memory connection."""

    def __init__(self, subprotocol: str | None, request: Request | None = None):
        self.subprotocol = subprotocol
        self.request = request
        self.state = State.OPEN
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.peer: MemoryConnection | None = None
        self._inbox: collections.deque[str] = collections.deque()
        self._waiter: asyncio.Future | None = None

    @staticmethod
    def headers(offered: list[str]) -> Headers:
        """The opening handshake's headers: the subprotocols the client offers."""
        return Headers([("Sec-WebSocket-Protocol", protocol) for protocol in offered])

    @classmethod
    def pair(cls, request: Request, subprotocol: str | None) -> tuple["MemoryConnection", "MemoryConnection"]:
        """(the client's end, the server's end) of a new connection asked for by ``request``."""
        client, server = cls(subprotocol), cls(subprotocol, request)
        client.peer, server.peer = server, client
        return client, server

    async def send(self, message: str) -> None:
        if self.state is not State.OPEN:
            raise self._closed_error()
        self.peer._arrive(message)

    async def recv(self) -> str:
        while not self._inbox:
            if self.state is not State.OPEN:
                raise self._closed_error()
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._inbox.popleft()

    def __aiter__(self):
        return self._messages()

    async def _messages(self):
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedOK:
                return

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """The closing handshake, done at once on both ends (idempotent, as in ``websockets``)."""
        if self.state is State.OPEN:
            self._end(code, reason)
            self.peer._end(code, reason)

    def _arrive(self, message: str) -> None:
        self._inbox.append(message)
        self._wake()

    def _end(self, code: int, reason: str) -> None:
        self.state, self.close_code, self.close_reason = State.CLOSED, code, reason
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _closed_error(self) -> ConnectionClosedOK:
        close = Close(self.close_code, self.close_reason)
        return ConnectionClosedOK(close, close, rcvd_then_sent=True)
