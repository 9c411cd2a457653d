"""A fake SAP e-mobility charging-stations-simulator UI server (UI WebSocket protocol
``ui0.0.1``, SAP/e-mobility-charging-stations-simulator src/charging-station/ui-server and
broadcast-channel at ee7899b), for CI.

What it mirrors: subprotocol ``ui0.0.1`` (refused without it); ``protocol-basic-auth``
(credentials in a last subprotocol ``authorization.basic.<base64 without padding>``) or
``basic-auth`` (Authorization header); requests ``[uuid, procedureName, payload]`` and
responses ``[uuid, {"status": "success" | "failure", ...}]``; a ``["refresh"]`` server
notification before answers; station procedures targeted by ``hashIds``; failed OCPP
commands answered with ``responsesFailed: [{commandResponse, hashId, ...}]``; ``wsState``, the
OCPP WebSocket's readyState (1 open); with the connection closed (closeConnection,
stopChargingStation) an OCPP command fails and its message is kept in the station's buffer
(``buffered``), which the simulator sends at its next boot.
It keeps each connector's status and transaction; it runs no OCPP.
"""

from __future__ import annotations

import base64
import itertools
import json

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

STATION_PROCEDURES = {"authorize", "closeConnection", "openConnection", "startChargingStation",
                      "stopChargingStation", "startTransaction", "statusNotification",
                      "stopTransaction"}
OCPP_COMMANDS = {"authorize", "startTransaction", "statusNotification", "stopTransaction"}


class FakeSapSimulator:
    def __init__(self, stations=("SAP-SIM-1",), connectors: int = 2, accepted=("TAG1",),
                 auth: str | None = "protocol-basic-auth", user="admin", password="secret"):
        self.auth, self.user, self.password = auth, user, password
        self.accepted = set(accepted)
        self.stations = {f"hash-{name}": self._station(name, connectors) for name in stations}
        self.requests: list[tuple[str, dict]] = []
        self.transaction_ids = itertools.count(1)
        self._server = None
        self.port = 0

    @staticmethod
    def _station(name: str, connectors: int) -> dict:
        return {"name": name, "started": True, "connected": True,
                "connectors": {c: {"status": "Available", "transactionStarted": False}
                               for c in range(1, connectors + 1)}}

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await serve(self._client, "127.0.0.1", 0, process_request=self._check,
                                   select_subprotocol=self._select)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    # ---- handshake

    @staticmethod
    def _select(connection, offered):
        return "ui0.0.1" if "ui0.0.1" in offered else None

    def _check(self, connection, request):
        if self.auth is None or self._credentials(request) == (self.user, self.password):
            return None
        return Response(401, "Unauthorized", Headers({"WWW-Authenticate": "Basic realm=users"}),
                        b"Unauthorized\n")

    def _credentials(self, request) -> tuple[str, str] | None:
        if self.auth == "basic-auth":
            token = request.headers.get("Authorization", "").split()[-1:] or [""]
        else:
            offered = request.headers.get("Sec-WebSocket-Protocol", "").split(", ")
            token = [offered[-1].split(".")[-1] + "=" * (-len(offered[-1].split(".")[-1]) % 4)]
        try:
            user, _, password = base64.b64decode(token[0]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    # ---- requests

    async def _client(self, ws) -> None:
        if ws.subprotocol != "ui0.0.1":
            await ws.close(1002, "ui0.0.1 required")
            return
        async for text in ws:
            request_id, procedure, payload = json.loads(text)
            self.requests.append((procedure, payload))
            await ws.send(json.dumps(["refresh"]))
            await ws.send(json.dumps([request_id, self.handle(procedure, payload)]))

    def handle(self, procedure: str, payload: dict) -> dict:
        if procedure == "listChargingStations":
            return {"status": "success", "chargingStations": [
                self._station_data(hash_id, station) for hash_id, station in self.stations.items()]}
        if procedure not in STATION_PROCEDURES:
            return {"status": "failure", "command": procedure,
                    "errorMessage": f"'{procedure}' is not implemented to handle message payload"}
        targets = payload.get("hashIds") or list(self.stations)
        failed = [self._run(hash_id, procedure, payload) for hash_id in targets]
        failed = [response for response in failed if response is not None]
        return {"status": "failure" if failed else "success",
                "hashIdsSucceeded": [h for h in targets if h not in {f["hashId"] for f in failed}],
                **({"hashIdsFailed": [f["hashId"] for f in failed], "responsesFailed": failed}
                   if failed else {})}

    @staticmethod
    def _station_data(hash_id: str, station: dict) -> dict:
        connectors = [{"connectorId": 0, "connectorStatus": {"availability": "Operative"}}] + [
            {"connectorId": c, "connectorStatus": dict(state)}
            for c, state in station["connectors"].items()]
        return {"stationInfo": {"chargingStationId": station["name"], "hashId": hash_id},
                "started": station["started"], "connectors": connectors,
                "wsState": 1 if station["started"] and station["connected"] else 3}

    def _run(self, hash_id: str, procedure: str, payload: dict) -> dict | None:
        station = self.stations.get(hash_id)
        if station is None:
            return {"hashId": hash_id, "status": "failure", "errorMessage": "no such station"}
        if procedure in OCPP_COMMANDS and not (station["started"] and station["connected"]):
            station.setdefault("buffered", []).append((procedure, payload))
            return {"hashId": hash_id, "status": "failure", "command": procedure,
                    "errorMessage": f"WebSocket closed for buffered message with content {payload}"}
        response = getattr(self, "_" + procedure)(station, payload)
        return None if response is None else {"hashId": hash_id, "status": "failure",
                                              "command": procedure, **response}

    def _statusNotification(self, station: dict, payload: dict) -> dict | None:
        station["connectors"][payload["connectorId"]]["status"] = payload["status"]
        return None

    def _authorize(self, station: dict, payload: dict) -> dict | None:
        if payload["idTag"] in self.accepted:
            return None
        return {"commandResponse": {"idTagInfo": {"status": "Invalid"}}}

    def _startTransaction(self, station: dict, payload: dict) -> dict | None:
        refused = self._authorize(station, payload)
        if refused is None:
            station["connectors"][payload["connectorId"]].update(
                status="Charging", transactionStarted=True, transactionIdTag=payload["idTag"],
                transactionId=next(self.transaction_ids))
        return refused

    def _stopTransaction(self, station: dict, payload: dict) -> dict | None:
        """Sent whatever the id; "success" only when the answer's idTagInfo is Accepted."""
        for state in station["connectors"].values():
            if state.get("transactionId") == payload["transactionId"]:
                state.update(status="Finishing", transactionStarted=False)
                del state["transactionId"], state["transactionIdTag"]
        if payload.get("idTag") in self.accepted:
            return None
        return {"commandResponse": {}}

    def _flag(key: str, value: bool):
        def set_flag(self, station: dict, payload: dict) -> None:
            station[key] = value
        return set_flag

    _openConnection, _closeConnection = _flag("connected", True), _flag("connected", False)
    _startChargingStation, _stopChargingStation = _flag("started", True), _flag("started", False)
