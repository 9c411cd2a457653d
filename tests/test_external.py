"""External mode (adapters/external.py): description files, and ExternalSut against a fake
charge point written here with raw websockets."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import shutil
import ssl
import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import attrs
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from adapters.control import ControlServer, PHYSICAL_OPS
from adapters.controllers import (
    ControllerError, HttpController, ManualController, MicroOcppController, NoController,
    SapController,
)
from adapters.external import (
    HEARTBEAT_INTERVAL, ConnectTimeout, Description, DescriptionError, ExternalSut, Overrides,
    PreconditionError,
)

EXAMPLES = Path(__file__).parent.parent / "examples"
CONFIGURATION = {"HeartbeatInterval": "300", "ConnectionTimeOut": "30",
                 "MinimumStatusDuration": "5", "NumberOfConnectors": "2"}
READONLY = {"NumberOfConnectors"}
SHORT = {"HeartbeatInterval": "5", "ConnectionTimeOut": "10"}  # REAL_TIME_CONFIGURATION, as far as the fake has the keys


# --------------------------------------------------------------------------
# A fake charge point: raw websockets, OCPP-J by hand


class FakeChargePoint:
    """Connects, boots, reports statuses, answers the Central System's CALLs.

    ``answers`` overrides the answer to an action: a dict (CALLRESULT payload),
    a raw text frame, None (no answer at all), or an async function of the
    UniqueId returning one of these.
    """

    def __init__(self, url: str, cp_id: str = "CP1", connectors: int = 2,
                 stuck: dict[int, str] | None = None, trigger: bool = True,
                 answers: dict[str, object] | None = None, reboot_time: float = 0.1,
                 boots: bool = True, configuration: dict[str, str] | None = None, **options):
        self.url, self.cp_id, self.connectors = url, cp_id, connectors
        self.options = options  # for websockets' connect(): ssl, additional_headers
        self.status = {c: "Available" for c in range(connectors + 1)}
        self.stuck = stuck or {}  # connector -> status it never leaves
        self.status.update(self.stuck)
        self.trigger = trigger
        self.configuration = CONFIGURATION | (configuration or {})
        self.transactions: dict[int, int] = {}  # connectorId -> transactionId
        self.reservations: set[int] = set()
        self.list_version, self.list_stuck, self.profiles = 0, False, False
        self.answers: dict[str, object] = dict(answers or {})
        self.reboot_time = reboot_time
        self.boots = boots  # boots when it connects (else: a reconnection, no boot)
        self.received: list[list] = []
        self.ws = None
        self.ids = itertools.count(1)
        self.pending: dict[str, asyncio.Future] = {}
        self.tasks: set[asyncio.Task] = set()
        self.reader: asyncio.Task | None = None

    # ---- connection

    async def connect(self, boot: bool | None = None) -> None:
        self.ws = await connect(f"{self.url}/{self.cp_id}", subprotocols=["ocpp1.6"],
                                max_size=None, ping_interval=None, **self.options)
        self.reader = asyncio.create_task(self.read())
        if self.boots if boot is None else boot:
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
            if callable(answer):
                answer = await answer(unique_id)
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
        connector = payload["connectorId"]
        if connector == 0 or self.status[connector] not in ("Unavailable", "Available", "Preparing"):
            return {"status": "Accepted"}, None
        status = "Available" if payload["type"] == "Operative" else "Unavailable"
        return {"status": "Accepted"}, self.set_status(connector, status)

    def on_ReserveNow(self, payload):
        self.reservations.add(payload["reservationId"])
        return {"status": "Accepted"}, None

    def on_CancelReservation(self, payload):
        known = payload["reservationId"] in self.reservations
        self.reservations.discard(payload["reservationId"])
        return {"status": "Accepted" if known else "Rejected"}, None

    def on_GetLocalListVersion(self, payload):
        return {"listVersion": self.list_version}, None

    def on_SendLocalList(self, payload):
        if self.list_stuck:
            return {"status": "Failed"}, None
        self.list_version = payload["listVersion"]
        return {"status": "Accepted"}, None

    def on_ClearChargingProfile(self, payload):
        return {"status": "Accepted" if self.profiles else "Unknown"}, None

    def on_TriggerMessage(self, payload):
        if not self.trigger:
            return "NotImplemented", None
        if payload["requestedMessage"] == "BootNotification":
            return {"status": "Accepted"}, self.boot()
        if payload["requestedMessage"] in ("FirmwareStatusNotification", "DiagnosticsStatusNotification"):
            return {"status": "Accepted"}, self.call(payload["requestedMessage"], {"status": "Idle"})  # §4.4, §4.5
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

    def on_UnlockConnector(self, payload):
        finishing = self.status.get(payload["connectorId"]) == "Finishing"
        return {"status": "Unlocked"}, (
            self.set_status(payload["connectorId"], "Available") if finishing else None)

    def on_Reset(self, payload):
        return {"status": "Accepted"}, self.reboot()

    async def reboot(self) -> None:
        await self.ws.close()
        await asyncio.sleep(self.reboot_time)  # a reboot takes a while
        await self.connect(boot=True)


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
        lines += [f"{key} = {_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _value(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_value(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


@asynccontextmanager
async def external(described: Description | None = None, controller=None, fresh=True,
                   sut_class=ExternalSut, **cp):
    """An ExternalSut on a free port with a FakeChargePoint connected to it."""
    sut = sut_class(described or description(), controller)
    opening = asyncio.create_task(sut.open())
    while (sut.csms is None or sut.csms._server is None) and not opening.done():
        await asyncio.sleep(0.005)
    fake = FakeChargePoint(sut.csms.url if sut.csms else "ws://127.0.0.1:9", **cp)
    connecting = asyncio.create_task(fake.connect())
    try:
        await opening
        await connecting
        if fresh:
            await sut.fresh()
        yield sut, fake
    finally:
        connecting.cancel()
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


# --------------------------------------------------------------------------
# ExternalSut against the fake charge point


def test_open_fresh_start_and_identity():
    async def main():
        async with external() as (sut, fake):
            assert sut.boot_mode == "trigger" and sut.capabilities == {
                "AdvanceTime", "SetIdTag", "SetBootResponse", "FailNext"}
            assert sut.baseline == {key: value for key, value in CONFIGURATION.items()
                                    if key not in READONLY} | SHORT
            sent = [m[2] for m in fake.received if m[0] == 2]
            assert sent[:1] == ["GetConfiguration"]
            assert {"ChangeAvailability", "ClearCache", "TriggerMessage"} <= set(sent)
            example = sut.example_start
            await sut.start()
            actions = [f.action for f in sut.csms.frames[example:]
                       if f.direction == "cp->cs" and f.message_type == 2]
            assert actions == ["BootNotification"] + ["StatusNotification"] * 3
            [event] = [f for f in sut.csms.frames[example:] if f.direction == "event"]
            assert (event.error, event.payload) == ("connected", {
                "chargePointId": "CP1", "subprotocol": "ocpp1.6", "alreadyConnected": True})
            assert sut.identity() == {"chargePointVendor": "Fake", "chargePointModel": "F1"}
            assert errors(sut) == []

    asyncio.run(main())


def test_configuration_is_applied_at_open_and_restored_before_each_example():
    async def main():
        configured = description(configuration={"ConnectionTimeOut": "45"})
        async with external(configured) as (sut, fake):
            assert fake.configuration["ConnectionTimeOut"] == "45"
            outcome = await sut.perform({"op": "ChangeConfiguration", "key": "HeartbeatInterval",
                                         "value": "60"})
            assert outcome.payload == {"status": "Accepted"}
            await sut.perform({"op": "ChangeConfiguration", "key": "ConnectionTimeOut",
                               "value": "10"})
            await sut.fresh()
            assert fake.configuration["HeartbeatInterval"] == "5"  # REAL_TIME_CONFIGURATION
            assert fake.configuration["ConnectionTimeOut"] == "45"
            assert sut.observed.changed_keys == set()

    asyncio.run(main())


def test_short_intervals_are_set_for_real_time_and_a_refusal_keeps_the_old_value():
    async def main():
        async with external(answers={"ChangeConfiguration": {"status": "Rejected"}}) as (sut, fake):
            assert sut.baseline["HeartbeatInterval"] == "300"  # refused: no error, kept
            assert fake.configuration["HeartbeatInterval"] == "300"
        async with external() as (sut, fake):
            assert {key: fake.configuration[key] for key in SHORT} == SHORT
            assert "MeterValueSampleInterval" not in fake.configuration  # never added
            assert sut.csms.policy.heartbeat_interval == HEARTBEAT_INTERVAL
        async with external(description(configuration={"HeartbeatInterval": "60"})) as (sut, fake):
            assert fake.configuration["HeartbeatInterval"] == "60"  # [configuration] wins

    asyncio.run(main())


def test_a_configuration_the_charge_point_refuses_is_a_precondition_error():
    async def main():
        configured = description(configuration={"NumberOfConnectors": "3"})
        with pytest.raises(PreconditionError, match=r"\[configuration\] NumberOfConnectors: "
                           r"ChangeConfiguration NumberOfConnectors = '3' was answered Rejected"):
            async with external(configured, fresh=False):
                pass

    asyncio.run(main())


def test_fresh_stops_a_running_transaction():
    async def main():
        async with external() as (sut, fake):
            transaction_id = await fake.start_transaction(1)
            await sut.settle()
            assert sut.observed.transactions == {transaction_id: 1}
            await sut.fresh()
            stops = [m for m in fake.received if m[0] == 2 and m[2] == "RemoteStopTransaction"]
            assert [m[3] for m in stops] == [{"transactionId": transaction_id}]
            assert sut.observed.transactions == {} and fake.transactions == {}
            assert sut.observed.status[1] == ("Available", "NoError")

    asyncio.run(main())


async def _stop_refused_then(sut, fake, retry_after: float | None) -> int:
    """A transaction whose StopTransaction gets a CALLERROR (FailNext); the fake sends it
    again after ``retry_after`` s (OCPP 1.6 §3.7), or never."""
    transaction_id = await fake.start_transaction(1)
    await sut.perform({"op": "FailNext", "action": "StopTransaction", "count": 1})
    await fake.stop(1)

    async def retry():
        await asyncio.sleep(retry_after)
        await fake.call("StopTransaction", {"transactionId": transaction_id, "meterStop": 10,
                                            "timestamp": "2025-01-01T00:01:00Z"})

    if retry_after is not None:
        fake.later(retry())
    await sut.settle()
    assert sut.observed.unconfirmed == {transaction_id}
    return transaction_id


def test_fresh_waits_for_a_stop_transaction_the_charge_point_still_owes():
    async def main():
        async with external() as (sut, fake):
            transaction_id = await _stop_refused_then(sut, fake, retry_after=0.5)
            await sut.fresh()
            stops = [f for f in sut.csms.frames[:sut.example_start]
                     if f.action == "StopTransaction" and f.message_type == 2]
            assert [f.payload["transactionId"] for f in stops] == [transaction_id] * 2
            assert sut.observed.unconfirmed == set()

    asyncio.run(main())


def test_a_stop_transaction_that_never_comes_again_is_given_up_after_connect_timeout():
    """MicroOcpp drops a StopTransaction answered with a CALLERROR (a deviation the model judges
    in the example: TransactionMessageRetry); the next fresh() waits connect_timeout for it,
    then goes on instead of ending the run (issue 14)."""
    async def main():
        impatient = description(timing={"quiet": 0.05, "tolerance": 0.5, "call_timeout": 2,
                                         "connect_timeout": 1, "settle_limit": 3})
        async with external(impatient) as (sut, fake):
            await _stop_refused_then(sut, fake, retry_after=None)
            started = asyncio.get_running_loop().time()
            await sut.fresh()
            assert asyncio.get_running_loop().time() - started >= 1
            assert sut.observed.unconfirmed == set()

    asyncio.run(main())


def test_transaction_ids_keep_counting_across_examples():
    async def main():
        async with external() as (sut, fake):
            first = await fake.start_transaction(1)
            await sut.fresh()
            assert await fake.start_transaction(2) == first + 1

    asyncio.run(main())


def test_a_connector_that_stays_faulted_is_a_clear_precondition_error():
    async def main():
        with pytest.raises(PreconditionError) as error:
            async with external(stuck={1: "Faulted"}):
                pass
        message = str(error.value)
        assert "not at the OCTT §1.3 preconditions" in message
        assert "connector 1 is Faulted (errorCode NoError), not Available" in message
        assert "cannot ClearFault or Unplug: do it by hand" in message and "connector 2" not in message

    asyncio.run(main())


def test_without_remote_trigger_an_unreported_connector_cannot_be_verified():
    async def main():
        configured = description(charge_point={"connectors": 3, "profiles": ["Core"],
                                               "boot": "none"})
        with pytest.raises(PreconditionError, match="connector 3: no StatusNotification seen and "
                           "without the RemoteTrigger profile"):
            async with external(configured):
                pass

    asyncio.run(main())


def test_a_charge_point_that_reconnects_without_booting_is_rebooted_to_learn_its_statuses():
    """§4.9: after a reconnection only changed statuses are reported; without RemoteTrigger
    fresh() reboots it (boot "reset") so that every connector is reported (§4.2)."""
    async def main():
        configured = description(charge_point={"profiles": ["Core"], "boot": "reset"})
        async with external(configured, boots=False) as (sut, fake):
            resets = [m for m in fake.received if m[0] == 2 and m[2] == "Reset"]
            assert len(resets) == 1 and set(sut.observed.status) == {0, 1, 2}

    asyncio.run(main())


def test_a_trigger_message_the_charge_point_does_not_implement_is_a_precondition_error():
    async def main():
        with pytest.raises(PreconditionError, match="TriggerMessage .* was answered CALLERROR "
                           "NotImplemented"):
            async with external(trigger=False):
                pass

    asyncio.run(main())


def test_no_charge_point_is_a_connect_timeout_naming_the_url():
    async def main():
        configured = description(timing={"connect_timeout": 0.1})
        sut = ExternalSut(configured)
        with pytest.raises(ConnectTimeout, match=r"no charge point connected to "
                           r"ws://127\.0\.0\.1:\d+ within 0\.1 s: set the charge point's "
                           r"Central System URL to ws://127\.0\.0\.1:\d+/<identity>"):
            await sut.open()
        assert sut.csms is None  # closed again

    asyncio.run(main())


def test_a_charge_point_with_another_identity_at_open_is_refused():
    async def main():
        configured = description(charge_point={"id": "CP9"})
        with pytest.raises(PreconditionError, match="charge point 'CP1' connected .* expects "
                           r"\[charge_point\] id = 'CP9'"):
            async with external(configured, fresh=False):
                pass

    asyncio.run(main())


def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: with ``cryptography`` if installed, else the
    ``openssl`` command; the test is skipped when neither is there."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
        _self_signed_with_cryptography(cert, key)
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither the cryptography package nor the openssl command is available")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _self_signed_with_cryptography(cert: Path, key: Path) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(private, hashes.SHA256()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))


def test_tls_and_basic_authentication_from_the_description(tmp_path):
    """Security profile 2: TLS with the given certificate and key, plus HTTP Basic auth."""
    cert, key = self_signed(tmp_path)
    configured = description(
        charge_point={"id": "CP1"},
        endpoint={"listen": "127.0.0.1:0", "tls_cert": str(cert), "tls_key": str(key),
                  "basic_auth": {"user": "CP1", "password": "0123456789abcdef"}})
    trusting = ssl.create_default_context(cafile=str(cert))

    async def main():
        async with external(configured, ssl=trusting,
                            additional_headers=_basic("CP1", "0123456789abcdef")) as (sut, fake):
            assert sut.csms.url.startswith("wss://127.0.0.1:") and errors(sut) == []

    asyncio.run(main())


def test_tls_with_a_wrong_password_is_refused(tmp_path):
    cert, key = self_signed(tmp_path)
    configured = description(
        charge_point={"id": "CP1"}, timing={"connect_timeout": 0.5},
        endpoint={"listen": "127.0.0.1:0", "tls_cert": str(cert), "tls_key": str(key),
                  "basic_auth": {"user": "CP1", "password": "0123456789abcdef"}})
    trusting = ssl.create_default_context(cafile=str(cert))

    async def main():
        with pytest.raises(ConnectTimeout, match=r"wss://127\.0\.0\.1:\d+ .*HTTP Basic "
                           "authentication failed: wrong password for 'CP1'"):
            async with external(configured, ssl=trusting,
                                additional_headers=_basic("CP1", "fedcba9876543210")):
                pass

    asyncio.run(main())


def test_security_profile_1_basic_authentication_with_the_right_password():
    configured = description(
        charge_point={"id": "CP1"},
        endpoint={"listen": "127.0.0.1:0", "basic_auth": {"user": "CP1", "password": "right"}})

    async def main():
        async with external(configured, additional_headers=_basic("CP1", "right")) as (sut, fake):
            assert sut.csms.url.startswith("ws://127.0.0.1:") and errors(sut) == []
            assert sut.identity() == {"chargePointVendor": "Fake", "chargePointModel": "F1"}

    asyncio.run(main())


def test_a_refused_authentication_is_named_in_the_connect_timeout():
    configured = description(
        charge_point={"id": "CP1"}, timing={"connect_timeout": 0.5},
        endpoint={"listen": "127.0.0.1:0", "basic_auth": {"user": "CP1", "password": "right"}})

    async def main():
        with pytest.raises(ConnectTimeout, match="refused attempts: OCPP-J 1.6 §6.2.2: HTTP Basic "
                           "authentication failed: wrong password for 'CP1'"):
            async with external(configured, additional_headers=_basic("CP1", "wrong")):
                pass

    asyncio.run(main())


def test_a_garbled_configuration_list_leaves_nothing_to_restore():
    async def main():
        async with external(fresh=False) as (sut, fake):
            fake.answers["GetConfiguration"] = {"configurationKey": [{"value": "1"}, "x"]}
            await sut._learn_configuration()
            assert sut.baseline == {}
            fake.answers["GetConfiguration"] = None
            sut.timing = attrs.evolve(sut.timing, call_timeout=0.05)
            await sut._learn_configuration()
            assert sut.baseline == {}

    asyncio.run(main())


def test_environment_ops_change_the_endpoint_policy():
    async def main():
        async with external() as (sut, fake):
            policy = sut.csms.policy
            await sut.perform({"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"})
            await sut.perform({"op": "SetBootResponse", "status": "Pending", "interval": 30})
            await sut.perform({"op": "FailNext", "action": "Heartbeat", "count": 2})
            assert policy.id_tags["TAG1"] == {"status": "Accepted", "parentIdTag": None, "expiryDate": None}
            assert (policy.boot_status, policy.heartbeat_interval) == ("Pending", 30)
            assert policy.fail_next == {"Heartbeat": 2}
            for bad in ({"op": "SetIdTag", "idTag": "", "status": "Accepted"},
                        {"op": "SetBootResponse", "status": "Maybe"},
                        {"op": "SetBootResponse", "status": "Accepted", "interval": -1},
                        {"op": "FailNext", "action": "Heartbeat", "count": -1},
                        {"op": "AdvanceTime", "seconds": "soon"}, {"op": "Teleport"}, "PlugIn"):
                with pytest.raises(ValueError):
                    await sut.perform(bad)
            await sut.perform({"op": "AdvanceTime", "seconds": 0.01})
            await sut.fresh()
            assert sut.csms.policy.id_tags == {} and sut.csms.policy.boot_status == "Accepted"

    asyncio.run(main())


def test_a_physical_op_without_a_controller_is_refused():
    async def main():
        async with external() as (sut, fake):
            with pytest.raises(ValueError, match="PlugIn: the controller of test.toml cannot "
                               "perform it"):
                await sut.perform({"op": "PlugIn", "connectorId": 1})

    asyncio.run(main())


class Rig:
    """A control-API target standing for the cable, the reader and the fault input of the fake."""

    capabilities = frozenset(PHYSICAL_OPS) - {"PowerLoss", "PowerOn", "NetworkDown", "NetworkUp"}

    def __init__(self):
        self.fake: FakeChargePoint | None = None
        self.steps: list[dict] = []

    async def perform(self, step: dict) -> None:
        self.steps.append(step)
        status = {"PlugIn": "Preparing", "Unplug": "Available", "Fault": "Faulted",
                  "ClearFault": "Available"}.get(step["op"])
        if status is not None:
            await self.fake.set_status(step["connectorId"], status)


def test_physical_ops_go_through_the_controller_and_are_undone_by_fresh():
    async def main():
        rig = Rig()
        async with _serving(rig) as url:
            configured = description(controller={"kind": "http", "url": url})
            async with external(configured, fresh=False) as (sut, fake):
                rig.fake = fake
                await sut.fresh()
                assert {"PlugIn", "Fault"} <= sut.capabilities
                await sut.perform({"op": "PlugIn", "connectorId": 1})
                await sut.perform({"op": "Fault", "connectorId": 2, "errorCode": "GroundFailure"})
                await sut.perform({"op": "SetUnlockFailure", "connectorId": 1, "failing": True})
                await sut.perform({"op": "SetFirmwareFailure", "stage": "Install"})
                await sut.perform({"op": "SetUploadFailure", "failing": True})
                await sut.perform({"op": "SetUploadFailure", "failing": False})
                for bad, words in (({"op": "PlugIn", "connectorId": 3}, "connector 3 does not exist"),
                                   ({"op": "PlugIn"}, "PlugIn needs 'connectorId'")):
                    with pytest.raises(ValueError, match=words):
                        await sut.perform(bad)
                await sut.settle()
                assert sut.observed.status[1][0] == "Preparing"
                del rig.steps[:]
                await sut.fresh()
                assert rig.steps == [
                    {"op": "SetUnlockFailure", "connectorId": 1, "failing": False},
                    {"op": "Unplug", "connectorId": 1}, {"op": "ClearFault", "connectorId": 2},
                    {"op": "SetFirmwareFailure"}]  # the upload failure was already switched off
                assert sut.plugged == sut.faulted == sut.unlock_failing == sut.failing == set()
                await sut.perform({"op": "PlugIn", "connectorId": 2})
                del rig.steps[:]
            assert rig.steps == [{"op": "Unplug", "connectorId": 2}]  # close() left it as found

    asyncio.run(main())


@asynccontextmanager
async def _serving(target):
    server = ControlServer(target)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


def test_declared_actions_the_controller_cannot_do_are_a_description_error():
    async def main():
        async with _serving(Rig()) as url:
            configured = description(controller={"kind": "http", "url": url},
                                     actions={"supported": ["PlugIn", "PowerLoss"]})
            with pytest.raises(DescriptionError, match=r"\[actions\] supported: the controller "
                               r"cannot perform \['PowerLoss'\]"):
                async with external(configured, fresh=False):
                    pass

    asyncio.run(main())


def test_boot_modes_that_the_description_cannot_support_are_description_errors():
    async def main():
        for cp, expected in (({"boot": "power-cycle"}, "needs a controller that can PowerLoss"),
                             ({"boot": "trigger", "profiles": ["Core"]}, "needs the RemoteTrigger")):
            with pytest.raises(DescriptionError, match=expected):
                async with external(description(charge_point=cp), fresh=False):
                    pass

    asyncio.run(main())


@pytest.mark.parametrize("reboot_time", [0.1, 0.0])
def test_reset_boot_mode_resets_and_waits_for_the_boot_in_start(reboot_time):
    """The whole reboot falls in the example's first step, even when the charge point
    reconnects at once: the model sees the connection drop and come back, then the boot."""
    async def main():
        configured = description(charge_point={"boot": "reset"})
        async with external(configured, reboot_time=reboot_time) as (sut, fake):
            example = sut.example_start
            assert not any(m[2] == "Reset" for m in fake.received if m[0] == 2)
            await sut.start()
            frames = sut.csms.frames[example:]
            events = [f.error for f in frames if f.direction == "event"]
            boots = [f for f in frames if f.action == "BootNotification" and f.message_type == 2]
            assert events == ["disconnected", "connected"] and len(boots) == 1
            assert [f.payload for f in frames if f.action == "Reset" and f.message_type == 2] \
                == [{"type": "Soft"}]

    asyncio.run(main())


def test_manual_controller_prompts_the_tester_octt_style():
    async def main():
        answers = io.StringIO("\nfail\n")
        shown = io.StringIO()
        manual = ManualController(answers, shown)
        assert await manual.capabilities() == frozenset(PHYSICAL_OPS)
        await manual.perform({"op": "PlugIn", "connectorId": 1})
        assert shown.getvalue() == ("[Plug in the cable on connector 1, then press Enter "
                                    "(type 'fail' and Enter if you cannot)]\n")
        with pytest.raises(ControllerError, match="the tester could not perform"):
            await manual.perform({"op": "Fault", "connectorId": 2})
        assert "[Cause a fault (OtherError) on connector 2" in shown.getvalue()
        with pytest.raises(ControllerError, match="input closed"):
            await manual.perform({"op": "PowerLoss"})
        with pytest.raises(ControllerError, match="connectorId must be 1 or more"):
            await manual.perform({"op": "Unplug", "connectorId": 0})

    asyncio.run(main())


def test_no_controller_can_do_nothing():
    async def main():
        assert await NoController().capabilities() == frozenset()
        with pytest.raises(ControllerError, match="no controller: cannot perform 'PlugIn'"):
            await NoController().perform({"op": "PlugIn", "connectorId": 1})

    asyncio.run(main())


# --------------------------------------------------------------------------
# Robustness: what a broken charge point sends is recorded, ExternalSut goes on


async def sent_and_settled(sut: ExternalSut, fake: FakeChargePoint, *texts: str) -> list[str]:
    """Send raw frames, settle, and return the new frame errors."""
    before = len(errors(sut))
    for text in texts:
        await fake.ws.send(text)
    await sut.settle()
    await fake.call("Heartbeat", {})  # still served
    return errors(sut)[before:]


async def still_usable(sut: ExternalSut) -> None:
    await sut.fresh()
    outcome = await sut.perform({"op": "ClearCache"})
    assert outcome.kind == "result"


@pytest.mark.parametrize("texts, section, words", [
    (['[2, "m1", "Heartbeat", {'], "4.1.2", "not valid JSON"),
    (['[7, "m2", {}]'], "4.1.3", "MessageTypeId 7 is not 2, 3 or 4"),
    (['[2, "m3", "Teleport", {}]'], "4.2.3", "unknown action 'Teleport'"),
    ([json.dumps([2, "m4", "StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                                  "status": "Available", "info": "x" * 2**20}])],
     "4.2.3", "StatusNotification payload violates the StatusNotification.json schema"),
    (['[2, "m5", "Heartbeat", {}]', '[2, "m6", "Heartbeat", {}]'], "4.1.1",
     "CALL sent while the charge point's CALL 'm5' was still unanswered"),
    (['[3, "999", {}]'], "4.1.4", "no CALL with that id was sent"),
])
def test_a_broken_frame_is_recorded_citing_ocpp_j_and_the_sut_goes_on(texts, section, words):
    async def main():
        async with external() as (sut, fake):
            [error] = await sent_and_settled(sut, fake, *texts)
            assert error.startswith(f"OCPP-J 1.6 §{section}: ") and words in error
            await still_usable(sut)

    asyncio.run(main())


def test_a_duplicate_unique_id_is_recorded():
    async def main():
        async with external() as (sut, fake):
            first = await sent_and_settled(sut, fake, '[2, "dup", "Heartbeat", {}]')
            [error] = await sent_and_settled(sut, fake, '[2, "dup", "Heartbeat", {}]')
            assert first == [] and error.startswith("OCPP-J 1.6 §4.1.4: ")
            assert "UniqueId 'dup' was already used" in error
            await still_usable(sut)

    asyncio.run(main())


def test_no_answer_to_a_call_is_a_timeout_outcome():
    async def main():
        configured = description(timing={"call_timeout": 0.2, "quiet": 0.05,
                                         "connect_timeout": 5})
        async with external(configured) as (sut, fake):
            fake.answers["GetConfiguration"] = None
            outcome = await sut.perform({"op": "GetConfiguration"})
            assert outcome.kind == "timeout"
            await still_usable(sut)

    asyncio.run(main())


def test_a_callerror_whose_details_are_not_an_object_is_recorded():
    async def main():
        async with external() as (sut, fake):
            async def bad_details(unique_id):
                return json.dumps([4, unique_id, "NotImplemented", "", "oops"])
            fake.answers["GetConfiguration"] = bad_details
            outcome = await sut.perform({"op": "GetConfiguration"})
            await sut.settle()
            assert (outcome.kind, outcome.error_code) == ("error", "NotImplemented")
            [error] = errors(sut)
            assert error == "OCPP-J 1.6 §4.2.3: errorDetails must be a JSON object ({} if none), " \
                            "got 'oops'"
            await still_usable(sut)

    asyncio.run(main())


def test_a_disconnect_in_the_middle_of_a_call_is_an_offline_outcome():
    async def main():
        async with external() as (sut, fake):
            async def hang_up(unique_id):
                await fake.ws.close()
                fake.later(fake.connect(boot=False))
            fake.answers["GetConfiguration"] = hang_up
            outcome = await sut.perform({"op": "GetConfiguration"})
            assert outcome.kind == "offline"
            await sut.settle()
            events = [f.error for f in sut.csms.frames if f.direction == "event"]
            assert events[-2:] == ["disconnected", "connected"] and errors(sut) == []
            del fake.answers["GetConfiguration"]
            await still_usable(sut)

    asyncio.run(main())


def test_a_reconnect_with_another_identity_is_an_error_event_and_a_new_charge_point():
    async def main():
        async with external() as (sut, fake):
            await fake.start_transaction(1)
            other = FakeChargePoint(sut.csms.url, "CP2", connectors=2)
            try:
                await other.connect()
                await sut.settle()
                [error] = errors(sut)
                assert error.startswith("OCPP-J 1.6 §3.1.1: a charge point connected as 'CP2' "
                                        "while 'CP1' was under test")
                assert sut.observed.charge_point_id == "CP2"
                assert sut.observed.transactions == {}  # CP1's transaction is not CP2's
                assert sut.identity() == {"chargePointVendor": "Fake", "chargePointModel": "F1"}
                await sut.fresh()  # CP2 is brought to the preconditions like any charge point
                assert any(m[2] == "ClearCache" for m in other.received if m[0] == 2)
            finally:
                await other.close()

    asyncio.run(main())


# --------------------------------------------------------------------------
# More of fresh(): profiles, registration, availability, power and network


ALL_PROFILES = ["Core", "RemoteTrigger", "Reservation", "LocalAuthListManagement", "SmartCharging"]


def sent(fake: FakeChargePoint, action: str) -> list[dict]:
    return [m[3] for m in fake.received if m[0] == 2 and m[2] == action]


def test_fresh_cancels_reservations_clears_profiles_and_empties_the_local_list():
    async def main():
        configured = description(charge_point={"profiles": ALL_PROFILES})
        async with external(configured) as (sut, fake):
            assert sent(fake, "SendLocalList") == [] and len(sent(fake, "ClearChargingProfile")) == 1
            await sut.perform({"op": "ReserveNow", "connectorId": 1, "idTag": "TAG1",
                               "reservationId": 7, "expiryDate": "2030-01-01T00:00:00Z"})
            fake.list_version = 3
            await sut.fresh()
            assert sent(fake, "CancelReservation") == [{"reservationId": 7}]
            assert sent(fake, "SendLocalList") == [{"listVersion": 0, "updateType": "Full",
                                                    "localAuthorizationList": []}]
            assert fake.reservations == set() and fake.list_version == 0
            fake.list_version, fake.list_stuck = 4, True
            with pytest.raises(PreconditionError, match=r"local authorization list \(version 4\) "
                               "could not be emptied"):
                await sut.fresh()

    asyncio.run(main())


def test_the_profiles_the_charge_point_reports_are_cleared_too():
    """A description that lists Core only, a charge point whose SupportedFeatureProfiles
    (§9.1.29) has LocalAuthListManagement: fresh() empties its list all the same."""
    async def main():
        reported = {"SupportedFeatureProfiles": "Core,LocalAuthListManagement"}
        configured = description(charge_point={"profiles": ["Core"], "boot": "reset"})
        async with external(configured, configuration=reported) as (sut, fake):
            assert sut.profiles == {"Core", "LocalAuthListManagement"}
            assert "profile:LocalAuthListManagement" in sut.features
            fake.list_version = 2
            await sut.fresh()
            assert fake.list_version == 0

    asyncio.run(main())


def test_an_unavailable_connector_is_made_operative():
    async def main():
        async with external() as (sut, fake):
            outcome = await sut.perform({"op": "ChangeAvailability", "connectorId": 2,
                                         "type": "Inoperative"})
            await sut.settle()
            assert outcome.payload == {"status": "Accepted"}
            assert sut.observed.status[2][0] == "Unavailable"
            await sut.fresh()
            assert sent(fake, "ChangeAvailability")[-1] == {"connectorId": 2, "type": "Operative"}
            assert sut.observed.status[2][0] == "Available"

    asyncio.run(main())


def test_a_connector_preparing_without_our_cable_is_made_inoperative_and_operative():
    """A RemoteStart or a card waits for a cable until ConnectionTimeOut (Preparing);
    fresh() ends the wait with ChangeAvailability Inoperative, then Operative (§5.2)."""
    async def main():
        async with external() as (sut, fake):
            await fake.set_status(2, "Preparing")
            await sut.settle()
            await sut.fresh()
            assert [p for p in sent(fake, "ChangeAvailability") if p["connectorId"] == 2] == [
                {"connectorId": 2, "type": "Inoperative"}, {"connectorId": 2, "type": "Operative"}]
            assert sut.observed.status[2][0] == "Available"

    asyncio.run(main())


def test_a_connector_left_finishing_is_unlocked():
    """A cable still locked after its transaction stays Finishing (OCPP 1.6 §4.9);
    fresh() sends UnlockConnector (§5.18) and the connector becomes Available."""
    async def main():
        async with external() as (sut, fake):
            await fake.set_status(1, "Finishing")
            await sut.settle()
            await sut.fresh()
            assert sent(fake, "UnlockConnector") == [{"connectorId": 1}]
            assert sut.observed.status[1][0] == "Available"

    asyncio.run(main())


def test_a_boot_answered_pending_is_repeated_until_accepted():
    async def main():
        async with external() as (sut, fake):
            await sut.perform({"op": "SetBootResponse", "status": "Pending", "interval": 10})
            await sut.start()
            assert sut.observed.registration == "Pending"
            await sut.fresh()
            assert sut.observed.registration == "Accepted"
            boots = sent(fake, "TriggerMessage")
            assert boots.count({"requestedMessage": "BootNotification"}) == 2

    asyncio.run(main())


def test_a_pending_registration_without_a_way_to_boot_is_a_precondition_error():
    async def main():
        configured = description(charge_point={"boot": "none"})
        async with external(configured) as (sut, fake):
            sut.csms.policy.boot_status = "Rejected"
            await fake.boot()
            await sut.settle()
            with pytest.raises(PreconditionError, match="last BootNotification was answered "
                               "Rejected and \\[charge_point\\] boot = \"none\""):
                await sut.fresh()

    asyncio.run(main())


def test_a_transaction_that_does_not_stop_is_a_precondition_error():
    async def main():
        configured = description(timing={"quiet": 0.05, "tolerance": 0.5, "call_timeout": 0.2})
        async with external(configured) as (sut, fake):
            await fake.start_transaction(1)
            fake.answers["RemoteStopTransaction"] = {"status": "Accepted"}  # but never stops
            with pytest.raises(PreconditionError, match=r"transactions \[1\] did not stop"):
                await sut.fresh()

    asyncio.run(main())


def test_a_transaction_the_charge_point_no_longer_knows_is_forgotten():
    async def main():
        async with external() as (sut, fake):
            await fake.start_transaction(1)
            await sut.settle()
            fake.transactions.clear()  # lost, e.g. in a crash
            await fake.set_status(1, "Available")
            await sut.fresh()
            assert sut.observed.transactions == {}

    asyncio.run(main())


class PowerRig(Rig):
    """Also switches the fake charge point's power and network."""

    capabilities = frozenset(PHYSICAL_OPS)

    async def perform(self, step: dict) -> None:
        await super().perform(step)
        if step["op"] in ("PowerLoss", "NetworkDown"):
            await self.fake.ws.close()
        elif step["op"] in ("PowerOn", "NetworkUp"):
            await asyncio.sleep(0.02)
            await self.fake.connect(boot=step["op"] == "PowerOn")


def test_power_cycle_boot_and_network_through_the_controller():
    async def main():
        rig = PowerRig()
        async with _serving(rig) as url:
            configured = description(controller={"kind": "http", "url": url},
                                     charge_point={"boot": "auto"})
            async with external(configured, fresh=False) as (sut, fake):
                rig.fake = fake
                await sut.fresh()
                assert sut.boot_mode == "power-cycle"
                assert [s["op"] for s in rig.steps][-1:] == ["PowerLoss"]
                example = sut.example_start
                await sut.start()
                frames = sut.csms.frames[example:]
                assert [f.error for f in frames if f.direction == "event"] == ["connected"]
                assert [f.action for f in frames if f.direction == "cp->cs"].count(
                    "StatusNotification") == 3
                await sut.perform({"op": "NetworkDown"})
                assert not sut.observed.connected
                await sut.perform({"op": "NetworkUp"})
                assert sut.observed.connected and sut.csms.connected
                await sut.perform({"op": "PowerLoss"})
                assert not sut.powered
                del rig.steps[:]
                await sut.fresh()  # powers on first, then prepares the next boot
                assert [s["op"] for s in rig.steps] == ["PowerOn", "PowerLoss"]

    asyncio.run(main())


def test_a_controller_failure_during_fresh_is_a_precondition_error():
    async def main():
        rig = Rig()
        async with _serving(rig) as url:
            configured = description(controller={"kind": "http", "url": url})
            async with external(configured, fresh=False) as (sut, fake):
                rig.fake = fake
                await sut.fresh()
                await sut.perform({"op": "PlugIn", "connectorId": 1})

                async def refuse(step):
                    raise ValueError("the cable is stuck")
                rig.perform = refuse
                with pytest.raises(PreconditionError, match="Unplug failed: .*the cable is stuck"):
                    await sut.fresh()

    asyncio.run(main())


def test_each_controller_kind_builds_its_controller():
    expected = {"http": (HttpController, "http://127.0.0.1:1"), "manual": (ManualController, None),
                "none": (NoController, None), "sap": (SapController, "ws://127.0.0.1:1"),
                "microocpp": (MicroOcppController, "http://127.0.0.1:1")}
    for kind, (cls, url) in expected.items():
        table = {"kind": kind} | ({"url": url} if url else {})
        sut = ExternalSut(description(controller=table), input=io.StringIO(), output=io.StringIO())
        assert type(sut.controller) is cls
        if kind == "manual":
            assert sut.controller.input is not sys.stdin


def test_a_boot_mode_that_gives_no_boot_ends_a_run_at_open():
    """properties/external.py: every example starts with a boot (PowerOn), so boot "none"
    stops the run with a clear error, and nothing is left listening."""
    from properties.external import GuardedExternalSut, SutUnusable

    async def main():
        with pytest.raises(SutUnusable, match=r'boot = "none" gives no boot.*set boot = "reset"'):
            async with external(description(charge_point={"boot": "none"}), fresh=False,
                                sut_class=GuardedExternalSut) as (sut, fake):
                pass

    asyncio.run(main())
