"""The Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile of the bundled charge point.

Active when SupportedFeatureProfiles lists Reservation; otherwise every
operation of the profile is refused (:func:`.unsupported.refuse`).

Choices where the specification leaves freedom:

* Reservations are kept in the store: they survive a reboot and a power loss
  until their expiryDate (the spec does not say).
* A reservation of connector 0 (ReserveConnectorZeroSupported, §9.3.1, true
  unless Settings.configuration says "false") holds no connector while more
  connectors are free than there are such reservations; the free connectors
  that must stay free for them are reported Reserved.
* A connector counts as free when no transaction, cable, waiting idTag or
  finishing session is there and it may charge. ReserveNow answers the first
  refusal that holds, in the order Faulted, Unavailable, Occupied (§7.40); a
  second reservation of connector 0 is Occupied ("the Charge Point ... has
  been reserved", §5.13).
* A cable plugged in at a reserved connector leaves it Reserved; the reserved
  idTag (or one with the same parentIdTag, learned from Authorize.conf or the
  cache) makes it Preparing (G2). Another idTag is authorized as usual and then
  refused; RemoteStartTransaction for it is Accepted and then not started.
* Whether an idTag may use a connector is checked when it is authorized and again
  when the transaction would start: an idTag waiting for its cable is dropped when
  a connector-0 reservation made since needs that connector (§5.13 "at any time
  during the validity of the reservation").
"""

from __future__ import annotations

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from adapters.clock import parse_iso

from .keys import Key, boolean
from .unsupported import refuse

PROFILE = "Reservation"


def keys(settings) -> list[Key]:
    """§9.3.1 ReserveConnectorZeroSupported (read-only): true unless Settings.configuration sets "false"."""
    value = boolean(settings.configuration.get("ReserveConnectorZeroSupported", "true")) or "true"
    return [Key("ReserveConnectorZeroSupported", value, boolean, read_only=True)]


class Reservations:
    """Mixed into :class:`.charge_point.ChargePoint`. ``store["reservations"]`` maps a reservationId
    (as a string) to {connectorId, idTag, parentIdTag, expiry (seconds)}."""

    _reservation_timer = None

    # ---- ReserveNow (§5.13)

    @on(Action.reserve_now, skip_schema_validation=True)
    def on_reserve_now(self, connector_id: int, reservation_id: int, **_):
        if not self._supports(PROFILE):
            return refuse(Action.reserve_now)
        return call_result.ReserveNow(status=self._reserve_status(connector_id, reservation_id))

    @after(Action.reserve_now)
    def after_reserve_now(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
                          parent_id_tag: str | None = None, **_):
        if not self._supports(PROFILE) or self._reserve_status(connector_id, reservation_id) != "Accepted":
            return
        self._book()[str(reservation_id)] = {"connectorId": connector_id, "idTag": id_tag,
                                             "parentIdTag": parent_id_tag, "expiry": parse_iso(expiry_date)}
        self.store.save()
        self._update()

    def _reserve_status(self, connector_id: int, reservation_id: int) -> str:
        """§5.13: a known reservationId is replaced, so it does not count against the new one."""
        others = {k: r for k, r in self._book().items() if k != str(reservation_id)}
        if connector_id == 0:
            return self._reserve_zero_status(others)
        if not 1 <= connector_id < len(self.connectors):
            return "Rejected"
        c = self.connectors[connector_id]
        if c.fault or self.connectors[0].fault:
            return "Faulted"
        if self._inoperative(c):
            return "Unavailable"
        if not self._reservable(c, others) or self._zero_count(others) > self._free_count(others, besides=c):
            return "Occupied"
        return "Accepted"

    def _reserve_zero_status(self, others: dict) -> str:
        if not self.config.boolean("ReserveConnectorZeroSupported"):
            return "Rejected"
        if self.connectors[0].fault:
            return "Faulted"
        if self._inoperative(self.connectors[0]):
            return "Unavailable"
        if self._zero_count(others) or self._free_count(others) == 0:
            return self._why_none_free()
        return "Accepted"

    def _why_none_free(self) -> str:
        connectors = self.connectors[1:]
        if all(c.fault for c in connectors):
            return "Faulted"
        if all(self._inoperative(c) for c in connectors):
            return "Unavailable"
        return "Occupied"

    # ---- CancelReservation (§5.1)

    @on(Action.cancel_reservation, skip_schema_validation=True)
    def on_cancel_reservation(self, reservation_id: int, **_):
        if not self._supports(PROFILE):
            return refuse(Action.cancel_reservation)
        known = str(reservation_id) in self._book()
        return call_result.CancelReservation(status="Accepted" if known else "Rejected")

    @after(Action.cancel_reservation)
    def after_cancel_reservation(self, reservation_id: int, **_):
        if self._supports(PROFILE) and self._book().pop(str(reservation_id), None) is not None:
            self.store.save()
            self._update()

    # ---- the book

    def _book(self) -> dict:
        return self.store.data.setdefault("reservations", {})

    def _specific(self, c, book: dict | None = None) -> dict | None:
        book = self._book() if book is None else book
        return next((r for r in book.values() if r["connectorId"] == c.id), None)

    def _zero_count(self, book: dict | None = None) -> int:
        book = self._book() if book is None else book
        return sum(1 for r in book.values() if r["connectorId"] == 0)

    def _reservable(self, c, book: dict | None = None) -> bool:
        """Nobody uses the connector and it may charge: it can be reserved (§7.40 Occupied otherwise)."""
        return (c.transaction is None and not c.plugged and c.pending_tag is None and not c.finishing
                and self._can_charge(c) and self._specific(c, book) is None)

    def _free_count(self, book: dict | None = None, besides=None) -> int:
        return sum(1 for c in self.connectors[1:] if c is not besides and self._reservable(c, book))

    def _review_reservations(self) -> None:
        """§5.13: a reservation ends at its expiryDate and when its connector, or the Charge Point,
        is Faulted or Unavailable; the timer wakes the charge point at the next expiryDate."""
        book = self._book()
        ended = [k for k, r in book.items() if self._reservation_expired(r) or self._reservation_terminated(r)]
        for key in ended:
            del book[key]
        if ended:
            self.store.save()
        self._cancel(self._reservation_timer)
        self._reservation_timer = None
        future = [r["expiry"] for r in book.values() if r["expiry"] > self.clock.now()]
        if future and self._powered:
            self._reservation_timer = self._timer_at(min(future), self._update)

    def _reservation_expired(self, reservation: dict) -> bool:
        return reservation["expiry"] <= self.clock.now()

    def _reservation_terminated(self, reservation: dict) -> bool:
        zero = self.connectors[0]
        if zero.fault or self._inoperative(zero):
            return True
        c = self.connectors[reservation["connectorId"]]
        return c.id != 0 and (c.fault is not None or self._inoperative(c))

    # ---- seams of the charge point

    def _shows_reserved(self, c) -> bool:
        """§4.9 Reserved: reserved for an idTag, or one of the last free connectors a connector-0
        reservation needs."""
        if self._specific(c) is not None:
            return True
        zero = self._zero_count()
        return bool(zero) and self._reservable(c) and self._free_count() <= zero

    def _matches(self, reservation: dict, id_tag: str, parent: str | None) -> bool:
        """§5.13: the incoming idTag or its parent idTag matches the idTag or parent idTag of the reservation."""
        keys = {reservation["idTag"], reservation["parentIdTag"]} - {None}
        return id_tag in keys or parent in keys

    def _may_use(self, c, id_tag: str, parent: str | None) -> bool:
        """§5.13: a reserved connector refuses charging to every other idTag; a connector-0 reservation
        keeps one free connector per reservation."""
        specific = self._specific(c)
        if specific is not None:
            return self._matches(specific, id_tag, parent)
        zero = [r for r in self._book().values() if r["connectorId"] == 0]
        if not zero or any(self._matches(r, id_tag, parent) for r in zero):
            return True
        return self._free_count(besides=c) >= len(zero)

    def _consume_reservation(self, c, id_tag: str, parent: str | None) -> int | None:
        """The reservation this transaction ends (§5.13 (1)), removed; its id goes in StartTransaction.req (§4.8)."""
        book = self._book()
        for key, r in list(book.items()):
            if r["connectorId"] in (c.id, 0) and self._matches(r, id_tag, parent) and (
                    r["connectorId"] or self._specific(c) is None):
                del book[key]
                self.store.save()
                return int(key)
        return None
