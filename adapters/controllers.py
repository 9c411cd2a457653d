"""Controllers: how ocpp-verify performs physical actions on charge points it does not host.

:class:`HttpController` is the client of the control API (docs/control-api.md,
adapters/control.py). A vendor's firmware test build that implements that API
can be driven exactly like the bundled charge point. Stdlib only.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class ControllerError(Exception):
    """The charge point's control API refused a request or could not be reached.

    ``status`` is the HTTP status code, or None when there was no HTTP answer.
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class HttpController:
    """Drive a charge point through its HTTP+JSON control API."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the control API URL must be http://host:port, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout

    async def perform(self, step: dict) -> None:
        """Perform one physical-action step (a step dict of docs/architecture.md §1)."""
        await self._request("POST", "/actions", step)

    async def capabilities(self) -> frozenset[str]:
        """The ops this charge point can perform."""
        answer = await self._request("GET", "/capabilities")
        ops = answer.get("ops") if isinstance(answer, dict) else None
        if not isinstance(ops, list) or not all(isinstance(op, str) for op in ops):
            raise ControllerError(
                f"GET {self.base_url}/capabilities: no \"ops\" list in {answer!r}")
        return frozenset(ops)

    async def state(self) -> Any:
        return await self._request("GET", "/state")

    async def advance(self, seconds: float) -> None:
        """Move the charge point's virtual clock on (404 for real-time charge points)."""
        await self._request("POST", "/clock/advance", {"seconds": seconds})

    async def health(self) -> bool:
        """True when the control API answers; never raises."""
        try:
            await self._request("GET", "/health")
        except ControllerError:
            return False
        return True

    # ---- HTTP/1.1, one connection per request

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        where = f"{method} {self.base_url}{path}"
        try:
            async with asyncio.timeout(self.timeout):
                status, text = await self._exchange(method, self.prefix + path, body)
        except TimeoutError:
            raise ControllerError(f"{where}: no answer within {self.timeout} s") from None
        except (OSError, EOFError, asyncio.LimitOverrunError, ValueError) as exc:
            raise ControllerError(f"{where}: cannot reach the control API "
                                  f"({type(exc).__name__}: {exc})") from exc
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            raise ControllerError(f"{where}: answer is not JSON: {text[:200]!r}", status) from None
        if status >= 400:
            error = answer.get("error") if isinstance(answer, dict) else answer
            raise ControllerError(f"{where}: HTTP {status}: {error}", status)
        return answer

    async def _exchange(self, method: str, path: str, body: Any) -> tuple[int, str]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Accept: application/json\r\nConnection: close\r\n"
                + ("Content-Type: application/json\r\n" if body is not None else "")
                + f"Content-Length: {len(payload)}\r\n\r\n")
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(head.encode() + payload)
            await writer.drain()
            return await _read_response(reader)
        finally:
            writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, str]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status_line = lines[0].split(" ", 2)
    if (len(status_line) < 2 or not status_line[0].startswith("HTTP/")
            or not status_line[1].isdigit()):
        raise ValueError(f"malformed status line {lines[0]!r}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = await (reader.readexactly(length) if length is not None else reader.read())
    return int(status_line[1]), body.decode("utf-8", "replace")
