"""Events the model reads: stimuli (what the test did) and observations.

A stimulus is a frozen, hashable value built from a step dict
(docs/architecture.md §1). With bounded parameters the stimuli form a finite
set, so a bounded model checker can enumerate them.

Observations are what the harness saw during a step: each CALL the Charge
Point sent together with the Central System's answer, the Charge Point's answer
to the harness's own CALL, and connection events.
"""

from __future__ import annotations

from typing import Any

import attrs

from vocabulary import CENTRAL_SYSTEM_OPS, ENVIRONMENT_OPS, HOSTILE_OPS, PHYSICAL_OPS, PROFILE_OPS

CSMS_OPS = CENTRAL_SYSTEM_OPS
"""Central System initiated operations of all six profiles (vocabulary/ops.py)."""
_OPS = CSMS_OPS | PHYSICAL_OPS | ENVIRONMENT_OPS | HOSTILE_OPS
"""Every op a step may name (the union is taken once: a step's check is on the fuzzing hot path)."""


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and value and all(
        isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) for item in value
    ):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@attrs.frozen
class Stimulus:
    """One step: ``op`` in the spec's words and its parameters, frozen.

    ``params`` is a sorted tuple of (name, value) so the event is hashable.
    """

    op: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_step(cls, step: dict) -> "Stimulus":
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise ValueError(f"a step is an object with an 'op' string, not {step!r}")
        op = step["op"]
        if op not in _OPS:
            raise ValueError(f"unknown op {op!r}")
        params = {k: v for k, v in step.items() if k != "op"}
        return cls(op, _freeze(params))

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return _thaw(value) if isinstance(value, tuple) else value
        return default

    def payload(self) -> dict:
        return {key: self.get(key) for key, _ in self.params}

    def to_step(self) -> dict:
        return {"op": self.op, **self.payload()}

    @property
    def is_call(self) -> bool:
        return self.op in CSMS_OPS


@attrs.frozen(eq=False)
class CpCall:
    """A CALL the Charge Point sent, with the Central System's answer.

    ``answer`` is the CALLRESULT payload, or None when the Central System
    answered with a CALLERROR (``error`` then holds its code).
    """

    action: str
    payload: dict
    time: float
    answer: dict | None = None
    error: str | None = None


@attrs.frozen(eq=False)
class Answer:
    """The Charge Point's answer to the harness's CALL of this step.

    ``kind`` is ``"result"``, ``"error"`` (a CALLERROR), ``"timeout"`` (no
    answer, and none may come: NoValidResponse), ``"pending"`` (no answer yet,
    but one may still come: :mod:`model.worlds`) or ``"offline"`` (not sent).
    """

    kind: str
    payload: dict | None = None
    error_code: str | None = None
    time: float | None = attrs.field(default=None, repr=False)
    """When the answer came, where the harness saw it (a real clock): a step may go on long after it (settling a
    chatty Charge Point), and a field stamped at the answer (scheduleStart) is judged against this time."""


@attrs.frozen(eq=False)
class NoAnswer:
    """A CALL of the Central System whose answer was pending got none within the answer limit."""

    action: str
    time: float


@attrs.frozen(eq=False)
class Connection:
    """The Charge Point's WebSocket connection opened or closed."""

    connected: bool
    time: float
    resumed: bool = False
    """Open already as the example began (ExternalSut's ``alreadyConnected``, boot "trigger"/"none"): the Charge
    Point did not start up, it keeps the registration it had (§4.2)."""


@attrs.frozen(eq=False)
class ProtocolError:
    """A frame that breaks OCPP-J (malformed, schema violation, ...)."""

    detail: str
    time: float
