"""A fake MicroOcppSimulator REST API (matth-x/MicroOcppSimulator, src/api.cpp and
src/net_mongoose.cpp at 2cb07cd), for CI.

What it mirrors: ``/api/websocket`` (GET/POST backendUrl, chargeBoxId, ...),
``/api/connector/N/evse`` (GET/POST evPlugged, evsePlugged, evReady,
evseReady; answers them plus chargePointStatus), ``/api/connector/N/transaction``
(POST idTag: presentNfcTag), ``/api/plugin`` and ``/api/plugout`` (``?evse_id=N``,
plain-text answers), HTTP Basic authentication when user/password are set
(401 otherwise), 404 for connectors other than 1 and 2 (MO_NUMCONNECTORS=3).
It keeps the inputs and the cards presented; it runs no OCPP.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

EVSE_KEYS = ("evPlugged", "evsePlugged", "evReady", "evseReady")


class FakeMicroOcpp:
    def __init__(self, user: str = "", password: str = ""):
        self.user, self.password = user, password
        self.evse = {c: dict.fromkeys(EVSE_KEYS, False) for c in (1, 2)}
        self.cards: list[tuple[int, str]] = []
        self.websocket = {"backendUrl": "ws://127.0.0.1:9000", "chargeBoxId": "mo-sim-1",
                          "authorizationKey": "", "pingInterval": 5, "reconnectInterval": 10}
        self.requests: list[tuple[str, str, str]] = []
        self._server = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _client(self, reader, writer) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1)) \
                if re.search(r"(?im)^content-length:", head) else 0
            body = (await reader.readexactly(length)).decode()
            status, text = self.handle(head, body)
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(text.encode())}\r\n\r\n{text}".encode())
            await writer.drain()
        finally:
            writer.close()

    def handle(self, head: str, body: str) -> tuple[int, str]:
        method, target = head.split(" ", 2)[:2]
        self.requests.append((method, target, body))
        if not self._authorized(head):
            return 401, "Unauthorized. Expect Basic Auth user and / or password\n"
        parts = urlsplit(target)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        request = json.loads(body) if body else {}
        return self._route(method, parts.path, query, request)

    def _authorized(self, head: str) -> bool:
        match = re.search(r"(?im)^authorization:\s*basic\s+(\S+)", head)
        user, _, password = base64.b64decode(match.group(1)).decode().partition(":") \
            if match else ("", "", "")
        return (user, password) == (self.user, self.password)

    def _route(self, method: str, path: str, query: dict, request: dict) -> tuple[int, str]:
        if path == "/api/websocket":
            if method == "POST":
                self.websocket.update({k: v for k, v in request.items() if k in self.websocket})
            return 200, json.dumps(self.websocket)
        if path in ("/api/plugin", "/api/plugout"):
            return self._plug(method, path == "/api/plugin", query)
        match = re.fullmatch(r"/api/connector/(\d+)/(evse|transaction)", path)
        if match is None or int(match.group(1)) not in self.evse:
            return 404, "{}"
        connector = int(match.group(1))
        if match.group(2) == "evse":
            return self._evse(method, connector, request)
        if method == "POST" and "idTag" in request:
            self.cards.append((connector, request["idTag"]))
        return 200, json.dumps({"idTag": "", "transactionId": -1, "authorizationStatus": ""})

    def _evse(self, method: str, connector: int, request: dict) -> tuple[int, str]:
        inputs = self.evse[connector]
        if method == "POST":
            inputs.update({k: bool(v) for k, v in request.items() if k in inputs})
        status = "Preparing" if inputs["evPlugged"] else "Available"
        return 200, json.dumps(inputs | {"chargePointStatus": status})

    def _plug(self, method: str, plugged: bool, query: dict) -> tuple[int, str]:
        if method != "POST":
            return 405, ""
        if "evse_id" not in query:
            return 200, "no action taken"
        inputs = self.evse[int(query["evse_id"])]
        inputs.update(evPlugged=plugged, evReady=plugged, evseReady=plugged)
        return 200, "plugged in EV" if plugged else "unplug EV"
