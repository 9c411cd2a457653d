"""A reservation is over as soon as the Charge Point is Unavailable, also inside a burst (OCPP 1.6 §5.13 (3), §5.1).

§5.13: "A reservation SHALL be terminated on the Charge Point when ... (3) when the Charge Point or the connector are
set to Faulted or Unavailable." The model ended such a reservation only when the step (check-log: the burst) settled,
so a CancelReservation in the same burst as the availability change was judged against it. MicroOcppSimulator fuzz
log h51 mo-53, frames 177854-177897: ChangeAvailability(0, Inoperative) Scheduled during a transaction, the connector-0
reservation 1, RemoteStopTransaction, connectors 0 and 1 Unavailable, then 35 ms later CancelReservation 1 answered
'Rejected', as §5.1 wants for a reservation it no longer has: a false CancelReservationStatus ("allowed ['Accepted']").
The expiry (§5.13 (2)) was already checked before a ReserveNow or CancelReservation is judged (3d6a3d2).
"""

from __future__ import annotations

from properties.checklog import check
from test_checklog import Log, T0, rules
from test_checklog_third_party import KEYS, RESERVATION
from vocabulary.dates import iso


def _reserved_then_unavailable(answer: str) -> Log:
    log = Log().boot(connectors=2).cs(5, "GetConfiguration", KEYS, RESERVATION)
    log.cs(10, "ReserveNow", {"connectorId": 0, "expiryDate": iso(T0 + 600), "idTag": "TAG1", "reservationId": 2},
           {"status": "Accepted"})
    log.cs(20, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}, {"status": "Accepted"})
    for c in (0, 1, 2):
        log.status(20.01, c, "Unavailable")
    return log.cs(20.05, "CancelReservation", {"reservationId": 2}, {"status": answer})


def test_5_13_a_reservation_is_over_once_the_charge_point_is_unavailable_inside_a_burst(tmp_path):
    assert rules(check([_reserved_then_unavailable("Rejected").jsonl(tmp_path / "c.jsonl")])) == set()


def test_5_1_the_reservation_ended_by_unavailable_cancelled_with_accepted_is_flagged(tmp_path):
    """The other way: it no longer has the reservation, so 'Accepted' is CancelReservationStatus."""
    assert rules(check([_reserved_then_unavailable("Accepted").jsonl(tmp_path / "c.jsonl")])) \
        == {"CancelReservationStatus"}
