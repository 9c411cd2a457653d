"""The OCPP-J 1.6 side of the bundled charge point.

:class:`Link` owns the WebSocket connection, sends our CALLs one at a time
(OCPP-J 1.6 §4.1.1) from a queue in which transaction-related messages
survive going offline and reboots (OCPP 1.6 §3.7), answers the Central
System's CALLs through the ``@on``/``@after`` routes of ``ocpp``, and knows
when it is idle.

Idle means: no task of ours is running (a CALL in flight, an answer being
worked out, a connection being opened), no CALL from the Central System is
being handled, nothing is due on the clock at the current time, and nothing
is waiting to be sent while we may send. Every timer is a clock timer, so on
a virtual clock nothing happens between two steps of the harness.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import fields
from functools import cache, lru_cache

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, MessageType, _DecimalEncoder, _validate_payload, unpack
from ocpp.v16 import ChargePoint as OcppChargePoint
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from . import validation, wsclient
from .settings import Settings
from .state import OFFLINE, TIMEOUT, Outgoing, Reply

logging.getLogger("ocpp").setLevel(logging.WARNING)

SUBPROTOCOL = "ocpp1.6"
IDLE_TIMEOUT = 30.0
"""Real seconds :meth:`Link.wait_idle` waits before it reports what is stuck."""


class Link(OcppChargePoint):
    """Connection, CALLs, the outgoing queue, timers and tasks of a charge point."""

    def __init__(self, cp_id: str, url: str, clock, settings: Settings):
        super().__init__(cp_id, None, response_timeout=settings.call_timeout)
        ids = itertools.count(1)
        self._unique_id_generator = lambda: str(next(ids))
        self.url = url.rstrip("/")
        self.clock = clock
        self.settings = settings
        self._ws = None
        self._receiver: asyncio.Task | None = None
        self._going_on: asyncio.Task | None = None
        """A message's handling begun as it came (:meth:`_arrived`) that had to wait: the reader waits for it."""
        self._connecting = False
        self._powered = False
        self._network_up = True
        self._registration: str | None = None
        self._tasks: set[asyncio.Task] = set()
        self._timers: set = set()
        self._errors: list[BaseException] = []
        self._handling = 0
        self._pending: dict[str, asyncio.Future] = {}
        self._outbox: list[Outgoing] = []
        self._sender: asyncio.Task | None = None
        self._retry_timer = None
        self._reconnect_timer = None
        self._change: asyncio.Future | None = None
        """What :meth:`wait_idle` waits on: done at the next change (:meth:`_poke`)."""
        self._last_exchange = clock.now()
        self.exchanged = [0, 0]
        """Messages [sent, received] on the current connection: the bundled SUT settles once the endpoint
        has read all we sent and we have read all it sent (adapters/bundled.py)."""
        self.dial = None
        """None: connect over a WebSocket (wsclient.py); else ``dial(url, subprotocols)`` opens the connection
        (the bundled SUT's in-memory link, adapters/memory.py, or a connection kept from an earlier example)."""
        self.hand_over = None
        """None: closing the connection on purpose closes it; else ``hand_over(ws)`` is offered an idle connection
        first and keeps it open for another charge point when it returns True (adapters/bundled.py)."""

    # ---- state

    @property
    def online(self) -> bool:
        """A WebSocket connection to the Central System is open."""
        return self._ws is not None

    def _can_send(self) -> bool:
        """We may send requests: online and Accepted (§4.2)."""
        return self._ws is not None and self._registration == "Accepted"

    @property
    def idle(self) -> bool:
        return (not self._tasks and self._handling == 0 and not self._due()
                and self._next_sendable() is None)

    def _due(self) -> bool:
        due = getattr(self.clock, "due", None)
        return due is not None and due()

    def _busy(self) -> str:
        return (f"{len(self._tasks)} task(s) running, {self._handling} CALL(s) being answered, "
                f"clock due: {self._due()}, sendable: {self._next_sendable() is not None}")

    async def wait_idle(self, timeout: float = IDLE_TIMEOUT) -> None:
        """Return once :attr:`idle`; re-raise the first error a task of ours hit. One real-time watchdog for
        the whole wait, set only when there is something to wait for."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        watchdog = None
        try:
            while True:
                self._raise_errors()
                if self._due():
                    self.clock.advance_to(self.clock.now())
                    continue
                self._kick()
                if self.idle:
                    return
                if watchdog is None:
                    watchdog = loop.call_at(deadline, self._poke)
                self._change = change = loop.create_future()
                await change
                if loop.time() >= deadline and not self.idle:
                    raise TimeoutError(f"charge point {self.id} is not idle: {self._busy()}")
        finally:
            if watchdog is not None:
                watchdog.cancel()

    def _poke(self) -> None:
        change = self._change
        if change is not None and not change.done():
            change.set_result(None)

    def _raise_errors(self) -> None:
        if self._errors:
            error = self._errors.pop(0)
            raise RuntimeError(f"charge point {self.id} failed: {error!r}") from error

    # ---- tasks and timers

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._errors.append(task.exception())
        self._poke()

    def _timer(self, delay: float, callback):
        return self._timer_at(self.clock.now() + delay, callback)

    def _timer_at(self, when: float, callback):
        handle = None

        def fire() -> None:
            self._timers.discard(handle)
            try:
                callback()
            except Exception as error:  # surfaces in wait_idle, not inside the clock
                self._errors.append(error)
            self._poke()

        handle = self.clock.call_at(when, fire)
        self._timers.add(handle)
        return handle

    def _cancel(self, handle) -> None:
        if handle is not None:
            handle.cancel()
            self._timers.discard(handle)

    def _cancel_all_timers(self) -> None:
        for handle in list(self._timers):
            handle.cancel()
        self._timers.clear()
        self._retry_timer = self._reconnect_timer = None

    # ---- connection

    def _want_connection(self) -> bool:
        return self._powered and self._network_up

    def _connect_soon(self) -> None:
        if self._ws is None and not self._connecting and self._want_connection():
            self._connecting = True
            self._spawn(self._connect())

    async def _connect(self) -> None:
        url = f"{self.url}/{self.id}"
        try:
            ws = await (self.dial or wsclient.dial)(url, [SUBPROTOCOL])
        except (OSError, InvalidHandshake, TimeoutError):
            self._reconnect_later()
            return
        finally:
            self._connecting = False
        if ws.subprotocol != SUBPROTOCOL or not self._want_connection():
            await ws.close()
            self._reconnect_later()
            return
        self._ws = self._connection = ws
        self.exchanged = [0, 0]
        self._receiver = asyncio.ensure_future(self._receive(ws))
        await self._on_connected()

    def _reconnect_later(self) -> None:
        if self._reconnect_timer is None and self._want_connection():
            self._reconnect_timer = self._timer(self.settings.reconnect_interval, self._reconnect_due)

    def _reconnect_due(self) -> None:
        self._reconnect_timer = None
        self._connect_soon()

    async def _receive(self, ws) -> None:
        """Read the connection's messages in order, each handled before the next; a connection that offers them as
        they come (wsclient.py ``on_message``) has them handled there while this reader waits (:meth:`_arrived`)."""
        if hasattr(ws, "on_message"):
            ws.on_message = self._arrived
        try:
            async for raw in ws:
                await self._went_on()
                self._last_exchange = self.clock.now()
                self.exchanged[1] += 1
                await self.route_message(raw)
        except ConnectionClosed:
            pass
        finally:
            if hasattr(ws, "on_message"):
                ws.on_message = None
            if self._going_on is not None:
                await asyncio.wait((self._going_on,))
                self._going_on = None
            if self._ws is ws:
                self._lost_connection()
                self._reconnect_later()

    def _arrived(self, raw) -> bool:
        """A message that came while the reader waited, with nothing unread: handled at once, as the reader would
        (the same coroutine, :meth:`route_message`); one that has to wait goes on in a task of its own, which the
        reader waits for before the next message. False: the reader takes the message (a handling goes on)."""
        if self._going_on is not None:
            return False
        self._last_exchange = self.clock.now()
        self.exchanged[1] += 1
        handling = self.route_message(raw)
        try:
            waiting_on = handling.send(None)
        except StopIteration:
            return True
        except ConnectionClosed:
            return True  # the connection is closing: the reader ends with it
        except Exception as error:  # a bug of ours: wait_idle re-raises it
            self._errors.append(error)
            return True
        self._going_on = asyncio.ensure_future(_go_on(handling, waiting_on))
        return True

    async def _went_on(self) -> None:
        """Wait for a message's handling that had to wait (:meth:`_arrived`); its error is the reader's."""
        going_on, self._going_on = self._going_on, None
        if going_on is not None:
            await going_on

    def _lost_connection(self) -> None:
        self._ws = None
        for future in self._pending.values():
            if not future.done():
                future.set_result(OFFLINE)
        for item in [item for item in self._outbox if item.transaction is None]:
            self._drop(item)
        self._poke()

    async def _disconnect(self) -> None:
        """Close the connection on purpose (network down, power loss, reboot)."""
        ws = self._ws
        if ws is None:
            return
        idle = not self._pending and self._handling == 0
        self._lost_connection()
        if idle and self._going_on is None and self.hand_over is not None and self.hand_over(ws):
            self._receiver.cancel()  # the connection stays open: we stop reading it
        else:
            await ws.close()
        if self._receiver is not None:
            await asyncio.wait({self._receiver})
            self._receiver = None

    async def _on_connected(self) -> None:
        """Called once a connection is open; see the charge point."""

    # ---- Central System CALLs

    async def route_message(self, raw_msg: str) -> None:
        try:
            msg = unpack(raw_msg)
        except OCPPError:
            return
        if msg.message_type_id == MessageType.Call:
            await self._answer(msg)
            return
        future = self._pending.get(msg.unique_id)
        if future is not None and not future.done():
            future.set_result(_reply(msg))

    async def _answer(self, msg) -> None:
        if self._registration == "Rejected":
            return  # §4.2: while Rejected, the Charge Point SHALL NOT respond
        self._handling += 1
        try:
            try:
                await self._handle_call(msg)
            except OCPPError as error:
                await self._send(self._call_error(msg, error))
        except ConnectionClosed:
            pass
        finally:
            self._handling -= 1
            self._poke()

    async def _handle_call(self, msg) -> None:
        """Run the ``@on`` route, send its answer, then run the ``@after`` route.

        The same contract as ``ocpp.ChargePoint._handle_call``, leaner: the request
        is validated synchronously (not in a thread), and the answer's dataclass is
        converted shallowly (our routes put camelCase dicts inside).
        """
        handlers = self.route_map.get(msg.action, {})
        if "_on_action" not in handlers:
            await super()._handle_call(msg)  # NotImplemented / NotSupported
            return
        self._check(msg)
        arguments = _snake_case(msg.payload)
        try:
            response = handlers["_on_action"](**arguments)
        except OCPPError:
            raise
        except Exception as error:  # a bug of ours: InternalError, as ocpp does; wait_idle re-raises it
            self._errors.append(error)
            await self._send(msg.create_call_error(error).to_json())
            return
        payload = {camel: value for name, camel in _names(type(response))
                   if (value := getattr(response, name)) is not None}
        after = handlers.get("_after_action")
        await self._reply(msg, payload, lambda: after(**arguments) if after is not None else None)

    def _check(self, msg) -> None:
        """Refuse a CALL that breaks its schema (raises the OCPPError of its CALLERROR)."""
        _validate(msg, self._ocpp_version)

    def _call_error(self, msg, error: OCPPError) -> str:
        """The CALLERROR that refuses a CALL (OCPP-J 1.6 §4.2.3): the code of ``error``."""
        return msg.create_call_error(error).to_json()

    async def _reply(self, msg, payload: dict, after) -> None:
        """The CALLRESULT first, then what the request sets off (the ``@after`` route): OCPP 1.6 §5.17
        "The Charge Point SHALL first send the TriggerMessage response"."""
        await self._send(_ENCODER.encode([MessageType.CallResult, msg.unique_id, payload]))  # create_call_result().to_json()
        after()

    async def _send(self, message: str) -> None:
        self._last_exchange = self.clock.now()
        self.exchanged[0] += 1
        await self._connection.send(message)

    # ---- our CALLs

    async def _call(self, action: str, payload: dict) -> Reply:
        """Send one CALL and wait for its answer, a timeout (virtual time) or the connection's end."""
        async with self._call_lock:
            if self._ws is None:
                return OFFLINE
            message = Call(self._unique_id_generator(), action, payload)
            if self.settings.validate_messages:
                _validate(message, self._ocpp_version)
            text = _ENCODER.encode([message.message_type_id, message.unique_id, action, message.payload])
            future = asyncio.get_running_loop().create_future()
            self._pending[message.unique_id] = future
            timer = self._timer(self.settings.call_timeout,
                                lambda: future.done() or future.set_result(TIMEOUT))
            try:
                await self._send(text)  # what message.to_json() gives
                return await future
            except ConnectionClosed:
                return OFFLINE
            finally:
                self._pending.pop(message.unique_id, None)
                self._cancel(timer)

    async def _request(self, action: str, payload: dict) -> Reply:
        """Queue a request that is not transaction-related and wait for its answer."""
        item = Outgoing(action, payload, future=asyncio.get_running_loop().create_future())
        self._enqueue(item)
        return await item.future

    # ---- the outgoing queue (§3.7)

    def _enqueue(self, item: Outgoing) -> None:
        if not (self._can_send() or self._queues_offline(item)):
            resolve(item, OFFLINE)
            return
        self._outbox.append(item)
        if item.transaction is not None:
            self._save_queue()
        self._kick()

    def _queues_offline(self, item: Outgoing) -> bool:
        """§3.7: when offline, transaction-related messages MUST be queued; others are not."""
        return item.transaction is not None

    def _kick(self) -> None:
        if (self._sender is None or self._sender.done()) and self._next_sendable() is not None:
            self._sender = self._spawn(self._drain())

    def _next_sendable(self) -> Outgoing | None:
        """The first item we may send now; transaction-related ones wait for a retry timer."""
        if not self._can_send():
            return None
        for item in self._outbox:
            if item.transaction is None or self._retry_timer is None:
                return item
        return None

    async def _drain(self) -> None:
        while (item := self._next_sendable()) is not None:
            await self._deliver(item)

    async def _deliver(self, item: Outgoing) -> None:
        payload = self._payload_for(item)
        if payload is None:
            self._drop(item)
            return
        reply = await self._call(item.action, payload)
        if reply.kind == "offline":
            return  # transaction-related: stays first in the queue; others were dropped
        if reply.kind == "result" or item.transaction is None:
            self._remove(item)
            resolve(item, reply)
            if reply.kind == "result":
                self._on_result(item, reply)
            return
        self._failed(item)

    def _failed(self, item: Outgoing) -> None:
        """§3.7.1: retry after TransactionMessageRetryInterval × attempts, up to TransactionMessageAttempts."""
        item.attempts += 1
        if item.attempts >= self._attempts():
            self._drop(item)
            return
        self._retry_timer = self._timer(self._retry_delay(item), self._retry_due)
        self._save_queue()

    def _attempts(self) -> int:
        """§9.1.31 TransactionMessageAttempts: how often a message is tried (the first transmission included)."""
        return self.config.integer("TransactionMessageAttempts")

    def _retry_delay(self, item: Outgoing) -> float:
        """§3.7.1: TransactionMessageRetryInterval × the transmissions of the message so far."""
        return self.config.integer("TransactionMessageRetryInterval") * item.attempts

    def _retry_due(self) -> None:
        self._retry_timer = None
        self._kick()

    def _remove(self, item: Outgoing) -> None:
        if item in self._outbox:
            self._outbox.remove(item)
            if item.transaction is not None:
                self._save_queue()
            self._finished(item)

    def _drop(self, item: Outgoing) -> None:
        self._remove(item)
        resolve(item, OFFLINE)
        self._on_dropped(item)

    def _save_queue(self) -> None:
        self.store["queue"] = [item.to_json() for item in self._outbox if item.transaction is not None]
        self.store.save()

    # hooks for the charge point

    def _payload_for(self, item: Outgoing) -> dict | None:
        return item.payload

    def _on_result(self, item: Outgoing, reply: Reply) -> None:
        """A CALLRESULT arrived for a queued item."""

    def _finished(self, item: Outgoing) -> None:
        """The item left the queue: delivered, dropped or discarded."""

    def _on_dropped(self, item: Outgoing) -> None:
        """The item left the queue without being delivered."""


_ENCODER = _DecimalEncoder(separators=(",", ":"))
"""``ocpp``'s JSON encoder for its messages' ``to_json`` (``json.dumps(..., separators=(",", ":"), cls=_DecimalEncoder)``),
made once instead of at every message: the same text."""

DECIMAL_ACTIONS = frozenset({"SetChargingProfile", "RemoteStartTransaction"})
"""The CALLs whose payload ``ocpp`` turns into decimals while it validates them (multipleOf 0.1)."""


def _validate(message: Call, ocpp_version: str) -> None:
    """A CALL that breaks its schema is refused with the CALLERROR of OCPP-J 1.6 Table 7 that names the
    fault (validation.py); ``ocpp`` then reads the decimals. After a fast first look: a payload that
    conforms needs nothing more (adapters/schemas.py) than its decimals read as ``ocpp`` reads them."""
    if message.action not in DECIMAL_ACTIONS:
        if validation.conforms(message.action, message.payload):
            return
    elif (decimals := validation.conforms_as_decimals(message.action, message.payload)) is not None:
        message.payload = decimals  # what ocpp's _validate_payload leaves of a payload that conforms
        return
    refusal = validation.refusal(message.action, message.payload)
    if refusal is not None:
        raise refusal
    _validate_payload(message, ocpp_version)


def _snake_case(data):
    """``ocpp``'s camel_to_snake_case, each key worked out once: the same keys come again and again."""
    if isinstance(data, dict):
        return {_snake(key): _snake_case(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_snake_case(value) for value in data]
    return data


@lru_cache(maxsize=1024)
def _snake(key: str) -> str:
    return next(iter(camel_to_snake_case({key: None})))


@cache
def _names(response_type: type) -> tuple[tuple[str, str], ...]:
    """(field, its camelCase key) of an ``ocpp`` call_result dataclass, in order (``dataclasses.fields``)."""
    return tuple((field.name, _camel(field.name)) for field in fields(response_type))


@cache
def _camel(name: str) -> str:
    return snake_to_camel_case({name: None}).popitem()[0]


async def _go_on(handling, waiting_on) -> None:
    """Drive a coroutine on from where it waits, as a task does: ``waiting_on`` is the future it waits for, or None
    (it yielded a turn of the loop: this task's first step is the next turn)."""
    while True:
        if waiting_on is not None:
            await asyncio.wait((waiting_on,))  # whatever its outcome: the coroutine reads it when resumed
        try:
            waiting_on = handling.send(None)
        except StopIteration:
            return
        if waiting_on is None:
            await asyncio.sleep(0)


def _reply(msg) -> Reply:
    if msg.message_type_id == MessageType.CallResult:
        return Reply("result", msg.payload)
    return Reply("error", None, msg.error_code)


def resolve(item: Outgoing, reply: Reply) -> None:
    if item.future is not None and not item.future.done():
        item.future.set_result(reply)
