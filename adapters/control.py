"""The control API: physical actions on a charge point over HTTP+JSON.

``ocpp-verify simulate`` runs the bundled charge point against any Central
System and lets a person or a test script plug in cables, present cards and
pull the network through this API. Vendors can implement the same API in
their own firmware test builds so that ``ocpp-verify`` can drive them
(docs/control-api.md is the reference; adapters/controllers.py the client).

The server is stdlib only: ``asyncio.start_server`` and a minimal HTTP/1.1
parser (Content-Length bodies, keep-alive). It drives a *target*:

* ``async perform(step: dict)``: a step dict of docs/architecture.md §1;
  raises ValueError for a bad step;
* optionally ``capabilities`` (iterable of op names; default: the physical ops);
* optionally ``state() -> dict`` (plain or async);
* optionally ``async advance(seconds)``, used when the target's ``clock`` is
  virtual (or it has no ``clock``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
from typing import Any

from vocabulary import PHYSICAL_PARAMS

MAX_HEADER = 16 * 1024
MAX_BODY = 1024 * 1024

PHYSICAL_OPS = PHYSICAL_PARAMS
"""op -> {key: (type, required)} for the physical actions (architecture §1, vocabulary/ops.py)."""

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            411: "Length Required", 413: "Content Too Large", 500: "Internal Server Error"}


class HttpError(Exception):
    """Ends a request with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str, allow: str | None = None):
        super().__init__(message)
        self.status = status
        self.allow = allow


def step_problem(step: Any, ops) -> str | None:
    """Why ``step`` is not a valid step for a target supporting ``ops``, or None."""
    if not isinstance(step, dict):
        return f"a step is a JSON object with an \"op\" key, got {type(step).__name__}"
    op = step.get("op")
    if not isinstance(op, str):
        return "the step has no \"op\" string"
    if op not in ops:
        return f"unsupported op {op!r}; GET /capabilities lists the supported ops"
    return _params_problem(op, step) if op in PHYSICAL_OPS else None


def _params_problem(op: str, step: dict) -> str | None:
    keys = PHYSICAL_OPS[op]
    extra = sorted(step.keys() - keys.keys() - {"op"})
    if extra:
        return f"{op} takes no {extra[0]!r}"
    for key, (kind, required) in keys.items():
        if key not in step:
            if required:
                return f"{op} needs {key!r}"
            continue
        value = step[key]
        if value is None and not required:
            continue
        if type(value) is not kind:
            return f"{op}: {key!r} must be {_TYPE_NAMES[kind]}, got {json.dumps(value)}"
    if "connectorId" in keys and step["connectorId"] < 1:
        return f"{op}: connectorId must be 1 or more (a physical connector)"
    if op == "PresentIdTag" and not 1 <= len(step["idTag"]) <= 20:
        return "PresentIdTag: idTag must be 1 to 20 characters (IdToken, CiString20Type)"
    return None


_TYPE_NAMES = {int: "an integer", str: "a string", bool: "true or false"}


def _seconds(body: Any) -> float:
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0:
        raise HttpError(400, "the body must be {\"seconds\": n} with a finite n >= 0")
    return seconds


class ControlServer:
    """HTTP+JSON control API for one target (docs/control-api.md)."""

    def __init__(self, target, host: str = "127.0.0.1", port: int = 0):
        self.target = target
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._lock = asyncio.Lock()
        self._clients: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ops(self) -> frozenset[str]:
        ops = getattr(self.target, "capabilities", None)
        return frozenset(PHYSICAL_OPS if ops is None else ops)

    @property
    def has_state(self) -> bool:
        return callable(getattr(self.target, "state", None))

    @property
    def has_clock(self) -> bool:
        clock = getattr(self.target, "clock", None)
        return callable(getattr(self.target, "advance", None)) and getattr(clock, "virtual", True)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.host, self.port,
                                                  limit=MAX_HEADER)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    # ---- HTTP

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._clients.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._clients.discard(task)
            writer.close()

    async def _exchange(self, reader, writer) -> bool:
        """Serve one request; True to keep the connection open."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        except asyncio.LimitOverrunError:
            await _respond(writer, 413, {"error": "request head too large"}, False)
            return False
        allow = None
        try:
            method, path, keep_alive, length = _parse_head(head)
            body = await reader.readexactly(length)
            status, answer = await self._route(method, path, body)
        except HttpError as exc:
            status, answer, keep_alive, allow = exc.status, {"error": str(exc)}, False, exc.allow
        await _respond(writer, status, answer, keep_alive, allow)
        return keep_alive

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        routes = {"/health": ("GET", self._health), "/capabilities": ("GET", self._capabilities),
                  "/state": ("GET", self._state), "/actions": ("POST", self._actions),
                  "/clock/advance": ("POST", self._advance)}
        if path not in routes:
            raise HttpError(404, f"no endpoint {path}")
        allowed, handler = routes[path]
        if method != allowed:
            raise HttpError(405, f"{path} takes {allowed}", allow=allowed)
        return 200, await handler(body)

    # ---- endpoints

    async def _health(self, body: bytes) -> dict:
        return {"ok": True}

    async def _capabilities(self, body: bytes) -> dict:
        return {"ops": sorted(self.ops), "state": self.has_state, "clock": self.has_clock}

    async def _state(self, body: bytes) -> Any:
        if not self.has_state:
            raise HttpError(404, "this charge point does not report its state")
        state = self.target.state()
        return await state if inspect.isawaitable(state) else state

    async def _actions(self, body: bytes) -> dict:
        step = _json(body)
        problem = step_problem(step, self.ops)
        if problem is not None:
            raise HttpError(400, problem)
        async with self._lock:
            await _call(self.target.perform, step)
        return {"ok": True}

    async def _advance(self, body: bytes) -> dict:
        if not self.has_clock:
            raise HttpError(404, "this charge point runs in real time; no clock to advance")
        seconds = _seconds(_json(body))
        async with self._lock:
            await _call(self.target.advance, seconds)
        return {"ok": True}


async def _call(method, argument) -> None:
    """Run a target method; ValueError is the caller's fault (400), the rest ours (500)."""
    try:
        await method(argument)
    except ValueError as exc:
        raise HttpError(400, str(exc) or type(exc).__name__) from exc
    except Exception as exc:
        raise HttpError(500, f"{type(exc).__name__}: {exc}") from exc


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise HttpError(400, f"the body is not valid JSON ({exc})") from exc


def _parse_head(head: bytes) -> tuple[str, str, bool, int]:
    """(method, path, keep-alive, Content-Length) of an HTTP/1.x request head."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise HttpError(400, "malformed request line") from None
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HttpError(411, "send the body with a Content-Length")
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise HttpError(400, "malformed Content-Length")
    if int(length) > MAX_BODY:
        raise HttpError(413, f"the body is larger than {MAX_BODY} bytes")
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    return method, target.split("?", 1)[0], keep_alive, int(length)


def _plain(value: Any) -> Any:
    """JSON for what json cannot encode by itself (in a target's state)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return repr(value)


async def _respond(writer: asyncio.StreamWriter, status: int, answer: Any, keep_alive: bool,
                   allow: str | None = None) -> None:
    body = json.dumps(answer, default=_plain).encode()
    head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            + (f"Allow: {allow}\r\n" if allow else "")
            + f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n")
    writer.write(head.encode() + body)
    await writer.drain()
