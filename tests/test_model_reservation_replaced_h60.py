"""A reservation replaced onto a connector in use reserves it (OCPP 1.6 §5.13, §7.7 Reserved, §4.9).

§5.13: "If the reservationId in the request matches a reservation in the Charge Point, then the Charge Point SHALL
replace that reservation with the new reservation in the request"; the Occupied rule is for a reservationId that "does
not match any". MicroOcppSimulator (h60, fuzz seed 71 on 0cbe85e, 22 steps, replays failing): reservation 2 on
connector 2, then ReserveNow reservationId 2 for connector 1, which a cable made Preparing, answered Accepted; connector
1 reported Reserved and connector 2 Available. §7.7 Reserved: "When a Connector becomes reserved as a result of a
Reserve Now command"; the §4.9 table has that command only from Available (A7), so Preparing → Reserved was a false
StatusTransitionNotAllowed.
"""

from __future__ import annotations

from test_model_core import OTHER, TAG, charging, result, sn, step
from test_model_reservation import reserve_now, reserved, with_reservation


def replaced_onto_preparing(*observed) -> list[str]:
    trace = reserved(connector=2, reservation_id=2)
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    return trace.do(reserve_now(trace, connector=1, reservation_id=2), result(status="Accepted"), *observed)


def test_5_13_7_7_a_reservation_replaced_onto_a_preparing_connector_may_report_reserved():
    assert replaced_onto_preparing(sn(1, "Reserved"), sn(2, "Available")) == []


def test_5_13_4_9_a_reservation_replaced_onto_a_preparing_connector_may_stay_preparing():
    assert replaced_onto_preparing(sn(2, "Available")) == []


def test_4_9_preparing_to_reserved_without_a_replacement_is_still_flagged():
    """A new reservationId on a Preparing connector SHALL be 'Occupied' (§5.13): accepted anyway, the Reserved report
    that follows is still not in the table (only a replacement, which §5.13 orders, reserves a connector in use)."""
    trace = with_reservation()
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(reserve_now(trace, connector=1, tag=OTHER, reservation_id=3), result(status="Accepted"),
                    sn(1, "Reserved")) == ["ReserveNowNotOccupied", "StatusTransitionNotAllowed"]


def test_4_9_preparing_to_reserved_with_no_reservation_is_still_flagged():
    trace = with_reservation()
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert "StatusTransitionNotAllowed" in trace.do(step("AdvanceTime", seconds=1), sn(1, "Reserved"))


def test_4_9_a_replacement_onto_a_charging_connector_does_not_allow_reserved():
    """With a transaction the connector stays in use: Charging → Reserved is still not in the table."""
    trace = charging(reserved(connector=2, reservation_id=2), connector=1, tag=TAG, tx_id=1)
    rules = trace.do(reserve_now(trace, connector=1, reservation_id=2), result(status="Accepted"),
                     sn(1, "Reserved"), sn(2, "Available"))
    assert "StatusTransitionNotAllowed" in rules
