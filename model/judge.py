"""One judge for all six feature profiles (OCPP 1.6 §3.3).

:class:`Judgement` is :class:`model.core.CoreRules` extended by one mixin per
other feature profile. Each mixin judges its own operations (``answer_<Op>``
for the Central System's CALLs, ``cp_<Action>`` for the Charge Point's) and
extends Core hooks with ``super()`` where its profile changes Core behaviour
(a Reserved connector, an idTag in the Local Authorization List, ...).
"""

from __future__ import annotations

from typing import Iterable

import attrs

from .core import CoreRules
from .events import Answer, Stimulus
from .firmware import FirmwareRules
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


class Judgement(LocalAuthListRules, ReservationRules, SmartChargingRules, RemoteTriggerRules, FirmwareRules,
                CoreRules):
    """The rules of every feature profile, judging one step."""


def judge(state: ChargePointState, stimulus: Stimulus, observed: Iterable) -> Verdict:
    judgement = Judgement(state)
    observed = tuple(observed)
    answers = [event for event in observed if isinstance(event, Answer)]
    judgement.stimulus(stimulus, answers[0] if answers else None)
    for event in observed:
        judgement.observe(event)
    judgement.settle()
    return Verdict(judgement.state, tuple(judgement.violations))
