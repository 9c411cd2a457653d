"""Injected bugs of the Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile (see :mod:`.mutants`).

Each minimal trace assumes SupportedFeatureProfiles lists Reservation; the
charge point boots at the virtual clock's epoch, 2025-01-01T00:00:00Z.
"""

from __future__ import annotations

from .charge_point import ChargePoint

RESERVE_1 = {"op": "ReserveNow", "connectorId": 1, "expiryDate": "2025-01-01T00:00:30Z", "idTag": "TAG1",
             "reservationId": 1}


class ReservationNotReleasedAtExpiry(ChargePoint):
    """§5.13, OCTT TC_047_CS: at its expiryDate a reservation ends and the connector becomes
    Available; this one keeps the connector Reserved forever."""

    minimal_trace = [RESERVE_1, {"op": "AdvanceTime", "seconds": 30}]

    def _reservation_expired(self, reservation) -> bool:
        return False


class ReservedConnectorStartsForAnyIdTag(ChargePoint):
    """§5.13: a reserved connector SHALL refuse charging for every idTag but the reservation's
    idTag or parent idTag (OCTT TC_046_1_CS); this one starts for anybody."""

    minimal_trace = [RESERVE_1, {"op": "SetIdTag", "idTag": "TAG2", "status": "Accepted"},
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"}]

    def _may_use(self, c, id_tag, parent) -> bool:
        return True


class ReservationIdMissingInStartTransaction(ChargePoint):
    """§4.8, §5.13, OCTT TC_046_1_CS: the transaction that ends a reservation carries its
    reservationId in StartTransaction.req; this one ends the reservation and leaves it out."""

    minimal_trace = [RESERVE_1, {"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"},
                     {"op": "PlugIn", "connectorId": 1}, {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]

    def _consume_reservation(self, c, id_tag, parent):
        super()._consume_reservation(c, id_tag, parent)
        return None


class ReservationIgnoresParentIdTag(ChargePoint):
    """§5.13, OCTT TC_053_CS: an idTag whose parent idTag matches the reservation's may charge on
    the reserved connector; this one only admits the reserved idTag itself."""

    minimal_trace = [{"op": "SetIdTag", "idTag": "TAG2", "status": "Accepted", "parentIdTag": "GROUP1"},
                     {**RESERVE_1, "parentIdTag": "GROUP1"}, {"op": "PlugIn", "connectorId": 1},
                     {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG2"}]

    def _matches(self, reservation, id_tag, parent) -> bool:
        return id_tag == reservation["idTag"]


class ReservationSurvivesFault(ChargePoint):
    """§5.13 (3): a reservation SHALL be terminated when its connector is set to Faulted; this one
    comes back Reserved once the fault is cleared."""

    minimal_trace = [RESERVE_1, {"op": "Fault", "connectorId": 1, "errorCode": "GroundFailure"},
                     {"op": "ClearFault", "connectorId": 1}]

    def _reservation_terminated(self, reservation) -> bool:
        return False


MUTANTS: tuple[type[ChargePoint], ...] = (
    ReservationNotReleasedAtExpiry, ReservedConnectorStartsForAnyIdTag, ReservationIdMissingInStartTransaction,
    ReservationIgnoresParentIdTag, ReservationSurvivesFault,
)
