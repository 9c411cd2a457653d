"""Named properties of the model's own state ("always" properties).

Each invariant holds in every state the model reaches after a step it judged
without a violation, whatever the Charge Point did. A broken invariant is a
bug of the model, not of the Charge Point: the state it keeps no longer
describes any Charge Point the spec allows. :func:`broken` names them as
:class:`~model.violations.Violation` values (rule ``Invariant<Name>``), so an
explorer reports them like any other finding.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from .judge import Judgement
from .state import ChargePointState
from .violations import Violation

Check = Callable[[ChargePointState], "str | None"]
"""What is wrong with the state, or None."""


def _repeated(values: Iterable) -> list:
    values = list(values)
    if len(set(values)) == len(values):  # the usual case, checked every step: no Counter needed
        return []
    return sorted((v for v, n in Counter(values).items() if n > 1), key=repr)


def connectors_in_order(state: ChargePointState) -> str | None:
    ids = [c.id for c in state.connectors]
    if ids != list(range(state.options.number_of_connectors + 1)):
        return f"connectors are {ids}, expected 0..{state.options.number_of_connectors}"
    return None


def no_transaction_on_connector_zero(state: ChargePointState) -> str | None:
    tx = state.connector(0).tx
    return None if tx is None else f"connector 0 holds a transaction of {tx.id_tag!r}"


def one_connector_per_transaction(state: ChargePointState) -> str | None:
    """Each transactionId on one connector at most; -1 is no id: the messages of every transaction whose
    StartTransaction was given up carry it (errata 3.18)."""
    held = _repeated(c.tx.transaction_id for c in state.connectors
                     if c.tx and c.tx.transaction_id is not None and c.tx.transaction_id != -1)
    return f"transactionIds {held} are held by more than one connector" if held else None


def running_transaction_not_stopped(state: ChargePointState) -> str | None:
    both = sorted(c.tx.transaction_id for c in state.connectors
                  if c.tx and c.tx.transaction_id not in (None, -1) and c.tx.transaction_id in state.stopped)
    return f"transactionIds {both} are running and stopped" if both else None


def one_entry_per_id_tag(state: ChargePointState) -> str | None:
    for name, entries in (("authorization cache", state.cache), ("Central System's answers", state.policy),
                          ("Local Authorization List", state.local_list.entries)):
        twice = _repeated(e[0] for e in entries)
        if twice:
            return f"the {name} has more than one entry for {twice}"
    return None


def reserved_connector_has_its_reservation(state: ChargePointState) -> str | None:
    """While the Charge Point can report (powered, online, registered), a connector last reported
    Reserved is covered by a reservation; one that ended while it could not report is reported later."""
    if state.rebooting or state.registration != "Accepted" or not (state.online and state.powered):
        return None
    live = state.reservations.live
    for c in state.connectors[1:]:
        if c.reported == "Reserved" and not any(r.connector_id in (c.id, 0) for r in live):
            return f"connector {c.id} was last reported Reserved but no reservation covers it"
    return None


def live_reservations_issued(state: ChargePointState) -> str | None:
    book = state.reservations
    unknown = sorted(r.reservation_id for r in book.live if r.reservation_id not in book.issued)
    twice = _repeated(r.reservation_id for r in book.live)
    if unknown:
        return f"live reservations {unknown} were never accepted"
    return f"reservationIds {twice} are live twice" if twice else None


def no_reservation_past_expiry(state: ChargePointState) -> str | None:
    late = sorted(r.reservation_id for r in state.reservations.live
                  if not r.uncertain and state.time >= r.expiry + state.options.tolerance)
    return f"reservations {late} are past their expiryDate but still live" if late else None


def nothing_owed_overdue(state: ChargePointState) -> str | None:
    """At the end of a step, what was owed by then either came or was a violation; only messages that
    wait (for the transaction queue, the registration, a connection) may be past due."""
    due = [o for o in state.owed if o.action != "MayStopTransaction" and o.due <= state.time]
    if not (due and state.online and state.powered):
        return None
    judgement = Judgement(state)
    overdue = [o for o in due if not judgement.waits_for_start(o) and not judgement.waits_for_registration(o)]
    return "; ".join(f"{o.action} ({o.rule}) due {state.time - o.due:.0f}s ago" for o in overdue) or None


def plug_and_card_times(state: ChargePointState) -> str | None:
    for c in state.connectors:
        if (c.plugged_at is not None) != c.plugged:
            return f"connector {c.id}: plugged {c.plugged} but plugged_at {c.plugged_at}"
        if c.authorized is not None and c.authorized_at is None:
            return f"connector {c.id}: {c.authorized!r} authorized at no time"
    return None


INVARIANTS: dict[str, tuple[str, Check]] = {
    "ConnectorsInOrder": ("OCPP 1.6 §3.8, §9.1.21", connectors_in_order),
    "NoTransactionOnConnectorZero": ("OCPP 1.6 §3.8, §7.11", no_transaction_on_connector_zero),
    "OneConnectorPerTransaction": ("OCPP 1.6 §4.8, §6.46", one_connector_per_transaction),
    "RunningTransactionNotStopped": ("OCPP 1.6 §4.10, §6.50", running_transaction_not_stopped),
    "OneEntryPerIdTag": ("OCPP 1.6 §3.5.1, §3.5.2", one_entry_per_id_tag),
    "ReservedConnectorHasItsReservation": ("OCPP 1.6 §5.13, §4.9", reserved_connector_has_its_reservation),
    "LiveReservationsIssued": ("OCPP 1.6 §5.13, §5.1", live_reservations_issued),
    "NoReservationPastExpiry": ("OCPP 1.6 §5.13", no_reservation_past_expiry),
    "NothingOwedOverdue": ("OCPP 1.6 §4.2, §4.9, OCPP-J 1.6 §4.1.1", nothing_owed_overdue),
    "PlugAndCardTimes": ("OCPP 1.6 §9.1.6 (ConnectionTimeOut counts from the plug or the card)", plug_and_card_times),
}
"""Invariant name -> (the clause it rests on, the check)."""


def broken(worlds: Iterable[ChargePointState]) -> tuple[Violation, ...]:
    """The invariants some world breaks, as violations ``Invariant<Name>`` (each named once)."""
    found: dict[str, Violation] = {}
    for state in worlds:
        for name, (section, check) in INVARIANTS.items():
            problem = name not in found and check(state)
            if problem:
                found[name] = Violation(f"Invariant{name}", section, problem)
    return tuple(found.values())
