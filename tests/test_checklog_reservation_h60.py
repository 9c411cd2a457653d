"""check-log: a reservation ends when its connector is set Unavailable, even if Operative follows in the same burst
(OCPP 1.6 §5.13 (3), §5.1).

MicroOcppSimulator fuzz log h60 mo-71 (0cbe85e), frame 891: reservation 2 (connector 2, TAG1, expiry 10 minutes
ahead), ChangeAvailability connector 2 Inoperative (Accepted, Unavailable) then Operative 0.5 s later, Heartbeats
every 5 s, and 31 s later CancelReservation 2 answered 'Rejected'. §5.13: "A reservation SHALL be terminated on the
Charge Point when ... (3) when the Charge Point or connector are set to Faulted or Unavailable", so Rejected is what
§5.1 wants ("If the Charge Point has no reservation matching the reservationId ... 'Rejected'"). Reservations ended
on Unavailable only when a step settled, and check-log settles at a burst's end, after the Operative: the reservation
was still held, a false CancelReservationStatus.
"""

from __future__ import annotations

from properties.checklog import check
from test_checklog import Log, rules, T0
from test_checklog_third_party import KEYS, RESERVATION
from vocabulary.dates import iso


def _inoperative_then_operative(cancelled: str) -> Log:
    log = Log().boot(connectors=2).cs(5, "GetConfiguration", KEYS, RESERVATION)
    log.cs(10, "ReserveNow", {"connectorId": 2, "expiryDate": iso(T0 + 600), "idTag": "TAG1", "reservationId": 2},
           {"status": "Accepted"})
    log.status(10.1, 2, "Reserved")
    log.cs(16.0, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"}, {"status": "Accepted"})
    log.status(16.01, 2, "Unavailable")
    log.cs(16.5, "ChangeAvailability", {"connectorId": 2, "type": "Operative"}, {"status": "Accepted"})
    log.status(16.51, 2, "Available")
    for t in range(20, 48, 4):
        log.cp(t, "Heartbeat", {}, {"currentTime": iso(T0 + t)})
    return log.cs(48, "CancelReservation", {"reservationId": 2}, {"status": cancelled})


def test_5_13_5_1_a_reservation_ended_by_unavailable_inside_a_burst_is_cancelled_with_rejected(tmp_path):
    assert rules(check([_inoperative_then_operative("Rejected").jsonl(tmp_path / "c.jsonl")])) == set()


def test_5_13_5_1_a_reservation_ended_by_unavailable_cancelled_with_accepted_is_still_flagged(tmp_path):
    assert rules(check([_inoperative_then_operative("Accepted").jsonl(tmp_path / "c.jsonl")])) \
        == {"CancelReservationStatus"}
