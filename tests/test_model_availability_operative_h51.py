"""ChangeAvailability to Operative while a transaction runs may be 'Accepted' (OCPP 1.6 §5.2, §7.3).

MicroOcppSimulator (h51 fuzz seed 53, 11 steps): transaction on connector 2, ChangeAvailability(0, Inoperative)
answered Scheduled (connector 1, idle, Unavailable at once), then ChangeAvailability(0, Operative) answered 'Accepted'
and connector 1 reported Preparing (its cable) at once. The model wanted only 'Scheduled' because a transaction was in
progress. §7.3: 'Accepted' "Request has been accepted and will be executed", 'Scheduled' "... will be executed when
transaction(s) in progress have finished"; §5.2: "A Charge Point is considered available ("operative") when it is
charging or ready for charging", and a change "to a status it is already in" is 'Accepted'. Nothing of a change to
Operative waits for a transaction: the charging connector is operative already, the idle ones change at once.
'Scheduled' stays allowed (the bundled charge point's answer), and to Inoperative a transaction still wants it.
"""

from __future__ import annotations

import pytest

from test_model_core import Trace, charging, result, sn, step


def half_inoperative() -> Trace:
    trace = charging(Trace(), connector=2, tx_id=1)
    trace.ok(step("ChangeAvailability", connectorId=0, type="Inoperative"), result(status="Scheduled"),
             sn(1, "Unavailable"))
    return trace


def test_5_2_to_operative_with_a_transaction_may_be_accepted_at_once():
    trace = half_inoperative()
    assert trace.do(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
                    sn(1, "Available")) == []
    assert not any(c.inoperative or c.scheduled for c in trace.state.connectors)


def test_5_2_to_operative_with_a_transaction_may_still_be_scheduled():
    trace = half_inoperative()
    assert trace.do(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Scheduled"),
                    sn(1, "Available")) == []


@pytest.mark.parametrize("status", ["Accepted", "Rejected"])
def test_5_2_to_inoperative_with_a_transaction_is_still_scheduled(status):
    """The other way: to Inoperative the charging connector must wait, so only 'Scheduled'."""
    trace = charging(Trace(), connector=2, tx_id=1)
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"),
             sn(1, "Unavailable"))
    assert "ChangeAvailabilityStatus" in trace.do(step("ChangeAvailability", connectorId=0, type="Inoperative"),
                                                  result(status=status))
