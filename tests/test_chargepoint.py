"""The bundled charge point against the real Central System endpoint, on virtual time.

Every test validates each CALL the charge point sends against the OCPP 1.6
schemas (``Settings.validate_messages``) and checks that the endpoint recorded
no protocol error.
"""

from __future__ import annotations

import asyncio
import functools
import json
from contextlib import asynccontextmanager

import pytest

from adapters.bundled import BundledSut
from adapters.chargepoint import ChargePoint, Settings, Store
from adapters.chargepoint.configuration import keys_for
from adapters.clock import EPOCH, VirtualClock
from adapters.csms import CentralSystem, CsmsPolicy

TAG = {"op": "SetIdTag", "idTag": "A", "status": "Accepted"}

REQUIRED_KEYS = {  # OCTT TC_019_CS: required Core keys and their accessibility
    "AuthorizeRemoteTxRequests": None, "ClockAlignedDataInterval": False, "ConnectionTimeOut": False,
    "ConnectorPhaseRotation": False, "GetConfigurationMaxKeys": True, "HeartbeatInterval": False,
    "LocalAuthorizeOffline": False, "LocalPreAuthorize": False, "MeterValuesAlignedData": False,
    "MeterValuesSampledData": False, "MeterValueSampleInterval": False, "NumberOfConnectors": True,
    "ResetRetries": False, "StopTransactionOnInvalidId": False, "StopTxnAlignedData": False,
    "StopTxnSampledData": False, "SupportedFeatureProfiles": True, "TransactionMessageAttempts": False,
    "TransactionMessageRetryInterval": False, "UnlockConnectorOnEVSideDisconnect": None,
}


def asynctest(fn):
    @functools.wraps(fn)
    def wrapper():
        asyncio.run(fn())
    return wrapper


@asynccontextmanager
async def booted(policy: dict | None = None, **settings):
    """A booted bundled SUT whose charge point validates what it sends."""
    sut = BundledSut(settings=Settings(validate_messages=True, **settings))
    await sut.open()
    await sut.fresh()
    for key, value in (policy or {}).items():
        setattr(sut.csms.policy, key, value)
    await sut.start()
    try:
        yield sut
        assert sut.csms.protocol_errors() == []
        assert sut.cp.idle
    finally:
        await sut.close()


def mark(sut) -> int:
    return len(sut.csms.frames)


def sent(sut, action: str | None = None, since: int = 0) -> list[dict]:
    """Payloads of the CALLs the charge point sent since frame ``since``."""
    return [f.payload for f in sut.csms.frames[since:]
            if f.direction == "cp->cs" and f.message_type == 2 and action in (None, f.action)]


def actions(sut, since: int = 0) -> list[str]:
    return [f.action for f in sut.csms.frames[since:] if f.direction == "cp->cs" and f.message_type == 2]


def statuses(sut, since: int = 0, connector: int | None = None) -> list:
    found = [(p["connectorId"], p["status"]) for p in sent(sut, "StatusNotification", since)]
    return [s for c, s in found if c == connector] if connector is not None else found


async def do(sut, op: str, **keys):
    return await sut.perform({"op": op, **keys})


async def charging(sut, connector: int = 1, tag: str = "A") -> int:
    """Plug in and present an accepted card; return the transactionId."""
    if tag not in sut.csms.policy.id_tags:
        await do(sut, "SetIdTag", idTag=tag, status="Accepted")
    start = mark(sut)
    await do(sut, "PlugIn", connectorId=connector)
    await do(sut, "PresentIdTag", connectorId=connector, idTag=tag)
    assert statuses(sut, start, connector)[-1] == "Charging"
    answers = [f.payload for f in sut.csms.frames[start:]
               if f.direction == "cs->cp" and f.action == "StartTransaction"]
    return answers[-1]["transactionId"]


async def configure(sut, key: str, value: str) -> str:
    return (await do(sut, "ChangeConfiguration", key=key, value=value)).payload["status"]


# ---- boot, heartbeat (§4.2, §4.6)


@asynctest
async def test_boot_reports_connector_zero_and_every_connector():
    async with booted() as sut:
        assert actions(sut, sut.example_start) == ["BootNotification"] + ["StatusNotification"] * 3
        assert statuses(sut, sut.example_start) == [(0, "Available"), (1, "Available"), (2, "Available")]
        boot = sent(sut, "BootNotification", sut.example_start)[0]
        assert boot["chargePointVendor"] == "ocpp-verify" and boot["chargePointModel"] == "Bundled"


@asynctest
async def test_heartbeat_interval_comes_from_boot_and_counts_inactivity():
    async with booted(policy={"heartbeat_interval": 60}) as sut:
        get = await do(sut, "GetConfiguration", key=["HeartbeatInterval"])
        assert get.payload["configurationKey"][0]["value"] == "60"
        start = mark(sut)
        await do(sut, "AdvanceTime", seconds=30)
        await do(sut, "GetConfiguration")  # an exchange at t+30 postpones the heartbeat
        await do(sut, "AdvanceTime", seconds=59)
        assert sent(sut, "Heartbeat", start) == []
        await do(sut, "AdvanceTime", seconds=1)
        assert len(sent(sut, "Heartbeat", start)) == 1
        await do(sut, "AdvanceTime", seconds=600)
        times = [f.time - EPOCH for f in sut.csms.frames[start:] if f.action == "Heartbeat"
                 and f.direction == "cp->cs"]
        assert times == [90.0 + 60 * i for i in range(11)]


@asynctest
async def test_pending_answers_configuration_sends_nothing_and_retries_boot():
    async with booted(policy={"boot_status": "Pending", "heartbeat_interval": 20}) as sut:
        start = mark(sut)
        got = await do(sut, "GetConfiguration", key=["NumberOfConnectors"])
        assert got.payload["configurationKey"][0]["value"] == "2"
        assert (await configure(sut, "MeterValueSampleInterval", "30")) == "Accepted"
        remote = await do(sut, "RemoteStartTransaction", idTag="A", connectorId=1)
        assert remote.payload["status"] == "Rejected"  # §4.2: not allowed while Pending
        await do(sut, "PlugIn", connectorId=1)
        assert actions(sut, start) == []
        await do(sut, "SetBootResponse", status="Accepted", interval=300)
        await do(sut, "AdvanceTime", seconds=19)
        assert actions(sut, start) == []
        await do(sut, "AdvanceTime", seconds=1)
        assert actions(sut, start)[0] == "BootNotification"
        assert statuses(sut, start) == [(0, "Available"), (1, "Preparing"), (2, "Available")]


@asynctest
async def test_rejected_answers_nothing_until_the_retry():
    async with booted(policy={"boot_status": "Rejected", "heartbeat_interval": 50}) as sut:
        outcome = await sut.csms.call("GetConfiguration", {}, timeout=0.2)
        assert outcome.kind == "timeout"  # §4.2: SHALL NOT respond while Rejected
        start = mark(sut)
        await do(sut, "SetBootResponse", status="Accepted", interval=300)
        await do(sut, "AdvanceTime", seconds=49)
        assert actions(sut, start) == []
        await do(sut, "AdvanceTime", seconds=1)
        assert actions(sut, start)[:2] == ["BootNotification", "StatusNotification"]


# ---- transactions (§4.1, §4.8, §4.10, §3.10)


@asynctest
async def test_plug_then_tag_starts_and_same_tag_stops_with_energy():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert actions(sut, start) == ["StatusNotification", "Authorize", "StartTransaction",
                                       "StatusNotification"]
        assert statuses(sut, start, 1) == ["Preparing", "Charging"]
        await do(sut, "AdvanceTime", seconds=3600)
        stop_mark = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        stop = sent(sut, "StopTransaction", stop_mark)[0]
        begin = sent(sut, "StartTransaction", start)[0]
        assert stop["reason"] == "Local" and stop["idTag"] == "A" and stop["transactionId"] == 1
        assert stop["meterStop"] - begin["meterStart"] == 11000  # 11 kW for one hour
        assert "Authorize" not in actions(sut, stop_mark)  # §4.1: same idTag, no Authorize
        assert statuses(sut, stop_mark, 1) == ["Finishing"]
        await do(sut, "Unplug", connectorId=1)
        assert statuses(sut, stop_mark, 1) == ["Finishing", "Available"]


@asynctest
async def test_tag_first_then_plug():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=2, idTag="A")
        assert statuses(sut, start, 2) == ["Preparing"]
        await do(sut, "PlugIn", connectorId=2)
        assert actions(sut, start)[-2:] == ["StartTransaction", "StatusNotification"]
        assert statuses(sut, start, 2) == ["Preparing", "Charging"]


@asynctest
async def test_invalid_tag_does_not_start():
    async with booted() as sut:
        start = mark(sut)
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="NOPE")
        assert actions(sut, start) == ["StatusNotification", "Authorize"]


@asynctest
async def test_other_tag_needs_same_parent_to_stop():
    async with booted() as sut:
        for tag in ("A", "B"):
            await do(sut, "SetIdTag", idTag=tag, status="Accepted", parentIdTag="GROUP")
        await do(sut, "SetIdTag", idTag="C", status="Accepted", parentIdTag="OTHER")
        await charging(sut, 1, "A")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="C")
        assert actions(sut, start) == ["Authorize"]
        await do(sut, "PresentIdTag", connectorId=1, idTag="B")
        stop = sent(sut, "StopTransaction", start)
        assert len(stop) == 1 and stop[0]["idTag"] == "B" and stop[0]["reason"] == "Local"


@asynctest
async def test_other_tag_without_parent_is_ignored():
    async with booted() as sut:
        await charging(sut, 1, "A")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="B")
        assert actions(sut, start) == []  # OCTT TC_068: no Authorize, no StopTransaction


@asynctest
async def test_second_presentation_cancels_and_other_invalid_card_replaces():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert statuses(sut, start, 1) == ["Preparing", "Available"]  # B1
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "PresentIdTag", connectorId=1, idTag="INVALID")
        assert statuses(sut, start, 1) == ["Preparing", "Available", "Preparing", "Available"]


@asynctest
async def test_start_transaction_invalid_stops_deauthorized_or_suspends():
    async with booted() as sut:
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "ChangeConfiguration", key="AuthorizeRemoteTxRequests", value="false")
        start = mark(sut)
        await do(sut, "RemoteStartTransaction", idTag="BLOCKED", connectorId=1)
        stop = sent(sut, "StopTransaction", start)
        assert stop[0]["reason"] == "DeAuthorized" and "idTag" not in stop[0]
        assert statuses(sut, start, 1) == ["Charging", "Finishing"]
        await do(sut, "PlugIn", connectorId=2)
        await configure(sut, "StopTransactionOnInvalidId", "false")
        start = mark(sut)
        await do(sut, "RemoteStartTransaction", idTag="BLOCKED", connectorId=2)
        assert sent(sut, "StopTransaction", start) == []
        assert statuses(sut, start, 2) == ["Charging", "SuspendedEVSE"]


@asynctest
async def test_ev_suspend_and_resume():
    async with booted() as sut:
        await charging(sut)
        start = mark(sut)
        await do(sut, "EVSuspend", connectorId=1)
        await do(sut, "AdvanceTime", seconds=3600)
        await do(sut, "EVResume", connectorId=1)
        assert statuses(sut, start, 1) == ["SuspendedEV", "Charging"]
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert sent(sut, "StopTransaction", start)[0]["meterStop"] == 0  # no energy while suspended


@pytest.mark.parametrize("stop, unlock, fixed, expected, reason", [
    ("true", "true", False, ["Finishing", "Available"], "EVDisconnected"),
    ("true", "false", False, ["Finishing"], "EVDisconnected"),
    ("true", "true", True, ["Available"], "EVDisconnected"),
    ("false", "false", False, ["SuspendedEV"], None),
])
def test_ev_side_disconnect(stop, unlock, fixed, expected, reason):
    """§4.9 text, §4.10, §9.1.23, §9.1.33, OCTT TC_005_1/2/3."""
    async def body():
        async with booted(fixed_cable=fixed) as sut:
            await configure(sut, "StopTransactionOnEVSideDisconnect", stop)
            if not fixed:
                await configure(sut, "UnlockConnectorOnEVSideDisconnect", unlock)
            await charging(sut)
            start = mark(sut)
            await do(sut, "Unplug", connectorId=1)
            assert statuses(sut, start, 1) == expected
            stops = sent(sut, "StopTransaction", start)
            assert [s["reason"] for s in stops] == ([reason] if reason else [])
            if reason is None:
                info = sent(sut, "StatusNotification", start)[0]["info"]
                assert info == "EV side disconnected"
    asyncio.run(body())


@asynctest
async def test_held_cable_is_released_by_its_idtag():
    async with booted() as sut:
        await configure(sut, "UnlockConnectorOnEVSideDisconnect", "false")
        await charging(sut)
        await do(sut, "Unplug", connectorId=1)
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="OTHER")
        assert actions(sut, start) == []
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert statuses(sut, start, 1) == ["Available"]


# ---- ConnectionTimeOut (§9.1.6, §4.9 B1/B6)


@asynctest
async def test_connection_timeout_without_cable_goes_available():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        await configure(sut, "ConnectionTimeOut", "30")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "AdvanceTime", seconds=29)
        assert statuses(sut, start, 1) == ["Preparing"]
        await do(sut, "AdvanceTime", seconds=1)
        assert statuses(sut, start, 1) == ["Preparing", "Available"]
        await do(sut, "PlugIn", connectorId=1)
        assert sent(sut, "StartTransaction", start) == []  # the authorization has lapsed


@asynctest
async def test_connection_timeout_with_cable_goes_finishing_then_tag_restarts():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "AdvanceTime", seconds=60)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert statuses(sut, start, 1) == ["Preparing", "Finishing", "Preparing", "Charging"]


# ---- remote start/stop (§5.11, §5.12)


@asynctest
async def test_remote_start_and_stop():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        assert (await do(sut, "RemoteStartTransaction", idTag="A", connectorId=0)).payload["status"] == "Rejected"
        assert (await do(sut, "RemoteStartTransaction", idTag="A", connectorId=3)).payload["status"] == "Rejected"
        start = mark(sut)
        answer = await do(sut, "RemoteStartTransaction", idTag="A")
        assert answer.payload["status"] == "Accepted"
        assert actions(sut, start) == ["Authorize", "StatusNotification"]
        await do(sut, "PlugIn", connectorId=1)
        busy = await do(sut, "RemoteStartTransaction", idTag="A", connectorId=1)
        assert busy.payload["status"] == "Rejected"
        assert (await do(sut, "RemoteStopTransaction", transactionId=99)).payload["status"] == "Rejected"
        start = mark(sut)
        assert (await do(sut, "RemoteStopTransaction", transactionId=1)).payload["status"] == "Accepted"
        stop = sent(sut, "StopTransaction", start)[0]
        assert stop["reason"] == "Remote" and stop["transactionId"] == 1


@asynctest
async def test_remote_start_without_authorize_and_with_cache():
    async with booted() as sut:
        await configure(sut, "AuthorizeRemoteTxRequests", "false")
        start = mark(sut)
        await do(sut, "RemoteStartTransaction", idTag="X", connectorId=2)
        assert actions(sut, start) == ["StatusNotification"]
        await configure(sut, "AuthorizeRemoteTxRequests", "true")
        await configure(sut, "LocalPreAuthorize", "true")
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")  # now cached
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "PlugIn", connectorId=1)
        start = mark(sut)
        await do(sut, "RemoteStartTransaction", idTag="A", connectorId=1)
        assert actions(sut, start) == ["StartTransaction", "StatusNotification"]  # OCTT TC_007


# ---- reset and power (§5.14, OCTT TC_032)


@pytest.mark.parametrize("kind, reason", [("Soft", "SoftReset"), ("Hard", "HardReset")])
def test_reset_stops_transactions_then_reboots(kind, reason):
    async def body():
        async with booted() as sut:
            await charging(sut)
            start = mark(sut)
            await do(sut, "Reset", type=kind)
            assert actions(sut, start) == ["StopTransaction", "StatusNotification", "BootNotification",
                                           "StatusNotification", "StatusNotification", "StatusNotification"]
            assert sent(sut, "StopTransaction", start)[0]["reason"] == reason
            assert statuses(sut, start) == [(1, "Finishing"), (0, "Available"), (1, "Finishing"),
                                            (2, "Available")]
    asyncio.run(body())


@asynctest
async def test_power_loss_stops_open_transaction_at_boot():
    async with booted() as sut:
        await charging(sut)
        start = mark(sut)
        await do(sut, "PowerLoss")
        assert actions(sut, start) == []
        await do(sut, "AdvanceTime", seconds=600)
        await do(sut, "PowerOn")
        assert actions(sut, start)[:2] == ["BootNotification", "StopTransaction"]
        stop = sent(sut, "StopTransaction", start)[0]
        assert stop["reason"] == "PowerLoss" and stop["transactionId"] == 1
        assert statuses(sut, start, 1) == ["Finishing"]


@asynctest
async def test_power_loss_policy_none_resumes_the_transaction():
    async with booted(power_loss="none") as sut:
        await charging(sut)
        start = mark(sut)
        await do(sut, "PowerLoss")
        await do(sut, "PowerOn")
        assert sent(sut, "StopTransaction", start) == []
        assert statuses(sut, start, 1) == ["Charging"]
        await do(sut, "RemoteStopTransaction", transactionId=1)
        assert sent(sut, "StopTransaction", start)[0]["reason"] == "Remote"


# ---- offline behaviour and the transaction queue (§3.7, §4.9)


@asynctest
async def test_offline_transaction_is_delivered_in_order_after_reconnect():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")  # cache it
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await configure(sut, "MeterValueSampleInterval", "60")
        start = mark(sut)
        await do(sut, "NetworkDown")
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "AdvanceTime", seconds=150)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "Unplug", connectorId=1)
        assert actions(sut, start) == []
        await do(sut, "NetworkUp")
        assert actions(sut, start) == ["StartTransaction", "MeterValues", "MeterValues", "StopTransaction"]
        meter_values = sent(sut, "MeterValues", start)
        assert [m["meterValue"][0]["timestamp"] for m in meter_values] == [
            "2025-01-01T00:01:00.000Z", "2025-01-01T00:02:00.000Z"]
        assert all(m["transactionId"] == 1 for m in meter_values)
        assert sent(sut, "StopTransaction", start)[0]["transactionId"] == 1
        assert statuses(sut, start) == []  # Available before and after


@asynctest
async def test_status_changed_while_offline_is_reported_after_reconnect():
    async with booted() as sut:
        start = mark(sut)
        await do(sut, "NetworkDown")
        await do(sut, "PlugIn", connectorId=2)
        await do(sut, "Fault", connectorId=1, errorCode="GroundFailure")
        await do(sut, "NetworkUp")
        assert actions(sut, start) == ["StatusNotification", "StatusNotification"]
        faulted = sent(sut, "StatusNotification", start)[0]
        assert faulted["status"] == "Faulted" and faulted["errorCode"] == "GroundFailure"
        assert statuses(sut, start) == [(1, "Faulted"), (2, "Preparing")]


@asynctest
async def test_offline_authorization_rules():
    async with booted() as sut:
        await do(sut, "NetworkDown")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="UNKNOWN")
        await do(sut, "NetworkUp")
        assert statuses(sut, start) == []  # AllowOfflineTxForUnknownId false
        await configure(sut, "AllowOfflineTxForUnknownId", "true")
        await do(sut, "NetworkDown")
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="UNKNOWN")
        start = mark(sut)
        await do(sut, "NetworkUp")
        assert actions(sut, start) == ["StartTransaction", "StatusNotification", "StopTransaction",
                                       "StatusNotification"]  # OCTT TC_037_3
        assert statuses(sut, start) == [(1, "Charging"), (1, "Finishing")]
        assert sent(sut, "StopTransaction", start)[0]["reason"] == "DeAuthorized"


@asynctest
async def test_transaction_message_retries_then_discards():
    async with booted() as sut:
        await charging(sut)
        await do(sut, "FailNext", action="StopTransaction", count=1)
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert actions(sut, start) == ["StopTransaction", "StatusNotification"]
        await do(sut, "AdvanceTime", seconds=59)
        assert len(sent(sut, "StopTransaction", start)) == 1
        await do(sut, "AdvanceTime", seconds=1)
        assert len(sent(sut, "StopTransaction", start)) == 2
        await do(sut, "SetIdTag", idTag="B", status="Accepted")
        await do(sut, "FailNext", action="StartTransaction", count=3)
        start = mark(sut)
        await do(sut, "PlugIn", connectorId=2)
        await do(sut, "PresentIdTag", connectorId=2, idTag="B")
        await do(sut, "AdvanceTime", seconds=60 + 120)
        await do(sut, "PresentIdTag", connectorId=2, idTag="B")
        # §3.7.1: three attempts, 60 s then 120 s apart; then the StartTransaction is discarded and
        # the StopTransaction of that transaction carries transactionId -1 (errata 3.18).
        times = [f.time - EPOCH for f in sut.csms.frames[start:] if f.action == "StartTransaction"
                 and f.direction == "cp->cs"]
        assert times[1] - times[0] == 60 and times[2] - times[1] == 120 and len(times) == 3
        assert [stop["transactionId"] for stop in sent(sut, "StopTransaction", start)] == [-1]


# ---- configuration (§5.3, §5.8, §9.1)


@asynctest
async def test_configuration_keys_and_changes():
    async with booted() as sut:
        everything = (await do(sut, "GetConfiguration")).payload
        table = {entry["key"]: entry for entry in everything["configurationKey"]}
        assert "unknownKey" not in everything
        for key, read_only in REQUIRED_KEYS.items():
            assert key in table, key
            if read_only is not None:
                assert table[key]["readonly"] is read_only, key
        assert await configure(sut, "NumberOfConnectors", "3") == "Rejected"
        assert await configure(sut, "Testing", "true") == "NotSupported"  # OCTT TC_040_1
        assert await configure(sut, "MeterValueSampleInterval", "-1") == "Rejected"  # OCTT TC_040_2
        assert await configure(sut, "ConnectionTimeOut", "soon") == "Rejected"
        assert await configure(sut, "MeterValuesSampledData", "Energy.Active.Import.Register,SoC") == "Rejected"
        assert await configure(sut, "connectiontimeout", "45") == "Accepted"  # CiString50Type
        assert await configure(sut, "LocalPreAuthorize", "TRUE") == "Accepted"
        got = await do(sut, "GetConfiguration", key=["ConnectionTimeOut", "LocalPreAuthorize", "Nope"])
        assert [e["value"] for e in got.payload["configurationKey"]] == ["45", "true"]
        assert got.payload["unknownKey"] == ["Nope"]
        too_many = await do(sut, "GetConfiguration", key=["HeartbeatInterval"] * 33)
        assert too_many.kind == "error" and too_many.error_code == "OccurenceConstraintViolation"


def test_key_table_has_core_keys_and_overrides():
    keys = keys_for(Settings(fixed_cable=True))
    assert keys["UnlockConnectorOnEVSideDisconnect"].read_only  # errata 3.83
    assert keys["UnlockConnectorOnEVSideDisconnect"].default == "false"
    store = Store()
    cp = ChargePoint("X", "ws://127.0.0.1:1", VirtualClock(), Settings(configuration={"ConnectionTimeOut": "15"}),
                     store)
    assert cp.config.integer("ConnectionTimeOut") == 15
    with pytest.raises(ValueError, match="not a configuration key"):
        ChargePoint("X", "ws://127.0.0.1:1", VirtualClock(), Settings(configuration={"Bogus": "1"}))
    with pytest.raises(ValueError, match="not a valid value"):
        ChargePoint("X", "ws://127.0.0.1:1", VirtualClock(), Settings(configuration={"NumberOfConnectors": "5"}))


@asynctest
async def test_clear_cache_and_data_transfer():
    async with booted() as sut:
        await configure(sut, "LocalPreAuthorize", "true")
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert actions(sut, start) == ["StatusNotification"]  # cached, no Authorize
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert (await do(sut, "ClearCache")).payload["status"] == "Accepted"
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert actions(sut, start) == ["Authorize", "StatusNotification"]
        answer = await do(sut, "DataTransfer", vendorId="com.example")
        assert answer.payload == {"status": "UnknownVendorId"}


@asynctest
async def test_cache_disabled_always_authorizes():
    async with booted() as sut:
        await configure(sut, "AuthorizationCacheEnabled", "false")
        await configure(sut, "LocalPreAuthorize", "true")
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        await do(sut, "PresentIdTag", connectorId=2, idTag="A")
        assert actions(sut, start).count("Authorize") == 2


# ---- availability, unlock, faults (§5.2, §5.18, §4.9)


@asynctest
async def test_change_availability_scheduled_and_persistent():
    async with booted() as sut:
        await charging(sut)
        start = mark(sut)
        assert (await do(sut, "ChangeAvailability", connectorId=1, type="Inoperative")).payload["status"] == "Scheduled"
        assert (await do(sut, "ChangeAvailability", connectorId=2, type="Inoperative")).payload["status"] == "Accepted"
        assert (await do(sut, "ChangeAvailability", connectorId=3, type="Inoperative")).payload["status"] == "Rejected"
        await do(sut, "RemoteStopTransaction", transactionId=1)
        assert statuses(sut, start) == [(2, "Unavailable"), (1, "Unavailable")]
        start = mark(sut)
        await do(sut, "PowerLoss")
        await do(sut, "PowerOn")
        assert statuses(sut, start) == [(0, "Available"), (1, "Unavailable"), (2, "Unavailable")]
        assert (await do(sut, "ChangeAvailability", connectorId=0, type="Operative")).payload["status"] == "Accepted"
        assert statuses(sut, start)[-2:] == [(1, "Preparing"), (2, "Available")]  # H2: EV still plugged


@asynctest
async def test_change_availability_of_the_charge_point():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        start = mark(sut)
        await do(sut, "ChangeAvailability", connectorId=0, type="Inoperative")
        # Preparing -> Unavailable is not in the §4.9 table: through Available
        assert statuses(sut, start) == [(1, "Available"), (1, "Unavailable"), (2, "Unavailable"),
                                        (0, "Unavailable")]
        answer = await do(sut, "ChangeAvailability", connectorId=1, type="Operative")
        assert answer.payload["status"] == "Accepted"
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert statuses(sut, start)[-1] == (0, "Unavailable")  # still no charging anywhere


@asynctest
async def test_unlock_connector():
    async with booted() as sut:
        assert (await do(sut, "UnlockConnector", connectorId=1)).payload["status"] == "Unlocked"
        assert (await do(sut, "UnlockConnector", connectorId=5)).payload["status"] == "NotSupported"
        await do(sut, "SetUnlockFailure", connectorId=2, failing=True)
        assert (await do(sut, "UnlockConnector", connectorId=2)).payload["status"] == "UnlockFailed"
        await charging(sut)
        start = mark(sut)
        assert (await do(sut, "UnlockConnector", connectorId=1)).payload["status"] == "Unlocked"
        assert sent(sut, "StopTransaction", start)[0]["reason"] == "UnlockCommand"
        assert statuses(sut, start, 1) == ["Finishing"]  # OCTT TC_018_1
    async with booted(fixed_cable=True) as sut:
        await charging(sut)
        start = mark(sut)
        assert (await do(sut, "UnlockConnector", connectorId=1)).payload["status"] == "NotSupported"
        assert sent(sut, "StopTransaction", start) == []


@asynctest
async def test_fault_blocks_charging_and_recovers():
    async with booted() as sut:
        await do(sut, "SetIdTag", idTag="A", status="Accepted")
        start = mark(sut)
        await do(sut, "Fault", connectorId=1, errorCode="GroundFailure")
        await do(sut, "PlugIn", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert actions(sut, start) == ["StatusNotification"]  # OCTT TC_041
        await do(sut, "ClearFault", connectorId=1)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        assert statuses(sut, start, 1) == ["Faulted", "Preparing", "Charging"]
        start = mark(sut)
        await do(sut, "Fault", connectorId=0)
        assert statuses(sut, start) == [(1, "SuspendedEVSE"), (0, "Faulted")]
        assert sent(sut, "StatusNotification", start)[1]["errorCode"] == "OtherError"


# ---- meter values (§3.16, §4.7)


@asynctest
async def test_sampled_and_stop_transaction_data():
    async with booted() as sut:
        await configure(sut, "MeterValueSampleInterval", "600")
        await configure(sut, "MeterValuesSampledData", "Energy.Active.Import.Register,Power.Active.Import")
        await configure(sut, "StopTxnSampledData", "Energy.Active.Import.Register")
        start = mark(sut)
        await charging(sut)
        await do(sut, "AdvanceTime", seconds=1200)
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        samples = sent(sut, "MeterValues", start)
        assert len(samples) == 2
        values = samples[0]["meterValue"][0]["sampledValue"]
        assert [(v["measurand"], v["value"], v["context"]) for v in values] == [
            ("Energy.Active.Import.Register", "1833", "Sample.Periodic"),
            ("Power.Active.Import", "11000", "Sample.Periodic")]
        data = sent(sut, "StopTransaction", start)[0]["transactionData"]
        contexts = [m["sampledValue"][0]["context"] for m in data]
        assert contexts == ["Transaction.Begin", "Sample.Periodic", "Sample.Periodic", "Transaction.End"]
        assert [int(m["sampledValue"][0]["value"]) for m in data] == [0, 1833, 3666, 3666]


@asynctest
async def test_clock_aligned_meter_values():
    async with booted() as sut:
        await do(sut, "AdvanceTime", seconds=100)
        await configure(sut, "ClockAlignedDataInterval", "900")
        await configure(sut, "StopTxnAlignedData", "Energy.Active.Import.Register")
        await charging(sut)
        start = mark(sut)
        await do(sut, "AdvanceTime", seconds=900)
        aligned = sent(sut, "MeterValues", start)
        assert [(m["connectorId"], "transactionId" in m) for m in aligned] == [(1, True), (2, False)]
        assert aligned[0]["meterValue"][0]["timestamp"] == "2025-01-01T00:15:00.000Z"
        assert aligned[0]["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
        await do(sut, "PresentIdTag", connectorId=1, idTag="A")
        data = sent(sut, "StopTransaction", start)[0]["transactionData"]
        assert [m["timestamp"] for m in data] == ["2025-01-01T00:15:00.000Z"]


# ---- physical steps, persistence, idleness


@asynctest
async def test_bad_physical_steps_raise_value_error():
    async with booted() as sut:
        for step, message in [
            ({"op": "Jump"}, "unknown physical action"),
            ({"op": "PlugIn"}, "needs 'connectorId'"),
            ({"op": "PlugIn", "connectorId": 3}, "not a connector"),
            ({"op": "PlugIn", "connectorId": "1"}, "must be of type int"),
            ({"op": "PresentIdTag", "connectorId": 1, "idTag": "X" * 21}, "1 to 20"),
            ({"op": "Fault", "connectorId": 1, "errorCode": "NoError"}, "errorCode"),
            ({"op": "SetUnlockFailure", "connectorId": 1}, "needs 'failing'"),
            ({"op": "Unplug", "connectorId": 1, "force": True}, "takes no 'force'"),
        ]:
            with pytest.raises(ValueError, match=message):
                await sut.cp.perform(step)
        await do(sut, "Unplug", connectorId=1)  # nothing plugged: no change, no error


@asynctest
async def test_store_survives_a_new_charge_point_object():
    clock = VirtualClock()
    cs = CentralSystem(clock=clock, policy=CsmsPolicy(id_tags={"A": {"status": "Accepted"}}))
    await cs.start()
    memory: dict = {}
    try:
        cp = ChargePoint("CP9", cs.url, clock, Settings(validate_messages=True), memory)
        await cp.power_on()
        await cp.wait_idle()
        await cp.perform({"op": "PlugIn", "connectorId": 1})
        await cp.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "A"})
        await cp.wait_idle()
        await cp.perform({"op": "NetworkDown"})
        await cp.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "A"})
        await cp.wait_idle()
        await cp.close()
        assert [item["action"] for item in memory["queue"]] == ["StopTransaction"]
        json.dumps(memory)  # plain JSON data
        again = ChargePoint("CP9", cs.url, clock, Settings(validate_messages=True), memory)
        start = len(cs.frames)
        await again.power_on()
        await again.wait_idle()
        sent_actions = [f.action for f in cs.frames[start:] if f.direction == "cp->cs"]
        assert sent_actions[:2] == ["BootNotification", "StopTransaction"]
        assert memory["queue"] == [] and memory["transactions"] == {}
        await again.close()
    finally:
        await cs.stop()


def test_store_writes_a_json_file(tmp_path):
    path = tmp_path / "cp.json"
    store = Store(path=path)
    store["cache"]["A"] = {"status": "Accepted"}
    store.save()
    assert Store(path=path)["cache"] == {"A": {"status": "Accepted"}}


@asynctest
async def test_idle_without_sleeping_over_a_virtual_day():
    async with booted(policy={"heartbeat_interval": 300}) as sut:
        start = mark(sut)
        await do(sut, "AdvanceTime", seconds=86400)  # a virtual day: clock timers, no sleeps
        assert len(sent(sut, "Heartbeat", start)) == 288
        assert sut.cp.idle and sut.csms.idle


@asynctest
async def test_unique_ids_and_timestamps_are_deterministic():
    async def trace() -> list[str]:
        async with booted() as sut:
            await charging(sut)
            await do(sut, "AdvanceTime", seconds=42)
            await do(sut, "PresentIdTag", connectorId=1, idTag="A")
            return [f.raw for f in sut.csms.frames[sut.example_start:] if f.direction != "event"]
    assert await trace() == await trace()
