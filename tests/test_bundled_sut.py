"""BundledSut plumbing (docs/architecture.md §4) and the mutants of the bundled charge point."""

from __future__ import annotations

import asyncio
import functools
import inspect

import pytest

from adapters.bundled import BundledSut
from adapters.chargepoint import ChargePoint, Settings
from adapters.chargepoint.mutants import CORE_MUTANTS, MUTANTS, charge_point_class
from adapters.chargepoint.physical import PHYSICAL_OPS
from adapters.clock import EPOCH


def asynctest(fn):
    @functools.wraps(fn)
    def wrapper():
        asyncio.run(fn())
    return wrapper


def cp_calls(sut, action: str | None = None, since: int | None = None) -> list[dict]:
    first = sut.example_start if since is None else since
    return [f.payload for f in sut.csms.frames[first:]
            if f.direction == "cp->cs" and f.message_type == 2 and action in (None, f.action)]


async def run_trace(mutant: str | None, trace: list[dict]) -> tuple[list, list]:
    """Boot a fresh SUT, run ``trace``; return (frames of the example, outcomes of the steps)."""
    sut = BundledSut(mutant=mutant, settings=Settings(validate_messages=True))
    try:
        await sut.start()
        outcomes = [await sut.perform(step) for step in trace]
        assert sut.csms.protocol_errors() == []
        return sut.csms.frames[sut.example_start:], outcomes
    finally:
        await sut.close()


def calls(frames, action: str) -> list[dict]:
    return [f.payload for f in frames if f.direction == "cp->cs" and f.message_type == 2 and f.action == action]


def statuses(frames, connector: int) -> list[str]:
    return [p["status"] for p in calls(frames, "StatusNotification") if p["connectorId"] == connector]


def last_status(outcomes) -> str:
    return outcomes[-1].payload["status"]


# ---- life cycle and steps


@asynctest
async def test_start_boots_and_settles():
    sut = BundledSut()
    try:
        await sut.start()
        assert [p["connectorId"] for p in cp_calls(sut, "StatusNotification")] == [0, 1, 2]
        assert sut.cp.idle and sut.csms.idle
        assert sut.capabilities == PHYSICAL_OPS | {"AdvanceTime", "SetIdTag", "SetBootResponse", "FailNext"}
        assert sut.identity()["connectors"] == 2 and sut.identity()["mutant"] is None
        await sut.settle()  # already idle: returns at once
    finally:
        await sut.close()


@asynctest
async def test_fresh_starts_each_example_from_nothing():
    sut = BundledSut()
    try:
        await sut.open()
        await sut.fresh()
        await sut.start()
        await sut.perform({"op": "SetIdTag", "idTag": "A", "status": "Accepted"})
        await sut.perform({"op": "PlugIn", "connectorId": 1})
        await sut.perform({"op": "PresentIdTag", "connectorId": 1, "idTag": "A"})
        await sut.perform({"op": "AdvanceTime", "seconds": 500})
        url = sut.csms.url
        await sut.fresh()
        assert sut.clock.now() == EPOCH and sut.csms.url == url
        assert sut.csms.policy.id_tags == {} and sut.csms.policy.next_transaction_id == 1
        assert sut.example_start == len(sut.csms.frames) and not sut.cp.powered
        await sut.start()
        assert [p["status"] for p in cp_calls(sut, "StatusNotification")] == ["Available"] * 3
        assert cp_calls(sut, "StopTransaction") == []  # memory is empty: nothing queued
        assert sut.csms.frames[sut.example_start].error == "connected"
    finally:
        await sut.close()


@asynctest
async def test_environment_ops_change_the_policy():
    sut = BundledSut()
    try:
        await sut.start()
        await sut.perform({"op": "SetIdTag", "idTag": "A", "status": "Blocked", "parentIdTag": "G"})
        await sut.perform({"op": "SetBootResponse", "status": "Pending", "interval": 7})
        await sut.perform({"op": "FailNext", "action": "Heartbeat", "count": 2})
        policy = sut.csms.policy
        assert policy.id_tag_info("A") == {"status": "Blocked", "parentIdTag": "G"}
        assert (policy.boot_status, policy.heartbeat_interval) == ("Pending", 7)
        assert policy.fail_next == {"Heartbeat": 2}
        for bad, message in [({"op": "SetIdTag", "idTag": "A", "status": "Maybe"}, "status"),
                             ({"op": "SetIdTag", "status": "Accepted"}, "idTag"),
                             ({"op": "FailNext", "action": "Heartbeat", "count": -1}, "count"),
                             ({"op": "AdvanceTime", "seconds": -5}, "seconds"),
                             ({"op": "Teleport"}, "unknown op"),
                             ({"op": "PlugIn", "connectorId": 9}, "not a connector")]:
            with pytest.raises(ValueError, match=message):
                await sut.perform(bad)
    finally:
        await sut.close()


@asynctest
async def test_advance_fires_timers_in_order_and_settles_after_each():
    sut = BundledSut()
    try:
        await sut.start()
        await sut.perform({"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": "100"})
        first = len(sut.csms.frames)
        await sut.advance(1000)
        beats = [f.time - EPOCH for f in sut.csms.frames[first:]
                 if f.direction == "cp->cs" and f.action == "Heartbeat"]
        assert beats == [100.0 * i for i in range(1, 11)]
        assert sut.clock.now() == EPOCH + 1000
    finally:
        await sut.close()


@asynctest
async def test_network_and_power_events_are_recorded_within_the_step():
    sut = BundledSut()
    try:
        await sut.start()
        for op, events in [("NetworkDown", ["disconnected"]), ("NetworkUp", ["connected"]),
                           ("PowerLoss", ["disconnected"]), ("PowerOn", ["connected"])]:
            first = len(sut.csms.frames)
            await sut.perform({"op": op})
            assert [f.error for f in sut.csms.frames[first:] if f.direction == "event"] == events
    finally:
        await sut.close()


def test_charge_point_class_by_name():
    assert charge_point_class(None) is ChargePoint
    assert charge_point_class("ReadOnlyKeyAccepted") is MUTANTS["ReadOnlyKeyAccepted"]
    with pytest.raises(ValueError, match="unknown mutant 'Nope'; known mutants: .*CacheUsedWhenDisabled"):
        charge_point_class("Nope")
    with pytest.raises(ValueError):
        BundledSut(mutant="Nope")


# ---- mutants: each changes what is seen in the frames as its docstring says

EXPECTED = {
    "SoftResetReportsHardReset": (
        lambda frames, outcomes: [p["reason"] for p in calls(frames, "StopTransaction")],
        ["SoftReset"], ["HardReset"]),
    "NoAvailableAfterConnectionTimeOut": (
        lambda frames, outcomes: statuses(frames, 1)[-1], "Available", "Preparing"),
    "ReadOnlyKeyAccepted": (lambda frames, outcomes: last_status(outcomes), "Rejected", "Accepted"),
    "StopTransactionDroppedWhileOffline": (
        lambda frames, outcomes: len(calls(frames, "StopTransaction")), 1, 0),
    "RemoteStartOnConnectorZeroAccepted": (
        lambda frames, outcomes: last_status(outcomes), "Rejected", "Accepted"),
    "CacheUsedWhenDisabled": (lambda frames, outcomes: len(calls(frames, "Authorize")), 2, 1),
    "MeterStopBelowMeterStart": (
        lambda frames, outcomes: calls(frames, "StopTransaction")[0]["meterStop"]
        >= calls(frames, "StartTransaction")[0]["meterStart"], True, False),
    "ConnectorZeroStatusNotReported": (lambda frames, outcomes: statuses(frames, 0), ["Available"], []),
    "UnlockWithoutStoppingTransaction": (
        lambda frames, outcomes: [p["reason"] for p in calls(frames, "StopTransaction")],
        ["UnlockCommand"], []),
    "UnknownKeyRejectedNotNotSupported": (
        lambda frames, outcomes: last_status(outcomes), "NotSupported", "Rejected"),
    "StatusNotReportedAfterReconnect": (lambda frames, outcomes: statuses(frames, 1),
                                        ["Available", "Preparing"], ["Available"]),
    "MeterValueSampleIntervalOffByOne": (lambda frames, outcomes: len(calls(frames, "MeterValues")), 3, 2),
    "ClearCacheKeepsEntries": (lambda frames, outcomes: len(calls(frames, "Authorize")), 2, 1),
    "PowerLossReportedAsReboot": (
        lambda frames, outcomes: [p["reason"] for p in calls(frames, "StopTransaction")], ["PowerLoss"], ["Reboot"]),
    "StopTransactionNotRetried": (lambda frames, outcomes: len(calls(frames, "StopTransaction")), 2, 1),
    "NoAuthorizeForUnknownIdTag": (
        lambda frames, outcomes: len(calls(frames, "StartTransaction")), 0, 1),
}


def test_every_mutant_is_checked_and_documented():
    # the mutants of the other profiles need their profile supported: tests/test_<profile>_profile.py
    # EXPECTED holds the first mutants' frame-level checks; every mutant's minimal trace is checked to raise
    # a known, judged rule in tests/test_rules.py, and its kill in tests/test_mutants_killed.py
    assert set(EXPECTED) <= {cls.__name__ for cls in CORE_MUTANTS} and len(MUTANTS) >= 8
    for name, cls in MUTANTS.items():
        assert cls.__name__ == name and issubclass(cls, ChargePoint)
        own = [attr for attr, value in vars(cls).items() if inspect.isfunction(value)]
        assert len(own) == 1, f"{name} overrides {own}, not one method"
        assert "§" in cls.__doc__ and isinstance(cls.minimal_trace, list)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mutant_changes_behaviour_on_its_minimal_trace(name):
    observe, clean, mutated = EXPECTED[name]
    trace = MUTANTS[name].minimal_trace

    async def both():
        return await run_trace(None, trace), await run_trace(name, trace)

    (clean_frames, clean_outcomes), (mutant_frames, mutant_outcomes) = asyncio.run(both())
    assert observe(clean_frames, clean_outcomes) == clean
    assert observe(mutant_frames, mutant_outcomes) == mutated
