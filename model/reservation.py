"""The rules of the Reservation (OCPP 1.6 §3.11, §5.1, §5.13) profile.

This module must not import :mod:`model.state` or :mod:`model.core` at module
level: :mod:`model.state` imports this profile's state classes from here.

What the model knows of reservations is what ReserveNow.conf Accepted made and
what ended them since: a transaction that carried the reservationId or was
started for its idTag on its connector, the expiryDate, CancelReservation.conf
Accepted, or the connector (or the Charge Point) set Faulted or Unavailable
(§5.13 "A reservation SHALL be terminated ..."). Choices the spec leaves open
are kept:

* Whether a reservation survives a reboot (the spec does not say): after a
  reboot it is *uncertain* until the Charge Point reports its connector
  Reserved (it survived) or Available (it is gone).
* A reservation of connector 0 reserves no specific connector (§5.13): a
  free connector may be reported Reserved or Available, and another idTag may
  start a transaction (or be refused) as long as enough free connectors are
  left for the connector-0 reservations.
* A plugged cable at a reserved connector may leave it Reserved (the §4.9
  table has no Reserved → Preparing for a cable, only G2 for the reserved
  idTag) or make it Preparing.
* Another idTag presented at a reserved connector may be refused without
  Authorize.req when its parentIdTag cannot match (§5.13: the Charge Point
  only needs Authorize.req to learn the parent); a RemoteStartTransaction for
  another idTag on a reserved connector may be Accepted (and not start) or
  Rejected (§5.11 leaves it to the Charge Point).
* A second reservation of connector 0 is Occupied ("Occupied when the Charge
  Point ... has been reserved"); a reservation of a specific connector while
  connector 0 is reserved may be Occupied, and must be when it would leave no
  free connector for the connector-0 reservations.
"""

from __future__ import annotations

import contextlib

import attrs

from vocabulary.dates import seconds

from .configuration import canonical_key, value_of

RESERVE_NOW_REFUSALS = {
    "Occupied": ("ReserveNowNotOccupied", "OCPP 1.6 §5.13"),
    "Faulted": ("ReserveNowNotFaulted", "OCPP 1.6 §5.13"),
    "Unavailable": ("ReserveNowNotUnavailable", "OCPP 1.6 §5.13"),
}
"""The refusals §5.13 ties each to a condition of its own ('Rejected' is the Charge Point's free choice)."""


@attrs.frozen
class Reservation:
    """One reservation the Charge Point accepted (§5.13, §6.37); ``connector_id`` 0 is any connector.

    ``uncertain``: the Charge Point may have forgotten it (after a reboot)."""

    reservation_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry: float
    uncertain: bool = False
    made_at: float = 0.0
    """When it was accepted: a transaction that started before cannot have ended it."""
    unseen_on: frozenset[int] = frozenset()
    """Connectors that may have had a transaction the Central System could not see yet when it was
    accepted (queued behind a retry, or offline): their next StartTransaction may be that one's."""
    unvalidated: bool = True
    """No Authorize.req for its idTag came since it was accepted, and the connection stayed up (offline the Charge
    Point could not ask): "It is RECOMMENDED to validate the Identifier with an authorize.req after reception of a
    ReserveNow.req and before the start of the transaction" (§5.13)."""
    replacing: bool = False
    """Made by a ReserveNow whose reservationId matched a reservation held, which §5.13 says it "SHALL replace":
    accepted even on a connector in use, which it reserves all the same (:meth:`ReservationRules.commanded_status`)."""


@attrs.frozen(cache_hash=True)
class Reservations:
    """The reservations in force, and every reservationId ever accepted (a queued
    StartTransaction may carry one that has ended since)."""

    live: tuple[Reservation, ...] = ()
    issued: frozenset[int] = frozenset()


class ReservationRules:
    """Mixed into :class:`model.judge.Judgement` before :class:`model.core.CoreRules`."""

    # -- the book -------------------------------------------------------------

    def book(self) -> Reservations:
        return self.state.reservations

    def set_live(self, live, issued: frozenset[int] | None = None) -> None:
        book = Reservations(tuple(live), self.book().issued if issued is None else issued)
        self.state = attrs.evolve(self.state, reservations=book)

    def drop(self, reservation: Reservation) -> None:
        self.set_live(r for r in self.book().live if r.reservation_id != reservation.reservation_id)

    def find(self, reservation_id) -> Reservation | None:
        return next((r for r in self.book().live if r.reservation_id == reservation_id), None)

    def reservation_on(self, connector_id: int) -> Reservation | None:
        return next((r for r in self.book().live if r.connector_id == connector_id and connector_id), None)

    def zero_reservations(self) -> list[Reservation]:
        return [r for r in self.book().live if r.connector_id == 0]

    def doubtful(self, r: Reservation) -> bool:
        """It may already have ended in the Charge Point: after a reboot, within the tolerance of its
        expiry, or with a transaction on its connector that the Central System cannot see yet."""
        if r.uncertain or self.state.time >= r.expiry - self.state.options.tolerance:
            return True
        connectors = self.connectors() if r.connector_id == 0 else (self.state.connector(r.connector_id),)
        return any(self.hidden_tx(c) or c.offline_tags for c in connectors)

    # -- idTags ---------------------------------------------------------------

    def parents_of(self, id_tag: str) -> set[str]:
        """The parentIdTags the Charge Point may know for ``id_tag``: from an IdTagInfo it received
        (cache) or from the one the Central System would give (Authorize.conf, §5.13)."""
        cached = self.state.cached(id_tag)
        return {p for p in (cached[1] if cached else None, self.state.policy_for(id_tag)[1]) if p}

    def may_match(self, r: Reservation, id_tag: str) -> bool:
        """§5.13: the incoming idTag or its parent idTag matches the idTag or parent idTag of the reservation."""
        keys = {r.id_tag, r.parent_id_tag} - {None}
        return id_tag in keys or bool(self.parents_of(id_tag) & keys)

    def must_match(self, r: Reservation, id_tag: str) -> bool:
        """§5.13: the Charge Point surely counts ``id_tag`` in the reservation: it is the reserved idTag, or
        every parentIdTag the Charge Point may go by is the reservation's. It "MAY look it up in its Local
        Authorization List or Authorization Cache", and SHALL ask (Authorize.req) when it finds nothing
        there: a list entry without parentIdTag leaves it free to refuse."""
        if id_tag == r.id_tag:
            return True
        if r.parent_id_tag is None:
            return False
        entries = [e for e in (self.local_entry(id_tag), self.state.cached(id_tag)) if e is not None]
        return {e[1] for e in entries} | {self.state.policy_for(id_tag)[1]} == {r.parent_id_tag}

    def may_refuse(self, c, id_tag: str) -> bool:
        """A reservation of this connector, or of connector 0, may count ``id_tag`` out (:meth:`must_match`);
        true whenever :meth:`reserved_for_other` is, since :meth:`must_match` implies :meth:`may_match`."""
        r = self.reservation_on(c.id)
        reservations = [r] if r is not None else self.zero_reservations()
        return any(not self.must_match(x, id_tag) for x in reservations)

    def reserved_for_other(self, c, id_tag: str) -> bool:
        r = self.reservation_on(c.id)
        if r is not None:
            return not self.may_match(r, id_tag)
        zero = self.zero_reservations()
        return bool(zero) and not any(self.may_match(z, id_tag) for z in zero)

    def refused_here(self, c, id_tag: str) -> bool:
        """The Charge Point SHALL refuse charging for ``id_tag`` on this connector (§5.13)."""
        r = self.reservation_on(c.id)
        return r is not None and not self.doubtful(r) and not self.may_match(r, id_tag)

    def free_besides(self, connector_id: int) -> int:
        """Connectors other than this one that could still serve a connector-0 reservation (an upper bound)."""
        zero = self.state.connector(0)
        return sum(1 for c in self.connectors() if c.id != connector_id and c.tx is None and self.usable(c)
                   and not zero.faulted and self.reservation_on(c.id) is None)

    # -- Central System operations (§5.1, §5.13) -------------------------------

    def answer_ReserveNow(self, stimulus, payload) -> None:
        self.expire_reservations()
        connector_id, reservation_id = stimulus.get("connectorId"), stimulus.get("reservationId")
        replaced = self.find(reservation_id)
        if replaced is not None:
            self.drop(replaced)
        allowed = self.reserve_statuses(connector_id)
        if replaced is not None and self.doubtful(replaced):
            allowed |= {"Occupied"}
        if replaced is not None:  # §5.13: a matching reservationId "SHALL replace that reservation"; the
            allowed |= {"Accepted"}  # Occupied rule is for one that "does not match any" (MicroOcpp, session 2)
        if self.state.policy_for(stimulus.get("idTag"))[0] != "Accepted":
            allowed |= {"Rejected"}  # §5.13: "RECOMMENDED to validate the Identifier with an Authorize.req"
        if replaced is not None and payload.get("status") == "Occupied" and "Occupied" not in allowed:
            self.fail_not_replaced(stimulus, replaced, allowed)
            self.set_live(self.book().live + (replaced,))
            return
        self.expect_status(stimulus, payload, allowed, *self.reserve_now_rule(allowed))
        if payload.get("status") == "Accepted" and (connector_id == 0 or self.valid_connector(connector_id)):
            # held even where §5.13 wanted a refusal (MicroOcpp's ReserveNowNotOccupied, accepted): its
            # CancelReservation is then Accepted, §5.1
            self.reserve(stimulus, replacing=replaced is not None)
        elif replaced is not None:
            self.set_live(self.book().live + (attrs.evolve(replaced, uncertain=True),))

    @staticmethod
    def reserve_now_rule(allowed: set[str]) -> tuple[str, str]:
        """§5.13 gives each refusal a sentence of its own: "SHALL return 'Occupied' if the Charge Point or the specified
        connector are occupied", 'Faulted' if Faulted, 'Unavailable' if Unavailable. Where exactly one refusal fits, an
        answer other than it breaks that sentence: a rule of its own (ReserveNowNotOccupied, ...), so that accepting one
        charge point's known deviation (the SAP simulator's Rejected for an Unavailable connector, MicroOcpp's Accepted
        for connector 0 with every connector occupied) hides no other wrong ReserveNow status."""
        refusals = allowed - {"Rejected"}
        if len(refusals) == 1 and refusals <= RESERVE_NOW_REFUSALS.keys():
            return RESERVE_NOW_REFUSALS[next(iter(refusals))]
        return ("ReserveNowStatus", "OCPP 1.6 §5.13, §7.40")

    def fail_not_replaced(self, stimulus, replaced, allowed: set[str]) -> None:
        """§5.13: "If the reservationId in the request matches a reservation in the Charge Point, then the Charge Point
        SHALL replace that reservation with the new reservation in the request"; 'Occupied' for "reserved for the same or
        another idTag" is for a reservationId that "does not match any". An 'Occupied' that only the reservation of the
        same reservationId explains is a rule of its own, so that accepting it (the SAP simulator answers Occupied to any
        known reservationId) hides no other wrong ReserveNow status. The reservation is kept as it was."""
        self.handled.add("rule:ReservationNotReplaced")
        self.fail("ReservationNotReplaced", "OCPP 1.6 §5.13",
                  f"ReserveNow {stimulus.payload()} answered 'Occupied' though reservationId {replaced.reservation_id} "
                  f"matches the reservation of connector {replaced.connector_id}, which it SHALL replace "
                  f"(allowed {sorted(allowed)})")

    def reserve(self, stimulus, replacing: bool = False) -> None:
        expiry = seconds(stimulus.get("expiryDate"))
        r = Reservation(stimulus.get("reservationId"), stimulus.get("connectorId"), stimulus.get("idTag"),
                        stimulus.get("parentIdTag"), self.state.time if expiry is None else expiry,
                        made_at=self.state.time, replacing=replacing,
                        unseen_on=frozenset(c.id for c in self.connectors() if self.hidden_tx(c) or c.offline_tags))
        self.set_live(self.book().live + (r,), self.book().issued | {r.reservation_id})

    def reserve_statuses(self, connector_id) -> set[str]:
        """§5.13 and §7.40: Accepted, or every refusal whose condition holds (the spec orders none)."""
        if connector_id == 0:
            return self.reserve_zero_statuses()
        if not self.valid_connector(connector_id):
            return {"Rejected", "Unavailable"}
        c = self.state.connector(connector_id)
        allowed = self.with_charge_point(self.refusals(c), zero_reservation=False)
        zero = self.zero_reservations()
        if zero and self.free_besides(c.id) < len(zero):
            allowed = (allowed - {"Accepted"}) | {"Occupied"}
        elif zero and "Accepted" in allowed:
            allowed.add("Occupied")
        return allowed

    def reserve_zero_statuses(self) -> set[str]:
        """§5.13: connector 0 only with ReserveConnectorZeroSupported; then Accepted while a connector is free."""
        supported = self.zero_supported()
        if supported is False:
            return {"Rejected"}
        states = [self.refusals(c) for c in self.connectors()]
        combined = {"Accepted"} if any(s == {"Accepted"} for s in states) else set().union(*states)
        if len(combined) > 1:  # connectors refuse for different reasons: the Charge Point as a whole is
            combined.add("Occupied")  # not Faulted nor Unavailable; "occupied" (no connector left) fits too
        allowed = self.with_charge_point(combined, zero_reservation=True)
        return allowed | ({"Rejected"} if supported is None else set())

    def with_charge_point(self, allowed: set[str], zero_reservation: bool) -> set[str]:
        """The Charge Point's own state refuses any reservation: Faulted, Unavailable, or reserved as a whole."""
        zero = self.state.connector(0)
        reasons = {"Faulted"} if zero.faulted else set()
        if zero.inoperative:
            reasons.add("Unavailable")
        if zero_reservation and self.zero_reservations():
            reasons.add("Occupied")
        return reasons | (allowed & {"Faulted", "Unavailable", "Occupied"}) if reasons else allowed

    def zero_supported(self) -> bool | None:
        """ReserveConnectorZeroSupported (§9.3.1): True, False (false or not present), None (not known)."""
        value = value_of(self.state.config, "ReserveConnectorZeroSupported")
        if value is None and canonical_key("ReserveConnectorZeroSupported") in self.state.config.unsupported:
            return False
        return value if isinstance(value, bool) else None

    def refusals(self, c) -> set[str]:
        """What connector ``c`` may answer: {"Accepted"} when it is free, else its refusals (§7.40),
        with Accepted among them when the Central System cannot know."""
        reasons = {"Faulted"} if c.faulted else set()
        own = self.unavailable_for_update(c)  # "SHALL return 'Unavailable' if ... in the Unavailable state" (§5.13)
        if c.inoperative or c.scheduled == "Inoperative" or own:
            reasons.add("Unavailable")
        occupied = self.occupied(c)
        if occupied is not False:
            reasons.add("Occupied")
        if not reasons or occupied is None or (c.scheduled and c.tx is None and not c.faulted) or own:
            reasons.add("Accepted")
        return reasons

    def occupied(self, c) -> bool | None:
        """In use (a transaction, a cable, an idTag waiting, a session finishing) or reserved (§5.13);
        None when the Central System cannot know (a queued transaction message, an unplugged cable
        whose session may be over, §4.9 F1, a cable of ours that a Charge Point without a cable sensor does not
        know of, ``Options.cable_sensed``)."""
        r = self.reservation_on(c.id)
        in_use = c.tx is not None or c.plugged or c.finishing or c.authorized is not None
        unsensed = c.plugged and c.tx is None and not self.state.options.cable_sensed
        unsure = (c.uncertain or self.may_be_over(c) or self.may_have_timed_out(c) or self.hidden_tx(c) or unsensed
                  or bool(c.offline_tags) or self.queue_blocked() or (c.finishing and not c.plugged))
        if in_use:
            return None if unsure else True
        if r is not None:
            return None if self.doubtful(r) else True
        return None if unsure else False

    def answer_CancelReservation(self, stimulus, payload) -> None:
        """§5.1: Accepted when the Charge Point has the reservation, otherwise Rejected."""
        self.expire_reservations()
        r = self.find(stimulus.get("reservationId"))
        allowed = {"Rejected"} if r is None else {"Accepted", "Rejected"} if self.doubtful(r) else {"Accepted"}
        status = self.expect_status(stimulus, payload, allowed, "CancelReservationStatus", "OCPP 1.6 §5.1, §7.5")
        if r is not None and status in ("Accepted", "Rejected"):
            self.drop(r)

    def answer_RemoteStartTransaction(self, stimulus, payload) -> None:
        """On a connector reserved for another idTag the Charge Point may refuse (§5.13 "SHALL refuse
        charging") or accept and then not start (§5.11). One the Charge Point is not to authorize (AuthorizeRemoteTxRequests
        not true, §9.1.3) is the Central System's own word for the idTag: no Authorize.req is RECOMMENDED then."""
        connector_id, id_tag = stimulus.get("connectorId"), stimulus.get("idTag")
        if payload.get("status") == "Accepted" and value_of(self.state.config, "AuthorizeRemoteTxRequests") is not True:
            self.validated(id_tag)
        if not self.valid_connector(connector_id) or not self.reserved_for_other(self.state.connector(connector_id), id_tag):
            super().answer_RemoteStartTransaction(stimulus, payload)
            return
        status = self.expect_status(stimulus, payload, {"Accepted", "Rejected"}, "RemoteStartTransactionStatus",
                                    "OCPP 1.6 §5.11, §5.13")
        if status == "Accepted":
            super().answer_RemoteStartTransaction(stimulus, payload)  # the other profiles' part too (a TxProfile)

    # -- Core hooks: authorization and starting ---------------------------------

    def present(self, c, id_tag: str) -> None:
        """An idTag that cannot match the reservation is refused; no Authorize.req is needed (§5.13)."""
        super().present(c, id_tag)
        if self.refused_here(c, id_tag):
            changes = {"presented": None}
            if self.state.connector(c.id).authorized == id_tag:  # taken from the cache (LocalPreAuthorize), refused
                changes |= self.card_before(c, id_tag)
            self.update(c.id, **changes)
        elif self.may_refuse(c, id_tag):  # decided now, on what the Charge Point knew now
            self.keep_earlier_card(c, id_tag)

    @staticmethod
    def card_before(c, id_tag: str) -> dict:
        """The authorization ``c`` had before ``id_tag`` was refused there: a card of the reservation's idTag waiting
        for its cable (Preparing) may still wait, or have been given up for the card refused (uncertain: the spec says
        neither; the bundled charge point kept it, nightly seed 1480)."""
        if c.authorized in (None, id_tag):
            return {"authorized": None, "authorized_at": None}
        return {"authorized": c.authorized, "authorized_at": c.authorized_at, "uncertain": True}

    def authorize(self, connector_id: int, id_tag: str) -> None:
        """An idTag the Central System accepted (Authorize.conf, or its own RemoteStartTransaction, §5.11) that the
        reservation refuses (§5.13) is refused for the reservation only: no start is owed, and a start of it is
        ReservedConnectorStartedForAnotherIdTag alone, not StartTransactionWithoutAuthorization as well (sim-mo:
        MicroOcppSimulator starts a RemoteStartTransaction of another idTag on a reserved connector)."""
        c = self.state.connector(connector_id)
        if self.refused_here(c, id_tag):
            self.update(connector_id, presented=None, authorized=id_tag, authorized_at=self.state.time)
            self.keep_earlier_card(c, id_tag)
            return
        super().authorize(connector_id, id_tag)
        if self.reserved_for_other(c, id_tag):
            self.discharge(lambda o: o.action == "StartTransaction" and o.connector == connector_id)
            self.keep_earlier_card(c, id_tag)

    def keep_earlier_card(self, before, id_tag: str) -> None:
        """``id_tag`` may be refused for a reservation (§5.13): the card authorized ``before`` it may still
        be the one the connector waits for."""
        earlier = {before.authorized} - {None, id_tag}
        alternatives = self.state.connector(before.id).alternatives | earlier
        self.update(before.id, uncertain=True, alternatives=alternatives)

    def owe_start(self, c, id_tag: str) -> None:
        """No start is owed to an idTag a reservation may refuse (§5.13): however it was authorized
        (Authorize.conf, or the cache with LocalPreAuthorize, §3.5) and whenever the cable comes, a
        connector-0 reservation of another idTag may hold this connector; StartTransaction checks it."""
        if self.may_refuse(c, id_tag):  # reserved_for_other implies it
            self.update(c.id, uncertain=True)
            return
        super().owe_start(c, id_tag)

    def cp_StartTransaction(self, call) -> None:
        connector_id = call.payload.get("connectorId")
        before, known = len(self.violations), self.state.cached(call.payload.get("idTag"))
        if self.valid_connector(connector_id) and self.state.connector(connector_id).tx is None:
            with self.reservations_before(connector_id, seconds(call.payload.get("timestamp")),
                                          call.payload.get("reservationId")):
                self.check_reservation_start(connector_id, call.payload.get("idTag"),
                                             call.payload.get("reservationId"))
        super().cp_StartTransaction(call)
        self.one_deviation(before, known)

    def one_deviation(self, before: int, known) -> None:
        """An idTag the Central System had accepted (``known``: its idTagInfo before this StartTransaction),
        started on a connector reserved for another: the start was refused only for the reservation (§5.13),
        so it is ReservedConnectorStartedForAnotherIdTag and not StartTransactionWithoutAuthorization as well
        (MicroOcppSimulator, sim-triage session 2)."""
        found = self.violations[before:]
        if any(v.rule == "ReservedConnectorStartedForAnotherIdTag" for v in found) and known and known[0] == "Accepted":
            self.violations[before:] = [v for v in found if v.rule != "StartTransactionWithoutAuthorization"]

    @contextlib.contextmanager
    def reservations_before(self, connector_id: int, started: float | None, reservation_id=None):
        """A StartTransaction may have waited in the queue behind a retry or while offline (§3.7): only a
        reservation accepted before its transaction began can be the one it ended (§5.13). The others
        are set aside for this start, but never the one whose reservationId it carries (§4.8). On a connector of
        ``unseen_on`` more than one transaction may have begun (and ended) unseen before the reservation, stamped at
        the very time it was accepted (nightly seed 1200): each start stamped no later than that is set aside, and
        keeps the connector in ``unseen_on``; one stamped after it began after the reservation and is judged; one
        without a timestamp is taken for the one transaction that was unseen."""
        slack = self.state.options.tolerance
        stamped_before = lambda r: started is None or started <= r.made_at + slack  # noqa: E731
        later = tuple(r for r in self.book().live if r.reservation_id != reservation_id and (
                      (connector_id in r.unseen_on and stamped_before(r))
                      or (started is not None and r.made_at > started + slack)))
        if later:
            self.set_live(r for r in self.book().live if r not in later)
        try:
            yield
        finally:
            if later:
                seen = tuple(r if started is not None else attrs.evolve(r, unseen_on=r.unseen_on - {connector_id})
                             for r in later)
                self.set_live(self.book().live + seen)

    def check_reservation_start(self, connector_id: int, id_tag: str, reservation_id) -> None:
        """§4.8, §5.13: a transaction that ends a reservation carries its reservationId; a reserved
        connector starts only for the reservation's idTag or parent idTag."""
        if reservation_id is not None:
            self.check_reservation_id(id_tag, reservation_id)
            return
        r = self.reservation_on(connector_id)
        if r is not None:
            self.drop(r)
            if not self.doubtful(r):
                self.fail_reserved_start(r, connector_id, id_tag)
            return
        zero = self.zero_reservations()
        matching = [z for z in zero if self.may_match(z, id_tag)]
        exact = [z for z in matching if z.id_tag == id_tag]
        if exact:
            self.drop(exact[0])
            if not self.doubtful(exact[0]):
                self.fail_reserved_start(exact[0], connector_id, id_tag)
            return
        if matching:  # the Charge Point may or may not have counted it as the reserved group
            self.set_live(attrs.evolve(x, uncertain=True) if x is matching[0] else x for x in self.book().live)
            return
        certain = [z for z in zero if not self.doubtful(z)]
        if certain and self.free_besides(connector_id) < len(certain):
            self.fail("ReservedConnectorStartedForAnotherIdTag", "OCPP 1.6 §5.13",
                      f"{id_tag!r} started on connector {connector_id}, leaving no connector for "
                      f"reservation {certain[0].reservation_id} of connector 0 ({certain[0].id_tag!r})")

    def fail_reserved_start(self, r: Reservation, connector_id: int, id_tag: str) -> None:
        if self.may_match(r, id_tag):
            self.fail("ReservationIdMissingInStartTransaction", "OCPP 1.6 §4.8, §5.13, OCTT TC_046_1_CS",
                      f"the transaction of {id_tag!r} on connector {connector_id} ends reservation "
                      f"{r.reservation_id}, but StartTransaction.req has no reservationId")
        else:
            self.fail("ReservedConnectorStartedForAnotherIdTag", "OCPP 1.6 §5.13",
                      f"{id_tag!r} started on connector {connector_id}, reserved for {r.id_tag!r}"
                      + (f" (parent {r.parent_id_tag!r})" if r.parent_id_tag else "")
                      + f" by reservation {r.reservation_id}")

    def check_reservation_id(self, id_tag: str, reservation_id) -> None:
        r = self.find(reservation_id)
        if r is None:
            if reservation_id not in self.book().issued:
                self.fail("StartTransactionUnknownReservationId", "OCPP 1.6 §4.8, §6.45",
                          f"StartTransaction.req carries reservationId {reservation_id}, never reserved")
            return
        self.drop(r)
        if not self.may_match(r, id_tag):
            self.fail("ReservationUsedByAnotherIdTag", "OCPP 1.6 §5.13",
                      f"{id_tag!r} used reservation {reservation_id} of {r.id_tag!r}")
        elif r.unvalidated and id_tag == r.id_tag:
            self.fail("ReservedIdTagNotValidated", "OCPP 1.6 §5.13",
                      f"the transaction of {id_tag!r} started with reservation {reservation_id}, but no Authorize.req "
                      "validated its idTag after the ReserveNow.req (RECOMMENDED)")

    def cp_Authorize(self, call) -> None:
        """An Authorize.req for a reservation's idTag validates it (§5.13)."""
        super().cp_Authorize(call)
        self.validated(call.payload.get("idTag"))

    def validated(self, id_tag) -> None:
        """The reservations of ``id_tag`` need no Authorize.req any more (Reservation.unvalidated)."""
        if any(r.unvalidated and r.id_tag == id_tag for r in self.book().live):
            self.set_live(attrs.evolve(r, unvalidated=False) if r.id_tag == id_tag else r for r in self.book().live)

    def connection(self, event) -> None:
        """Offline the Charge Point cannot validate an idTag (§5.13): its reservations are not judged for it."""
        super().connection(event)
        if not event.connected and any(r.unvalidated for r in self.book().live):
            self.set_live(attrs.evolve(r, unvalidated=False) for r in self.book().live)

    # -- status (§4.9) ----------------------------------------------------------

    def settled_statuses(self, c) -> set[str]:
        statuses = super().settled_statuses(c)
        if not self.book().live:  # no reservation: every branch below gives statuses
            return statuses
        busy = c.tx is not None and not self.may_be_over(c)  # one that may be over may be reserved again
        if c.id == 0 or busy or not self.usable(c) or self.state.connector(0).faulted:
            return statuses
        r = self.reservation_on(c.id)
        if r is None:
            return statuses | {"Reserved"} if self.zero_reservations() else statuses
        if c.authorized is not None and self.must_match(r, c.authorized) and not (c.uncertain or self.doubtful(r)):
            return statuses if not self.may_have_timed_out(c) else statuses | {"Reserved"}
        if self.doubtful(r) or statuses != {"Available"}:
            return statuses | {"Reserved"}
        return {"Reserved"}

    def check_settled_status(self, c, allowed=None) -> None:
        if c.id:
            allowed = self.settled_statuses(c)
            if self.status_may_wait(self.note_status_change(c, allowed)):  # §4.9, §9.1.20
                return
            if c.reported == "Reserved" and "Reserved" not in allowed and self.reservation_on(c.id) is None:
                self.fail("ReservedAfterReservationEnded", "OCPP 1.6 §5.13, §5.1, §4.9 G1",
                          f"connector {c.id} still reported Reserved, but it is now {'/'.join(sorted(allowed))}")
                return
            if allowed == {"Reserved"} and c.reported != "Reserved":
                self.fail("ReservedStatusNotReported", "OCPP 1.6 §5.13, §4.9 A7, OCTT TC_046_1_CS",
                          f"connector {c.id} is reserved but last reported {c.reported}")
                return
        super().check_settled_status(c, allowed)

    def commanded_status(self, c, status: str) -> bool:
        """§5.13 "SHALL replace that reservation with the new reservation in the request" whatever the connector is
        doing (the Occupied rule is for a reservationId that "does not match any"): a replacement onto a connector in
        use without a transaction (Preparing, Finishing) reserves it, and §7.7 Reserved is the status of a connector
        that "becomes reserved as a result of a Reserve Now command". The §4.9 table foresees that command only from
        Available (A7); from the others it is the command's doing, as Unavailable is ChangeAvailability's (MicroOcpp,
        h60 mo-71: reservation 2 replaced onto a Preparing connector 1, reported Reserved)."""
        r = self.reservation_on(c.id) if c.id else None
        return super().commanded_status(c, status) or (
            status == "Reserved" and r is not None and r.replacing and c.tx is None)

    def set_availability(self, c, inoperative: bool) -> None:
        """§5.13: a reservation SHALL be terminated "(3) when the Charge Point or connector are set to ... Unavailable":
        at once, not when the step settles, by which time an Operative may have followed (check-log settles only at a
        burst's end: h60 mo-71, Inoperative then Operative 0.5 s apart inside a burst of Heartbeats kept reservation 2,
        and its CancelReservation 31 s later answered 'Rejected' was a false CancelReservationStatus)."""
        super().set_availability(c, inoperative)
        if inoperative:
            self.expire_reservations()

    def on_Fault(self, stimulus) -> None:
        """§5.13: a reservation SHALL be terminated "(3) when the Charge Point or connector are set to Faulted": at once,
        as for Unavailable, not when the step settles, by which time the fault may have cleared (check-log settles only
        at a burst's end: the clean bundled charge point's Reserved, Faulted, Available at one instant kept the
        reservation, so no cleared fault explained the Available, fuzz seed 7, 30 examples, CP001#6)."""
        super().on_Fault(stimulus)
        self.expire_reservations()

    def cp_StatusNotification(self, call) -> None:
        """After a reboot the connector's status tells whether its reservation survived."""
        super().cp_StatusNotification(call)
        r = self.reservation_on(call.payload.get("connectorId") or 0)
        if r is None or not r.uncertain:
            return
        status = call.payload.get("status")
        if status == "Reserved":
            self.set_live(attrs.evolve(x, uncertain=False) if x is r else x for x in self.book().live)
        elif status == "Available" and not r.connector_id:  # connector 0 never shows Reserved (§4.9)
            self.drop(r)

    def forgotten(self, r: Reservation) -> bool:
        """An uncertain reservation whose connector ended the step Available was forgotten; an Available on the
        way (a card taken back, then Reserved again, §4.9 B1, A7) decides nothing."""
        return r.uncertain and bool(r.connector_id) and self.state.connector(r.connector_id).reported == "Available"

    # -- ending reservations ------------------------------------------------------

    def reboot(self, why: str) -> None:
        """Whether reservations survive a reboot is left open by the spec: they become uncertain."""
        self.set_live(attrs.evolve(r, uncertain=True) for r in self.book().live)
        super().reboot(why)

    def settle(self) -> None:
        for r in self.book().live:
            if self.expired(r) or self.terminated(r):
                self.release(r)
            elif self.forgotten(r):
                self.drop(r)
        super().settle()

    def expire_reservations(self) -> None:
        """§5.13: "A reservation SHALL be terminated on the Charge Point when ... (2) when the time specified in
        expiryDate is reached": past it (and the tolerance) a reservation is over before a ReserveNow or
        CancelReservation is judged, not only when the step settles (check-log settles only at a burst's end; a
        MicroOcpp log with a frame every 4 s had its expired reservation still live 10 s later: sim-h44 cause C). So
        is one whose Charge Point or connector is Faulted or Unavailable, (3) (h51 mo-53: a CancelReservation 35 ms
        after connector 0 went Unavailable)."""
        for r in self.book().live:
            if self.expired(r) or self.terminated(r):
                self.release(r)

    def expired(self, r: Reservation) -> bool:
        """§5.13 (2): past its expiryDate, and the tolerance."""
        return self.state.time >= r.expiry + self.state.options.tolerance

    def terminated(self, r: Reservation) -> bool:
        """§5.13 (3): the Charge Point or the connector set to Faulted or Unavailable."""
        zero = self.state.connector(0)
        if zero.faulted or zero.inoperative:
            return True
        c = self.state.connector(r.connector_id)
        return bool(r.connector_id) and (c.faulted or c.inoperative)

    def release(self, r: Reservation) -> None:
        """The reservation ends; an idTag authorized on its strength may be dropped with it."""
        self.drop(r)
        if r.connector_id and self.state.connector(r.connector_id).authorized is not None:
            self.update(r.connector_id, uncertain=True)
