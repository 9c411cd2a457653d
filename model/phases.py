"""Which statuses fit a connector once nothing is happening (§4.9): its phase, as one table.

Everything that decides the status a connector should have reported by the end of a step is here,
in the order it is decided (h11's ``_state.py`` style): the first phase whose condition holds gives
the statuses that fit. :mod:`model.status` holds the other half of §4.9, the transitions.

Two profiles adjust the result afterwards, and are the only exceptions to the table:

* Reservation (model/reservation.py ``settled_statuses``): a reserved connector that is free is
  Reserved, and one that may be reserved may be (§5.13, §4.9 G1, A7);
* Firmware Management (model/firmware.py ``settled_statuses``): a connector not in use may be
  Unavailable while an update waits or installs (errata 3.49).
"""

from __future__ import annotations

from typing import Callable

import attrs

ANY_STATUS_BUT_RESERVED = frozenset({"Preparing", "Finishing", "Charging", "SuspendedEV", "SuspendedEVSE",
                                     "Available", "Unavailable"})


@attrs.frozen
class Phase:
    """A row: ``when(rules, c)`` holds, so the connector fits ``statuses`` (a set, or ``(rules, c) -> set``)."""

    name: str
    when: Callable
    statuses: object
    clause: str

    def fitting(self, rules, c) -> set[str]:
        return set(self.statuses(rules, c) if callable(self.statuses) else self.statuses)


def _zero(rules):
    return rules.state.connector(0)


def _unavailable(rules, c) -> bool:
    return c.inoperative or _zero(rules).inoperative


PHASES: tuple[Phase, ...] = (
    Phase("Charge Point faulted", lambda r, c: c.id == 0 and _zero(r).faulted, {"Faulted"},
          "OCTT reusable state SetChargePointFaulted"),
    Phase("Charge Point availability scheduled", lambda r, c: c.id == 0 and _zero(r).scheduled,
          {"Unavailable", "Available"}, "§5.2 Scheduled"),
    Phase("Charge Point inoperative", lambda r, c: c.id == 0 and _zero(r).inoperative, {"Unavailable"}, "§5.2"),
    Phase("Charge Point operative", lambda r, c: c.id == 0, {"Available"}, "§4.9: connector 0"),
    Phase("faulted", lambda r, c: c.faulted, {"Faulted"}, "§4.9 I"),
    Phase("transaction whose StartTransaction may have been given up", lambda r, c: c.tx is not None
          and r.start_maybe_given_up(c.tx), ANY_STATUS_BUT_RESERVED | {"Faulted"},
          "§3.7.1, §9.1.31: TransactionMessageAttempts unknown, the transaction may be dropped"),
    Phase("transaction that may be over, cards taken unseen", lambda r, c: r.may_be_over(c) and c.offline_tags,
          ANY_STATUS_BUT_RESERVED, "§3.7.1, §3.5: over, and a card may wait for its cable or have started the next"),
    Phase("transaction that may be over", lambda r, c: r.may_be_over(c),
          lambda r, c: r.transaction_statuses(c) | {"Finishing", "Available", "Unavailable", "Faulted"}
          | ({"Preparing"} if c.plugged else set()),
          "§3.7.1: its StopTransaction waits in the queue; §4.9 H2: available again, the cable still in"),
    Phase("transaction", lambda r, c: c.tx is not None, lambda r, c: r.transaction_statuses(c), "§4.9 C, D, E"),
    Phase("transaction the Central System cannot see yet",
          lambda r, c: r.hidden_tx(c) or (c.offline_tags and r.queue_blocked()), ANY_STATUS_BUT_RESERVED,
          "§3.5, §3.7: started offline or queued behind a retry"),
    Phase("availability scheduled", lambda r, c: c.scheduled or _zero(r).scheduled,
          {"Unavailable", "Available", "Preparing", "Finishing"}, "§5.2 Scheduled"),
    Phase("set Operative while the Charge Point is Inoperative",
          lambda r, c: not c.inoperative and not c.scheduled and _zero(r).inoperative, lambda r, c: _as_operative(r, c),
          "§4.9 'The status of ConnectorId 0 has no direct connection to the status of the individual Connectors', "
          "§5.2 (connector 0 Inoperative sets every connector; an Accepted Operative for one after it)"),
    Phase("inoperative, cable still in after a transaction",
          lambda r, c: _unavailable(r, c) and c.finishing and c.plugged, {"Unavailable", "Finishing"}, "§4.9 F8"),
    Phase("inoperative", _unavailable, {"Unavailable"}, "§4.9 A8, §5.2"),
    Phase("plugged after a boot, or a card after a transaction",
          lambda r, c: c.plugged and (c.after_boot or (c.finishing and c.authorized)), {"Preparing", "Finishing"},
          "§4.9 F2"),
    Phase("finished, cable out, a card waiting",
          lambda r, c: c.finishing and not c.plugged and (c.authorized is not None or r.offline_card_waits(c)),
          {"Finishing", "Available", "Preparing"}, "§4.9 F1, A2, §3.5"),
    Phase("finished, cable in", lambda r, c: c.finishing and c.plugged, {"Finishing"}, "§4.9 C6, F"),
    Phase("finished", lambda r, c: c.finishing, {"Finishing", "Available"}, "§4.9 F1"),
    Phase("cards taken offline", lambda r, c: c.offline_tags, {"Available", "Preparing", "Finishing"}, "§3.5"),
    Phase("remote start waiting for a connector", lambda r, c: r.state.remote_starts and not c.plugged,
          {"Available", "Preparing"}, "§5.11: the Charge Point chooses the connector"),
    Phase("plugged", lambda r, c: c.plugged, lambda r, c: r.plugged_statuses(c), "§4.9 A2, B1, §9.1.6"),
    Phase("authorized, waiting for the cable, maybe timed out",
          lambda r, c: c.authorized is not None and (r.may_have_timed_out(c) or c.uncertain),
          {"Preparing", "Available"}, "§4.9 B1, §9.1.6 ConnectionTimeOut"),
    Phase("authorized, waiting for the cable", lambda r, c: c.authorized is not None, {"Preparing"}, "§4.9 A2"),
    Phase("idle", lambda r, c: True, {"Available"}, "§4.9 A"),
)
"""The phases of a connector, first match wins."""


def _as_operative(rules, c) -> set[str]:
    """A connector set Operative (an Accepted ChangeAvailability for it) after connector 0 was set Inoperative: the
    Charge Point may keep it Unavailable with the whole Charge Point, or take it as available (MicroOcpp: the cable
    in, Preparing; sim-mo s9): Unavailable or what fits it once operative (the phases after the inoperative ones)."""
    after = PHASES.index(next(p for p in PHASES if p.name == "inoperative")) + 1
    return {"Unavailable"} | next(p for p in PHASES[after:] if p.when(rules, c)).fitting(rules, c)


_OF_ZERO = sum(1 for phase in PHASES if phase.name.startswith("Charge Point "))
"""The first rows, which hold only for connector 0 (``c.id == 0``), and of which the last holds for it always."""
_OF_CONNECTORS = PHASES[_OF_ZERO:]
if any(phase.when(None, type("_C", (), {"id": 1})()) for phase in PHASES[:_OF_ZERO]):  # each tests c.id == 0 first
    raise ImportError("model.phases: a row of connector 0 may hold for another connector")


_TRANSACTION_ROWS = ("transaction whose StartTransaction may have been given up",
                     "transaction that may be over, cards taken unseen", "transaction that may be over", "transaction")
"""The rows that hold only for a connector with a transaction (each tests ``c.tx``; ``may_be_over`` is False
without one), the last of which holds for it always."""
_FIRST_TX = next(i for i, phase in enumerate(_OF_CONNECTORS) if phase.name == _TRANSACTION_ROWS[0])
_OF_BUSY = _OF_CONNECTORS[:_FIRST_TX + len(_TRANSACTION_ROWS)]
_OF_IDLE = _OF_CONNECTORS[:_FIRST_TX] + _OF_CONNECTORS[_FIRST_TX + len(_TRANSACTION_ROWS):]
if tuple(phase.name for phase in _OF_BUSY[_FIRST_TX:]) != _TRANSACTION_ROWS:
    raise ImportError("model.phases: the transaction rows are no longer together, in this order")


def phase_of(rules, c) -> Phase:
    """The first row that holds; connectors 1.. skip connector 0's rows, and a connector skips the rows of a
    transaction when it has none and, when it has one, the rows after them (same result, fewer tests)."""
    for phase in PHASES if c.id == 0 else _OF_IDLE if c.tx is None else _OF_BUSY:
        if phase.when(rules, c):
            return phase
    raise StopIteration  # the last row always holds
