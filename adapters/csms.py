"""The Central System endpoint: a thin OCPP-J 1.6 layer that records every frame.

The endpoint is written for verification, not for production: it accepts one
charge point at a time, answers its CALLs from a :class:`CsmsPolicy`, sends
the harness's CALLs with :meth:`CentralSystem.call`, and records every frame,
good or bad, as a :class:`Frame` (docs/architecture.md section 2).

Anything a charge point sends that breaks OCPP-J 1.6 (or the OCPP 1.6 JSON
schemas) is recorded with ``Frame.error`` set to a sentence that starts with
the section it breaks, e.g. ``"OCPP-J 1.6 §4.2.1: ..."``. A malformed CALL is
answered with a CALLERROR (OCPP-J 1.6 §4.2.3, Table 7) whenever its UniqueId
can be echoed; the endpoint keeps serving whatever arrives.

Frame payloads: a CALL or CALLRESULT records its JSON payload; a CALLERROR
records ``{"errorCode", "errorDescription", "errorDetails"}``; connection
events record ``{"chargePointId", "subprotocol"}`` (``"disconnected"`` also
has the WebSocket close ``"code"`` and ``"reason"``).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hmac
import itertools
import json
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import attrs
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import best_match
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidHeader
from websockets.headers import parse_authorization_basic
from websockets.protocol import State

from adapters import schemas
from adapters.memory import Handshake, MemoryConnection, Request
from adapters.clock import RealClock, iso
from vocabulary import CENTRAL_SYSTEM_OPS, dates

SUBPROTOCOL = "ocpp1.6"
MAX_UNIQUE_ID = 36  # OCPP-J 1.6 §4.1.4, Table 3
MAX_FRAME = 16 * 2**20  # big enough to record (and reject) a 1 MB frame; CentralSystem(max_frame=...)

CALL, CALLRESULT, CALLERROR = 2, 3, 4

CP_ACTIONS = frozenset({
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction",
})
CS_ACTIONS = CENTRAL_SYSTEM_OPS
"""The Central System initiated actions of OCPP 1.6 (vocabulary/ops.py)."""
ERROR_CODES = frozenset({  # OCPP-J 1.6 §4.2.3, Table 7
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
    "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
    "TypeConstraintViolation", "GenericError",
})
EVENTS = frozenset({"connected", "disconnected"})


def violation(section: str, text: str) -> str:
    """The error text of a frame that breaks OCPP-J 1.6 at ``section``."""
    return f"OCPP-J 1.6 §{section}: {text}"


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""What ``json.dumps(message, separators=(",", ":"), ensure_ascii=False)`` makes anew at every call, made once."""


def _dumps(message: list) -> str:
    return _ENCODER.encode(message)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: Any, limit: int = 80) -> str:
    return _clip(repr(value), limit)


# --------------------------------------------------------------------------
# Schemas (the OCPP 1.6 JSON schemas shipped with the ocpp package)

# Schemas with "multipleOf": 0.1 must see decimals, not binary floats.
_DECIMAL_SCHEMAS = frozenset({"RemoteStartTransaction", "SetChargingProfile",
                              "GetCompositeScheduleResponse"})
_FORMATS = FormatChecker(formats=())

# jsonschema keyword -> OCPP-J error code (Table 7)
_SCHEMA_ERROR_CODES = {
    "type": "TypeConstraintViolation",
    "maxLength": "TypeConstraintViolation",  # CiStringNType is a data type
    "required": "ProtocolError",
    "additionalProperties": "FormationViolation",
    "minItems": "OccurenceConstraintViolation",
    "maxItems": "OccurenceConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "multipleOf": "PropertyConstraintViolation",
    "format": "PropertyConstraintViolation",
}


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    """ISO 8601 date and time with an offset (OCPP 1.6 §3.15, RFC 3339: vocabulary/dates.py)."""
    return not isinstance(value, str) or dates.seconds(value) is not None


@functools.cache
def _validator(schema: str) -> Draft4Validator:
    return Draft4Validator(schemas.document(schema, decimals=schema in _DECIMAL_SCHEMAS), format_checker=_FORMATS)


def schema_violation(schema: str, payload: Any) -> tuple[str, str] | None:
    """(error code, description) when ``payload`` breaks the named 1.6 schema."""
    if schemas.conforms(schema, payload, date_time=_is_date_time):
        return None  # the precise error is worked out only for a payload that does not conform
    if schema in _DECIMAL_SCHEMAS:
        if schemas.conforms_as_decimals(schema, payload, date_time=_is_date_time) is not None:
            return None
        payload = json.loads(json.dumps(payload), parse_float=Decimal)
    error = best_match(_validator(schema).iter_errors(payload))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    code = _SCHEMA_ERROR_CODES.get(error.validator, "FormationViolation")
    return code, f"at {where}: {_clip(error.message, 200)}"


def request_violation(action: str, payload: Any) -> str | None:
    """Why the harness may not send this CALL to a charge point, or None."""
    if action not in CS_ACTIONS:
        return f"{action!r} is not a Central System initiated OCPP 1.6 action"
    problem = schema_violation(action, payload)
    if problem is None:
        return None
    return f"{action} request violates the {action}.json schema {problem[1]} ({problem[0]})"


# --------------------------------------------------------------------------
# Records and policy


@attrs.frozen
class Frame:
    seq: int
    time: float
    direction: str  # "cp->cs", "cs->cp" or "event"
    raw: str
    message_type: int | None
    unique_id: str | None
    action: str | None
    payload: dict | None
    error: str | None

    @property
    def is_event(self) -> bool:
        return self.direction == "event"

    @property
    def is_violation(self) -> bool:
        return self.error is not None and self.error not in EVENTS


@attrs.frozen
class CallOutcome:
    kind: str  # "result", "error", "timeout" or "offline" ("sent": CentralSystem.send_raw, no reply awaited)
    payload: dict | None = None
    error_code: str | None = None
    error_description: str | None = None


OFFLINE = CallOutcome("offline")
TIMEOUT = CallOutcome("timeout")


@attrs.define
class CsmsPolicy:
    """How the endpoint answers the charge point's CALLs; the harness changes it."""

    id_tags: dict[str, dict] = attrs.Factory(dict)
    boot_status: str = "Accepted"
    heartbeat_interval: int = 300
    next_transaction_id: int = 1
    data_transfer_status: str = "UnknownVendorId"
    fail_next: dict[str, int] = attrs.Factory(dict)
    failure: dict[str, str] = attrs.Factory(dict)
    """action -> how its next CALLs fail (:data:`FAILURES`); "CallError" where none is given."""

    def apply(self, step: dict) -> None:
        """SetIdTag / SetBootResponse / FailNext change how the endpoint answers (architecture §1)."""
        op = step.get("op")
        if op == "SetIdTag":
            _require(step, "status", AUTHORIZATION_STATUSES)
            if "expiryDate" in step and dates.seconds(step["expiryDate"]) is None:
                raise ValueError(f"SetIdTag: 'expiryDate' must be a dateTime with an offset, got {step['expiryDate']!r}")
            self.id_tags[_text(step, "idTag")] = {"status": step["status"], "parentIdTag": step.get("parentIdTag"),
                                                  "expiryDate": step.get("expiryDate")}
        elif op == "SetBootResponse":
            _require(step, "status", REGISTRATION_STATUSES)
            interval = step.get("interval", self.heartbeat_interval)
            if type(interval) is not int or interval < 0:
                raise ValueError(f"SetBootResponse: interval must be an integer >= 0, got {interval!r}")
            self.boot_status, self.heartbeat_interval = step["status"], interval
        elif op == "FailNext":
            count = step.get("count", 1)
            if type(count) is not int or count < 0:
                raise ValueError(f"FailNext: count must be a non-negative integer, got {count!r}")
            failure = step.get("failure", "CallError")
            if failure not in FAILURES:
                raise ValueError(f"FailNext: 'failure' must be one of {sorted(FAILURES)}, got {failure!r}")
            self.fail_next[_text(step, "action")] = count
            self.failure[step["action"]] = failure
        else:
            raise ValueError(f"{op!r} is not an environment op (SetIdTag, SetBootResponse, FailNext)")

    def id_tag_info(self, id_tag: str) -> dict:
        known = self.id_tags.get(id_tag, {"status": "Invalid"})
        return {key: value for key, value in known.items()
                if key in ("status", "parentIdTag", "expiryDate") and value is not None}

    def take_failure(self, action: str) -> str | None:
        """How this CALL must fail (:data:`FAILURES`, and one fewer to go), or None."""
        left = self.fail_next.get(action, 0)
        if left <= 0:
            return None
        self.fail_next[action] = left - 1
        return self.failure.get(action, "CallError")

    def answer(self, action: str, payload: dict, now: float) -> dict:
        """The CALLRESULT payload for a valid charge point CALL."""
        if action == "Authorize":
            return {"idTagInfo": self.id_tag_info(payload["idTag"])}
        if action == "StartTransaction":
            transaction_id = self.next_transaction_id
            self.next_transaction_id += 1
            return {"transactionId": transaction_id,
                    "idTagInfo": self.id_tag_info(payload["idTag"])}
        if action == "StopTransaction":
            return {"idTagInfo": self.id_tag_info(payload["idTag"])} if "idTag" in payload else {}
        if action == "Heartbeat":
            return {"currentTime": iso(now)}
        if action == "BootNotification":
            return {"status": self.boot_status, "currentTime": iso(now),
                    "interval": self.heartbeat_interval}
        if action == "DataTransfer":
            return {"status": self.data_transfer_status}
        return {}


@attrs.define(eq=False)
class _Connection:
    ws: ServerConnection
    charge_point_id: str
    subprotocol: str | None
    outbox: asyncio.Queue = attrs.Factory(asyncio.Queue)
    unanswered: list[str] = attrs.Factory(list)  # CP CALL ids not yet answered
    call_ids: set[str] = attrs.Factory(set)  # every CP CALL id on this connection
    pending: dict[str, tuple[str, asyncio.Future]] = attrs.Factory(dict)
    answered: dict[str, str] = attrs.Factory(dict)  # our answered CALL id -> action
    expired: dict[str, str] = attrs.Factory(dict)  # our timed-out CALL id -> action
    finished: asyncio.Event = attrs.Factory(asyncio.Event)
    hostile: set[str] = attrs.Factory(set)  # ids of frames sent by send_raw: their replies are judged by the model
    strays: bool = False  # send_raw sent a frame without a UniqueId: a reply with an unknown id may be its
    arrivals: collections.deque = attrs.Factory(collections.deque)  # loop times of recent messages (max_rate)
    exchanged: list[int] = attrs.Factory(lambda: [0, 0])  # messages [sent, received] on this connection
    parked: bool = False  # closed as far as the records go, kept open for the next charge point (park)

    def renew(self) -> None:
        """What a new connection knows: nothing of the messages before (the CALL ids start again)."""
        self.unanswered, self.call_ids, self.pending, self.answered, self.expired = [], set(), {}, {}, {}
        self.hostile, self.strays, self.arrivals, self.exchanged = set(), False, collections.deque(), [0, 0]


# --------------------------------------------------------------------------
# The endpoint


class CentralSystem:
    """An OCPP 1.6-J Central System endpoint that records every frame."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, clock=None,
                 policy: CsmsPolicy | None = None, *, basic_auth: dict[str, str] | None = None,
                 ssl_context=None, close_timeout: float = 2.0, max_frame: int = MAX_FRAME,
                 max_rate: int | None = None):
        """``max_frame``: the largest message (bytes) taken from the charge point; ``max_rate``: the most
        messages it may send within a second (None: no limit). Beyond either the connection is closed and
        a frame records why (docs/hostile.md, the endpoint's limits)."""
        self.host, self.port = host, port
        self.max_frame, self.max_rate = max_frame, max_rate
        self.crossing = None
        """A crossing armed by a hostile step (adapters/hostile.py Crossing): it holds back our answer to
        the charge point's next CALL of an action while a frame of ours crosses it."""
        self.clock = clock if clock is not None else RealClock()
        self.policy = policy if policy is not None else CsmsPolicy()
        self.basic_auth = basic_auth
        self.ssl_context = ssl_context
        self.close_timeout = close_timeout
        self.frames: list[Frame] = []
        self._recorded = 0
        self.charge_point_id: str | None = None
        self._conn: _Connection | None = None
        self._server = None
        self._call_ids = itertools.count(1)
        self._call_lock = asyncio.Lock()
        self._swap_lock = asyncio.Lock()
        self._online = asyncio.Event()
        self._memory_handlers: set[asyncio.Task] = set()

    # ---- life cycle

    async def start(self) -> None:
        self._server = await serve(
            self._handler, self.host, self.port, select_subprotocol=self._select_subprotocol,
            process_request=self._process_request, max_size=self.max_frame, ping_interval=None,
            close_timeout=self.close_timeout, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._conn is not None and self._conn.ws.state is State.OPEN

    @property
    def exchanged(self) -> tuple[int, int] | None:
        """Messages (sent, received) on the current connection; None: no connection."""
        conn = self._conn
        return None if conn is None else tuple(conn.exchanged)

    @property
    def idle(self) -> bool:
        """True when no charge point CALL is waiting for our answer."""
        return self._conn is None or not self._conn.unanswered

    async def wait_connected(self, timeout: float) -> None:
        """Return once a charge point is connected with subprotocol ocpp1.6."""
        try:
            await asyncio.wait_for(self._online.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no charge point connected to {self.url} "
                               f"within {timeout} s") from None

    def protocol_errors(self) -> list[Frame]:
        return [frame for frame in self.frames if frame.is_violation]

    # ---- recording

    def _record(self, direction: str, raw: str, message_type: int | None = None,
                unique_id: str | None = None, action: str | None = None,
                payload: dict | None = None, error: str | None = None) -> Frame:
        frame = Frame(self._recorded, self.clock.now(), direction, raw, message_type,
                      unique_id, action, payload, error)
        self._recorded += 1
        self.frames.append(frame)
        return frame

    def forget_frames(self) -> None:
        """Drop the frames recorded so far (``seq`` goes on counting): a long session keeps only
        what the current example needs."""
        self.frames.clear()

    def _event(self, conn: _Connection, error: str, **extra: Any) -> None:
        payload = {"chargePointId": conn.charge_point_id, "subprotocol": conn.subprotocol}
        self._record("event", "", payload=payload | extra, error=error)

    # ---- handshake

    @staticmethod
    def _select_subprotocol(connection: ServerConnection, offered) -> str | None:
        return SUBPROTOCOL if SUBPROTOCOL in offered else None

    async def _process_request(self, connection: ServerConnection, request):
        identity = _identity(request.path)
        if not identity:
            self._record("event", "", payload={"path": request.path}, error=violation(
                "3.1.1", f"connection URL {request.path!r} ends without a charge point "
                "identity; rejected with HTTP 404"))
            return connection.respond(404, "No charge point identity in the URL\n")
        problem = self._authentication_problem(request, identity)
        if problem is None:
            return None
        self._record("event", "", payload={"chargePointId": identity}, error=violation(
            "6.2.2", f"HTTP Basic authentication failed: {problem}; rejected with HTTP 401"))
        response = connection.respond(401, "HTTP Basic authentication failed\n")
        response.headers["WWW-Authenticate"] = 'Basic realm="ocpp-verify", charset="UTF-8"'
        return response

    def _authentication_problem(self, request, identity: str) -> str | None:
        """Why the handshake fails HTTP Basic authentication, or None."""
        if self.basic_auth is None:
            return None
        header = request.headers.get("Authorization")
        if header is None:
            return "no Authorization header"
        try:
            username, password = parse_authorization_basic(header)
        except InvalidHeader as exc:
            return f"malformed Authorization header ({exc})"
        if username != identity:
            return f"username {username!r} is not the charge point identity {identity!r}"
        expected = self.basic_auth.get(username)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode(
                "utf-8", "surrogateescape")):
            return f"wrong password for {username!r}"
        return None

    # ---- connections

    async def open_in_memory(self, path: str, offered: list[str]) -> MemoryConnection:
        """The client's end of a new in-memory connection (adapters/memory.py), checked as a WebSocket
        handshake is and served by the same handler; ConnectionRefusedError where a handshake fails."""
        request = Request(path, MemoryConnection.headers(offered))
        refusal = await self._process_request(Handshake(), request)
        if refusal is not None:
            raise ConnectionRefusedError(f"in-memory connection to {path!r} refused: HTTP {refusal.status}")
        client, server = MemoryConnection.pair(request, SUBPROTOCOL if SUBPROTOCOL in offered else None)
        handler = asyncio.ensure_future(self._handler(server))
        self._memory_handlers.add(handler)
        handler.add_done_callback(self._memory_handlers.discard)
        return client

    def park(self) -> _Connection | None:
        """Take the current connection out of service as its closing would (a ``disconnected`` event, code 1000)
        but keep it open, for :meth:`resume` to give the next charge point: None when it is not open and idle
        (an answer or a CALL of ours under way)."""
        conn = self._conn
        if (conn is None or conn.ws.state is not State.OPEN or conn.unanswered or conn.pending
                or not conn.outbox.empty() or self._call_lock.locked()):
            return None
        self._conn = None
        self._online.clear()
        conn.parked = True
        self._event(conn, "disconnected", code=1000, reason="")
        return conn

    def resume(self, conn: _Connection) -> bool:
        """A parked connection in service again as a new one would start (a ``connected`` event); False when it
        closed meanwhile or another connection is in service."""
        if conn.ws.state is not State.OPEN or self._conn is not None or not conn.parked:
            return False
        conn.renew()
        conn.parked = False
        self._conn = conn
        self.charge_point_id = conn.charge_point_id
        self._event(conn, "connected")
        self._online.set()
        return True

    async def _handler(self, ws: ServerConnection) -> None:
        conn = _Connection(ws, _identity(ws.request.path), ws.subprotocol)
        async with self._swap_lock:
            await self._replace(conn)
        if conn.subprotocol != SUBPROTOCOL:
            return await self._refuse(conn)
        writer = asyncio.create_task(self._writer(conn))
        try:
            async for message in ws:
                self._on_message(conn, message)
        except ConnectionClosed as exc:
            self._closed_on_bad_frame(conn, exc)
        finally:
            writer.cancel()
            self._closed(conn)

    async def _replace(self, conn: _Connection) -> None:
        old = self._conn
        if old is not None:
            await old.ws.close(1000, "replaced by a new connection")
            await old.finished.wait()
        self._conn = conn
        self.charge_point_id = conn.charge_point_id
        self._event(conn, "connected")
        if conn.subprotocol == SUBPROTOCOL:
            self._online.set()

    async def _refuse(self, conn: _Connection) -> None:
        offered = conn.ws.request.headers.get_all("Sec-WebSocket-Protocol")
        self._event(conn, violation(
            "3.2", f"the charge point did not offer subprotocol {SUBPROTOCOL} "
            f"(offered: {', '.join(offered) or 'none'}); connection closed"))
        await conn.ws.close(1002, f"subprotocol {SUBPROTOCOL} required")
        self._closed(conn)

    def _closed_on_bad_frame(self, conn: _Connection, exc: ConnectionClosed) -> None:
        """Record the frames the WebSocket layer refused before we could see them."""
        code = exc.sent.code if exc.sent is not None else None
        if code == 1007:
            self._record("cp->cs", "", error=violation(
                "4.1.2", "a text frame is not valid UTF-8; the connection was closed (1007)"))
        elif code == 1009:
            self._record("cp->cs", "", error=f"a message is larger than {self.max_frame} bytes, "
                         "the most this endpoint accepts (max_frame); the connection was closed (1009)")

    def _closed(self, conn: _Connection) -> None:
        for _, future in conn.pending.values():
            if not future.done():
                future.set_result(OFFLINE)
        conn.pending.clear()
        conn.unanswered.clear()
        code = conn.ws.close_code
        if not conn.parked:  # a parked connection's end was recorded when it was parked
            self._event(conn, "disconnected", code=None if code is None else int(code),
                        reason=conn.ws.close_reason)
        if self._conn is conn:
            self._conn = None
            self._online.clear()
        conn.finished.set()

    async def _writer(self, conn: _Connection) -> None:
        """Send our answers to the charge point's CALLs, in order."""
        while True:
            text, unique_id, action, message_type, payload = await conn.outbox.get()
            conn.unanswered.remove(unique_id)  # answered once written, before any drain
            if text is None:  # :meth:`_lose_connection`
                await conn.ws.close(1001, f"FailNext: the connection is lost before the answer to {action}")
                return
            await self._send(conn, text, message_type, unique_id, action, payload)

    async def _send(self, conn: _Connection, text: str, message_type: int,
                    unique_id: str, action: str | None, payload: dict | None) -> bool:
        if conn.ws.state is not State.OPEN:
            return False
        self._record("cs->cp", text, message_type, unique_id, action, payload)
        conn.exchanged[0] += 1
        try:
            await conn.ws.send(text)
        except ConnectionClosed:
            return False
        return True

    # ---- inbound frames

    def _on_message(self, conn: _Connection, message: str | bytes) -> None:
        conn.exchanged[1] += 1
        if self._beyond_limits(conn, message):
            return
        if isinstance(message, bytes):
            self._record("cp->cs", message.decode("utf-8", "backslashreplace"),
                         error=violation("4.1.2", "binary WebSocket frame; OCPP-J messages "
                                         "are UTF-8 JSON text frames; ignored"))
            return
        try:
            self._on_text(conn, message)
        except Exception as exc:  # a bug of ours must not stop the endpoint
            self._record("cp->cs", message, error=f"internal error of the endpoint while "
                         f"handling this frame: {type(exc).__name__}: {exc}")

    def _beyond_limits(self, conn: _Connection, message: str | bytes) -> bool:
        """The endpoint's own limits (``max_frame`` where the link does not enforce it, ``max_rate``):
        beyond them the message is recorded, not read, and the connection closed."""
        if len(message) > self.max_frame // 4 and len(_bytes(message)) > self.max_frame:
            why, code = f"a message is larger than {self.max_frame} bytes, the most this endpoint accepts (max_frame)", 1009
        elif self.max_rate is not None and self._too_fast(conn):
            why, code = f"more than {self.max_rate} messages within a second, the most this endpoint accepts (max_rate)", 1008
        else:
            return False
        self._record("cp->cs", "", error=f"{why}; the connection was closed ({code})")
        asyncio.ensure_future(conn.ws.close(code, why[:100]))
        return True

    def _too_fast(self, conn: _Connection) -> bool:
        now = asyncio.get_running_loop().time()
        conn.arrivals.append(now)
        while conn.arrivals[0] <= now - 1.0:
            conn.arrivals.popleft()
        return len(conn.arrivals) > self.max_rate

    def _on_text(self, conn: _Connection, raw: str) -> None:
        try:
            message = json.loads(raw)
        except ValueError as exc:
            self._record("cp->cs", raw,
                         error=violation("4.1.2", f"not valid JSON ({exc}); ignored"))
            return
        except RecursionError:
            self._record("cp->cs", raw, error=violation(
                "4.1.2", "JSON nested too deeply to be parsed; ignored"))
            return
        if not isinstance(message, list) or not message:
            self._record("cp->cs", raw, error=violation(
                "4.2", f"a message is a JSON array [MessageTypeId, UniqueId, ...], "
                f"got {_short(message)}; ignored"))
            return
        handler = {CALL: self._on_call, CALLRESULT: self._on_result,
                   CALLERROR: self._on_error}.get(message[0]) if type(message[0]) is int else None
        if handler is None:
            self._record("cp->cs", raw, error=violation(
                "4.1.3", f"MessageTypeId {_short(message[0])} is not 2, 3 or 4; ignored"))
            return
        handler(conn, raw, message)

    # CALL from the charge point

    def _on_call(self, conn: _Connection, raw: str, message: list) -> None:
        unique_id = _string(message, 1)
        action = _string(message, 2)
        payload = message[3] if len(message) > 3 and isinstance(message[3], dict) else None
        problem = self._call_problem(conn, message, unique_id, action, payload)
        error = problem[1] if problem else None
        if conn.unanswered:
            error = "; ".join(filter(None, [error, violation(
                "4.1.1", f"CALL sent while the charge point's CALL {conn.unanswered[0]!r} "
                "was still unanswered")]))
        self._record("cp->cs", raw, CALL, unique_id, action, payload, error)
        if unique_id is None:
            return
        conn.call_ids.add(unique_id)
        if problem is not None:
            self._reply_error(conn, unique_id, action, problem[0], problem[1])
        elif (failure := self.policy.take_failure(action)) == "ConnectionLost":
            self._lose_connection(conn, unique_id, action)
        elif failure is not None:
            self._reply_error(conn, unique_id, action, "InternalError",
                              f"FailNext: {action} fails on purpose")
        else:
            answer = self.policy.answer(action, payload or {}, self.clock.now())
            self._reply(conn, _dumps([CALLRESULT, unique_id, answer]), unique_id, action,
                        CALLRESULT, answer)

    def _call_problem(self, conn: _Connection, message: list, unique_id: str | None,
                      action: str | None, payload: dict | None) -> tuple[str, str] | None:
        """(CALLERROR code, frame error) for a CALL that breaks OCPP-J, else None."""
        if len(message) != 4:
            return "FormationViolation", violation(
                "4.2.1", f"a CALL is [2, \"<UniqueId>\", \"<Action>\", {{<Payload>}}], "
                f"got {len(message)} elements")
        if unique_id is None:
            return "FormationViolation", violation(
                "4.1.4", f"the UniqueId must be a string, got {_short(message[1])}")
        if len(unique_id) > MAX_UNIQUE_ID:
            return "FormationViolation", violation(
                "4.1.4", f"UniqueId is {len(unique_id)} characters long, the maximum is 36")
        if unique_id in conn.call_ids:
            return "GenericError", violation(
                "4.1.4", f"UniqueId {unique_id!r} was already used by a CALL on this connection")
        if action is None:
            return "FormationViolation", violation(
                "4.2.1", f"the Action must be a string, got {_short(message[2])}")
        if payload is None and message[3] is not None:
            return "FormationViolation", violation(
                "4.2.1", f"the Payload must be a JSON object, got {_short(message[3])}")
        return self._action_problem(action, payload)

    @staticmethod
    def _action_problem(action: str, payload: dict | None) -> tuple[str, str] | None:
        if action in CS_ACTIONS and action not in CP_ACTIONS:
            return "NotSupported", violation(
                "4.2.3", f"{action} is initiated by the Central System, not by a "
                "Charge Point (NotSupported)")
        if action not in CP_ACTIONS:
            return "NotImplemented", violation(
                "4.2.3", f"unknown action {_short(action)} (NotImplemented)")
        problem = schema_violation(action, payload if payload is not None else {})
        if problem is None:
            return None
        code, where = problem
        return code, violation(
            "4.2.3", f"{action} payload violates the {action}.json schema {where} ({code})")

    def _reply_error(self, conn: _Connection, unique_id: str, action: str | None,
                     code: str, description: str) -> None:
        message = [CALLERROR, unique_id, code, description, {}]
        payload = {"errorCode": code, "errorDescription": description, "errorDetails": {}}
        self._reply(conn, _dumps(message), unique_id, action, CALLERROR, payload)

    def _lose_connection(self, conn: _Connection, unique_id: str, action: str) -> None:
        """FailNext ConnectionLost: the connection closes where the answer would go, so the charge point never
        receives it (OCPP 1.6 errata v4.0 3.36: "If the Charge Point fails to receive a StopTransaction.conf")."""
        conn.unanswered.append(unique_id)
        conn.outbox.put_nowait((None, unique_id, action, None, None))

    def _reply(self, conn: _Connection, text: str, unique_id: str, action: str | None,
               message_type: int, payload: dict) -> None:
        conn.unanswered.append(unique_id)
        answer = (text, unique_id, action, message_type, payload)
        if self.crossing is not None and self.crossing.takes(action):
            self.crossing.hold(lambda: conn.outbox.put_nowait(answer))
        else:
            conn.outbox.put_nowait(answer)

    # CALLRESULT / CALLERROR from the charge point

    def _on_result(self, conn: _Connection, raw: str, message: list) -> None:
        unique_id = _string(message, 1)
        payload = message[2] if len(message) > 2 and isinstance(message[2], dict) else None
        action, problem = self._match(conn, unique_id, "CALLRESULT")
        if problem is None and (len(message) != 3 or (payload is None and message[2] is not None)):
            problem = violation("4.2.2", "a CALLRESULT is [3, \"<UniqueId>\", {<Payload>}], "
                                f"got {_short(message)}")
        if problem is None and action is not None:
            problem = _result_problem(action, payload)
        self._record("cp->cs", raw, CALLRESULT, unique_id, action, payload, problem)
        self._resolve(conn, unique_id, CallOutcome("result", payload))

    def _on_error(self, conn: _Connection, raw: str, message: list) -> None:
        unique_id = _string(message, 1)
        code, description = _string(message, 2), _string(message, 3)
        details = message[4] if len(message) > 4 else None
        action, problem = self._match(conn, unique_id, "CALLERROR")
        if problem is None:
            problem = _error_problem(message, code, description, details)
        payload = {"errorCode": code, "errorDescription": description,
                   "errorDetails": details if isinstance(details, dict) else None}
        self._record("cp->cs", raw, CALLERROR, unique_id, action, payload, problem)
        self._resolve(conn, unique_id, CallOutcome("error", None, code, description))

    @staticmethod
    def _match(conn: _Connection, unique_id: str | None,
               kind: str) -> tuple[str | None, str | None]:
        """(action of our CALL with this id, problem) for an answer from the charge point."""
        if unique_id is None:
            return None, violation("4.1.4", f"the UniqueId of a {kind} must be a string")
        if unique_id in conn.pending:
            return conn.pending[unique_id][0], None
        if unique_id in conn.expired:  # a late answer to a timed-out CALL is no violation
            conn.answered[unique_id] = action = conn.expired.pop(unique_id)
            return action, None
        if unique_id in conn.hostile or (conn.strays and unique_id not in conn.answered):
            return None, None  # a reply to send_raw's frame: the model judges it
        if unique_id in conn.answered:
            return conn.answered[unique_id], violation(
                "4.1.4", f"{kind} for UniqueId {unique_id!r}, but that CALL was already answered")
        return None, violation("4.1.4", f"{kind} for UniqueId {unique_id!r}, but no CALL "
                               "with that id was sent on this connection")

    @staticmethod
    def _resolve(conn: _Connection, unique_id: str | None, outcome: CallOutcome) -> None:
        entry = conn.pending.pop(unique_id, None) if unique_id is not None else None
        if entry is None:
            return
        action, future = entry
        conn.answered[unique_id] = action
        if not future.done():
            future.set_result(outcome)

    # ---- CALLs from the harness

    async def call(self, action: str, payload: dict, timeout: float = 10.0, sent=None) -> CallOutcome:
        """Send a CALL and wait (real seconds) for the charge point's answer.

        Raises ValueError when the request breaks the OCPP 1.6 schema. CALLs
        are sent one at a time (OCPP-J 1.6 §4.1.1). ``sent()`` is called once the CALL is out.
        """
        problem = request_violation(action, payload)
        if problem is not None:
            raise ValueError(problem)
        async with self._call_lock:
            conn = self._conn
            if conn is None or conn.ws.state is not State.OPEN:
                return OFFLINE
            return await self._call_on(conn, action, payload, timeout, sent)

    async def _call_on(self, conn: _Connection, action: str, payload: dict,
                       timeout: float, sent=None) -> CallOutcome:
        unique_id = str(next(self._call_ids))
        future = asyncio.get_running_loop().create_future()
        conn.pending[unique_id] = (action, future)
        text = _dumps([CALL, unique_id, action, payload])
        try:
            async with asyncio.timeout(timeout):
                if not await self._send(conn, text, CALL, unique_id, action, payload):
                    conn.pending.pop(unique_id, None)
                    return OFFLINE
                if sent is not None:
                    sent()
                return await future
        except TimeoutError:
            if conn.pending.pop(unique_id, None) is not None:
                conn.expired[unique_id] = action
            return TIMEOUT


    # ---- a hostile Central System (docs/hostile.md)

    async def send_raw(self, data: str | bytes, unique_id: str | None = None, reply_within: float = 0.0) -> CallOutcome:
        """Send ``data`` exactly as it is (a text frame, or a binary one for bytes) and record it.

        Replies with ``unique_id`` (with an id we do not know, when it is None) are the frame's: the
        endpoint records them without calling them violations, and the model judges them. With
        ``reply_within`` seconds, wait as long for the first such reply: TIMEOUT if none came. OFFLINE: not
        sent; "sent": sent (and not waited for, or the connection closed before a reply)."""
        conn = self._conn
        if conn is None or conn.ws.state is not State.OPEN:
            return OFFLINE
        if unique_id is None:
            conn.strays = True
        conn.hostile.add(unique_id)
        waiting = unique_id is not None and reply_within > 0
        if waiting:
            future = asyncio.get_running_loop().create_future()
            conn.pending[unique_id] = (None, future)
        self._record("cs->cp", data if isinstance(data, str) else data.decode("utf-8", "backslashreplace"),
                     unique_id=unique_id)
        conn.exchanged[0] += 1
        try:
            await conn.ws.send(data)
        except ConnectionClosed:
            return OFFLINE
        if not waiting:
            return CallOutcome("sent")
        try:
            async with asyncio.timeout(reply_within):
                outcome = await future
        except TimeoutError:
            conn.pending.pop(unique_id, None)
            return TIMEOUT
        return CallOutcome("sent") if outcome is OFFLINE else outcome  # closed after it was sent: sent

    def last_call_id(self) -> str | None:
        """The UniqueId of our last answered CALL on this connection (for a duplicate, §4.1.4)."""
        conn = self._conn
        answered = conn.answered if conn is not None else {}
        return next((unique_id for unique_id in reversed(answered) if answered[unique_id] is not None), None)

    def forget_strays(self) -> None:
        """Replies with an unknown id are violations again (the frame without a UniqueId is done with)."""
        if self._conn is not None:
            self._conn.strays = False


def _bytes(message: str | bytes) -> bytes:
    return message if isinstance(message, bytes) else message.encode("utf-8", "surrogatepass")


def _identity(path: str) -> str:
    """The charge point identity: the last segment of the URL path (OCPP-J 1.6 §3.1.1)."""
    return unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]) if path else ""


def _string(message: list, index: int) -> str | None:
    return message[index] if len(message) > index and isinstance(message[index], str) else None


def _result_problem(action: str, payload: dict | None) -> str | None:
    problem = schema_violation(f"{action}Response", payload if payload is not None else {})
    if problem is None:
        return None
    code, where = problem
    return violation("4.2.2", f"{action} CALLRESULT payload violates the "
                     f"{action}Response.json schema {where} ({code})")


def _error_problem(message: list, code: str | None, description: str | None,
                   details: Any) -> str | None:
    if len(message) != 5:
        return violation("4.2.3", "a CALLERROR is [4, \"<UniqueId>\", \"<errorCode>\", "
                         "\"<errorDescription>\", {<errorDetails>}], "
                         f"got {len(message)} elements")
    if code not in ERROR_CODES:
        return violation("4.2.3", f"errorCode {_short(message[2])} is not in Table 7")
    if description is None:
        return violation("4.2.3", f"errorDescription must be a string (\"\" if none), "
                         f"got {_short(message[3])}")
    if not isinstance(details, dict):
        return violation("4.2.3", f"errorDetails must be a JSON object ({{}} if none), "
                         f"got {_short(details)}")
    return None


AUTHORIZATION_STATUSES = frozenset({"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"})
REGISTRATION_STATUSES = frozenset({"Accepted", "Pending", "Rejected"})
FAILURES = frozenset({"CallError", "ConnectionLost"})
"""How FailNext fails a CALL: a CALLERROR InternalError (a failure to process it, OCPP 1.6 §3.7.1), or a connection
lost before the answer (the charge point never receives it, errata v4.0 3.36)."""


def _text(step: dict, key: str) -> str:
    value = step.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{step.get('op')}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _require(step: dict, key: str, allowed: frozenset[str]) -> None:
    if step.get(key) not in allowed:
        raise ValueError(f"{step.get('op')}: {key!r} must be one of {sorted(allowed)}, got {step.get(key)!r}")
