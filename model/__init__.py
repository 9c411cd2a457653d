"""The pure reference model of an OCPP 1.6 Charge Point (no I/O)."""

from .core import initial_state
from .judge import Verdict, judge
from .events import Answer, Connection, CpCall, ProtocolError, Stimulus
from .state import ChargePointState, Options
from .violations import Violation

__all__ = [
    "Answer", "ChargePointState", "Connection", "CpCall", "Options", "ProtocolError",
    "Stimulus", "Verdict", "Violation", "initial_state", "judge",
]
