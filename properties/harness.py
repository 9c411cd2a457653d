"""Where the model meets a system under test: run a step, judge what was seen.

The harness performs one step on the SUT (a CALL from the Central System, a
physical action, or an environment change), waits until the SUT is settled,
turns the frames recorded meanwhile into model observations, and asks the
model for a verdict.
"""

from __future__ import annotations

import asyncio
from typing import Iterable

import attrs

from model import (Answer, Connection, CpCall, NoAnswer, Options, ProtocolError, Stimulus, Violation, initial_state,
                   judge_worlds)
from model.invariants import broken
from model.violations import RECOMMENDATIONS
from model.worlds import with_same_deviations
from vocabulary import HOSTILE_OPS

from .external import start_from
from .hostile import HostileSteps

CALL_TIMEOUT = 10.0


class Prefixes:
    """Verdicts on the first steps of examples, kept for a session.

    Most examples begin alike (the boot, the full GetConfiguration, a configuration preset), and the
    model is a function: the same step, seeing the same, from the state the same earlier steps led
    to, gets the same verdict. Each verdict is kept under (the node of the steps before, the step,
    what was seen, the times), so a step is looked up only while every step before it was found.
    """

    STEPS = 4
    """How many steps of an example are looked up (the boot, GetConfiguration and a preset of two)."""
    LIMIT = 20_000
    """Verdicts kept at most (memory stays bounded in a long run; the boot is among the first)."""

    def __init__(self):
        self.known: dict = {}
        """key -> (node, verdict, the worlds after the step)"""

    @staticmethod
    def root(state, accepted: frozenset[str]) -> tuple:
        return ("start", state, accepted)

    def find(self, key):
        return self.known.get(key)

    def keep(self, key, verdict, worlds) -> int | None:
        """The new node, or None when full."""
        if len(self.known) >= self.LIMIT:
            return None
        self.known[key] = (len(self.known), verdict, worlds)
        return len(self.known) - 1


class ModelViolation(AssertionError):
    """The system under test broke a rule of the model.

    :meth:`of` gives one subclass per rule, so Hypothesis tells the rules
    apart and shrinks a failing example for each of them.
    """

    _by_rule: dict[str, type] = {}

    def __init__(self, violations: tuple[Violation, ...], step: dict):
        self.violations = violations
        self.step = step
        lines = "\n".join(f"  - {v}" for v in violations)
        super().__init__(f"after step {step}:\n{lines}")

    @classmethod
    def of(cls, violations: tuple[Violation, ...], step: dict) -> "ModelViolation":
        rule = violations[0].rule
        if rule not in cls._by_rule:
            cls._by_rule[rule] = type(rule, (cls,), {"__module__": __name__})
        return cls._by_rule[rule](violations, step)


def observations(frames: Iterable) -> list:
    """Model observations from endpoint frames, in order (docs/architecture.md §2)."""
    found: list = []
    pending: dict[str, tuple[int, CpCall]] = {}
    for frame in frames:
        if frame.direction == "event":
            if frame.error in ("connected", "disconnected"):
                found.append(Connection(frame.error == "connected", frame.time,
                                        resumed=bool((frame.payload or {}).get("alreadyConnected"))))
            continue
        if frame.error:
            found.append(ProtocolError(frame.error, frame.time))
            if frame.message_type is None:
                continue
        _add_frame(found, pending, frame)
    return found


def _add_frame(found: list, pending: dict, frame) -> None:
    """CP CALLs, each with the Central System's answer once it is seen."""
    if frame.direction == "cp->cs" and frame.message_type == 2:
        call = CpCall(frame.action, frame.payload or {}, frame.time)
        pending[frame.unique_id] = (len(found), call)
        found.append(call)
    elif frame.direction == "cs->cp" and frame.message_type in (3, 4) and frame.unique_id in pending:
        index, call = pending.pop(frame.unique_id)
        failed = frame.message_type == 4
        answered = attrs.evolve(call, answer=None if failed else frame.payload,
                                error=(frame.payload or {}).get("errorCode") if failed else None)
        found[index] = answered


class Harness:
    """Runs steps against a SUT on an event loop and judges them with the model."""

    def __init__(self, sut, loop: asyncio.AbstractEventLoop, options: Options,
                 accepted: frozenset[str] = frozenset(), on_accepted=None, answer_limit: float = 0.0,
                 on_step_judged=None, prefixes: Prefixes | None = None):
        """``accepted``: rules the user knows the charge point breaks (``--accept``); their
        violations go to ``on_accepted`` instead of failing the step.

        ``answer_limit``: seconds a CALL's answer may take after our timeout (a wall-clock charge
        point); meanwhile the outcome is pending (model/worlds.py). 0: a timeout is no answer.

        ``on_step_judged()`` is called after each step the model judged (a run counts what it checked).

        ``prefixes``: verdicts on the first steps of earlier examples of the session (:class:`Prefixes`)."""
        self.sut = sut
        self.loop = loop
        self.options = options
        self.accepted = with_same_deviations(accepted)
        self.on_accepted = on_accepted
        self.answer_limit = answer_limit
        self.on_step_judged = on_step_judged
        self.worlds: tuple = ()
        self.pending: dict[str, tuple[str, float]] = {}
        """Our CALLs still unanswered: unique id -> (action, when sent)."""
        self.last_observed: list = []
        self.deviated = False
        """A step broke a rule (an accepted one too, not a recommendation): the model's invariants may not
        hold from then on."""
        self.started_at: float | None = None
        """When the example started (the SUT's clock, at :meth:`start`)."""
        self.handled: set[str] = set()
        """The model's handlers that judged any step of this harness (properties/rules.py)."""
        self.prefixes = prefixes
        self.node = None
        """Where the steps so far lead in ``prefixes``; None: not there (or past Prefixes.STEPS)."""
        self.node_worlds: tuple = ()
        """The worlds at ``node``: worlds set from outside since then leave the prefixes."""
        self.depth = 0
        self.inherited_queue = False
        """The example began with a queue of an earlier one (``leftover`` ``queue``)."""
        self.hostile = HostileSteps(self, CALL_TIMEOUT)
        """Hostile frames and crossing CALLs (properties/hostile.py, docs/hostile.md)."""

    @property
    def state(self):
        """The most likely of the states the Charge Point may be in (model/worlds.py)."""
        return self.worlds[0] if self.worlds else None

    @state.setter
    def state(self, value) -> None:
        self.worlds = (value,)

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def start(self) -> tuple[Violation, ...]:
        """Power the charge point on and learn its configuration (OCTT §1.3 preconditions)."""
        self.state = attrs.evolve(initial_state(self.options), powered=False, online=False, registration="Booting")
        self.started_at = self.sut.clock.now()
        self.state = start_from(attrs.evolve(self.state, time=self.started_at), getattr(self.sut, "leftover", {}))
        self.inherited_queue = self.state.leftover_queue
        if self.prefixes is not None:
            self.node, self.node_worlds = Prefixes.root(self.state, self.accepted), self.worlds
        found = self.step({"op": "PowerOn"}, perform=self.sut.start, before=self.setup_errors())
        found += self.step({"op": "GetConfiguration"})
        return found

    def setup_errors(self) -> list:
        """What broke OCPP-J while an external charge point was brought to the preconditions
        (frames of ``fresh()``, before the example): judged with the example's first step."""
        since = getattr(self.sut, "setup_from", None)
        if since is None:
            return []
        return [ProtocolError(f"during setup, before the example: {frame.error}", frame.time)
                for frame in self.sut.csms.frames[since:self.sut.example_start] if frame.is_violation]

    def step(self, step: dict, perform=None, before: list = ()) -> tuple[Violation, ...]:
        """Perform and judge one step; ``before``: observations made before it, judged with it.
        A step an external charge point's reboot must come before (``sut.reboot_first``) is judged
        after that reboot, which is judged as time passing (its frames are not the step's doing)."""
        reboot_first = getattr(self.sut, "reboot_first", None)
        if perform is None and reboot_first is not None and reboot_first(step):
            waited = self.step({"op": "AdvanceTime", "seconds": 0}, perform=lambda: self.sut.await_reboot(step))
            return waited + self.step(step, before=before)
        stimulus = Stimulus.from_step(step)
        first = len(self.sut.csms.frames)
        outcome = self.run(self.execute(stimulus, perform))
        if outcome is not None and outcome.kind == "skipped":  # the controller refused: nothing happened
            stimulus, outcome = Stimulus.from_step({"op": "AdvanceTime", "seconds": 0}), None
        frames = self.sut.csms.frames[first:]
        seen = list(before) + observations(frames) + self.unanswered(frames)
        if outcome is not None and outcome.kind == "timeout":
            outcome = late_answer(frames, stimulus.op) or self.wait_for_answer(frames, stimulus.op) or outcome
        if outcome is not None and outcome.kind in ("timeout", "offline", "pending"):
            seen.append(Answer(outcome.kind))
        elif outcome is not None:
            seen = _place_answer(seen, outcome, frames, stimulus.op)
        seen = self.hostile.observed(stimulus, frames, seen)
        self.last_observed = seen
        start = self._start_time(stimulus)
        injected = injected_statuses(frames, getattr(self.sut, "injected", ()))
        verdict = self.judged(stimulus, seen, start, injected)
        self.note_queue()
        self.handled |= verdict.handled | messages_in(seen, stimulus)
        known = [v for v in verdict.violations if v.rule in self.accepted]
        if known and self.on_accepted:
            self.on_accepted(known)
        if self.on_step_judged:
            self.on_step_judged()
        return self.found(verdict.violations)

    def note_queue(self) -> None:
        """Statuses an external charge point queued when it could not send them may come after this example ended
        (ChargePointState.leftover_queue raised by this example, not inherited from an earlier one): the next
        example starts with that queue (``sut.queue_kept``, adapters/external/preconditions.py _note_queue)."""
        if self.state is not None and self.state.leftover_queue and not self.inherited_queue \
                and hasattr(self.sut, "queue_kept"):
            self.sut.queue_kept = True

    def judged(self, stimulus: Stimulus, seen: list, start: float, injected: set[int]):
        """The model's verdict on the step; the worlds after it become the harness's. A step among the
        first of an example is looked up in ``prefixes`` (see :class:`Prefixes`)."""
        now = self.sut.clock.now()
        key = entry = None
        if self.node is not None and self.depth < Prefixes.STEPS and self.worlds is self.node_worlds:
            key = (self.node, stimulus, repr(seen), start, now, frozenset(injected))
            entry = self.prefixes.find(key)
        self.depth += 1
        if entry is not None:
            self.node, verdict, self.worlds = entry
        else:
            worlds = (resynchronised(at_time(w, start), injected) for w in self.worlds)
            verdict = judge_worlds(worlds, stimulus, seen, self.accepted)
            self.worlds = tuple(at_time(w, now) for w in verdict.worlds)
            self.node = None if key is None else self.prefixes.keep(key, verdict, self.worlds)
        self.node_worlds = self.worlds
        return verdict

    def found(self, violations) -> tuple[Violation, ...]:
        """The step's violations not accepted; after a step without any, the model's own invariants
        (model/invariants.py), whose breach is a bug of the model."""
        if not violations and not self.deviated:
            violations = broken(self.worlds)
        self.deviated = self.deviated or any(v.rule not in RECOMMENDATIONS for v in violations)
        return tuple(v for v in violations if v.rule not in self.accepted)

    def wait_for_answer(self, frames, action: str) -> Answer | None:
        """Our CALL timed out: with an answer limit its outcome is pending until the answer comes."""
        ours = _our_call(frames, action)
        if not self.answer_limit or ours is None:
            return None
        self.pending[ours] = (action, self.sut.clock.now())
        return Answer("pending")

    def unanswered(self, frames) -> list:
        """A NoAnswer for each pending CALL whose answer limit passed; answered ones stop pending."""
        if not self.pending:
            return []
        answered = {f.unique_id for f in frames if f.direction == "cp->cs" and f.message_type in (3, 4)}
        late = []
        for unique_id, (action, sent) in list(self.pending.items()):
            if unique_id in answered:
                del self.pending[unique_id]
            elif self.sut.clock.now() > sent + self.answer_limit:
                del self.pending[unique_id]
                late.append(NoAnswer(action, self.sut.clock.now()))
        return late

    def _start_time(self, stimulus: Stimulus) -> float:
        if stimulus.op == "AdvanceTime":
            return self.sut.clock.now() - float(stimulus.get("seconds"))
        return self.sut.clock.now()

    async def execute(self, stimulus: Stimulus, perform=None):
        if perform is not None:
            await perform()
            await self.sut.settle()
            return None
        if stimulus.op in HOSTILE_OPS:
            return await self.hostile.perform(stimulus)
        if stimulus.is_call:
            outcome = await self.sut.csms.call(stimulus.op, stimulus.payload(), CALL_TIMEOUT)
            await self.sut.settle()
            return outcome
        if stimulus.op == "AdvanceTime":
            await self.sut.advance(float(stimulus.get("seconds")))
            return None
        result = await self.sut.perform(stimulus.to_step())
        await self.sut.settle()
        return result if getattr(result, "kind", None) == "skipped" else None

    def check(self, step: dict) -> None:
        found = self.step(step)
        if found:
            raise ModelViolation.of(found, step)


def at_time(state, time: float):
    """The state at ``time`` (itself when it is there already: most steps take no time)."""
    return state if state.time == time and type(state.time) is type(time) else attrs.evolve(state, time=time)


def injected_statuses(frames, injected) -> set[int]:
    """Connectors whose StatusNotification in ``frames`` a controller made the charge point send
    (SAP's PlugIn): not the charge point's own transition (docs/external.md §7)."""
    first: dict = {}
    for f in frames:
        if f.direction == "cp->cs" and f.message_type == 2 and f.action == "StatusNotification":
            first.setdefault((f.payload or {}).get("connectorId"), f.seq)
    return {connector for connector, seq in first.items() if seq in injected}


def resynchronised(state, connectors: set[int]):
    """The state with these connectors' last reported status forgotten: the injected status is
    recorded (and meets what is owed) but no §4.9 transition is judged into it."""
    for connector_id in sorted(c for c in connectors if isinstance(c, int) and 0 <= c < len(state.connectors)):
        state = state.with_connector(attrs.evolve(state.connector(connector_id), resync=True))
    return state


def messages_in(seen, stimulus: Stimulus) -> set[str]:
    """``message:<Action>.req`` for each CALL of the Charge Point's, ``message:<Op>.conf`` for its answer to
    ours: which messages' fields the frame schemas judged (properties/requirements coverage)."""
    found = {f"message:{e.action}.req" for e in seen if isinstance(e, CpCall)}
    if stimulus.is_call and any(isinstance(e, Answer) and e.kind == "result" for e in seen):
        found.add(f"message:{stimulus.op}.conf")
    return found


def late_answer(frames, action: str) -> Answer | None:
    """The Charge Point's answer to our CALL of ``action`` that came after our timeout but within the
    step (OCPP-J 1.6 §4.1.1): in real time a slow answer is an answer, judged like any other."""
    ours = _our_call(frames, action)
    for frame in frames:
        if frame.direction == "cp->cs" and frame.message_type in (3, 4) and frame.unique_id == ours:
            if frame.message_type == 3:
                return Answer("result", frame.payload, time=frame.time)
            return Answer("error", None, (frame.payload or {}).get("errorCode"), time=frame.time)
    return None


def _our_call(frames, action: str) -> str | None:
    """The unique id of the step's own CALL of ``action``."""
    return next((f.unique_id for f in frames
                 if f.direction == "cs->cp" and f.message_type == 2 and f.action == action), None)


def _place_answer(seen: list, outcome, frames, action: str) -> list:
    """Put the answer to our own CALL among the observations where it came: after the Charge Point's CALLs
    sent before it (it is judged first anyway; the order is the Charge Point's, §5.17)."""
    ours = _our_call(frames, action)
    frame = next((f for f in frames if f.direction == "cp->cs" and f.message_type in (3, 4) and f.unique_id == ours),
                 None)
    answer = Answer(outcome.kind, outcome.payload, outcome.error_code, time=None if frame is None else frame.time)
    if frame is None:
        return [answer] + seen
    answered = frame.seq
    calls_before = sum(1 for f in frames if f.direction == "cp->cs" and f.message_type == 2 and f.seq < answered)
    at = len(seen)
    for index, event in enumerate(seen):
        if isinstance(event, CpCall):
            if calls_before == 0:
                at = index
                break
            calls_before -= 1
    return seen[:at] + [answer] + seen[at:]
