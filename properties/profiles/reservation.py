"""Rules of the Reservation profile for :class:`properties.machine.OcppMachine`.

ReserveNow (§5.13) of connector 1, 2 or 0 for TAG1..TAG3, reservationId 1 or 2
(a known id replaces its reservation), expiring 30, 120 or 600 s from now,
with or without the parentIdTag the machine's SetIdTag rule gives; and
CancelReservation (§5.1) of a reservation the model knows or of an unknown id;
and a driver arriving at a reserved connector with the reserved idTag or
another one (§5.13: only the reservation's idTag or parent idTag may charge); and a reservation
sent again with its reservationId (§5.13: the Charge Point SHALL replace it).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from ..preconditions import precondition

from vocabulary.dates import iso

RESERVATION_TAGS = ("TAG1", "TAG2", "TAG3")
EXPIRIES = (30, 120, 600)
PARENT = "GROUP1"
UNKNOWN_RESERVATION_ID = 99
REPLACED = ("expiryDate", "idTag", "connectorId")
"""What the ReserveNow that replaces a reservation changes (§5.13)."""


class ReservationRules:
    """Mixed into the state machine; uses its ``do``, ``model``, ``online`` and ``connectors``."""

    @precondition(lambda self: self.online())
    @rule(c=st.sampled_from((1, 2, 0, 3)), tag=st.sampled_from(RESERVATION_TAGS), reservation_id=st.integers(1, 2),
          expiry=st.sampled_from(EXPIRIES), parent=st.booleans())
    def reserve_now(self, c, tag, reservation_id, expiry, parent):
        """Connector 3 of a two-connector charge point does not exist: Rejected (§5.13)."""
        if c > self.connectors + 1:
            return
        step = {"op": "ReserveNow", "connectorId": c, "expiryDate": iso(self.model.time + expiry), "idTag": tag,
                "reservationId": reservation_id}
        if parent:
            step["parentIdTag"] = PARENT
        self.do(step)

    @precondition(lambda self: self.online())
    @rule(known=st.booleans())
    def cancel_reservation(self, known):
        live = sorted(r.reservation_id for r in self.model.reservations.live)
        reservation_id = live[0] if known and live else UNKNOWN_RESERVATION_ID
        self.do({"op": "CancelReservation", "reservationId": reservation_id})

    @precondition(lambda self: self.online())
    @rule(c=st.integers(1, 2), change=st.sampled_from(REPLACED))
    def reserve_again(self, c, change):
        """§5.13: "If the reservationId in the request matches a reservation in the Charge Point, then the Charge
        Point SHALL replace that reservation with the new reservation in the request": connector ``c`` is reserved
        (reservationId 1) and reserved again with reservationId 1, a later expiryDate, another idTag or the other
        connector; then the Central System cancels it (§5.1), so that the connector is free for what follows."""
        if c > self.connectors:
            return
        held = next((r for r in self.model.reservations.live if r.reservation_id == 1), None)
        if held is None or held.connector_id != c:
            self.reserve_now(c, "TAG1", 1, EXPIRIES[1], False)
        tag = "TAG2" if change == "idTag" else "TAG1"
        other = 3 - c if change == "connectorId" and 3 - c <= self.connectors else c
        if self.online():
            self.reserve_now(other, tag, 1, EXPIRIES[-1] if change == "expiryDate" else EXPIRIES[1], False)
        if self.online() and any(r.reservation_id == 1 for r in self.model.reservations.live):
            self.do({"op": "CancelReservation", "reservationId": 1})

    def reserved_connector(self):
        return next((r for r in self.model.reservations.live if r.connector_id), None)

    @precondition(lambda self: self.model.powered and self.can("PlugIn") and self.can("PresentIdTag")
                  and self.can("SetIdTag") and any(r.connector_id for r in self.model.reservations.live))
    @rule(driver=st.sampled_from(("reserved", "group", "other")))
    def arrive_at_reservation(self, driver):
        """A driver plugs in at the reserved connector and presents a card: the reserved idTag, another
        idTag of the reservation's parent idTag (made Accepted with that parent first), or a stranger."""
        reservation = self.reserved_connector()
        c = reservation.connector_id
        tag = reservation.id_tag
        if driver != "reserved":
            tag = next(t for t in RESERVATION_TAGS if t != reservation.id_tag)
        if driver == "group" and reservation.parent_id_tag and self.model.policy_for(tag) != (
                "Accepted", reservation.parent_id_tag):
            self.do({"op": "SetIdTag", "idTag": tag, "status": "Accepted", "parentIdTag": reservation.parent_id_tag})
        if not self.connector(c).plugged:
            self.do({"op": "PlugIn", "connectorId": c})
        self.do({"op": "PresentIdTag", "connectorId": c, "idTag": tag})

    @precondition(lambda self: self.model.powered and self.online() and self.can("PlugIn")
                  and self.can("PresentIdTag") and self.can("SetIdTag"))
    @rule(driver=st.sampled_from(("reserved", "group", "other")))
    def reserve_for_a_group(self, driver):
        """OCTT TC_053_CS, TC_046_1_CS: connector 1 reserved for TAG1 of group GROUP1, and a driver
        arrives at once: TAG1, another idTag of GROUP1, or a stranger."""
        c = self.connector(1)
        if c.tx is not None or c.plugged or c.authorized or self.model.reservations.live:
            return
        self.reserve_now(1, "TAG1", 1, EXPIRIES[-1], True)
        if self.reserved_connector() is not None and self.model.powered:
            self.arrive_at_reservation(driver)

    @precondition(lambda self: self.online() and self.can("Fault")
                  and any(r.connector_id for r in self.model.reservations.live))
    @rule(inoperative=st.booleans())
    def interrupt_reservation(self, inoperative):
        """The reserved connector goes Faulted or Unavailable and comes back: the reservation is over (§5.13 (3))."""
        c = self.reserved_connector().connector_id
        if inoperative:
            self.do({"op": "ChangeAvailability", "connectorId": c, "type": "Inoperative"})
            self.do({"op": "ChangeAvailability", "connectorId": c, "type": "Operative"})
        elif not self.connector(c).faulted:
            self.do({"op": "Fault", "connectorId": c, "errorCode": "GroundFailure"})
            self.do({"op": "ClearFault", "connectorId": c})
