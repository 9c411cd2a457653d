"""The machine's targeted rules generate the sequences they are named for (bugs written blind, outside the
project, that the model judged but fuzzing rarely reached), judged clean on the bundled charge point, and ask
only for what the charge point can do."""

from __future__ import annotations

import pytest

from properties.harness import ModelViolation
from properties.runner import FuzzConfig, Session, machine_class

PROFILES = "Core,Reservation"


@pytest.fixture(scope="module")
def session():
    s = Session(FuzzConfig(feature_profiles=PROFILES))
    yield s
    s.close()


def run_rule(session, name: str, **arguments) -> list[dict]:
    """The steps rule ``name`` takes on a fresh charge point (a violation would raise)."""
    machine = machine_class(session)()
    try:
        machine.boot(())
        getattr(machine, name)(**arguments)
        return machine.steps
    finally:
        session.end_example()


def holds_in_order(steps: list[dict], wanted: list[dict]) -> bool:
    at = iter(steps)
    return all(step in at for step in wanted)


CARD = {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}
BLOCKED_AT_START = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, CARD,
                    {"op": "SetIdTag", "idTag": "TAG1", "status": "Blocked"}, {"op": "PlugIn", "connectorId": 1}]


def test_card_blocked_at_start_3_5_1_offline(session):
    steps = run_rule(session, "card_blocked_at_start", c=1, tag="TAG1", way="offline")
    assert steps == [*BLOCKED_AT_START, {"op": "NetworkDown"}, CARD, {"op": "NetworkUp"}]


def test_card_blocked_at_start_3_5_1_pre_authorized(session):
    steps = run_rule(session, "card_blocked_at_start", c=1, tag="TAG1", way="pre-authorized")
    assert steps == [{"op": "ChangeConfiguration", "key": "LocalPreAuthorize", "value": "true"}, *BLOCKED_AT_START, CARD]


def test_unlock_stuck_lock_5_18_during_a_transaction(session):
    steps = run_rule(session, "unlock_stuck_lock", c=1, charging=True)
    assert steps == [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
                     CARD, {"op": "SetUnlockFailure", "connectorId": 1, "failing": True},
                     {"op": "UnlockConnector", "connectorId": 1}]


def test_unlock_stuck_lock_5_18_without_a_transaction(session):
    assert run_rule(session, "unlock_stuck_lock", c=2, charging=False) == [
        {"op": "SetUnlockFailure", "connectorId": 2, "failing": True}, {"op": "UnlockConnector", "connectorId": 2}]


RESERVE = {"op": "ReserveNow", "connectorId": 1, "expiryDate": "2025-01-01T00:02:00Z", "idTag": "TAG1",
           "reservationId": 1}
CANCEL = {"op": "CancelReservation", "reservationId": 1}


@pytest.mark.parametrize("change, again", [
    ("expiryDate", {**RESERVE, "expiryDate": "2025-01-01T00:10:00Z"}),
    ("idTag", {**RESERVE, "idTag": "TAG2"}),
    ("connectorId", {**RESERVE, "connectorId": 2}),
])
def test_reserve_again_5_13_same_reservation_id(session, change, again):
    assert run_rule(session, "reserve_again", c=1, change=change) == [RESERVE, again, CANCEL]


def test_a_rule_needing_a_physical_control_is_never_drawn_without_it(session):
    machine = machine_class(session)()
    try:
        rules = {name: conditions for name, _, conditions in type(machine)._compact_rules}
        session_capabilities = session.capabilities
        session.capabilities = session_capabilities - {"SetUnlockFailure"}
        machine.boot(())
        assert not all(condition(machine) for condition in rules["unlock_stuck_lock"])
        session.capabilities = session_capabilities
        assert all(condition(machine) for condition in rules["unlock_stuck_lock"])
    finally:
        session.capabilities = session_capabilities
        session.end_example()


def test_card_blocked_at_start_offline_needs_the_network_control(session):
    session_capabilities = session.capabilities
    session.capabilities = session_capabilities - {"NetworkDown"}
    try:
        assert run_rule(session, "card_blocked_at_start", c=1, tag="TAG1", way="offline") == []
        assert holds_in_order(run_rule(session, "card_blocked_at_start", c=1, tag="TAG1", way="pre-authorized"),
                              [*BLOCKED_AT_START, CARD])
    finally:
        session.capabilities = session_capabilities


LISTED_BLOCKED = {"op": "SendLocalList", "listVersion": 1, "updateType": "Full",
                  "localAuthorizationList": [{"idTag": "TAG2", "idTagInfo": {"status": "Blocked"}}]}


@pytest.mark.parametrize("mutant, found", [(None, None),
                                           ("LocalListEntriesLostAtReboot", "LocalListConflictNotReported")])
def test_listed_card_after_reboot_3_5_2(mutant, found):
    """A list entry kept across a Soft reset must still refuse the card locally; a Charge Point that keeps the
    version but loses the entries is caught."""
    s = Session(FuzzConfig(feature_profiles="Core,LocalAuthListManagement", mutant=mutant))
    try:
        if found:
            with pytest.raises(ModelViolation, match=found):
                run_rule(s, "listed_card_after_reboot", c=1, tag="TAG2", kind="Soft")
        else:
            assert run_rule(s, "listed_card_after_reboot", c=1, tag="TAG2", kind="Soft") == [
                LISTED_BLOCKED, {"op": "SetIdTag", "idTag": "TAG2", "status": "Accepted"},
                {"op": "Reset", "type": "Soft"}, {"op": "GetLocalListVersion"}, {"op": "PlugIn", "connectorId": 1},
                {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"}]
    finally:
        s.close()
