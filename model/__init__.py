"""The pure reference model of an OCPP 1.6 Charge Point (no I/O)."""

from .core import initial_state
from .judge import Verdict, judge
from .worlds import WorldsVerdict, judge_worlds
from .events import Answer, Connection, CpCall, NoAnswer, ProtocolError, Stimulus
from .state import ChargePointState, Options
from .violations import Violation

__all__ = [
    "Answer", "ChargePointState", "Connection", "CpCall", "NoAnswer", "Options", "ProtocolError",
    "Stimulus", "Verdict", "Violation", "WorldsVerdict", "initial_state", "judge", "judge_worlds",
]
