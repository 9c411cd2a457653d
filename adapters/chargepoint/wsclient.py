"""The bundled charge point's WebSocket client: ``websockets``' own protocol (Sans-I/O) on an asyncio transport.

The link to the Central System stays a real WebSocket: the opening handshake (RFC 6455 §4, OCPP-J 1.6 §3),
the framing, the masking, the closing handshake with its codes, the limits (a message over 1 MiB closes the
connection with 1009, invalid UTF-8 with 1007) are all ``websockets.client.ClientProtocol``'s, the very code
``websockets.asyncio.client.connect`` runs. What this module leaves out is the asyncio layer around it,
which a charge point that reads every message as it comes does not need: the message assembler and its
queue, the send context (a lock and a drain for every frame), keepalive pings (``ping_interval=None``) and
the automatic reconnection. A text message goes to the socket as it is sent; a message received is handed
to the reader at once.

:func:`dial` offers the part of ``websockets``' connection that :class:`adapters.chargepoint.link.Link`
uses: ``send``, ``async for``, ``close``, ``subprotocol``, ``state``, ``close_code``/``close_reason``.
"""

from __future__ import annotations

import asyncio
import collections
import codecs

from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import USER_AGENT
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

OPEN_TIMEOUT = 10.0
"""Seconds the opening handshake may take (``websockets.asyncio.client.connect``'s ``open_timeout``)."""
CLOSE_TIMEOUT = 2.0
"""Seconds the closing handshake may take before the TCP connection is dropped (``close_timeout``)."""
MAX_SIZE = 2**20
"""The largest message taken in (``connect``'s default ``max_size``): beyond it, close code 1009."""


async def dial(url: str, subprotocols: list[str], open_timeout: float = OPEN_TIMEOUT,
               close_timeout: float = CLOSE_TIMEOUT) -> "Connection":
    """An open WebSocket connection to ``url`` (ws:// only), as ``connect(url, subprotocols=...,
    proxy=None, ping_interval=None, compression=None, close_timeout=...)`` opens it.

    Raises OSError when the TCP connection fails, InvalidHandshake when the server refuses the handshake,
    TimeoutError when it takes longer than ``open_timeout``."""
    uri = parse_uri(url)
    if uri.secure:
        raise ValueError("dial: ws:// only (the bundled charge point's link is a loopback)")
    protocol = ClientProtocol(uri, subprotocols=[Subprotocol(p) for p in subprotocols], max_size=MAX_SIZE)
    loop = asyncio.get_running_loop()
    connection = Connection(protocol, close_timeout)
    try:
        async with asyncio.timeout(open_timeout):
            await loop.create_connection(lambda: connection, uri.host, uri.port)
            await connection.handshake()
    except BaseException:
        connection.abort()
        raise
    return connection


class Connection(asyncio.Protocol):
    """One client connection (see the module)."""

    def __init__(self, protocol: ClientProtocol, close_timeout: float):
        self.protocol = protocol
        self.close_timeout = close_timeout
        self.transport: asyncio.Transport | None = None
        self.response = None
        self._loop = asyncio.get_running_loop()
        self._answered = self._loop.create_future()  # the handshake response came, or the connection ended
        self._lost = self._loop.create_future()  # the TCP connection ended
        self._inbox: collections.deque = collections.deque()
        self._waiter: asyncio.Future | None = None
        self._fragments: list[bytes] | None = None
        self._fragment_text = False
        self._close_timer: asyncio.TimerHandle | None = None
        self.on_message = None
        """None: a message waits in the inbox for :meth:`recv`; else, while a reader waits in :meth:`recv` with
        nothing unread, ``on_message(message)`` is offered the message first and takes it by returning True."""

    # ---- what websockets' connection offers

    @property
    def subprotocol(self):
        return self.protocol.subprotocol

    @property
    def state(self) -> State:
        return self.protocol.state

    @property
    def close_code(self) -> int | None:
        return self.protocol.close_code

    @property
    def close_reason(self) -> str | None:
        return self.protocol.close_reason

    @property
    def quiet(self) -> bool:
        """Open, with nothing received and unread, no message half received and nothing left to write."""
        return (self.protocol.state is State.OPEN and not self._inbox and self._fragments is None
                and self.transport is not None and not self.transport.get_write_buffer_size())

    async def send(self, message: str | bytes) -> None:
        """Send a text message (a ``str``) or a binary one; ConnectionClosed once closed."""
        if self.protocol.state is not State.OPEN:
            await self._wait_lost()
            raise self.protocol.close_exc
        if isinstance(message, str):
            self.protocol.send_text(message.encode())
        else:
            self.protocol.send_binary(message)
        self._write()

    async def recv(self) -> str | bytes:
        while not self._inbox:
            if self._lost.done() or self.protocol.state is State.CLOSED:
                raise self.protocol.close_exc
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._inbox.popleft()

    def __aiter__(self):
        return self._messages()

    async def _messages(self):
        """The messages in order; ends after a normal closure (1000, 1001, none), else ConnectionClosedError."""
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedOK:
                return

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """The closing handshake: wait for the server to answer and close the TCP connection (idempotent)."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self._write()
        await self._wait_lost()

    # ---- the opening handshake

    async def handshake(self) -> None:
        request = self.protocol.connect()
        request.headers.setdefault("User-Agent", USER_AGENT)
        self.protocol.send_request(request)
        self._write()
        await self._answered
        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc
        if self.response is None:  # pragma: no cover - handshake_exc is set whenever no response came
            raise InvalidHandshake("no handshake response")

    # ---- asyncio.Protocol

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        self._process(self.protocol.events_received())

    def eof_received(self) -> None:
        self.protocol.receive_eof()
        self._process(self.protocol.events_received())

    def connection_lost(self, exc) -> None:
        self.protocol.receive_eof()  # idempotent: the protocol's state becomes CLOSED
        if self._close_timer is not None:
            self._close_timer.cancel()
        if not self._answered.done():
            self._answered.set_result(None)
        if not self._lost.done():
            self._lost.set_result(None)
        self._wake()

    # ---- inside

    def _process(self, events) -> None:
        self._write()
        if self.protocol.close_expected() and self._close_timer is None and self.transport is not None:
            self._close_timer = self._loop.call_later(self.close_timeout, self.abort)
        for event in events:
            if self.response is None and not isinstance(event, Frame):
                self.response = event
                if not self._answered.done():
                    self._answered.set_result(None)
            elif isinstance(event, Frame):
                self._frame(event)
        if self.protocol.state is State.CLOSED and self.transport is not None:
            self._wake()

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._message(bytes(frame.data), opcode is Opcode.TEXT)
            else:
                self._fragments, self._fragment_text = [bytes(frame.data)], opcode is Opcode.TEXT
        elif opcode is Opcode.CONT and self._fragments is not None:
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), None
                self._message(data, self._fragment_text)

    def _message(self, data: bytes, text: bool) -> None:
        if text:
            try:
                message = codecs.decode(data, "utf-8")
            except UnicodeDecodeError as error:  # as websockets' connection does: close with 1007
                self.protocol.fail(CloseCode.INVALID_DATA, f"{error.reason} at position {error.start}")
                self._write()
                if self._close_timer is None and self.transport is not None:
                    self._close_timer = self._loop.call_later(self.close_timeout, self.abort)
                return
        else:
            message = data
        waiter = self._waiter
        if self.on_message is not None and waiter is not None and not waiter.done() and not self._inbox \
                and self.on_message(message):
            return
        self._inbox.append(message)
        self._wake()

    def _write(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            self.protocol.data_to_send()  # nothing can be written any more
            return
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                try:
                    transport.write_eof()
                except Exception:  # pragma: no cover
                    pass
            else:  # pragma: no cover
                transport.close()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait_lost(self) -> None:
        if self.transport is None:
            return
        if self._close_timer is None and not self._lost.done():
            self._close_timer = self._loop.call_later(self.close_timeout, self.abort)
        await asyncio.shield(self._lost)

    def abort(self) -> None:
        if self.transport is not None and not self._lost.done():
            self.transport.abort()


__all__ = ["dial", "Connection", "ConnectionClosed"]
