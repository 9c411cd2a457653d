"""Step-level minimization of a shrunk finding (delta debugging).

Hypothesis shrinks the *choices* that generate a trace: fewer rules, simpler
values. A rule may emit several steps (the Smart Charging rule "remote start
with a TxProfile, plug in, ask the composite schedule" is one rule and three
steps), so a trace Hypothesis cannot shrink further may still hold steps the
failure does not need. After shrinking, each finding's steps are replayed with
steps left out (Zeller's ddmin, then single steps until none can go): a
candidate counts if it still breaks the finding's rule. The result is
1-minimal: leaving out any one step loses the failure.

On the bundled charge point a replay costs milliseconds (virtual time) and
gives the same frames every time. Against an external charge point a replay
is a real-time run, so findings there keep Hypothesis's trace.
"""

from __future__ import annotations

from typing import Callable

MAX_REPLAYS = 300
"""A bound on the replays spent on one finding."""

Fails = Callable[[list[dict]], bool]


def minimal_steps(steps: list[dict], fails: Fails, max_replays: int = MAX_REPLAYS) -> list[dict]:
    """A sub-sequence of ``steps`` (which fail) that still fails, from which no single step can go."""
    budget = [max_replays]

    def still_fails(candidate: list[dict]) -> bool:
        if budget[0] <= 0 or not possible(candidate):
            return False
        budget[0] -= 1
        return fails(candidate)

    steps = _ddmin(list(steps), still_fails)
    return _one_minimal(steps, still_fails)


POWERED_OPS = frozenset({"PlugIn", "Unplug", "PresentIdTag", "EVSuspend", "EVResume", "Fault", "ClearFault",
                         "NetworkDown", "NetworkUp"})
"""Physical steps the machine takes only while the Charge Point has power (properties/machine.py)."""


def possible(steps: list) -> bool:
    """Whether the machine's guards allow ``steps``: a cable goes in only where none is and out only where one
    is, an EV suspends or resumes only on a cable, a fault comes only where none is and clears only where one
    is, power goes only when on and comes only when off. Leaving a step out may break them (PlugIn twice): the
    Charge Point then does nothing where the model would assume something, and the failure is not the finding's."""
    plugged, faulted, powered = set(), set(), True
    for step in steps:
        op, c = (step.get("op"), step.get("connectorId")) if isinstance(step, dict) else (None, None)
        if (op in POWERED_OPS and not powered or op == "PlugIn" and c in plugged or op == "Unplug" and c not in plugged
                or op in ("EVSuspend", "EVResume") and c not in plugged or op == "Fault" and c in faulted
                or op == "ClearFault" and c not in faulted or op == "PowerLoss" and not powered
                or op == "PowerOn" and powered):
            return False
        plugged = plugged | {c} if op == "PlugIn" else plugged - {c} if op == "Unplug" else plugged
        faulted = faulted | {c} if op == "Fault" else faulted - {c} if op == "ClearFault" else faulted
        powered = {"PowerLoss": False, "PowerOn": True}.get(op, powered)
    return True


def _ddmin(steps: list[dict], fails: Fails) -> list[dict]:
    chunks = 2
    while len(steps) >= 2:
        size = max(1, len(steps) // chunks)
        for start in range(0, len(steps), size):
            complement = steps[:start] + steps[start + size:]
            if complement and fails(complement):
                steps, chunks = complement, max(chunks - 1, 2)
                break
        else:
            if chunks >= len(steps):
                return steps
            chunks = min(chunks * 2, len(steps))
    return steps


def _one_minimal(steps: list[dict], fails: Fails) -> list[dict]:
    changed = True
    while changed and len(steps) > 1:
        changed = False
        for index in reversed(range(len(steps))):
            candidate = steps[:index] + steps[index + 1:]
            if candidate and fails(candidate):
                steps, changed = candidate, True
    return steps
