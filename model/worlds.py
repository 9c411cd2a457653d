"""Indeterminate outcomes: judging against every state the Charge Point may be in.

Theory of operation
-------------------
Most steps have one outcome the Central System can see. A CALL whose answer
did not come within our timeout has several: on a wall clock a slow Charge
Point may carry the CALL out and answer late, or never have got it. OCPP-J
1.6 §4.1.1 sets no limit on how long the Charge Point may take to answer, so
such an answer is *pending* (``Answer("pending")``), not a violation. The
model then keeps a small set of *worlds*, one state per outcome the spec
allows:

* the CALL had no effect (as if it had never arrived), and
* for every status the Charge Point may have answered (:data:`RESULTS`), the
  state that answer leads to, when that answer was allowed. What it obliges
  the Charge Point to do (a StatusNotification, a StartTransaction) may come
  with the late answer, so it is owed but not checked at the end of the step
  that timed out; it is checked from the next step on. A Charge Point that
  reacts later than that can still be judged wrongly: set ``call_timeout``
  above its slowest answer.

Each later step is judged in every world. Worlds in which the step breaks a
rule are dropped: later observations decide what happened. A step is a
violation only when it breaks a rule in every world; the violations reported
are those of the world that broke the fewest. A Charge Point that never
answers at all is caught by the harness, which gives the model a
``NoAnswer`` once the description's answer limit has passed
(:meth:`model.core.CoreRules.observe`).
"""

from __future__ import annotations

from typing import Iterable

import attrs

from .events import Answer, Stimulus
from .hostile import crossing_orders
from .invariants import nothing_owed_overdue
from .judge import Judgement, Verdict, judge
from .state import ChargePointState
from .violations import RECOMMENDATIONS

MAX_WORLDS = 8
"""More would make every step that many judgements; the first ones (fewest violations) are kept."""

RESULTS: dict[str, tuple[dict, ...]] = {
    op: tuple({"status": status} for status in statuses) for op, statuses in {
        "ChangeAvailability": ("Accepted", "Rejected", "Scheduled"),  # §5.2
        "ChangeConfiguration": ("Accepted", "Rejected", "RebootRequired", "NotSupported"),  # §5.3
        "ClearCache": ("Accepted", "Rejected"),  # §5.4
        "RemoteStartTransaction": ("Accepted", "Rejected"),  # §5.11
        "RemoteStopTransaction": ("Accepted", "Rejected"),  # §5.12
        "Reset": ("Accepted", "Rejected"),  # §5.14
        "UnlockConnector": ("Unlocked", "UnlockFailed", "NotSupported"),  # §5.18
        "ReserveNow": ("Accepted", "Faulted", "Occupied", "Rejected", "Unavailable"),  # §5.13
        "CancelReservation": ("Accepted", "Rejected"),  # §5.1
        "SendLocalList": ("Accepted", "Failed", "NotSupported", "VersionMismatch"),  # §5.15
        "SetChargingProfile": ("Accepted", "Rejected", "NotSupported"),  # §5.16
        "ClearChargingProfile": ("Accepted", "Unknown"),  # §5.5
        "TriggerMessage": ("Accepted", "Rejected", "NotImplemented"),  # §5.17
    }.items()
} | {
    "UpdateFirmware": ({},),  # §5.19: an empty UpdateFirmware.conf
    "GetDiagnostics": ({}, {"fileName": "diagnostics.log"}),  # §5.9: fileName optional
}
"""The answers a Charge Point may have given to a CALL whose answer we have not seen. The other
CALLs (GetConfiguration, GetLocalListVersion, GetCompositeSchedule, DataTransfer) change nothing."""


@attrs.frozen
class WorldsVerdict:
    worlds: tuple[ChargePointState, ...]
    violations: tuple = ()
    handled: frozenset[str] = frozenset()
    """The handlers that judged the step in any world (properties/rules.py)."""

    @property
    def state(self) -> ChargePointState:
        """The most likely world: the one that broke the fewest rules (the Charge Point's own view)."""
        return self.worlds[0]


def variants(stimulus: Stimulus, observed: tuple) -> list[tuple[tuple, bool]]:
    """(observations, settle checks) with a pending answer replaced by each answer it may turn out to
    be. What such an answer obliges the Charge Point to do may come with the answer, after this step:
    it is owed, but not checked at this step's end."""
    pending = next((i for i, e in enumerate(observed) if isinstance(e, Answer) and e.kind == "pending"), None)
    if pending is None:
        return [(order, True) for order in crossing_orders(observed)]
    replaced = [(observed[:pending] + (Answer("result", payload),) + observed[pending + 1:], False)
                for payload in RESULTS.get(stimulus.op, ())]
    return [(observed, True), *replaced]


def judge_worlds(worlds: Iterable[ChargePointState], stimulus: Stimulus, observed: Iterable,
                 accepted: frozenset[str] = frozenset()) -> WorldsVerdict:
    """Judge one step in every world; ``accepted`` rules (known deviations) do not rule a world out."""
    observed = tuple(observed)
    verdicts = [judge(state, stimulus, variant, checks) for state in worlds
                for variant, checks in variants(stimulus, observed)]

    def blocking(verdict: Verdict) -> int:
        return sum(v.rule not in accepted for v in verdict.violations)

    viable = [v for v in verdicts if not blocking(v)]
    handled = frozenset().union(*(v.handled for v in verdicts))
    if not viable:
        best = min(verdicts, key=blocking)
        return WorldsVerdict((best.state,), best.violations, handled)
    if not any(isinstance(e, Answer) and e.kind == "pending" for e in observed):
        viable.sort(key=lambda v: len(v.violations))
    # (a pending answer's variants keep their order, the CALL with no effect first in each world: the answered ones
    # skip this step's settle checks, so counting violations would put them first and the cut keep only them)
    states: list[ChargePointState] = []
    for verdict in viable:
        for state in (verdict.state, *retries_discarded(verdict.state, accepted)):
            if state not in states:
                states.append(state)
    return WorldsVerdict(tuple(states[:MAX_WORLDS]), viable[0].violations, handled)


SAME_DEVIATION: dict[str, frozenset[str]] = {
    "TransactionMessageRetry": frozenset({"TransactionMessageBeforeQueueEmptied"}),
}
"""Rules a known deviation (``--accept``) breaks as well, seen from the wire: a Charge Point that discards a failed
transaction message at once sends its next ones without waiting for a retry that never comes (§3.7, §3.7.1)."""


def with_same_deviations(accepted: frozenset[str]) -> frozenset[str]:
    """``accepted``, the rules :data:`SAME_DEVIATION` says each of them breaks as well, and the
    recommendations (:data:`model.violations.RECOMMENDATIONS`): the rules whose breach rules no world out."""
    return frozenset(accepted).union(RECOMMENDATIONS, *(SAME_DEVIATION.get(rule, frozenset()) for rule in accepted))


def retries_discarded(state: ChargePointState, accepted: frozenset[str]) -> tuple[ChargePointState, ...]:
    """A Charge Point known to break TransactionMessageRetry (``--accept``) may have discarded a failed
    transaction message at once, not after TransactionMessageAttempts (§3.7.1): the world in which it did,
    whose queue goes on without the message (its next transaction messages are not out of order)."""
    if "TransactionMessageRetry" not in accepted:
        return ()
    retries = [o for o in state.owed if o.rule == "TransactionMessageRetry"]
    if not retries:
        return ()
    judgement = Judgement(state)
    for owed in retries:
        judgement.overdue(owed)
    discarded = attrs.evolve(judgement.state, owed=tuple(o for o in judgement.state.owed if o not in retries))
    return () if nothing_owed_overdue(discarded) else (discarded,)  # else what it owes would have come by now
