"""External mode: verify a charge point that ocpp-verify does not host.

The charge point connects to our recording Central System endpoint
(adapters/csms.py) and runs in real time; physical actions go through a
controller (adapters/controllers.py). :class:`ExternalSut` implements the
SUT interface of docs/architecture.md §4 on top of both, and brings the
charge point to the OCTT general preconditions (OCTT 1.6 test case document
§1.3) before each example. A :class:`Description` (a TOML file) tells what
the charge point is and what its controller can do. docs/external.md is the
user's guide.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Callable

import attrs

from adapters.clock import RealClock
from adapters.control import PHYSICAL_OPS, step_problem
from adapters.controllers import (
    ControllerError, HttpController, ManualController, MicroOcppController, NoController,
    SapController,
)
from adapters.csms import CS_ACTIONS, CentralSystem, CsmsPolicy, Frame
from vocabulary import CONTROLLER_KINDS, ENVIRONMENT_OPS, FEATURE_PROFILES

BOOT_MODES = ("auto", "power-cycle", "reset", "trigger", "none")
POWER_LOSS_KINDS = ("cut", "graceful")  # how the controller's PowerLoss happens ([controller] power_loss)
CHARGING_RATE_UNITS = ("A", "W")  # OCPP 1.6 §7.10
POLL = 0.005  # seconds between looks at the recorded frames
RETRY = 0.2  # seconds between requests to a controller that cannot be reached
CABLE_STATUSES = ("Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing")  # §4.9
BUSY_TRANSFERS = {"FirmwareStatusNotification": {"Downloading", "Downloaded", "Installing"},
                  "DiagnosticsStatusNotification": {"Uploading"}}  # a transfer under way (§4.4, §4.5)
OCTT_FEATURES = ("authorization-cache", "offline-authorization", "local-stop", "backup-power",
                 "local-list-failure")  # OCTT prerequisites a description may claim (§1.3)
REAL_TIME_CONFIGURATION = (("HeartbeatInterval", "5"), ("MeterValueSampleInterval", "3"),
                           ("TransactionMessageRetryInterval", "1"), ("ConnectionTimeOut", "10"))
"""Short intervals set at open() so that the charge point's timers run out within the
short real waits of an external run (docs/external.md §5); [configuration] overrides them.
The model allows ``tolerance`` either way on ConnectionTimeOut, so a timeout that fires
within a step is not judged early."""
FAILURE_UNDO = {"SetUploadFailure": {"failing": False}, "SetLocalListFailure": {"failing": False},
                "SetFirmwareFailure": {}}  # the step that ends each injected failure (no stage: none)
HEARTBEAT_INTERVAL = 5  # BootNotification.conf interval (OCPP 1.6 §4.2) in external runs
# the physical ops each controller kind can do at most (None: asked at open())
CONTROLLER_OPS: dict[str, frozenset[str] | None] = {
    "http": None, "manual": frozenset(PHYSICAL_OPS), "none": frozenset(),
    "sap": SapController.OPS, "microocpp": MicroOcppController.OPS,
}


class DescriptionError(ValueError):
    """A charge point description file is unreadable or wrong."""


class PreconditionError(RuntimeError):
    """The charge point cannot be brought to the OCTT §1.3 preconditions."""


class ConnectTimeout(TimeoutError):
    """No charge point connected to the endpoint in time."""


@attrs.frozen
class Skipped:
    """A physical step the controller refused in the charge point's present state (e.g. a card
    while the charge point is not Accepted): nothing happened, and the run goes on."""

    step: dict
    reason: str
    kind = "skipped"


# --------------------------------------------------------------------------
# The description file


@attrs.frozen
class ControllerSpec:
    kind: str = "none"
    url: str | None = None
    station: str | None = None  # SAP: chargingStationId to drive
    basic_auth: tuple[str, str] | None = None  # SAP UI server / MicroOcppSimulator API
    power_loss: str = "cut"  # "graceful": its PowerLoss stops the charge point in order (SAP)

    def build(self, call_timeout: float, input=None, output=None):
        """The controller this spec describes."""
        if self.kind == "http":
            return HttpController(self.url, timeout=call_timeout)
        if self.kind == "manual":
            return ManualController(input or sys.stdin, output or sys.stdout)
        if self.kind == "sap":
            return SapController(self.url, self.station, call_timeout, self.basic_auth)
        if self.kind == "microocpp":
            return MicroOcppController(self.url, call_timeout, self.basic_auth)
        return NoController()


@attrs.frozen
class Timing:
    quiet: float = 0.3  # settle: no frame for this long
    tolerance: float = 2.0  # real-time slack for reactions (disconnects, statuses after a boot)
    call_timeout: float = 10.0  # our CALLs and controller requests
    answer_limit: float = 60.0  # after call_timeout, how long an answer may still come (outcome pending)
    connect_timeout: float = 60.0  # waiting for the charge point to (re)connect and boot
    settle_limit: float = 10.0  # settle never waits longer
    max_advance: float = 5.0  # the longest AdvanceTime (a real wait) a fuzzing run generates
    reboot: float = 30.0  # the longest a reboot may take after an accepted Reset (no spec deadline)


@attrs.frozen
class Endpoint:
    host: str = "127.0.0.1"
    port: int = 9000
    basic_auth: tuple[str, str] | None = None  # (user = charge point identity, password)
    tls_cert: Path | None = None
    tls_key: Path | None = None

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.tls_cert is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls_cert, self.tls_key)
        return context


@attrs.frozen
class Description:
    path: str
    connectors: int
    profiles: frozenset[str] = frozenset({"Core"})
    fixed_cable: bool = False
    id: str | None = None
    boot: str = "auto"
    features: frozenset[str] = frozenset()  # OCTT prerequisites met (OCTT_FEATURES)
    connector_lock: bool = True  # False: no lock, UnlockConnector may answer NotSupported (§5.18)
    charging_rate_unit: str | None = None  # the OCTT cases' unit; None: as the charge point allows
    controller: ControllerSpec = ControllerSpec()
    actions: frozenset[str] | None = None  # None: whatever the controller reports
    configuration: tuple[tuple[str, str], ...] = ()
    timing: Timing = Timing()
    endpoint: Endpoint = Endpoint()

    @classmethod
    def load(cls, path: str | Path, overrides: Overrides | None = None) -> Description:
        """Parse and validate a description file; DescriptionError names file, key and fault.

        ``overrides`` (command-line options) replace values of the file before it is checked.
        """
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DescriptionError(f"{path}: cannot read the description ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DescriptionError(f"{path}: not valid TOML: {exc}") from None
        if overrides is not None:
            document = overrides.apply(document, str(path))
        return _Parser(str(path), path.parent).description(document)

    @classmethod
    def parse(cls, text: str, path: str = "<description>", base: Path = Path(".")) -> Description:
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DescriptionError(f"{path}: not valid TOML: {exc}") from None
        return _Parser(path, base).description(document)


@attrs.frozen
class Overrides:
    """Command-line options that replace what a description file says."""

    listen: str | None = None  # --listen HOST:PORT
    controller: str | None = None  # --controller KIND
    control_url: str | None = None  # --control-url URL

    def apply(self, document: dict, path: str) -> dict:
        """The document with these values in place; a changed controller kind keeps only
        the [controller] keys and [actions] the new kind can take."""
        document = {name: dict(table) if isinstance(table, dict) else table
                    for name, table in document.items()}
        if self.listen is not None:
            document.setdefault("endpoint", {})["listen"] = self.listen
        controller = document.setdefault("controller", {})
        if not isinstance(controller, dict):
            return document  # the parser names the fault
        if self.controller is not None and self.controller != controller.get("kind", "none"):
            if self.controller not in CONTROLLER_KINDS:
                raise DescriptionError(f"--controller must be one of {list(CONTROLLER_KINDS)}, "
                                       f"got {self.controller!r}")
            self._change_kind(document, controller, self.controller)
        if self.control_url is not None:
            controller["url"] = self.control_url
        return document

    @staticmethod
    def _change_kind(document: dict, controller: dict, kind: str) -> None:
        kept = {"http": ("url", "power_loss"), "microocpp": ("url", "user", "password"),
                "sap": ("url", "station", "user", "password", "power_loss"),
                "manual": ("power_loss",)}.get(kind, ())
        for key in [key for key in controller if key not in kept]:
            del controller[key]
        controller["kind"] = kind
        actions = document.get("actions")
        most = CONTROLLER_OPS[kind]
        if isinstance(actions, dict) and isinstance(actions.get("supported"), list) \
                and most is not None:
            actions["supported"] = [op for op in actions["supported"] if op in most]


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number",
               list: "a list", dict: "a table"}
TABLES = {
    "charge_point": {"connectors", "profiles", "fixed_cable", "id", "boot", "features",
                     "connector_lock", "charging_rate_unit"},
    "controller": {"kind", "url", "station", "user", "password", "power_loss"},
    "actions": {"supported"},
    "configuration": None,  # any OCPP key
    "timing": set(attrs.fields_dict(Timing)),
    "endpoint": {"listen", "basic_auth", "tls_cert", "tls_key"},
}


class _Parser:
    """Turns a TOML document into a Description, with errors naming file and key."""

    def __init__(self, path: str, base: Path):
        self.path, self.base = path, base

    def fail(self, where: str, problem: str) -> DescriptionError:
        return DescriptionError(f"{self.path}: {where}: {problem}")

    def description(self, document: dict) -> Description:
        for name, value in document.items():
            if name not in TABLES:
                raise self.fail(f"[{name}]", f"unknown table; the tables are {sorted(TABLES)}")
            if not isinstance(value, dict):
                raise self.fail(name, "must be a table, e.g. [" + name + "]")
            self.known_keys(name, value)
        cp = self.table(document, "charge_point", required=True)
        controller = self.controller(self.table(document, "controller"))
        description = Description(
            path=self.path, connectors=self.connectors(cp), profiles=self.profiles(cp),
            fixed_cable=self.get(cp, "charge_point", "fixed_cable", bool, False),
            id=self.identity(cp), boot=self.choice(cp, "charge_point", "boot", BOOT_MODES, "auto"),
            features=self.features(cp),
            connector_lock=self.get(cp, "charge_point", "connector_lock", bool, True),
            charging_rate_unit=self.rate_unit(cp),
            controller=controller, actions=self.actions(document, controller.kind),
            configuration=self.configuration(self.table(document, "configuration")),
            timing=self.timing(self.table(document, "timing")),
            endpoint=self.endpoint(self.table(document, "endpoint")))
        self.check_auth(description)
        return description

    def known_keys(self, name: str, table: dict) -> None:
        allowed = TABLES[name]
        for key in table:
            if allowed is not None and key not in allowed:
                raise self.fail(f"[{name}] {key}", f"unknown key; [{name}] takes {sorted(allowed)}")

    def table(self, document: dict, name: str, required: bool = False) -> dict:
        if name not in document and required:
            raise self.fail(f"[{name}]", "missing table")
        return document.get(name, {})

    def get(self, table: dict, section: str, key: str, kind: type, default: Any = None,
            required: bool = False) -> Any:
        if key not in table:
            if required:
                raise self.fail(f"[{section}] {key}", "missing")
            return default
        value = table[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float \
            else type(value) is kind
        if not ok:
            raise self.fail(f"[{section}] {key}", f"must be {_TYPE_NAMES[kind]}, got {value!r}")
        return value

    def choice(self, table: dict, section: str, key: str, allowed, default: str) -> str:
        value = self.get(table, section, key, str, default)
        if value not in allowed:
            raise self.fail(f"[{section}] {key}", f"must be one of {list(allowed)}, got {value!r}")
        return value

    def text(self, table: dict, section: str, key: str, required: bool = False) -> str | None:
        value = self.get(table, section, key, str, None, required)
        if value is not None and not value.strip():
            raise self.fail(f"[{section}] {key}", "must not be empty")
        return value

    # ---- [charge_point]

    def connectors(self, cp: dict) -> int:
        count = self.get(cp, "charge_point", "connectors", int, required=True)
        if count < 1:
            raise self.fail("[charge_point] connectors", f"must be 1 or more, got {count}")
        return count

    def profiles(self, cp: dict) -> frozenset[str]:
        names = self.get(cp, "charge_point", "profiles", list, ["Core"])
        for name in names:
            if name not in FEATURE_PROFILES:
                raise self.fail("[charge_point] profiles", f"unknown feature profile {name!r}; "
                                f"OCPP 1.6 has {list(FEATURE_PROFILES)}")
        if "Core" not in names:
            raise self.fail("[charge_point] profiles", "must include \"Core\" (every OCPP 1.6 "
                            "charge point implements it)")
        return frozenset(names)

    def features(self, cp: dict) -> frozenset[str]:
        names = self.get(cp, "charge_point", "features", list, [])
        for name in names:
            if name not in OCTT_FEATURES:
                raise self.fail("[charge_point] features", f"unknown OCTT prerequisite {name!r}; "
                                f"they are {list(OCTT_FEATURES)}")
        return frozenset(names)

    def rate_unit(self, cp: dict) -> str | None:
        unit = self.get(cp, "charge_point", "charging_rate_unit", str)
        if unit is not None and unit not in CHARGING_RATE_UNITS:
            raise self.fail("[charge_point] charging_rate_unit", f"must be \"A\" or \"W\" "
                            f"(ChargingRateUnitType, OCPP 1.6 §7.10), got {unit!r}")
        return unit

    def identity(self, cp: dict) -> str | None:
        value = self.text(cp, "charge_point", "id")
        if value is not None and ("/" in value or len(value) > 48):
            raise self.fail("[charge_point] id", f"{value!r} is not a charge point identity "
                            "(the last path segment of its connection URL, at most 48 characters)")
        return value

    # ---- [controller] and [actions]

    def controller(self, table: dict) -> ControllerSpec:
        kind = self.choice(table, "controller", "kind", CONTROLLER_KINDS, "none")
        url = self.text(table, "controller", "url", required=kind in ("http", "sap", "microocpp"))
        schemes = {"http": ("http://",), "microocpp": ("http://",), "sap": ("ws://", "wss://")}
        if url is not None and kind not in schemes:
            raise self.fail("[controller] url", f"a {kind!r} controller takes no url")
        if url is not None and not url.startswith(schemes[kind]):
            raise self.fail("[controller] url", f"a {kind!r} controller URL starts with "
                            f"{' or '.join(schemes[kind])}, got {url!r}")
        station = self.text(table, "controller", "station")
        if station is not None and kind != "sap":
            raise self.fail("[controller] station", "only a \"sap\" controller takes a station")
        power_loss = self.choice(table, "controller", "power_loss", POWER_LOSS_KINDS,
                                 "graceful" if kind == "sap" else "cut")
        most = CONTROLLER_OPS[kind]
        if "power_loss" in table and most is not None and "PowerLoss" not in most:
            raise self.fail("[controller] power_loss", f"a {kind!r} controller cannot PowerLoss")
        return ControllerSpec(kind, url, station, self.credentials(table, kind), power_loss)

    def credentials(self, table: dict, kind: str) -> tuple[str, str] | None:
        user = self.text(table, "controller", "user")
        password = self.get(table, "controller", "password", str)
        if (user is None) != (password is None):
            raise self.fail("[controller] user", "give both user and password, or neither")
        if user is not None and kind not in ("sap", "microocpp"):
            raise self.fail("[controller] user", f"a {kind!r} controller takes no credentials")
        return None if user is None else (user, password)

    def actions(self, document: dict, kind: str) -> frozenset[str] | None:
        ops = self.get(self.table(document, "actions"), "actions", "supported", list)
        if ops is None:
            return None
        for op in ops:
            if op not in PHYSICAL_OPS:
                raise self.fail("[actions] supported", f"unknown physical op {op!r}; "
                                f"the ops are {sorted(PHYSICAL_OPS)}")
        most = CONTROLLER_OPS[kind]
        if most is not None and not set(ops) <= most:
            raise self.fail("[actions] supported", f"a {kind!r} controller cannot perform "
                            f"{sorted(set(ops) - most)}")
        return frozenset(ops)

    # ---- [configuration], [timing], [endpoint]

    def configuration(self, table: dict) -> tuple[tuple[str, str], ...]:
        for key, value in table.items():
            if not isinstance(value, str):
                raise self.fail(f"[configuration] {key}", "values are strings (CiString500, "
                                f"OCPP 1.6 §6.9), e.g. {str(value).lower()!r}, got {value!r}")
            if len(key) > 50 or len(value) > 500:
                raise self.fail(f"[configuration] {key}", "keys are at most 50 characters, "
                                "values at most 500 (ChangeConfiguration.req, OCPP 1.6 §6.9)")
        return tuple(table.items())

    def timing(self, table: dict) -> Timing:
        values = {key: float(self.get(table, "timing", key, float)) for key in table}
        for key, value in values.items():
            if not value > 0 or value == float("inf"):
                raise self.fail(f"[timing] {key}", f"must be a number of seconds > 0, got {value}")
        return Timing(**values)

    def endpoint(self, table: dict) -> Endpoint:
        host, port = self.listen(self.text(table, "endpoint", "listen") or "127.0.0.1:9000")
        auth = self.get(table, "endpoint", "basic_auth", dict)
        cert, key = (self.file(table, name) for name in ("tls_cert", "tls_key"))
        if (cert is None) != (key is None):
            raise self.fail("[endpoint] tls_cert", "give both tls_cert and tls_key, or neither")
        return Endpoint(host, port, None if auth is None else self.basic_auth(auth), cert, key)

    def listen(self, text: str) -> tuple[str, int]:
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise self.fail("[endpoint] listen", f"must be \"host:port\" (port 0 to 65535), "
                            f"got {text!r}")
        return host.strip("[]"), int(port)

    def basic_auth(self, auth: dict) -> tuple[str, str]:
        if set(auth) != {"user", "password"}:
            raise self.fail("[endpoint] basic_auth", "must be {user = \"...\", password = \"...\"}, "
                            f"got keys {sorted(auth)}")
        for key in ("user", "password"):
            if not isinstance(auth[key], str) or not auth[key]:
                raise self.fail(f"[endpoint] basic_auth.{key}", "must be a non-empty string")
        return auth["user"], auth["password"]

    def file(self, table: dict, key: str) -> Path | None:
        name = self.text(table, "endpoint", key)
        if name is None:
            return None
        path = self.base / name
        if not path.is_file():
            raise self.fail(f"[endpoint] {key}", f"no such file {str(path)!r}")
        return path

    def check_auth(self, description: Description) -> None:
        auth, cp_id = description.endpoint.basic_auth, description.id
        if auth is not None and cp_id is not None and auth[0] != cp_id:
            raise self.fail("[endpoint] basic_auth.user", f"must be the charge point identity "
                            f"{cp_id!r} (OCPP-J 1.6 §6.2.2), got {auth[0]!r}")


# --------------------------------------------------------------------------
# What the frames say about the charge point


@attrs.define
class Observed:
    """The charge point's state as far as the recorded frames tell (updated incrementally)."""

    cursor: int = 0
    charge_point_id: str | None = None
    connected: bool = False
    boot: dict = attrs.Factory(dict)  # the last BootNotification payload
    registration: str | None = None  # our answer to the last BootNotification
    status: dict[int, tuple[str, str]] = attrs.Factory(dict)  # connectorId -> (status, errorCode)
    transactions: dict[int, int] = attrs.Factory(dict)  # transactionId -> connectorId
    unconfirmed: set[int] = attrs.Factory(set)  # StopTransaction sent, no CALLRESULT yet (§3.7)
    reservations: set[int] = attrs.Factory(set)
    changed_keys: set[str] = attrs.Factory(set)  # ChangeConfiguration accepted
    requests: dict[tuple[str, str], tuple[str, dict]] = attrs.Factory(dict)
    boot_interval: int | None = None  # the interval of our answer to the last BootNotification
    disconnected_at: float | None = None  # when the connection was last lost
    transfers: dict[str, str] = attrs.Factory(dict)  # Firmware/DiagnosticsStatusNotification -> status
    local_list: dict[str, dict] | None = None  # idTag -> AuthorizationData; None: not known
    list_version: int | None = None  # the listVersion of our last accepted SendLocalList

    def forget_charge_point(self) -> None:
        """A different charge point: nothing learnt so far holds."""
        self.boot, self.registration, self.local_list, self.list_version = {}, None, None, None
        for known in (self.status, self.transactions, self.unconfirmed, self.reservations,
                      self.changed_keys, self.transfers):
            known.clear()

    def update(self, frames: list[Frame]) -> list[tuple[str, str]]:
        """Read the new frames; returns the identity changes seen, as (old, new) pairs."""
        changes = []
        while self.cursor < len(frames):
            frame = frames[self.cursor]
            self.cursor += 1
            if frame.direction == "event":
                changes += self._event(frame)
            elif frame.message_type == 2 and frame.unique_id is not None:
                self._call(frame)
            elif frame.message_type == 3:
                self._result(frame)
        return changes

    def _event(self, frame: Frame) -> list[tuple[str, str]]:
        if frame.error not in ("connected", "disconnected"):
            return []
        self.connected = frame.error == "connected"
        if not self.connected:
            self.disconnected_at = frame.time
        new = (frame.payload or {}).get("chargePointId")
        old, changed = self.charge_point_id, self.connected and new != self.charge_point_id
        if changed:
            self.charge_point_id = new
            if old is not None:
                self.forget_charge_point()
                return [(old, new)]
        return []

    def _call(self, frame: Frame) -> None:
        side = "cp" if frame.direction == "cp->cs" else "cs"
        payload = frame.payload or {}
        self.requests[(side, frame.unique_id)] = (frame.action, payload)
        if side == "cs":
            return
        if frame.action == "BootNotification" and not frame.error:
            self.boot = dict(payload)
        elif frame.action == "StatusNotification" and not frame.error:
            self.status[payload["connectorId"]] = (payload["status"], payload["errorCode"])
        elif frame.action in BUSY_TRANSFERS and not frame.error:
            self.transfers[frame.action] = payload.get("status")
        elif frame.action == "StopTransaction" and not frame.error:
            self.transactions.pop(payload.get("transactionId"), None)
            self.unconfirmed.add(payload.get("transactionId"))

    def _result(self, frame: Frame) -> None:
        side = "cp" if frame.direction == "cs->cp" else "cs"  # who sent the CALL
        action, request = self.requests.pop((side, frame.unique_id), (None, {}))
        answer = frame.payload or {}
        if side == "cp":
            self._answered_by_us(action, request, answer)
        elif answer.get("status") in ("Accepted", "RebootRequired"):
            self._accepted_by_cp(action, request)

    def _answered_by_us(self, action: str | None, request: dict, answer: dict) -> None:
        if action == "BootNotification":
            self.registration = answer.get("status")
            self.boot_interval = answer.get("interval")
        elif action == "StartTransaction" and "transactionId" in answer:
            self.transactions[answer["transactionId"]] = request.get("connectorId")
            self.reservations.discard(request.get("reservationId"))
        elif action == "StopTransaction":
            self.unconfirmed.discard(request.get("transactionId"))

    def _accepted_by_cp(self, action: str | None, request: dict) -> None:
        if action == "ReserveNow":
            self.reservations.add(request.get("reservationId"))
        elif action == "CancelReservation":
            self.reservations.discard(request.get("reservationId"))
        elif action == "ChangeConfiguration":
            self.changed_keys.add(request.get("key"))
        elif action == "SendLocalList":
            self._list_updated(request)

    def _list_updated(self, request: dict) -> None:
        """An accepted SendLocalList (§5.15): a Full update replaces the list, a Differential one
        adds, updates, or (an entry without idTagInfo, §7.1) deletes."""
        if request.get("updateType") == "Full":
            self.local_list = {}
        elif self.local_list is None:
            return  # changes to a list we never saw whole
        for data in request.get("localAuthorizationList") or ():
            if isinstance(data, dict) and "idTagInfo" in data:
                self.local_list[data.get("idTag")] = data
            elif isinstance(data, dict):
                self.local_list.pop(data.get("idTag"), None)
        self.list_version = request.get("listVersion")


# --------------------------------------------------------------------------
# The system under test


class ExternalSut:
    """A charge point we do not host, behind our endpoint and a controller (architecture §4)."""

    real_time = True  # AdvanceTime is a real wait: runs generate short ones (timing.max_advance)

    def __init__(self, description: Description, controller=None, *, input=None, output=None):
        self.description = description
        self.timing = description.timing
        self.controller = controller if controller is not None else description.controller.build(
            description.timing.call_timeout, input, output)
        self.clock = RealClock()
        self.csms: CentralSystem | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.reported_profiles: frozenset[str] = frozenset()
        self.boot_mode = description.boot
        self.example_start = 0
        self.observed = Observed(charge_point_id=description.id)
        self.baseline: dict[str, str] = {}  # configuration to restore before each example
        self.plugged: set[int] = set()
        self.faulted: set[int] = set()
        self.unlock_failing: set[int] = set()
        self.failing: set[str] = set()  # FAILURE_UNDO ops switched on
        self.powered = self.network = True
        self._boot_prepared = False
        self.injected: set[int] = set()
        """Seqs of frames the controller made the charge point send (docs/external.md §7)."""
        self.skipped: list[Skipped] = []
        self.leftover: dict = {}
        """What the charge point kept from earlier examples and fresh() could not clear: the model
        starts from it (``localList``: (AuthorizationData list, listVersion))."""
        self.setup_from = 0  # where the frames of the last fresh() begin

    def identity(self) -> dict:
        """The last BootNotification payload seen."""
        self._observe()
        return dict(self.observed.boot)

    @property
    def features(self) -> frozenset[str]:
        """The OCTT prerequisites this charge point meets (properties/octt/catalogue.py
        PREREQUISITES), as its description declares them."""
        d = self.description
        profiles = {f"profile:{p}" if p in self.profiles else f"no-profile:{p}"
                    for p in FEATURE_PROFILES if p != "Core"}
        cable = "fixed-cable" if d.fixed_cable else "no-fixed-cable"
        power = set() if "backup-power" in d.features else {"no-backup-power"}
        return frozenset({cable, *profiles, *power, *d.features})

    # ---- life cycle

    async def open(self) -> None:
        """Listen, wait for the charge point, learn the controller's ops, set [configuration]."""
        if self.csms is not None:
            return
        endpoint = self.description.endpoint
        self.csms = CentralSystem(
            endpoint.host, endpoint.port, self.clock,
            CsmsPolicy(heartbeat_interval=HEARTBEAT_INTERVAL),
            basic_auth=None if endpoint.basic_auth is None else dict([endpoint.basic_auth]),
            ssl_context=endpoint.ssl_context())
        await self.csms.start()
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        await self._wait_first_connection()
        self.capabilities = await self._physical_ops() | ENVIRONMENT_OPS
        await self.settle()
        await self._learn_configuration()
        self.boot_mode = self._resolve_boot_mode()
        await self._apply_configuration()

    async def _physical_ops(self) -> frozenset[str]:
        reported = frozenset(await self.controller.capabilities()) & frozenset(PHYSICAL_OPS)
        declared = self.description.actions
        if declared is None:
            return reported
        if not declared <= reported:
            raise DescriptionError(
                f"{self.description.path}: [actions] supported: the controller cannot perform "
                f"{sorted(declared - reported)} (it reports {sorted(reported)})")
        return declared

    def _resolve_boot_mode(self) -> str:
        mode = self.description.boot
        if mode == "auto":
            if {"PowerLoss", "PowerOn"} <= self.capabilities:
                return "power-cycle"
            return "trigger" if "RemoteTrigger" in self.profiles else "none"
        if mode == "power-cycle" and not {"PowerLoss", "PowerOn"} <= self.capabilities:
            raise DescriptionError(f"{self.description.path}: [charge_point] boot: "
                                   "\"power-cycle\" needs a controller that can PowerLoss and PowerOn")
        if mode == "trigger" and "RemoteTrigger" not in self.profiles:
            raise DescriptionError(f"{self.description.path}: [charge_point] boot: \"trigger\" "
                                   "needs the RemoteTrigger profile in [charge_point] profiles")
        return mode

    async def _wait_first_connection(self) -> None:
        """Half of connect_timeout for the charge point to connect by itself; then its controller
        powers it on and brings its network up (an earlier run may have left it off or offline),
        and the other half."""
        if isinstance(self.controller, MicroOcppController):
            self.controller.default_backend_url = self.csms.url
        half = self.timing.connect_timeout / 2
        if not await self._connected_within(half):
            revived = await self._revive()
            if not await self._connected_within(self.timing.connect_timeout - half):
                raise ConnectTimeout(self._no_connection_message(revived))
        changes = self.observed.update(self.csms.frames)
        if changes:
            raise PreconditionError(
                f"charge point {changes[0][1]!r} connected to {self.csms.url}, but the "
                f"description {self.description.path} expects [charge_point] id = "
                f"{changes[0][0]!r}")

    async def _connected_within(self, seconds: float) -> bool:
        try:
            await self.csms.wait_connected(seconds)
        except TimeoutError:
            return False
        return True

    async def _revive(self) -> list[str]:
        """PowerOn and NetworkUp through the controller, as far as it can (best effort); the ops
        it carried out."""
        try:
            ops = await self._physical_ops()
        except (ControllerError, DescriptionError):
            return []
        done = []
        for op in ("PowerOn", "NetworkUp"):
            if op in ops:
                try:
                    await self.controller.perform({"op": op})
                    done.append(op)
                except ControllerError:
                    pass
        return done

    def _no_connection_message(self, revived: list[str] = ()) -> str:
        refused = [frame.error for frame in self.csms.frames if frame.is_violation]
        hint = f"; refused attempts: {' | '.join(refused[-3:])}" if refused else ""
        if revived:
            hint += f"; its controller's {' and '.join(revived)} did not help"
        name = self.description.id or "<identity>"
        return (f"no charge point connected to {self.csms.url} within "
                f"{self.timing.connect_timeout} s: set the charge point's Central System URL to "
                f"{self.csms.url}/{name} (subprotocol ocpp1.6){hint}")

    async def close(self) -> None:
        """Leave the charge point as found (best effort), stop the controller and endpoint."""
        try:
            async with asyncio.timeout(self.timing.connect_timeout + 2 * self.timing.call_timeout):
                await self._leave_as_found()
        except TimeoutError:
            pass  # the next run's fresh() will say what is wrong
        close = getattr(self.controller, "close", None)
        if close is not None:
            await close()
        if self.csms is not None:
            await self.csms.stop()
            self.csms = None

    async def _leave_as_found(self) -> None:
        """Undo what the examples did, each part whatever became of the others: a later run
        against the same charge point cannot know that we switched its power or network off,
        answered its boot Rejected, or plugged its cables, nor the transactions we started
        (their StopTransaction would come as news to it)."""
        undo = [self._restore_power_and_network, self._restore_registration,
                self._stop_transactions]
        undo += [functools.partial(self._controller_step, step) for step in self._undo_steps()]
        for part in undo:
            try:
                if part != self._stop_transactions or self.csms is not None and self.csms.connected:
                    await part()
            except (ControllerError, PreconditionError):
                pass  # the next run's fresh() will say what is wrong
        if self.csms is not None:
            await self.settle()

    async def _restore_power_and_network(self) -> None:
        """PowerOn and NetworkUp for what we took away, and the reconnection (bounded)."""
        was_off = not (self.powered and self.network)
        if not self.powered:
            await self._controller_step({"op": "PowerOn"})
        if not self.network:
            await self._controller_step({"op": "NetworkUp"})
        if was_off and self.csms is not None:
            await self._wait(self._online, self.timing.connect_timeout)

    async def _restore_registration(self) -> None:
        """Our boot answers back to Accepted; a charge point left Pending or Rejected by a
        SetBootResponse boots again (its own retry after the interval, else our boot mode)."""
        if self.csms is None:
            return
        self.csms.policy = CsmsPolicy(next_transaction_id=self.csms.policy.next_transaction_id,
                                      heartbeat_interval=HEARTBEAT_INTERVAL)
        if self.csms.connected:
            await self._ensure_registered()

    # ---- configuration

    @property
    def profiles(self) -> frozenset[str]:
        """The feature profiles the description declares and those the charge point reports
        (SupportedFeatureProfiles, OCPP 1.6 §9.1.29): fresh() clears what either has."""
        return self.description.profiles | self.reported_profiles

    async def _learn_configuration(self) -> None:
        outcome = await self.call("GetConfiguration", {})
        keys = (outcome.payload or {}).get("configurationKey")
        for entry in keys if isinstance(keys, list) else ():
            if isinstance(entry, dict) and entry.get("key") == "SupportedFeatureProfiles" \
                    and isinstance(entry.get("value"), str):
                self.reported_profiles = frozenset(
                    name.strip() for name in entry["value"].split(",")) & set(FEATURE_PROFILES)
        self.baseline = {entry["key"]: entry["value"] for entry in keys or ()
                         if isinstance(entry, dict) and not entry.get("readonly")
                         and isinstance(entry.get("key"), str) and isinstance(entry.get("value"), str)
                         } if isinstance(keys, list) else {}

    async def _apply_configuration(self) -> None:
        await self._shorten_intervals()
        for key, value in self.description.configuration:
            if self.baseline.get(key) != value:
                await self._change_configuration(key, value, "[configuration] " + key)
            self.baseline[key] = value
        self._observe()
        self.observed.changed_keys.clear()

    async def _shorten_intervals(self) -> None:
        """REAL_TIME_CONFIGURATION, for the writable keys the charge point reported and
        [configuration] leaves alone; a refusal keeps the charge point's value (no error)."""
        explicit = {key for key, _ in self.description.configuration}
        for key, value in REAL_TIME_CONFIGURATION:
            if key in explicit or key not in self.baseline or self.baseline[key] == value:
                continue
            outcome = await self.call("ChangeConfiguration", {"key": key, "value": value})
            if _status(outcome) in ("Accepted", "RebootRequired"):
                self.baseline[key] = value

    async def _change_configuration(self, key: str, value: str, why: str) -> None:
        outcome = await self.call("ChangeConfiguration", {"key": key, "value": value})
        status = _status(outcome)
        if status not in ("Accepted", "RebootRequired"):
            raise PreconditionError(f"{self.description.path}: {why}: ChangeConfiguration "
                                    f"{key} = {value!r} was answered {status}")

    async def _restore_configuration(self) -> None:
        self._observe()
        for key in sorted(self.observed.changed_keys & self.baseline.keys()):
            await self._change_configuration(key, self.baseline[key], "restoring the value "
                                             "found at the start of the run")
        self._observe()
        self.observed.changed_keys.clear()

    # ---- frames

    async def call(self, action: str, payload: dict):
        """A CALL of our own (setup, not an example's step). A connection lost in its middle
        (OCPP-J allows it) is waited out: the CALL is sent again once the charge point is back,
        until connect_timeout (docs/external.md §6)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.connect_timeout
        while True:
            outcome = await self.csms.call(action, payload, self.timing.call_timeout)
            if outcome.kind != "offline" or not (self.powered and self.network):
                return outcome
            if not await self._wait(self._online, deadline - loop.time()):
                return outcome

    def _observe(self) -> None:
        """Read new frames; a new charge point identity is recorded as an error event."""
        if self.csms is None:
            return
        for old, new in self.observed.update(self.csms.frames):
            self._identity_changed(old, new)

    def _add_event(self, payload: dict, error: str) -> None:
        """An event frame of our own (the endpoint records only what crosses the wire)."""
        self._observe()
        self.csms.frames.append(Frame(len(self.csms.frames), self.clock.now(), "event", "",
                                      None, None, None, payload, error))
        self.observed.cursor = len(self.csms.frames)

    def _identity_changed(self, old: str, new: str) -> None:
        self._add_event(
            {"chargePointId": new, "previousChargePointId": old},
            f"OCPP-J 1.6 §3.1.1: a charge point connected as {new!r} while {old!r} was under "
            f"test (the identity in the connection URL identifies one charge point); "
            f"treated as a new charge point, whose state is unknown until the next fresh()")
        for marked in (self.plugged, self.faulted, self.unlock_failing, self.failing):
            marked.clear()

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Poll (observing frames) until ``predicate()`` or ``timeout`` real seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._observe()
            if predicate():
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(POLL)

    async def settle(self) -> None:
        """Return once no frame arrived for ``quiet`` s and no CP CALL is unanswered (bounded)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.settle_limit
        seen, since = len(self.csms.frames), loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(POLL)
            if len(self.csms.frames) != seen:
                seen, since = len(self.csms.frames), loop.time()
            elif loop.time() - since >= self.timing.quiet and self.csms.idle:
                break
        self._observe()

    async def check_alive(self) -> None:
        """The end of a run: the charge point is connected, or comes back within connect_timeout
        (what we switched off is switched on first); else PreconditionError, since the examples
        after it went away checked next to nothing."""
        if self.csms is None:
            return
        await self._restore_power_and_network()
        if not await self._wait(self._online, self.timing.connect_timeout):
            raise PreconditionError(self._gone_message())

    async def advance(self, seconds: float) -> None:
        """Real time passes (the charge point's timers run on its own clock)."""
        await asyncio.sleep(seconds)
        await self.settle()

    # ---- steps

    async def perform(self, step: dict):
        """A physical action, an environment op, or a Central System CALL (returns its outcome)."""
        op = step.get("op") if isinstance(step, dict) else None
        if op in PHYSICAL_OPS:
            return await self._physical(step)
        elif op == "AdvanceTime":
            await self.advance(_seconds(step))
        elif op in ENVIRONMENT_OPS:
            self.csms.policy.apply(step)
        elif op in CS_ACTIONS:
            payload = {key: value for key, value in step.items() if key != "op"}
            return await self.csms.call(op, payload, self.timing.call_timeout)
        else:
            raise ValueError(f"unknown op {op!r} in step {step!r}")
        return None

    async def _physical(self, step: dict) -> None:
        op = step["op"]
        if op not in self.capabilities:
            raise ValueError(f"{op}: the controller of {self.description.path} cannot perform it "
                             f"(it can: {sorted(self.capabilities & set(PHYSICAL_OPS))})")
        problem = step_problem(step, PHYSICAL_OPS)
        if problem is None and step.get("connectorId", 0) > self.description.connectors:
            problem = (f"{op}: connector {step['connectorId']} does not exist (the charge point "
                       f"has {self.description.connectors})")
        if problem is not None:
            raise ValueError(problem)
        since = len(self.csms.frames)
        try:
            injected = await self._control(step)
        except ControllerError as exc:
            if not exc.refused:
                raise
            self.skipped.append(Skipped(step, str(exc)))
            return self.skipped[-1]
        self._remember(step)
        await self._mark_injected(injected, since)
        if op in ("PowerOn", "NetworkUp"):
            await self._wait(self._online, self.timing.connect_timeout)
        elif op in ("PowerLoss", "NetworkDown"):
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
        return None

    async def _mark_injected(self, injected: list[dict], since: int) -> None:
        """Find the frames the controller made the charge point send (up to ``tolerance`` for
        each to arrive) and mark them: the harness does not judge their transitions."""
        for message in injected:
            def frame():
                return next((f for f in self.csms.frames[since:] if f.seq not in self.injected
                             and f.direction == "cp->cs" and f.message_type == 2
                             and f.action == message["action"] and not f.error
                             and all((f.payload or {}).get(key) == value
                                     for key, value in message.items() if key != "action")), None)
            if await self._wait(lambda: frame() is not None, self.timing.tolerance):
                self.injected.add(frame().seq)

    def _online(self) -> bool:
        """Connected, and the endpoint has recorded the connection."""
        return self.csms.connected and self.observed.connected

    def _disconnected_since(self, index: int) -> bool:
        """The endpoint has recorded a disconnection since frame ``index``."""
        return any(frame.direction == "event" and frame.error == "disconnected"
                   for frame in self.csms.frames[index:])

    def _remember(self, step: dict) -> None:
        """What we did to the physical world, to undo it in fresh()."""
        op, connector = step["op"], step.get("connectorId")
        marks = {"PlugIn": (self.plugged, True), "Unplug": (self.plugged, False),
                 "Fault": (self.faulted, True), "ClearFault": (self.faulted, False),
                 "SetUnlockFailure": (self.unlock_failing, step.get("failing"))}
        if op in marks:
            marked, on = marks[op]
            (marked.add if on else marked.discard)(connector)
        elif op in FAILURE_UNDO:
            on = step.get("failing", step.get("stage")) not in (None, False)
            (self.failing.add if on else self.failing.discard)(op)
        elif op in ("PowerLoss", "PowerOn"):
            self.powered = op == "PowerOn"
        elif op in ("NetworkDown", "NetworkUp"):
            self.network = op == "NetworkUp"

    # ---- before each example: the OCTT §1.3 preconditions

    async def fresh(self) -> None:
        """Bring the charge point to the OCTT §1.3 preconditions, verify them, start an example."""
        await self.open()
        self._boot_prepared = False
        self.setup_from = len(self.csms.frames)
        self.csms.policy = CsmsPolicy(next_transaction_id=self.csms.policy.next_transaction_id,
                                      heartbeat_interval=HEARTBEAT_INTERVAL)
        await self._reconnect()
        if await self._wait_transfers():
            await self._reconnect()  # an installed firmware reboots the charge point
        await self._ensure_registered()
        await self._stop_transactions()
        await self._undo_physical()
        await self._clear_ocpp_state()
        await self._restore_configuration()
        await self.settle()
        await self._learn_statuses()
        await self._remedy_connectors()
        await self._verify()
        await self._prepare_boot()
        self.example_start = len(self.csms.frames)

    async def _controller_step(self, step: dict) -> None:
        if step["op"] not in self.capabilities:
            raise PreconditionError(f"the charge point needs {step} to reach the OCTT §1.3 "
                                    f"preconditions, but its controller cannot do {step['op']}")
        try:
            await self._control(step)
        except ControllerError as exc:
            raise PreconditionError(f"{step['op']} failed: {exc}") from exc
        self._remember(step)

    async def _control(self, step: dict) -> list[dict]:
        """The controller performs the step; while it cannot be reached (a simulator restarting
        after a Reset), it is asked again until connect_timeout. Returns the messages it made
        the charge point send (a controller's injections, e.g. SAP's StatusNotifications)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.connect_timeout
        while True:
            try:
                return list(await self.controller.perform(step) or ())
            except ControllerError as exc:
                if exc.refused or loop.time() >= deadline:
                    raise
            await asyncio.sleep(min(RETRY, max(0.0, deadline - loop.time())))

    async def _reconnect(self) -> None:
        """Connected: what we switched off comes back on; a charge point still away after half
        of connect_timeout gets its controller's PowerOn and NetworkUp before we give up."""
        await self._restore_power_and_network()
        half = self.timing.connect_timeout / 2
        if await self._wait(self._online, half):
            return
        revived = await self._revive()
        if not await self._wait(self._online, self.timing.connect_timeout - half):
            raise PreconditionError(self._gone_message(revived))

    def _gone_message(self, revived: list[str] = ()) -> str:
        lost = self.observed.disconnected_at
        when = "" if lost is None else \
            f" since {time.strftime('%H:%M:%S', time.localtime(lost))}"
        tried = f"; its controller's {' and '.join(revived)} did not help" if revived else ""
        return (f"the charge point is not connected to {self.csms.url}{when} and did not come back "
                f"within {self.timing.connect_timeout} s{tried}")

    async def _ensure_registered(self) -> None:
        status = self.observed.registration
        if status in (None, "Accepted"):
            return
        if (status == "Rejected" and self.boot_mode != "power-cycle") or self.boot_mode == "none":
            await self._await_boot_retry()  # while Rejected it need not answer us (§4.2)
            status = self.observed.registration
            if status == "Accepted":
                return
        if self.boot_mode == "none":
            raise PreconditionError(f"the charge point's last BootNotification was answered "
                                    f"{status} and [charge_point] boot = \"none\" cannot make it "
                                    "boot again")
        await self.start()
        if self.observed.registration != "Accepted":
            raise PreconditionError("the charge point did not boot again with a BootNotification "
                                    f"(last answer {self.observed.registration})")

    async def _wait_transfers(self) -> bool:
        """A firmware update or diagnostics upload an earlier example asked for may still be under
        way (the SAP simulator's lives through its power cycle): let it end (bounded by
        connect_timeout), so that its statuses do not fall into the next example. True if one was."""
        def busy() -> bool:
            return any(status in BUSY_TRANSFERS[action]
                       for action, status in self.observed.transfers.items())
        self._observe()
        if not busy():
            return False
        await self._wait(lambda: not busy(), self.timing.connect_timeout)
        await self.settle()
        return True

    async def _await_boot_retry(self) -> None:
        """A Pending or Rejected charge point boots again after the interval we answered
        (OCPP 1.6 §4.2), now answered Accepted; wait for that (bounded by connect_timeout)."""
        interval = self.observed.boot_interval
        wait = min(self.timing.connect_timeout, (interval if isinstance(interval, (int, float))
                                                 else 0) + self.timing.tolerance)
        await self._wait(lambda: self.observed.registration == "Accepted", wait)

    async def _stop_transactions(self) -> None:
        for transaction_id in sorted(self.observed.transactions):
            outcome = await self.call("RemoteStopTransaction", {"transactionId": transaction_id})
            if _status(outcome) == "Rejected":  # the charge point no longer has it
                self.observed.transactions.pop(transaction_id, None)
        if not await self._wait(lambda: not self.observed.transactions, self.timing.call_timeout):
            raise PreconditionError(f"transactions {sorted(self.observed.transactions)} did not "
                                    "stop after RemoteStopTransaction")
        await self._wait_queue_delivered()

    async def _wait_queue_delivered(self) -> None:
        """Nothing queued (OCTT §1.3): a StopTransaction that got no CALLRESULT is sent again
        (OCPP 1.6 §3.7, after TransactionMessageRetryInterval); wait for it. One that does not
        come within connect_timeout the charge point has dropped (MicroOcpp does, on a CALLERROR):
        the example judged that (TransactionMessageRetry), and nothing is left to wait for."""
        if not await self._wait(lambda: not self.observed.unconfirmed,
                                self.timing.connect_timeout):
            self.observed.unconfirmed.clear()

    async def _undo_physical(self) -> None:
        for step in self._undo_steps():
            await self._controller_step(step)

    def _undo_steps(self) -> list[dict]:
        """The controller steps that undo what the examples did to the physical world."""
        return ([{"op": "SetUnlockFailure", "connectorId": c, "failing": False}
                 for c in sorted(self.unlock_failing)]
                + [{"op": "Unplug", "connectorId": c} for c in sorted(self.plugged)]
                + [{"op": "ClearFault", "connectorId": c} for c in sorted(self.faulted)]
                + [{"op": op, **FAILURE_UNDO[op]} for op in sorted(self.failing)])

    async def _clear_ocpp_state(self) -> None:
        profiles = self.profiles
        for reservation_id in sorted(self.observed.reservations):
            await self.call("CancelReservation", {"reservationId": reservation_id})
        self.observed.reservations.clear()
        if "SmartCharging" in profiles:
            await self._expect("ClearChargingProfile", {}, ("Accepted", "Unknown"))
        if "LocalAuthListManagement" in profiles:
            await self._clear_local_list()
        await self._expect("ChangeAvailability", {"connectorId": 0, "type": "Operative"},
                           ("Accepted", "Scheduled"))
        await self._expect("ClearCache", {}, ("Accepted", "Rejected"))  # Rejected: no cache

    async def _remedy_connectors(self) -> None:
        """What OCPP can do for a connector that is not Available (statuses as last seen)."""
        for connector, (status, _) in sorted(self.observed.status.items()):
            if connector > 0 and status == "Unavailable":
                await self._expect("ChangeAvailability", {"connectorId": connector,
                                                          "type": "Operative"}, ("Accepted",))
            elif connector > 0 and status == "Finishing":  # a cable still locked (§4.9, §5.18)
                await self.call("UnlockConnector", {"connectorId": connector})
            elif connector > 0 and status == "Preparing" and connector not in self.plugged:
                await self._cancel_waiting_authorization(connector)
            else:
                continue
            await self.settle()
        await self._controller_remedies()

    async def _controller_remedies(self) -> None:
        """A connector still not Available that the controller can mend, though not broken by us
        (a cable or a fault an earlier run left behind): Unplug or ClearFault, then its status
        anew. Only then is the charge point blamed (_verify)."""
        steps = []
        for connector, (status, _) in sorted(self.observed.status.items()):
            if connector > 0 and status == "Faulted" and "ClearFault" in self.capabilities:
                steps.append({"op": "ClearFault", "connectorId": connector})
            elif connector > 0 and status in CABLE_STATUSES and "Unplug" in self.capabilities:
                steps.append({"op": "Unplug", "connectorId": connector})
        for step in steps:
            await self._controller_step(step)
        if steps:
            await self.settle()
            await self._learn_statuses()

    async def _cancel_waiting_authorization(self, connector: int) -> None:
        """Preparing with no cable of ours: an authorization (a card, a RemoteStart) waits for
        one until ConnectionTimeOut. Inoperative, then Operative again, ends the wait (§5.2;
        §4.9 allows Preparing -> Unavailable -> Available)."""
        for kind in ("Inoperative", "Operative"):
            await self._expect("ChangeAvailability", {"connectorId": connector, "type": kind},
                               ("Accepted",))

    async def _clear_local_list(self) -> None:
        """Empty the list: SendLocalList Full with listVersion 0, else (a charge point may refuse
        version 0) with the next version. A list it will not give up is left to the model as
        observed (``leftover``), when the frames tell its entries."""
        self.leftover.pop("localList", None)
        version = await self._local_list_version()
        for attempt in (0, version + 1 if isinstance(version, int) else 1):
            if version in (0, -1):  # empty, or not supported (OCPP 1.6 §5.10)
                return
            await self.call("SendLocalList", {"listVersion": attempt, "updateType": "Full",
                                              "localAuthorizationList": []})
            version = await self._local_list_version()
        self._observe()
        entries = self.observed.local_list
        if entries is None or version != self.observed.list_version:
            raise PreconditionError(
                f"the local authorization list (version {version}) could not be emptied with "
                "SendLocalList Full, listVersion 0 or the next, and its entries are unknown (no "
                "accepted SendLocalList of this run has that version)")
        self.leftover["localList"] = (sorted(entries.values(), key=lambda d: str(d.get("idTag"))),
                                      version)

    async def _local_list_version(self) -> Any:
        outcome = await self.call("GetLocalListVersion", {})
        return (outcome.payload or {}).get("listVersion", _status(outcome))

    async def _expect(self, action: str, payload: dict, allowed: tuple[str, ...]) -> None:
        outcome = await self.call(action, payload)
        status = _status(outcome)
        if status not in allowed:
            raise PreconditionError(f"{action} {payload or ''} was answered {status}, "
                                    f"expected {' or '.join(allowed)}")

    async def _learn_statuses(self) -> None:
        """Every connector's status: asked for (RemoteTrigger), or as last reported."""
        connectors = range(1, self.description.connectors + 1)
        if "RemoteTrigger" in self.profiles:
            await self._trigger_statuses(connectors)
        else:  # statuses may still be on their way (a slow boot)
            await self._wait(lambda: set(connectors) <= self.observed.status.keys(),
                             self.timing.tolerance)
            if not set(connectors) <= self.observed.status.keys():
                await self._reboot_for_statuses()

    async def _verify(self) -> None:
        connectors = range(1, self.description.connectors + 1)
        problems = [problem for problem in map(self._connector_problem, connectors) if problem]
        if self.observed.transactions:
            problems.append(f"transactions {sorted(self.observed.transactions)} are running")
        if not self.csms.connected:
            problems.append("the charge point is not connected")
        if problems:
            raise PreconditionError("the charge point is not at the OCTT §1.3 preconditions: "
                                    + "; ".join(problems))

    def _connector_problem(self, connector: int) -> str | None:
        seen = self.observed.status.get(connector)
        if seen is None:
            how = "" if "RemoteTrigger" in self.profiles else \
                " and without the RemoteTrigger profile it cannot be asked for one"
            return f"connector {connector}: no StatusNotification seen{how}"
        status, error_code = seen
        if status == "Available":
            return None
        missing = {"Unplug", "ClearFault"} - self.capabilities
        hint = f" (its controller cannot {' or '.join(sorted(missing))}: do it by hand)" \
            if missing else ""
        return f"connector {connector} is {status} (errorCode {error_code}), not Available{hint}"

    async def _reboot_for_statuses(self) -> None:
        """A charge point that reconnected without booting reports only what changed while it
        was offline (OCPP 1.6 §4.9); without RemoteTrigger, a reboot makes it report every
        connector (§4.2), when the boot mode has one."""
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerLoss"})
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
            await self._controller_step({"op": "PowerOn"})
        elif self.boot_mode == "reset":
            await self._reset(since)
        else:
            return
        await self._wait_boot(since)
        await self.settle()

    async def _trigger_statuses(self, connectors) -> None:
        since = len(self.csms.frames)
        await self._expect("TriggerMessage", {"requestedMessage": "StatusNotification"},
                           ("Accepted",))
        wanted = set(connectors)
        if await self._wait(lambda: wanted <= self._statuses_since(since), self.timing.tolerance):
            return
        for connector in sorted(wanted - self._statuses_since(since)):
            await self._expect("TriggerMessage", {"requestedMessage": "StatusNotification",
                                                  "connectorId": connector}, ("Accepted",))
        await self._wait(lambda: wanted <= self._statuses_since(since), self.timing.tolerance)

    def _statuses_since(self, index: int) -> set[int]:
        return {frame.payload["connectorId"] for frame in self.csms.frames[index:]
                if frame.direction == "cp->cs" and frame.message_type == 2 and not frame.error
                and frame.action == "StatusNotification"}

    def _boot_answered_since(self, index: int) -> bool:
        return any(frame.direction == "cs->cp" and frame.message_type == 3
                   and frame.action == "BootNotification" for frame in self.csms.frames[index:])

    # ---- the example's first step: PowerOn

    async def _prepare_boot(self) -> None:
        """The first half of the boot the next example starts with (see start())."""
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerLoss"})
            await self._wait(lambda: self._disconnected_since(since), self.timing.tolerance)
        self._boot_prepared = True

    async def start(self) -> None:
        """Boot: power-cycle (prepared by fresh()), reset, triggered boot, or connection only."""
        await self.open()
        if not self._boot_prepared:
            await self._prepare_boot()
        self._boot_prepared = False
        since = len(self.csms.frames)
        if self.boot_mode == "power-cycle":
            await self._controller_step({"op": "PowerOn"})
        elif self.boot_mode == "reset":
            await self._reset(since)
        if self.boot_mode in ("power-cycle", "reset"):
            await self._wait_boot(since)
        else:
            await self._reconnect()
            self._still_connected()
        if self.boot_mode == "trigger":
            await self._expect("TriggerMessage", {"requestedMessage": "BootNotification"},
                               ("Accepted",))
            await self._wait_boot(since)
        await self.settle()

    async def _reset(self, since: int) -> None:
        """Reset Soft and the disconnection: all within the example's first step, because the
        charge point reconnects by itself (the model sees the connection drop and come back)."""
        await self._expect("Reset", {"type": "Soft"}, ("Accepted",))
        if not await self._wait(lambda: self._disconnected_since(since),
                                self.timing.connect_timeout):
            raise PreconditionError("Reset Soft was Accepted but the charge point did not "
                                    f"disconnect within {self.timing.connect_timeout} s")

    def _still_connected(self) -> None:
        """Record that the connection, made before the example, is there as it begins.

        The model starts each example with the charge point off and offline; with
        boot "trigger" or "none" the charge point stays connected, so PowerOn would
        otherwise show its messages without a connection.
        """
        self._add_event({"chargePointId": self.observed.charge_point_id,
                         "subprotocol": "ocpp1.6", "alreadyConnected": True}, "connected")

    async def _wait_boot(self, since: int) -> None:
        """Wait for a BootNotification and the StatusNotifications after it (bounded)."""
        if not await self._wait(lambda: self._boot_answered_since(since),
                                self.timing.connect_timeout):
            return  # no boot: the model judges what was (not) seen
        connectors = set(range(self.description.connectors + 1))
        if not await self._wait(lambda: connectors <= self._statuses_since(since),
                                self.timing.tolerance) and self.boot_mode == "trigger":
            await self._trigger_statuses(connectors)


# --------------------------------------------------------------------------
# helpers


def _status(outcome) -> str:
    """A CALL outcome in words: the payload's status, or what went wrong."""
    if outcome.kind == "result":
        status = (outcome.payload or {}).get("status")
        return status if isinstance(status, str) else f"a CALLRESULT {outcome.payload}"
    if outcome.kind == "error":
        return f"CALLERROR {outcome.error_code} ({outcome.error_description})"
    if outcome.kind == "timeout":
        return "nothing (no answer in time)"
    return "nothing (the charge point is offline)"


def _seconds(step: dict) -> float:
    seconds = step.get("seconds")
    if type(seconds) not in (int, float) or not 0 <= seconds < float("inf"):
        raise ValueError(f"AdvanceTime: seconds must be a number >= 0, got {seconds!r}")
    return float(seconds)
