"""One judge for all six feature profiles (OCPP 1.6 §3.3).

:class:`Judgement` is :class:`model.core.CoreRules` extended by one mixin per
other feature profile. Each mixin judges its own operations (``answer_<Op>``
for the Central System's CALLs, ``cp_<Action>`` for the Charge Point's) and
extends Core hooks with ``super()`` where its profile changes Core behaviour
(a Reserved connector, an idTag in the Local Authorization List, ...). The recommendations of
:mod:`model.advisory` come first: each looks at the step, then lets the profiles judge it.
"""

from __future__ import annotations

from typing import Callable, Iterable

from vocabulary import CENTRAL_SYSTEM_OPS, ENVIRONMENT_OPS, HOSTILE_OPS, PHYSICAL_OPS

import attrs

from .advisory import AdvisoryRules
from .core import CoreRules
from .events import Answer, Stimulus
from .firmware import FirmwareRules
from .hostile import HostileRules
from .localauth import LocalAuthListRules
from .reservation import ReservationRules
from .smartcharging import SmartChargingRules
from .state import ChargePointState
from .trigger import RemoteTriggerRules
from .violations import Violation


@attrs.frozen
class Verdict:
    state: ChargePointState
    violations: tuple[Violation, ...] = ()
    handled: frozenset[str] = frozenset()
    """The handlers that judged this step (properties/rules.py: the rules they judge)."""


class Judgement(AdvisoryRules, HostileRules, LocalAuthListRules, ReservationRules, SmartChargingRules,
                RemoteTriggerRules, FirmwareRules, CoreRules):
    """The rules of every feature profile, judging one step."""

    def __init__(self, state: ChargePointState):
        # The mixins' __init__ chain (AdvisoryRules, RemoteTriggerRules, CoreRules) in one call: check-log makes a
        # Judgement for every world, attempt and hidden event (about nine an event). _check_init below keeps it equal.
        self.state = state
        self.violations = []
        self.handled = set()
        self.stamps = {}
        self.answered_at = None
        self.lost = {}
        self.trigger_answered = False
        self.trigger_early = set()
        self.step_op = None
        self.disconnected = {}
        self.reconnected = {}
        self.burst = False


def _check_init() -> None:
    """:meth:`Judgement.__init__` sets what the mixins' own ``__init__`` chain sets, and no mixin has another."""
    own = [cls.__name__ for cls in Judgement.__mro__[1:] if "__init__" in cls.__dict__ and cls is not object]
    if own != ["AdvisoryRules", "RemoteTriggerRules", "CoreRules"]:
        raise ImportError(f"model.judge: Judgement.__init__ no longer matches the mixins' ({', '.join(own)})")
    state = object()
    chained = object.__new__(Judgement)
    AdvisoryRules.__init__(chained, state)
    if vars(chained) != vars(Judgement(state)):
        raise ImportError("model.judge: Judgement.__init__ no longer sets what the mixins' __init__ set")


_check_init()


DISPATCH: dict[str, dict[str, Callable]] = {prefix: Judgement.handlers(prefix)
                                            for prefix in ("answer_", "cp_", "on_", "hostile_")}
"""The judge's composition: for each op, the method (and so the profile's class) that judges it."""

_UNJUDGED = sorted((CENTRAL_SYSTEM_OPS - DISPATCH["answer_"].keys()) | (PHYSICAL_OPS | ENVIRONMENT_OPS) - DISPATCH["on_"].keys()
                   | HOSTILE_OPS - DISPATCH["hostile_"].keys())
if _UNJUDGED:
    raise ImportError(f"model.judge: no handler judges {', '.join(_UNJUDGED)}")


def judge(state: ChargePointState, stimulus: Stimulus, observed: Iterable, settle_checks: bool = True) -> Verdict:
    """``settle_checks=False``: what the Charge Point owes by the end of the step is not yet due
    (an answer assumed for a CALL still pending, :mod:`model.worlds`); it stays owed."""
    judgement = Judgement(state)
    observed = tuple(observed)
    answers = [event for event in observed if isinstance(event, Answer)]
    judgement.stimulus(stimulus, answers[0] if answers else None)
    for event in observed:
        judgement.observe(event)
    before = len(judgement.violations)
    if not settle_checks:
        later = judgement.state.time + 1e-6
        owed = tuple(attrs.evolve(o, due=max(o.due, later)) for o in judgement.state.owed)
        judgement.state = attrs.evolve(judgement.state, owed=owed)
    judgement.settle()
    if not settle_checks:
        del judgement.violations[before:]
    return Verdict(judgement.state, tuple(judgement.violations), frozenset(judgement.handled))
