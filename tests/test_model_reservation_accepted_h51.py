"""A reservation the Charge Point accepted though §5.13 wanted a refusal is held all the same (OCPP 1.6 §5.13, §5.1).

MicroOcpp answers ReserveNow for connector 0 'Accepted' while every connector has a transaction (docs/external.md
`ReserveNowNotOccupied`, a known deviation that runs accept). It holds that reservation: the Central System's
CancelReservation of it is answered 'Accepted', as §5.1 wants ("If the Charge Point has a reservation matching the
reservationId in the request PDU, it SHALL return status 'Accepted'"). The model left the reservation out of its state
after the wrong 'Accepted', so with the deviation accepted the cancel was a false CancelReservationStatus (check-log of
the MicroOcppSimulator fuzz log h51 mo-52, frame 1804: ReserveNow(0, reservationId 1) Accepted at frame 1770 with
transactions on connectors 1 and 2, then CancelReservation 1 Accepted).
"""

from __future__ import annotations

from test_model_core import OTHER, TAG, charging, result
from test_model_reservation import cancel, reserve_now, with_reservation


def occupied_then_reserved_anyway():
    trace = with_reservation(zero="true")
    charging(trace, connector=1, tag=TAG, tx_id=1)
    charging(trace, connector=2, tag=OTHER, tx_id=2)
    assert trace.do(reserve_now(trace, connector=0, tag=TAG, reservation_id=1), result(status="Accepted")) \
        == ["ReserveNowNotOccupied"]
    return trace


def test_5_13_reservation_accepted_while_occupied_is_held():
    trace = occupied_then_reserved_anyway()
    assert [r.reservation_id for r in trace.state.reservations.live] == [1]


def test_5_1_cancel_of_the_reservation_accepted_while_occupied_is_accepted():
    trace = occupied_then_reserved_anyway()
    assert trace.do(cancel(1), result(status="Accepted")) == []


def test_5_1_cancel_of_the_reservation_accepted_while_occupied_is_not_rejected():
    """The other way: the Charge Point holds it, so 'Rejected' is still CancelReservationStatus."""
    trace = occupied_then_reserved_anyway()
    assert trace.do(cancel(1), result(status="Rejected")) == ["CancelReservationStatus"]


def test_5_13_reservation_refused_while_occupied_is_not_held():
    """Occupied, as §5.13 wants: no reservation, and its cancel is 'Rejected'."""
    trace = with_reservation(zero="true")
    charging(trace, connector=1, tag=TAG, tx_id=1)
    charging(trace, connector=2, tag=OTHER, tx_id=2)
    trace.ok(reserve_now(trace, connector=0, tag=TAG, reservation_id=1), result(status="Occupied"))
    assert trace.state.reservations.live == ()
    assert trace.do(cancel(1), result(status="Accepted")) == ["CancelReservationStatus"]
