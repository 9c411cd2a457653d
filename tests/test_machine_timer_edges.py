"""The machine's rule wait_for_timer (properties/profiles/timers.py) waits to just before or just after a deadline
of a timer the Charge Point runs, judged clean on the bundled charge point; a charge point whose ConnectionTimeOut
runs out one second early (§9.1.6, errata 3.87) is caught at the early edge, one that never ends the session at the
late edge."""

from __future__ import annotations

import pytest

from adapters.chargepoint import mutants
from adapters.chargepoint.charge_point import ChargePoint
from properties.harness import ModelViolation
from properties.runner import FuzzConfig, Session, machine_class
from properties.profiles.timers import edge_wait
from test_machine_targeted_rules import run_rule

ACCEPT = {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}
CARD = {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}
CABLE = {"op": "PlugIn", "connectorId": 1}


class ConnectionTimeOutOneSecondEarly(ChargePoint):
    """Test double: the incipient session is cancelled one second before ConnectionTimeOut has passed."""

    def _arm_connection_timeout(self, c) -> None:
        self._cancel(c.preparing_timer)
        c.preparing_timer = None
        timeout = self.config.integer("ConnectionTimeOut")
        if timeout > 0:
            c.preparing_timer = self._timer(max(timeout - 1, 0), lambda: self._on_connection_timeout(c))


@pytest.fixture
def session_of(monkeypatch):
    monkeypatch.setitem(mutants.MUTANTS, ConnectionTimeOutOneSecondEarly.__name__, ConnectionTimeOutOneSecondEarly)
    opened = []

    def open_session(mutant=None, profiles="Core,Reservation"):
        opened.append(Session(FuzzConfig(feature_profiles=profiles, mutant=mutant)))
        return opened[-1]

    yield open_session
    for s in opened:
        s.close()


def wait(seconds: float) -> dict:
    return {"op": "AdvanceTime", "seconds": seconds}


@pytest.mark.parametrize("early, seconds", [(True, 59.5), (False, 60.5)])
@pytest.mark.parametrize("cable, start", [(False, [ACCEPT, CARD]), (True, [CABLE])])
def test_connection_timeout_9_1_6_edges(session_of, early, seconds, cable, start):
    steps = run_rule(session_of(), "wait_for_timer", timer="ConnectionTimeOut", early=early, c=1, cable=cable)
    assert steps == [*start, wait(seconds)]  # ConnectionTimeOut 60 (the bundled charge point's)


def test_a_running_connection_timeout_is_waited_for_not_started_again(session_of):
    s = session_of()
    machine = machine_class(s)()
    try:
        machine.boot(())
        for step in (ACCEPT, CARD, wait(30)):
            machine.do(step)
        machine.wait_for_timer(timer="ConnectionTimeOut", early=True, c=2, cable=True)
        assert machine.steps[3:] == [wait(29.5)]
    finally:
        s.end_example()


@pytest.mark.parametrize("early, seconds", [(True, 29.5), (False, 30.5)])
def test_reservation_expiry_date_5_13_edges(session_of, early, seconds):
    steps = run_rule(session_of(), "wait_for_timer", timer="expiryDate", early=early, c=2, cable=False)
    assert [s["op"] for s in steps] == ["ReserveNow", "AdvanceTime"] and steps[-1] == wait(seconds)
    assert steps[0]["connectorId"] == 2


def test_firmware_retry_interval_6_55_download_failure_with_retries_2(session_of):
    steps = run_rule(session_of(profiles="Core,FirmwareManagement"), "wait_for_timer", timer="retryInterval",
                     early=True, c=1, cable=False)
    assert steps[0] == {"op": "SetFirmwareFailure", "stage": "Download"}
    assert steps[1]["op"] == "UpdateFirmware" and (steps[1]["retries"], steps[1]["retryInterval"]) == (2, 120)
    assert steps[2:] and all(s["op"] == "AdvanceTime" for s in steps[2:])


def test_one_second_early_connection_timeout_is_caught_at_the_early_edge_only(session_of):
    s = session_of(ConnectionTimeOutOneSecondEarly.__name__)
    assert run_rule(s, "wait_for_timer", timer="ConnectionTimeOut", early=False, c=1, cable=False)[-1] == wait(60.5)
    with pytest.raises(ModelViolation, match="StatusNotReported"):
        run_rule(s, "wait_for_timer", timer="ConnectionTimeOut", early=True, c=1, cable=False)


def test_a_session_never_cancelled_is_caught_at_the_late_edge_only(session_of):
    s = session_of("NoAvailableAfterConnectionTimeOut")
    assert run_rule(s, "wait_for_timer", timer="ConnectionTimeOut", early=True, c=1, cable=False)[-1] == wait(59.5)
    with pytest.raises(ModelViolation, match="StatusNotReported"):
        run_rule(s, "wait_for_timer", timer="ConnectionTimeOut", early=False, c=1, cable=False)


def test_firmware_retries_ignored_is_caught(session_of):
    with pytest.raises(ModelViolation, match="FirmwareDownloadRetries"):
        run_rule(session_of("FirmwareRetriesIgnored", "Core,FirmwareManagement"), "wait_for_timer",
                 timer="retryInterval", early=False, c=1, cable=False)


def test_the_edge_lies_beyond_the_tolerance():
    assert edge_wait(0.0, [60.0], True, 0.0) == 59.5 and edge_wait(0.0, [60.0], False, 0.0) == 60.5
    assert edge_wait(0.0, [60.0], True, 2.0) == 57.5 and edge_wait(0.0, [60.0], False, 2.0) == 62.5
    assert edge_wait(59.8, [60.0], True, 0.0) is None and edge_wait(60.0, [60.0], False, 0.0) is None
    assert edge_wait(10.0, [100.0, 40.0], True, 0.0) == 29.5


def test_without_a_timer_or_a_clock_nothing_is_waited(session_of):
    s = session_of()
    session_capabilities = s.capabilities
    s.capabilities = session_capabilities - {"PlugIn", "PresentIdTag"}
    try:
        assert run_rule(s, "wait_for_timer", timer="ConnectionTimeOut", early=True, c=1, cable=True) == []
    finally:
        s.capabilities = session_capabilities


@pytest.mark.parametrize("early, seconds", [(True, 0.5), (False, 60.5)])
def test_a_connection_timeout_changed_while_waiting_is_waited_for_by_either_value(session_of, early, seconds):
    """§5.3, §9.1.6: a session begun before ConnectionTimeOut changed (60 -> 1) may end by either value: a wait
    before the earlier deadline, or after the later one, leaves the verdict to the model with no choice open."""
    s = session_of()
    machine = machine_class(s)()
    try:
        machine.boot(())
        for step in (ACCEPT, CARD, {"op": "ChangeConfiguration", "key": "ConnectionTimeOut", "value": "1"}):
            machine.do(step)
        machine.wait_for_timer(timer="ConnectionTimeOut", early=early, c=1, cable=False)
        assert machine.steps[3:] == [wait(seconds)]
    finally:
        s.end_example()
