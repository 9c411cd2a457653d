"""External mode (adapters/external.py): description files, and ExternalSut against a fake
charge point written here with raw websockets."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from adapters.control import ControlServer, PHYSICAL_OPS
from adapters.controllers import ManualController, NoController
from adapters.external import (
    ConnectTimeout, Description, DescriptionError, ExternalSut, PreconditionError,
)

EXAMPLES = Path(__file__).parent.parent / "examples"
CONFIGURATION = {"HeartbeatInterval": "300", "ConnectionTimeOut": "30",
                 "MinimumStatusDuration": "5", "NumberOfConnectors": "2"}
READONLY = {"NumberOfConnectors"}


# --------------------------------------------------------------------------
# A fake charge point: raw websockets, OCPP-J by hand


class FakeChargePoint:
    """Connects, boots, reports statuses, answers the Central System's CALLs.

    ``answers`` overrides the answer to an action: a dict (CALLRESULT payload),
    a raw text frame, or None (no answer at all).
    """

    def __init__(self, url: str, cp_id: str = "CP1", connectors: int = 2,
                 stuck: dict[int, str] | None = None, trigger: bool = True):
        self.url, self.cp_id, self.connectors = url, cp_id, connectors
        self.status = {c: "Available" for c in range(connectors + 1)}
        self.stuck = stuck or {}  # connector -> status it never leaves
        self.status.update(self.stuck)
        self.trigger = trigger
        self.configuration = dict(CONFIGURATION)
        self.transactions: dict[int, int] = {}  # connectorId -> transactionId
        self.answers: dict[str, object] = {}
        self.received: list[list] = []
        self.ws = None
        self.ids = itertools.count(1)
        self.pending: dict[str, asyncio.Future] = {}
        self.tasks: set[asyncio.Task] = set()
        self.reader: asyncio.Task | None = None

    # ---- connection

    async def connect(self, boot: bool = True) -> None:
        self.ws = await connect(f"{self.url}/{self.cp_id}", subprotocols=["ocpp1.6"],
                                max_size=None, ping_interval=None)
        self.reader = asyncio.create_task(self.read())
        if boot:
            await self.boot()

    async def boot(self) -> None:
        await self.call("BootNotification", {"chargePointVendor": "Fake", "chargePointModel": "F1"})
        for connector in range(self.connectors + 1):
            await self.report(connector)

    async def close(self) -> None:
        for task in list(self.tasks) + [self.reader]:
            if task is not None:
                task.cancel()
        if self.ws is not None:
            await self.ws.close()

    # ---- CALLs we send

    async def call(self, action: str, payload: dict) -> dict | None:
        unique_id = f"{self.cp_id}-{next(self.ids)}"
        future = asyncio.get_running_loop().create_future()
        self.pending[unique_id] = future
        await self.ws.send(json.dumps([2, unique_id, action, payload]))
        answer = await asyncio.wait_for(future, 5)
        return answer[2] if answer[0] == 3 else None

    async def report(self, connector: int) -> None:
        await self.call("StatusNotification", {"connectorId": connector, "errorCode": "NoError",
                                               "status": self.status[connector]})

    async def set_status(self, connector: int, status: str) -> None:
        self.status[connector] = self.stuck.get(connector, status)
        await self.report(connector)

    async def start_transaction(self, connector: int, id_tag: str = "TAG1") -> int:
        await self.set_status(connector, "Preparing")
        answer = await self.call("StartTransaction", {
            "connectorId": connector, "idTag": id_tag, "meterStart": 0,
            "timestamp": "2025-01-01T00:00:00Z"})
        self.transactions[connector] = answer["transactionId"]
        await self.set_status(connector, "Charging")
        return answer["transactionId"]

    # ---- CALLs we receive

    async def read(self) -> None:
        try:
            async for text in self.ws:
                message = json.loads(text)
                self.received.append(message)
                if message[0] == 2:
                    await self.answer(message)
                elif message[1] in self.pending:
                    self.pending.pop(message[1]).set_result(message)
        except ConnectionClosed:
            pass

    async def answer(self, message: list) -> None:
        _, unique_id, action, payload = message
        if action in self.answers:
            answer = self.answers[action]
            if answer is not None:
                await self.ws.send(answer if isinstance(answer, str)
                                   else json.dumps([3, unique_id, answer]))
            return
        result, then = getattr(self, "on_" + action, self.not_implemented)(payload)
        await self.ws.send(json.dumps([3, unique_id, result] if isinstance(result, dict)
                                      else [4, unique_id, result, "", {}]))
        if then is not None:
            self.later(then)

    def later(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def not_implemented(self, payload):
        return "NotImplemented", None

    def on_GetConfiguration(self, payload):
        keys = [{"key": key, "readonly": key in READONLY, "value": value}
                for key, value in self.configuration.items()]
        return {"configurationKey": keys}, None

    def on_ChangeConfiguration(self, payload):
        if payload["key"] not in self.configuration:
            return {"status": "NotSupported"}, None
        if payload["key"] in READONLY:
            return {"status": "Rejected"}, None
        self.configuration[payload["key"]] = payload["value"]
        return {"status": "Accepted"}, None

    def on_ClearCache(self, payload):
        return {"status": "Accepted"}, None

    def on_ChangeAvailability(self, payload):
        return {"status": "Accepted"}, None

    def on_TriggerMessage(self, payload):
        if not self.trigger:
            return "NotImplemented", None
        if payload["requestedMessage"] == "BootNotification":
            return {"status": "Accepted"}, self.boot()
        connectors = [payload["connectorId"]] if "connectorId" in payload \
            else range(self.connectors + 1)
        return {"status": "Accepted"}, self.report_all(connectors)

    async def report_all(self, connectors) -> None:
        for connector in connectors:
            await self.report(connector)

    def on_RemoteStopTransaction(self, payload):
        for connector, transaction_id in self.transactions.items():
            if transaction_id == payload["transactionId"]:
                return {"status": "Accepted"}, self.stop(connector)
        return {"status": "Rejected"}, None

    async def stop(self, connector: int) -> None:
        transaction_id = self.transactions.pop(connector)
        await self.call("StopTransaction", {"transactionId": transaction_id, "meterStop": 10,
                                            "timestamp": "2025-01-01T00:01:00Z"})
        await self.set_status(connector, "Available")

    def on_Reset(self, payload):
        return {"status": "Accepted"}, self.reboot()

    async def reboot(self) -> None:
        await self.ws.close()
        await self.connect()


def description(port: int = 0, **tables) -> Description:
    cp = {"connectors": 2, "profiles": ["Core", "RemoteTrigger"], "boot": "trigger"}
    cp.update(tables.pop("charge_point", {}))
    document = {"charge_point": cp, "endpoint": {"listen": f"127.0.0.1:{port}"},
                "timing": {"quiet": 0.05, "tolerance": 0.5, "call_timeout": 2,
                           "connect_timeout": 5, "settle_limit": 3}} | tables
    return Description.parse(_toml(document), "test.toml")


def _toml(document: dict) -> str:
    lines = []
    for table, values in document.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


@asynccontextmanager
async def external(described: Description | None = None, controller=None, fresh=True, **cp):
    """An ExternalSut on a free port with a FakeChargePoint connected to it."""
    sut = ExternalSut(described or description(), controller)
    opening = asyncio.create_task(sut.open())
    while sut.csms is None or sut.csms._server is None:
        await asyncio.sleep(0.005)
    fake = FakeChargePoint(sut.csms.url, **cp)
    await fake.connect()
    await opening
    try:
        if fresh:
            await sut.fresh()
        yield sut, fake
    finally:
        await fake.close()
        await sut.close()


def errors(sut: ExternalSut) -> list[str]:
    return [frame.error for frame in sut.csms.frames if frame.is_violation]


# --------------------------------------------------------------------------
# Description files


FULL = """
[charge_point]
connectors = 2
profiles = ["Core", "RemoteTrigger", "SmartCharging"]
fixed_cable = true
id = "CP1"
boot = "reset"

[controller]
kind = "http"
url = "http://127.0.0.1:8181"

[actions]
supported = ["PlugIn", "Unplug", "PresentIdTag"]

[configuration]
MinimumStatusDuration = "0"
MeterValueSampleInterval = "10"

[timing]
quiet = 0.5
tolerance = 3
call_timeout = 5

[endpoint]
listen = "0.0.0.0:9100"
basic_auth = {user = "CP1", password = "0123456789abcdef"}
"""


def test_a_full_description_is_parsed():
    d = Description.parse(FULL, "full.toml")
    assert (d.connectors, d.fixed_cable, d.id, d.boot) == (2, True, "CP1", "reset")
    assert d.profiles == {"Core", "RemoteTrigger", "SmartCharging"}
    assert (d.controller.kind, d.controller.url) == ("http", "http://127.0.0.1:8181")
    assert d.actions == {"PlugIn", "Unplug", "PresentIdTag"}
    assert d.configuration == (("MinimumStatusDuration", "0"), ("MeterValueSampleInterval", "10"))
    assert (d.timing.quiet, d.timing.tolerance, d.timing.call_timeout) == (0.5, 3.0, 5.0)
    assert (d.endpoint.host, d.endpoint.port) == ("0.0.0.0", 9100)
    assert d.endpoint.basic_auth == ("CP1", "0123456789abcdef")


def test_defaults_of_a_minimal_description():
    d = Description.parse("[charge_point]\nconnectors = 1\n")
    assert (d.profiles, d.boot, d.controller.kind, d.actions) == ({"Core"}, "auto", "none", None)
    assert (d.endpoint.host, d.endpoint.port, d.endpoint.ssl_context()) == ("127.0.0.1", 9000, None)
    assert (d.timing.quiet, d.timing.connect_timeout) == (0.3, 60.0)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_the_example_descriptions_are_valid(name):
    d = Description.load(EXAMPLES / name)
    assert d.connectors >= 1 and d.endpoint.host == "127.0.0.1"


def test_the_examples_cover_every_documented_controller():
    kinds = {Description.load(path).controller.kind for path in EXAMPLES.glob("*.toml")}
    assert kinds == {"http", "sap", "microocpp", "none"}


BAD = [
    ("[charge_point]\nconnectors = 2\n[charge_pont]\n", "[charge_pont]: unknown table"),
    ("[charge_point]\nconectors = 2\n", "[charge_point] conectors: unknown key"),
    ("[controller]\nkind = \"none\"\n", "[charge_point]: missing table"),
    ("[charge_point]\nprofiles = [\"Core\"]\n", "[charge_point] connectors: missing"),
    ("[charge_point]\nconnectors = 0\n", "[charge_point] connectors: must be 1 or more"),
    ("[charge_point]\nconnectors = \"2\"\n", "[charge_point] connectors: must be an integer"),
    ("[charge_point]\nconnectors = 1\nprofiles = [\"Core\", \"Smart\"]\n",
     "unknown feature profile 'Smart'"),
    ("[charge_point]\nconnectors = 1\nprofiles = [\"RemoteTrigger\"]\n", "must include \"Core\""),
    ("[charge_point]\nconnectors = 1\nboot = \"reboot\"\n", "[charge_point] boot: must be one of"),
    ("[charge_point]\nconnectors = 1\nid = \"a/b\"\n", "[charge_point] id: 'a/b' is not"),
    ("[charge_point]\nconnectors = 1\nfixed_cable = \"yes\"\n",
     "[charge_point] fixed_cable: must be true or false"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"ssh\"\n",
     "[controller] kind: must be one of"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"http\"\n", "[controller] url: missing"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"sap\"\nurl = \"http://x:1\"\n",
     "starts with ws:// or wss://"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"manual\"\nurl = \"http://x:1\"\n",
     "a 'manual' controller takes no url"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"http\"\nurl = \"http://x:1\"\n"
     "station = \"S\"\n", "only a \"sap\" controller takes a station"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"sap\"\nurl = \"ws://x:1\"\n"
     "user = \"admin\"\n", "give both user and password"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"http\"\nurl = \"http://x:1\"\n"
     "user = \"a\"\npassword = \"b\"\n", "a 'http' controller takes no credentials"),
    ("[charge_point]\nconnectors = 1\n[actions]\nsupported = [\"Teleport\"]\n",
     "unknown physical op 'Teleport'"),
    ("[charge_point]\nconnectors = 1\n[controller]\nkind = \"microocpp\"\nurl = \"http://x:1\"\n"
     "[actions]\nsupported = [\"PlugIn\", \"Fault\"]\n", "a 'microocpp' controller cannot perform ['Fault']"),
    ("[charge_point]\nconnectors = 1\n[actions]\nsupported = [\"PlugIn\"]\n",
     "a 'none' controller cannot perform ['PlugIn']"),
    ("[charge_point]\nconnectors = 1\n[configuration]\nHeartbeatInterval = 60\n",
     "[configuration] HeartbeatInterval: values are strings"),
    ("[charge_point]\nconnectors = 1\n[timing]\nquiet = -1\n", "[timing] quiet: must be a number"),
    ("[charge_point]\nconnectors = 1\n[timing]\nquiet = \"fast\"\n", "[timing] quiet: must be a number"),
    ("[charge_point]\nconnectors = 1\n[timing]\nslack = 1\n", "[timing] slack: unknown key"),
    ("[charge_point]\nconnectors = 1\n[endpoint]\nlisten = \"9000\"\n",
     "[endpoint] listen: must be \"host:port\""),
    ("[charge_point]\nconnectors = 1\n[endpoint]\nlisten = \"h:70000\"\n",
     "[endpoint] listen: must be \"host:port\""),
    ("[charge_point]\nconnectors = 1\n[endpoint]\nbasic_auth = {user = \"CP1\"}\n",
     "[endpoint] basic_auth: must be {user"),
    ("[charge_point]\nconnectors = 1\nid = \"CP1\"\n[endpoint]\n"
     "basic_auth = {user = \"CP2\", password = \"p\"}\n", "must be the charge point identity 'CP1'"),
    ("[charge_point]\nconnectors = 1\n[endpoint]\ntls_cert = \"nowhere.pem\"\n",
     "[endpoint] tls_cert: no such file"),
    ("[charge_point]\nconnectors = 1\n[endpoint]\ntls_cert = \"test_external.py\"\n",
     "give both tls_cert and tls_key"),
    ("[charge_point]\nconnectors = 1\nprofiles = \"Core\"\n", "[charge_point] profiles: must be a list"),
    ("charge_point = 3\n", "charge_point: must be a table"),
    ("[charge_point\nconnectors = 1\n", "not valid TOML"),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_a_bad_description_names_file_key_and_fault(text, expected):
    with pytest.raises(DescriptionError) as error:
        Description.parse(text, "cp.toml", base=Path(__file__).parent)
    assert str(error.value).startswith("cp.toml: ") and expected in str(error.value)


def test_a_missing_or_undecodable_file_is_a_description_error(tmp_path):
    with pytest.raises(DescriptionError, match="cannot read the description"):
        Description.load(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe[charge_point]")
    with pytest.raises(DescriptionError, match="bad.toml: not valid TOML"):
        Description.load(tmp_path / "bad.toml")


def test_tls_files_are_relative_to_the_description(tmp_path):
    (tmp_path / "cert.pem").write_text("x")
    (tmp_path / "key.pem").write_text("y")
    path = tmp_path / "cp.toml"
    path.write_text("[charge_point]\nconnectors = 1\n[endpoint]\n"
                    "tls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n")
    d = Description.load(path)
    assert (d.endpoint.tls_cert, d.endpoint.tls_key) == (tmp_path / "cert.pem", tmp_path / "key.pem")
