"""Controllers: how ocpp-verify performs physical actions on charge points it does not host.

Every controller has ``async perform(step)`` (a physical-action step dict of
docs/architecture.md §1; raises :class:`ControllerError` when the step cannot
be done) and ``async capabilities() -> frozenset[str]`` (the ops it can do).

* :class:`HttpController`: the control API (docs/control-api.md,
  adapters/control.py). A vendor's firmware test build that implements that
  API can be driven exactly like the bundled charge point.
* :class:`ManualController`: a person does the action, prompted OCTT style.
* :class:`NoController`: nothing physical can be done.
* :class:`SapController`: SAP e-mobility charging-stations-simulator, UI
  WebSocket protocol ``ui0.0.1``.
* :class:`MicroOcppController`: MicroOcppSimulator's REST API.

docs/external.md lists what each simulator can and cannot do. Stdlib only,
except :class:`SapController` (websockets).
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any, TextIO
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from adapters.control import PHYSICAL_OPS, step_problem


class ControllerError(Exception):
    """The charge point's controller refused a step or could not be reached.

    ``status`` is the HTTP status code, or None when there was no HTTP answer. ``refused``:
    the controller answered that it cannot do the step (default: when there is a status);
    otherwise it could not be asked (not reachable, no answer), which may pass (a restart).
    """

    def __init__(self, message: str, status: int | None = None, refused: bool | None = None):
        super().__init__(message)
        self.status = status
        self.refused = status is not None if refused is None else refused


ALL_PHYSICAL_OPS = frozenset(PHYSICAL_OPS)


def check_step(step: Any, ops: frozenset[str], who: str) -> dict:
    """The step, if it is a valid step for a controller that can do ``ops``."""
    problem = step_problem(step, ops)
    if problem is not None:
        raise ControllerError(f"{who}: {problem}", refused=True)
    return step


# --------------------------------------------------------------------------
# HTTP/1.1 client (one connection per request, Connection: close)


class HttpClient:
    """A minimal HTTP/1.1 client for a loopback or test-network API."""

    def __init__(self, base_url: str, timeout: float = 30.0,
                 basic_auth: tuple[str, str] | None = None, name: str = "the API"):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the API URL must be http://host:port, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.name = name
        self.authorization = None if basic_auth is None else "Basic " + base64.b64encode(
            f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode()

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, str]:
        """(status, body text); ControllerError when there is no HTTP answer."""
        where = f"{method} {self.base_url}{path}"
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, self.prefix + path, body)
        except TimeoutError:
            raise ControllerError(f"{where}: no answer within {self.timeout} s") from None
        except (OSError, EOFError, asyncio.LimitOverrunError, ValueError) as exc:
            raise ControllerError(f"{where}: cannot reach {self.name} "
                                  f"({type(exc).__name__}: {exc})") from exc

    async def _exchange(self, method: str, path: str, body: Any) -> tuple[int, str]:
        payload = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Accept: application/json\r\nConnection: close\r\n"
                + ("Content-Type: application/json\r\n" if body is not None else "")
                + (f"Authorization: {self.authorization}\r\n" if self.authorization else "")
                + f"Content-Length: {len(payload)}\r\n\r\n")
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(head.encode() + payload)
            await writer.drain()
            return await _read_response(reader)
        finally:
            writer.close()


# --------------------------------------------------------------------------
# The control API (docs/control-api.md)


class HttpController:
    """Drive a charge point through its HTTP+JSON control API."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        try:
            self._http = HttpClient(base_url, timeout, name="the control API")
        except ValueError:
            raise ValueError(f"the control API URL must be http://host:port, "
                             f"got {base_url!r}") from None
        self.base_url, self.host, self.port = self._http.base_url, self._http.host, self._http.port
        self.prefix, self.timeout = self._http.prefix, timeout

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

    async def close(self) -> None:
        """Nothing to release: one connection per request."""

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        where = f"{method} {self.base_url}{path}"
        status, text = await self._http.request(method, path, body)
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            raise ControllerError(f"{where}: answer is not JSON: {text[:200]!r}", status) from None
        if status >= 400:
            error = answer.get("error") if isinstance(answer, dict) else answer
            raise ControllerError(f"{where}: HTTP {status}: {error}", status)
        return answer


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


# --------------------------------------------------------------------------
# A person, or nobody


PROMPTS = {
    "PlugIn": "Plug in the cable on connector {connectorId}",
    "Unplug": "Unplug the cable on connector {connectorId} at the EV side",
    "PresentIdTag": "Present idTag {idTag} at the reader of connector {connectorId}",
    "EVSuspend": "Make the EV on connector {connectorId} stop drawing energy",
    "EVResume": "Make the EV on connector {connectorId} draw energy again",
    "Fault": "Cause a fault ({errorCode}) on connector {connectorId}",
    "ClearFault": "Clear the fault on connector {connectorId}",
    "SetUnlockFailure": "Make the lock of connector {connectorId} {lock} to open",
    "SetLocalListFailure": "Make storing the Local Authorization List {lock}",
    "SetFirmwareFailure": "Make the firmware {stage} stage fail from now on (None: nothing fails)",
    "SetUploadFailure": "Make diagnostics uploads {lock}",
    "PowerLoss": "Cut the power of the Charge Point",
    "PowerOn": "Power the Charge Point on again",
    "NetworkDown": "Disconnect the Charge Point from the network",
    "NetworkUp": "Reconnect the Charge Point to the network",
}


def prompt(step: dict) -> str:
    """The OCTT-style instruction for a physical step, e.g. ``[Plug in ...]``."""
    values = {"errorCode": "OtherError", "stage": None, **step,
              "lock": "fail" if step.get("failing") else "no longer fail"}
    text = PROMPTS[step["op"]].format(**values)
    return f"[{text}, then press Enter (type 'fail' and Enter if you cannot)]"


class ManualController:
    """A person performs each physical action, prompted in OCTT style (§1.2)."""

    def __init__(self, input: TextIO, output: TextIO):
        self.input, self.output = input, output

    async def capabilities(self) -> frozenset[str]:
        return ALL_PHYSICAL_OPS

    async def perform(self, step: dict) -> None:
        check_step(step, ALL_PHYSICAL_OPS, "manual")
        self.output.write(prompt(step) + "\n")
        self.output.flush()
        answer = await asyncio.to_thread(self.input.readline)
        if not answer:
            raise ControllerError(f"manual: no answer to {step['op']} (input closed)")
        if answer.strip().lower() == "fail":
            raise ControllerError(f"manual: the tester could not perform {step!r}", refused=True)

    async def close(self) -> None:
        """Nothing to release."""


class NoController:
    """No controller: a charge point that only speaks OCPP."""

    async def capabilities(self) -> frozenset[str]:
        return frozenset()

    async def perform(self, step: dict) -> None:
        op = step.get("op") if isinstance(step, dict) else step
        raise ControllerError(f"no controller: cannot perform {op!r} on this charge point", refused=True)

    async def close(self) -> None:
        """Nothing to release."""


# --------------------------------------------------------------------------
# MicroOcppSimulator (github.com/matth-x/MicroOcppSimulator, src/api.cpp)


class MicroOcppController:
    """MicroOcppSimulator's REST API (``/api/...``).

    ``/api/connector/N/evse`` sets the simulated J1772 inputs (evPlugged,
    evsePlugged, evReady, evseReady), ``/api/connector/N/transaction``
    presents a card, ``/api/websocket`` sets the backend URL (an empty URL
    closes the OCPP connection). There is no fault input, no lock and no
    power switch (a Reset ends the simulator process).
    """

    OPS = frozenset({"PlugIn", "Unplug", "PresentIdTag", "EVSuspend", "EVResume",
                     "NetworkDown", "NetworkUp"})
    restarts_with_charge_point = True
    """Its API is the simulator's own: after an accepted Reset, a step may reach the charge point only
    after its reboot (ExternalSut.reboot_first)."""
    EVSE_INPUTS = {
        "PlugIn": {"evPlugged": True, "evsePlugged": True, "evReady": True, "evseReady": True},
        "Unplug": {"evPlugged": False, "evsePlugged": False, "evReady": False},
        "EVSuspend": {"evReady": False},
        "EVResume": {"evReady": True},
    }

    def __init__(self, url: str, timeout: float = 10.0,
                 basic_auth: tuple[str, str] | None = None):
        self._http = HttpClient(url, timeout, basic_auth, name="MicroOcppSimulator")
        self.backend_url: str | None = None
        self.default_backend_url: str | None = None
        """Where NetworkUp points the simulator when no NetworkDown of this run took the URL (a
        run aborted offline leaves it empty in mo_store/): the endpoint ExternalSut listens on."""

    async def capabilities(self) -> frozenset[str]:
        await self.websocket()  # the API answers
        return self.OPS

    async def perform(self, step: dict) -> None:
        op = check_step(step, self.OPS, "MicroOcppSimulator")["op"]
        if op in self.EVSE_INPUTS:
            await self.call("POST", f"/api/connector/{step['connectorId']}/evse",
                            self.EVSE_INPUTS[op])
        elif op == "PresentIdTag":
            await self.call("POST", f"/api/connector/{step['connectorId']}/transaction",
                            {"idTag": step["idTag"]})
        elif op == "NetworkDown":
            self.backend_url = (await self.websocket()).get("backendUrl") or self.backend_url
            await self.websocket({"backendUrl": ""})
        else:
            await self._network_up()

    async def _network_up(self) -> None:
        """The remembered backend URL back; not written again when it is already set, since the
        simulator drops and reopens its connection whenever the URL is written (a CALL lost on
        the dropped connection then jams its queue for a minute)."""
        url = self.backend_url or self.default_backend_url
        if not url:
            raise ControllerError("MicroOcppSimulator: NetworkUp before NetworkDown: "
                                  "the backend URL to restore is unknown", refused=True)
        if (await self.websocket()).get("backendUrl") != url:
            await self.websocket({"backendUrl": url})

    async def websocket(self, settings: dict | None = None) -> dict:
        """GET (or POST ``settings`` to) /api/websocket: backendUrl, chargeBoxId, ..."""
        answer = await self.call("POST" if settings else "GET", "/api/websocket", settings)
        if not isinstance(answer, dict):
            raise ControllerError(f"MicroOcppSimulator: /api/websocket answered {answer!r}")
        return answer

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        status, text = await self._http.request(method, path, body)
        if status != 200:
            raise ControllerError(f"MicroOcppSimulator: {method} {path}: HTTP {status}: "
                                  f"{text.strip()[:200] or '(no text)'}", status)
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return text

    async def close(self) -> None:
        """Nothing to release: one connection per request."""


# --------------------------------------------------------------------------
# SAP e-mobility charging-stations-simulator (UI WebSocket protocol ui0.0.1)


WEBSOCKET_OPEN = 1
"""The SAP simulator's ``wsState``: its OCPP WebSocket's readyState (ws: OPEN)."""


class SapController:
    """The SAP simulator's UI server: frames ``[uuid, procedureName, payload]``.

    The simulator has no cable, EV or fault model: its UI procedures make a
    station send OCPP messages. Physical ops map to procedures as in
    docs/external.md: PlugIn/EVSuspend/EVResume/Fault/ClearFault send a
    StatusNotification, PresentIdTag authorizes and starts (or stops) a
    transaction, Unplug stops the transaction, NetworkDown/Up close/open the
    OCPP connection, PowerLoss/PowerOn stop/start the station.
    ``station`` is the chargingStationId (the OCPP identity) to drive;
    None drives the only station.
    """

    SUBPROTOCOL = "ui0.0.1"
    OPS = frozenset(PHYSICAL_OPS) - {"SetUnlockFailure", "SetLocalListFailure", "SetFirmwareFailure",
                                     "SetUploadFailure"}
    STATUS_STEPS = {"PlugIn": ("NoError", "Preparing"), "EVSuspend": ("NoError", "SuspendedEV"),
                    "EVResume": ("NoError", "Charging"), "ClearFault": ("NoError", "Available")}
    PROCEDURES = {"NetworkDown": "closeConnection", "NetworkUp": "openConnection",
                  "PowerLoss": "stopChargingStation", "PowerOn": "startChargingStation"}

    def __init__(self, url: str, station: str | None = None, timeout: float = 10.0,
                 basic_auth: tuple[str, str] | None = None):
        if urlsplit(url).scheme not in ("ws", "wss"):
            raise ValueError(f"the SAP simulator UI URL must be ws://host:port, got {url!r}")
        self.url, self.station, self.timeout = url, station, timeout
        self.basic_auth = basic_auth
        self._ws = None
        self._lock = asyncio.Lock()
        self._hash_id: str | None = None

    async def capabilities(self) -> frozenset[str]:
        await self.hash_id()
        return self.OPS

    async def perform(self, step: dict) -> list[dict]:
        """Run the step's procedures; returns the StatusNotifications it made the station send
        (``{"action", "connectorId", "status"}``): the controller's words, not the charge point's."""
        op = check_step(step, self.OPS, "SAP simulator")["op"]
        if op in self.PROCEDURES:
            await self.station_request(self.PROCEDURES[op], {})
            return []
        await self._require_online(op)
        if op in self.STATUS_STEPS or op == "Fault":
            status = await self._status(step)
            return [status] if status else []
        elif op == "PresentIdTag":
            await self._present(step["connectorId"], step["idTag"])
        else:
            return await self._unplug(step["connectorId"])
        return []

    async def _require_online(self, op: str) -> None:
        """The other ops are only OCPP messages the station is made to send. With its OCPP connection not open
        (NetworkDown, PowerLoss) it keeps them in its buffer, which it flushes at its next boot, into a later
        example (sim-triage G12: a Preparing and an Authorize of a card presented offline): refused, nothing
        is sent."""
        hash_id = await self.hash_id()
        station = next((s for s in await self.stations()
                        if (s.get("stationInfo") or {}).get("hashId") == hash_id), {})
        if station.get("wsState") != WEBSOCKET_OPEN:
            raise ControllerError(f"SAP simulator: {op}: the station's OCPP connection is not open: it would "
                                  "only buffer the message until its next boot", refused=True)

    async def _status(self, step: dict) -> dict | None:
        """No cable or EV model (sim-triage session 3): EVSuspend/EVResume without a transaction would report a status
        the station is not in (refused); a PlugIn into a running transaction (one started with no cable) has
        nothing to report, and one into an Inoperative connector would report Preparing where the station stays
        Unavailable (refused, session 4). One into a Reserved connector reports nothing either: the station's own status
        is what ties a card to its reservation (it puts the reservationId into StartTransaction only while the connector
        is Reserved), and §4.9 lets a cable leave a reserved connector Reserved (sim-sap final1: a Preparing of ours
        made it start the reserved idTag's transaction without reservationId)."""
        if step["op"] in ("PlugIn", "EVSuspend", "EVResume"):
            state = await self.connector(step["connectorId"])
            started = state.get("transactionStarted")
            if step["op"] == "PlugIn" and (started or state.get("status") == "Reserved"):
                return None
            if step["op"] == "PlugIn" and state.get("availability") == "Inoperative":
                raise ControllerError(f"SAP simulator: connector {step['connectorId']} is Inoperative", refused=True)
            if step["op"] != "PlugIn" and not started:
                raise ControllerError(f"SAP simulator: no transaction on connector {step['connectorId']} for "
                                      f"{step['op']}", refused=True)
        code, status = self.STATUS_STEPS.get(step["op"], (None, "Faulted"))
        await self.station_request("statusNotification", {
            "connectorId": step["connectorId"], "status": status,
            "errorCode": code or step.get("errorCode", "OtherError")})
        return {"action": "StatusNotification", "connectorId": step["connectorId"], "status": status}

    async def _present(self, connector_id: int, id_tag: str) -> None:
        state = await self.connector(connector_id)
        if state.get("availability") == "Inoperative" and not state.get("transactionStarted"):
            # its authorize and startTransaction procedures send the messages whatever the availability:
            # a start the station itself would not make (sim-triage session 2)
            raise ControllerError(f"SAP simulator: connector {connector_id} is Inoperative", refused=True)
        if state.get("transactionStarted"):
            if state.get("transactionIdTag") == id_tag:
                await self.station_request("stopTransaction", {
                    "transactionId": state["transactionId"], "idTag": id_tag, "reason": "Local"},
                    refused_ok=True)
            else:
                await self.station_request("authorize", {"idTag": id_tag}, refused_ok=True)
            return
        if await self.station_request("authorize", {"idTag": id_tag}, refused_ok=True):
            await self.station_request("startTransaction", {
                "connectorId": connector_id, "idTag": id_tag}, refused_ok=True)

    async def _unplug(self, connector_id: int) -> list[dict]:
        state = await self.connector(connector_id)
        if state.get("transactionStarted"):
            await self.station_request("stopTransaction", {
                "transactionId": state["transactionId"], "reason": "EVDisconnected"},
                refused_ok=True)
            state = await self.connector(connector_id)
        if state.get("status") in ("Available", "Reserved") or state.get("availability") == "Inoperative":
            return []  # Inoperative: the station stays Unavailable, nothing to report (session 4); Reserved stays so
        await self.station_request("statusNotification", {
            "connectorId": connector_id, "errorCode": "NoError", "status": "Available"})
        return [{"action": "StatusNotification", "connectorId": connector_id, "status": "Available"}]

    # ---- stations

    async def stations(self) -> list[dict]:
        answer = await self.request("listChargingStations", {})
        stations = answer.get("chargingStations")
        if not isinstance(stations, list):
            raise ControllerError(f"SAP simulator: listChargingStations answered {answer!r}")
        return stations

    async def hash_id(self) -> str:
        """The hashId of the station to drive (looked up once)."""
        if self._hash_id is None:
            self._hash_id = _pick_station(await self.stations(), self.station)
        return self._hash_id

    async def connector(self, connector_id: int) -> dict:
        """The station's own view of a connector (``connectorStatus``)."""
        hash_id = await self.hash_id()
        for station in await self.stations():
            if (station.get("stationInfo") or {}).get("hashId") == hash_id:
                for entry in station.get("connectors") or []:
                    if entry.get("connectorId") == connector_id:
                        return entry.get("connectorStatus") or {}
        raise ControllerError(f"SAP simulator: station {self.station or hash_id} has no "
                              f"connector {connector_id}")

    async def station_request(self, procedure: str, payload: dict,
                              refused_ok: bool = False) -> bool:
        """Run a procedure on our station; False when the Central System refused it.

        The simulator answers "failure" for an OCPP command whose response is not
        Accepted (authorize, startTransaction, stopTransaction: idTagInfo.status);
        with ``refused_ok`` that is no error: the command was sent and answered.
        """
        answer = await self.request(procedure, {"hashIds": [await self.hash_id()], **payload})
        if answer.get("status") == "success":
            return True
        if refused_ok and _refused_by_central_system(answer):
            return False
        raise ControllerError(f"SAP simulator: {procedure} failed: {_failure(answer)}", refused=True)

    # ---- UI protocol

    async def request(self, procedure: str, payload: dict) -> dict:
        """Send ``[uuid, procedure, payload]``, return the answer's payload."""
        async with self._lock:
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._exchange(procedure, payload)
            except TimeoutError:
                await self.close()
                raise ControllerError(f"SAP simulator: no answer to {procedure} within "
                                      f"{self.timeout} s") from None
            except (OSError, ValueError, ConnectionClosed, InvalidHandshake) as exc:
                await self.close()
                raise ControllerError(f"SAP simulator: cannot reach the UI server at {self.url} "
                                      f"({type(exc).__name__}: {exc})") from exc

    async def _exchange(self, procedure: str, payload: dict) -> dict:
        if self._ws is None:
            self._ws = await connect(self.url, subprotocols=self._subprotocols(),
                                     additional_headers=self._headers(), ping_interval=None)
        request_id = str(uuid.uuid4())
        await self._ws.send(json.dumps([request_id, procedure, payload]))
        while True:
            message = json.loads(await self._ws.recv())
            if isinstance(message, list) and len(message) == 2 and message[0] == request_id:
                answer = message[1]
                return answer if isinstance(answer, dict) else {"status": "failure",
                                                                "errorMessage": repr(answer)}

    def _subprotocols(self) -> list:
        if self.basic_auth is None:
            return [self.SUBPROTOCOL]
        token = base64.b64encode(":".join(self.basic_auth).encode()).decode().rstrip("=")
        return [self.SUBPROTOCOL, f"authorization.basic.{token}"]

    def _headers(self) -> dict:
        if self.basic_auth is None:
            return {}
        return {"Authorization": "Basic " + base64.b64encode(
            ":".join(self.basic_auth).encode()).decode()}

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()


def _pick_station(stations: list[dict], wanted: str | None) -> str:
    infos = [station.get("stationInfo") or {} for station in stations]
    names = [info.get("chargingStationId") for info in infos]
    matching = [info for info in infos if wanted is None or info.get("chargingStationId") == wanted]
    if len(matching) != 1 or not matching[0].get("hashId"):
        which = f"station {wanted!r}" if wanted else "exactly one station"
        raise ControllerError(f"SAP simulator: {which} expected, the simulator runs {names}")
    return matching[0]["hashId"]


def _refused_by_central_system(answer: dict) -> bool:
    """A failure whose every station answer is an OCPP response (e.g. idTag not Accepted)."""
    failed = answer.get("responsesFailed") or []
    return bool(failed) and all("commandResponse" in response for response in failed)


def _failure(answer: dict) -> str:
    failed = answer.get("responsesFailed") or [answer]
    texts = [str(f.get("errorMessage") or f.get("commandResponse") or f) for f in failed]
    return "; ".join(texts)[:300]
