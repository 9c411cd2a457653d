"""The description file of an external charge point: what it is and what its controller can
do (TOML, docs/external.md §2). :meth:`Description.load` checks every key and names the file,
the key and the fault in a :class:`DescriptionError`; :class:`Overrides` are the command-line
options that replace what the file says.
"""

from __future__ import annotations

import ssl
import tomllib
from pathlib import Path
from typing import Any

import attrs

from adapters.control import PHYSICAL_OPS
from adapters.csms import MAX_FRAME
from vocabulary import FEATURE_PROFILES

from .kinds import CONTROLLER_KINDS, CONTROLLERS, taking

BOOT_MODES = ("auto", "power-cycle", "reset", "trigger", "none")
POWER_LOSS_KINDS = ("cut", "graceful")  # how the controller's PowerLoss happens ([controller] power_loss)
CHARGING_RATE_UNITS = ("A", "W")  # OCPP 1.6 §7.10
OCTT_FEATURES = ("authorization-cache", "offline-authorization", "local-stop", "backup-power",
                 "local-list-failure",  # OCTT prerequisites a description may claim (§1.3)
                 "file-server")  # the OCTT's firmware and diagnostics locations (ftp://127.0.0.1/...) are served


class DescriptionError(ValueError):
    """A charge point description file is unreadable or wrong."""


@attrs.frozen
class ControllerSpec:
    kind: str = "none"
    url: str | None = None
    station: str | None = None  # SAP: chargingStationId to drive
    basic_auth: tuple[str, str] | None = None  # SAP UI server / MicroOcppSimulator API
    power_loss: str = "cut"  # "graceful": its PowerLoss stops the charge point in order (SAP)

    def build(self, call_timeout: float, input=None, output=None):
        """The controller this spec describes (adapters/external/kinds.py)."""
        return CONTROLLERS[self.kind].build(self, call_timeout, input, output)


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
    max_frame: int = MAX_FRAME  # the endpoint's own limits (docs/hostile.md): bytes of a message,
    max_rate: int | None = None  # messages within a second (None: no limit)

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
        kept = (("url",) if CONTROLLERS[kind].schemes else ()) + CONTROLLERS[kind].keys
        for key in [key for key in controller if key not in kept]:
            del controller[key]
        controller["kind"] = kind
        actions = document.get("actions")
        most = CONTROLLERS[kind].ops
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
    "endpoint": {"listen", "basic_auth", "tls_cert", "tls_key", "max_frame", "max_rate"},
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
        schemes = CONTROLLERS[kind].schemes
        url = self.text(table, "controller", "url", required=bool(schemes))
        if url is not None and not schemes:
            raise self.fail("[controller] url", f"a {kind!r} controller takes no url")
        if url is not None and not url.startswith(schemes):
            raise self.fail("[controller] url", f"a {kind!r} controller URL starts with "
                            f"{' or '.join(schemes)}, got {url!r}")
        station = self.text(table, "controller", "station")
        if station is not None and "station" not in CONTROLLERS[kind].keys:
            raise self.fail("[controller] station", f"only a {taking('station')} controller takes a station")
        power_loss = self.choice(table, "controller", "power_loss", POWER_LOSS_KINDS,
                                 CONTROLLERS[kind].power_loss)
        most = CONTROLLERS[kind].ops
        if "power_loss" in table and most is not None and "PowerLoss" not in most:
            raise self.fail("[controller] power_loss", f"a {kind!r} controller cannot PowerLoss")
        return ControllerSpec(kind, url, station, self.credentials(table, kind), power_loss)

    def credentials(self, table: dict, kind: str) -> tuple[str, str] | None:
        user = self.text(table, "controller", "user")
        password = self.get(table, "controller", "password", str)
        if (user is None) != (password is None):
            raise self.fail("[controller] user", "give both user and password, or neither")
        if user is not None and "user" not in CONTROLLERS[kind].keys:
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
        most = CONTROLLERS[kind].ops
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
        limits = {name: self.get(table, "endpoint", name, int) for name in ("max_frame", "max_rate")}
        for name, value in limits.items():
            if value is not None and value < 1:
                raise self.fail(f"[endpoint] {name}", f"must be a whole number >= 1, got {value}")
        return Endpoint(host, port, None if auth is None else self.basic_auth(auth), cert, key,
                        limits["max_frame"] or MAX_FRAME, limits["max_rate"])

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
