"""Bounded breadth-first exploration of a charge point, judged by the model at every step.

Theory of operation
-------------------
A *state* is the model's view of the Charge Point after a path of steps from
the boot (``PowerOn`` and a full ``GetConfiguration``, as every fuzzing
example begins). States are told apart by their canonical abstraction
(model/abstraction.py): a state reached again, by any path, is not explored
again. The search goes level by level: every letter of the alphabet
(:mod:`.alphabet`) is tried in every state of depth d before any of depth
d + 1, so the first path found to a violation of a rule is a shortest one
within the bound, with no shrinking.

To try a letter in a state, the explorer needs the charge point in that
state. The bundled charge point is deterministic in virtual time, so it
*replays the state's path* on a fresh charge point without judging it (the
model's verdicts for that path are already known), checks that the charge
point repeated itself (same clock, same number of frames), and judges only
the new step. An external charge point runs in real time: its path is judged
again every time, and what it does decides the state reached.

A step the model flags is a finding, saved in the ``fuzz`` format after one
more judged run of its whole path (for its frames), so ``ocpp-verify replay``
replays it unchanged. Besides the model's rules, the harness checks the
invariants of the model's own state (model/invariants.py) in every state reached.
On the clean bundled charge point every finding is a *dead end*: a false
alarm of the model or a bug of the bundled charge point. With a mutant, a
finding whose path also fails on the clean charge point is a dead end too.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from pathlib import Path
from typing import Callable

import attrs

from model import Stimulus
from model.abstraction import key as abstract_key

from .. import stopping
from ..checks import DEFAULT_FINDINGS
from ..runner import Finding, FuzzConfig, Session
from .alphabet import Letter, build, closed, in_real_time, symmetric_tags

STOP_REASONS = ("depth", "budget", "states-limit", "first finding", "signal")


@attrs.define
class ExploreConfig:
    depth: int = 3
    budget: float | None = 60.0
    states_limit: int | None = None
    alphabet: str = "small"
    ops: tuple[str, ...] | None = None
    symmetry: bool = False
    """Connectors and the alphabet's idTags are interchangeable (the alphabet is closed under it)."""
    stop_at_first: bool = False
    history: bool = True
    """A state is the model's abstract state *and* the CALLs the charge point sent in the step that
    reached it. The model keeps what the spec says a Charge Point keeps; a faulty one may differ in what
    the model cannot see, and paths that the model says commute may not commute for it (a list sent
    before a reboot and lost in it, against one sent after). Telling states apart by the charge point's
    last words keeps such paths apart, at the price of more states (docs: notes/explore-results.md)."""
    skip_boot_configuration: bool = True
    """When replaying a path without judging it, leave out the boot's GetConfiguration (read-only)."""
    restore: str = "replay"
    """How a state is reached for each letter: ``fork`` (the state's path replayed once, each letter
    tried in a forked copy of the process; with the in-memory link only, else replay) or ``replay``
    (the path replayed for every letter)."""
    fuzz: FuzzConfig = attrs.field(factory=FuzzConfig)
    """The system under test: mutant, connectors, feature profiles, findings directory, external mode."""


@attrs.define
class Node:
    key: str
    depth: int
    steps: tuple[dict, ...]
    worlds: tuple
    time: float
    frames: int
    """Frames recorded after the boot: how a replay shows that the charge point repeated itself."""
    model_key: str = ""
    """The model's abstract state; ``key`` adds what the charge point said in the step that reached it
    (:attr:`ExploreConfig.history`)."""

@attrs.define
class ExploreReport:
    states: int = 0
    transitions: int = 0
    depth_completed: int = 0
    frontier_left: int = 0
    seconds: float = 0.0
    stopped: str = "depth"
    letters: list[Letter] = attrs.field(factory=list)
    per_depth: list[int] = attrs.field(factory=list)
    """New states found at each depth (index 0: the boot)."""
    depth_seconds: list[float] = attrs.field(factory=list)
    """When each depth was completed (index 0: depth 1), seconds from the start."""
    edges: set[tuple[str, str, str]] = attrs.field(factory=set)
    """(state, letter name, next state); the next state is ``!Rule`` for a violation."""
    findings: list[Finding] = attrs.field(factory=list)
    dead_ends: set[str] = attrs.field(factory=set)
    """Rules of findings that also fail on the clean bundled charge point."""
    time_to_find: float | None = None
    transitions_to_find: int | None = None
    handled: set[str] = attrs.field(factory=set)
    """The model's handlers that judged some step (properties/rules.py turns them into rules)."""

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds else 0.0

    @property
    def transitions_per_second(self) -> float:
        return self.transitions / self.seconds if self.seconds else 0.0


@attrs.frozen
class Outcome:
    """What one step did: its violations, the worlds after it, the clock, the frames since the boot."""

    found: tuple
    worlds: tuple
    time: float
    frames: int
    handled: frozenset = frozenset()
    said: tuple[str, ...] = ()
    """The actions of the CALLs the charge point sent during the step, in order."""
    armed: str = ""
    """A crossing armed for the next step (``CrossingCall``): the harness's, not the model's."""


def forked(run: Callable[[], Outcome]) -> Outcome:
    """``run()`` in a child process (a copy of this one, charge point included), its outcome sent back:
    this process's charge point stays as it was, ready for the next step from the same state."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one step, its outcome, and gone without any cleanup
        os.close(readable)
        try:
            data = pickle.dumps(run())
        except BaseException as error:  # noqa: BLE001 - whatever it was, the parent reports it
            data = pickle.dumps(ExploreError(f"a step in the forked charge point failed: {error!r}"))
        with os.fdopen(writable, "wb") as out:
            out.write(data)
        os._exit(0)
    os.close(writable)
    with os.fdopen(readable, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    result = pickle.loads(data) if data else ExploreError("the forked charge point ended without an outcome")
    if isinstance(result, ExploreError):
        raise result
    return result


class ExploreError(RuntimeError):
    """The exploration cannot go on (the charge point did not repeat itself)."""


class Stop(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Explorer:
    """One breadth-first exploration on one session."""

    def __init__(self, config: ExploreConfig, session: Session | None = None,
                 on_progress: Callable[[ExploreReport, int], None] | None = None):
        self.config = config
        self.session = session or Session(config.fuzz)
        self.report = ExploreReport()
        self.on_progress = on_progress
        self.seen: dict[str, Node] = {}
        self.clock = time.monotonic
        """What budgets and rates are measured on (benchmarks/explore.py uses CPU time)."""
        self.started = self.clock()
        self.real_time = getattr(self.session.sut, "real_time", False)
        self.forking = config.restore == "fork" and can_fork(self.session)
        self.tags: tuple[str, ...] = ()
        self.hostile = config.fuzz.hostile_family
        """Hostile letters too; the boot's GetConfiguration is then replayed (DuplicateMessageId repeats
        the last CALL's UniqueId, and without it there may be none)."""
        self.skip_boot_configuration = config.skip_boot_configuration and not self.hostile

    # -- the search ------------------------------------------------------------------------------

    def run(self) -> ExploreReport:
        self.started = self.clock()
        try:
            frontier = self.boot()
            while frontier and self.report.depth_completed < self.config.depth:
                frontier = self.level(frontier)
                self.report.depth_completed += 1
                self.report.depth_seconds.append(round(self.clock() - self.started, 3))
                self.report.frontier_left = len(frontier)
            self.report.stopped = "depth"
        except Stop as stop:
            self.report.stopped = stop.reason
        except KeyboardInterrupt:
            if not stopping.requested():
                raise
            self.report.stopped = "signal"
        finally:
            self.report.seconds = self.clock() - self.started
        return self.report

    def boot(self) -> list[Node]:
        """The root: the charge point powered on and its configuration read (judged)."""
        harness = self.session.fresh_harness()
        found = harness.start()
        self.report.handled |= getattr(harness, "handled", set())
        if found:
            self.found((), found)
            return []
        root = Node(self.key(harness.worlds), 0, (), harness.worlds, self.session.sut.clock.now(), 0)
        root.model_key = root.key
        letters = build(root.worlds[0], self.config.alphabet, self.config.ops, self.session.capabilities,
                        self.hostile)
        if self.real_time:
            letters = in_real_time(letters, self.session.sut.timing.max_advance)
        if self.config.symmetry:
            self.tags = symmetric_tags(letters)
            letters = closed(letters, root.worlds[0].options.number_of_connectors, self.tags, True)
            root.key = root.model_key = self.key(root.worlds)
        self.report.letters = letters
        self.add(root)
        return [root]

    def level(self, frontier: list[Node]) -> list[Node]:
        """Every letter in every state of one depth: the states of the next depth."""
        following: list[Node] = []
        for index, node in enumerate(frontier):
            reached = None
            for x in self.report.letters:
                step = x.step(node.worlds[0])
                if step is None:
                    continue
                if reached is None:
                    reached = self.reach(node)
                if reached[0] is not None:
                    outcome = self.try_step(reached, step)
                    reached = reached if self.forking and not outcome.found else None
                    self.transition(node, x, step, outcome, following)
                self.check_bounds(len(frontier) - index + len(following))
        return following

    def try_step(self, reached, step: dict) -> "Outcome":
        """The step judged on the charge point in the node's state: in a forked copy of this process,
        which leaves the state for the next letter, or on the charge point itself."""
        harness, boot_frames = reached
        if self.forking:
            return forked(lambda: self.outcome(harness, step, boot_frames))
        return self.outcome(harness, step, boot_frames)

    def outcome(self, harness, step: dict, boot_frames: int) -> "Outcome":
        sut = self.session.sut
        first = len(sut.csms.frames)
        found = harness.step(step)
        said = tuple(f.action for f in sut.csms.frames[first:] if f.direction == "cp->cs" and f.message_type == 2)
        return Outcome(found, harness.worlds, sut.clock.now(), len(sut.csms.frames) - boot_frames,
                       frozenset(getattr(harness, "handled", ())), said, armed(harness))

    def transition(self, node: Node, x: Letter, step: dict, outcome: "Outcome", following: list[Node]) -> None:
        self.report.transitions += 1
        self.report.handled |= outcome.handled
        steps = node.steps + (step,)
        if outcome.found:
            self.report.edges.add((node.key, x.name, f"!{outcome.found[0].rule}"))
            self.found(steps, outcome.found)
            return
        model_key = self.key(outcome.worlds)
        key = model_key
        if self.config.history and outcome.said:
            key = hashlib.blake2b(f"{model_key} {' '.join(outcome.said)}".encode(), digest_size=8).hexdigest()
        if outcome.armed:  # the model's state is the one before the CrossingCall; the harness's is not
            key = hashlib.blake2b(f"{key} armed {outcome.armed}".encode(), digest_size=8).hexdigest()
        child = Node(key, node.depth + 1, steps, outcome.worlds, outcome.time, outcome.frames, model_key)
        self.report.edges.add((node.key, x.name, child.key))
        if child.key not in self.seen:
            self.add(child)
            following.append(child)

    def add(self, node: Node) -> None:
        self.seen[node.key] = node
        self.report.states += 1
        while len(self.report.per_depth) <= node.depth:
            self.report.per_depth.append(0)
        self.report.per_depth[node.depth] += 1

    def key(self, worlds) -> str:
        return abstract_key(worlds, self.config.symmetry, self.tags)

    def check_bounds(self, frontier_left: int) -> None:
        self.report.frontier_left = frontier_left
        self.report.seconds = self.clock() - self.started
        if self.on_progress:
            self.on_progress(self.report, frontier_left)
        stopping.check()
        if self.config.stop_at_first and self.report.findings:
            raise Stop("first finding")
        if self.config.budget is not None and self.report.seconds > self.config.budget:
            raise Stop("budget")
        if self.config.states_limit is not None and self.report.states >= self.config.states_limit:
            raise Stop("states-limit")

    # -- reaching a state ------------------------------------------------------------------------

    def reach(self, node: Node):
        """A harness whose charge point is in ``node``'s state; and the frame count after its boot."""
        if self.real_time:
            return self.reach_judged(node)
        session = self.session
        harness = session.fresh_harness()
        harness.run(session.sut.start())
        if not self.skip_boot_configuration:
            harness.run(harness.execute(Stimulus.from_step({"op": "GetConfiguration"})))
        boot_frames = len(session.sut.csms.frames)
        for step in node.steps:
            replay_unjudged(harness, step)
        frames = len(session.sut.csms.frames) - boot_frames
        if session.sut.clock.now() != node.time or frames != node.frames:
            raise ExploreError(f"the charge point did not repeat itself: replaying {len(node.steps)} step(s) gave "
                               f"{frames} frames at {session.sut.clock.now()}, not {node.frames} at {node.time}")
        harness.worlds = node.worlds
        return harness, boot_frames

    def reach_judged(self, node: Node):
        """In real time the path is judged again: what the charge point does decides the state."""
        harness = self.session.fresh_harness()
        found = harness.start()
        for count, step in enumerate(node.steps, 1):
            if found:
                self.found(node.steps[:count - 1], found)
                return None, 0
            found = harness.step(step)
        if found:
            self.found(node.steps, found)
            return None, 0
        return harness, len(self.session.sut.csms.frames)

    # -- findings --------------------------------------------------------------------------------

    def found(self, steps: tuple[dict, ...], violations: tuple) -> None:
        """The first (so shortest) path to a violation of its rule: confirmed, saved, classified."""
        rule = violations[0].rule
        if rule in self.session.by_rule:
            return
        confirmed, count = self.session.replay_steps(list(steps))
        if any(v.rule == rule for v in confirmed) and count == len(steps):
            violations = confirmed
        session = self.session
        path = session.new_path(rule, list(steps))
        session.save(path, violations, list(steps), status="final")
        finding = Finding(path, violations, list(steps))
        session.by_rule[rule] = finding
        self.report.findings.append(finding)
        if self.report.time_to_find is None:
            self.report.time_to_find = self.clock() - self.started
            self.report.transitions_to_find = self.report.transitions
        if self.dead_end(rule, list(steps)):
            self.report.dead_ends.add(rule)

    def dead_end(self, rule: str, steps: list[dict]) -> bool:
        """Whether the path fails the same rule on the clean bundled charge point."""
        mutant = self.config.fuzz.mutant
        if mutant is None:
            return not self.real_time and self.config.fuzz.external is None
        if self.config.fuzz.external is not None:
            return False
        sut = self.session.sut
        self.session.loop.run_until_complete(sut.fresh(mutant=None))
        try:
            found, count = self.session.replay_steps(steps)
        finally:
            self.session.loop.run_until_complete(sut.fresh(mutant=mutant))
        return any(v.rule == rule for v in found)


def replay_unjudged(harness, step: dict) -> None:
    """One step of a state's path, not judged; a crossing it arms or completes is kept as a judged
    step keeps it (the step after a ``CrossingCall`` carries the crossing)."""
    stimulus = Stimulus.from_step(step)
    first = len(harness.sut.csms.frames)
    harness.run(harness.execute(stimulus))
    hostile = getattr(harness, "hostile", None)
    if hostile is not None:
        hostile.observed(stimulus, harness.sut.csms.frames[first:], [])


def armed(harness) -> str:
    """The crossing a ``CrossingCall`` armed for the next step, as text ("" when none is)."""
    crossing = getattr(getattr(harness, "hostile", None), "crossing", None)
    if crossing is None:
        return ""
    return f"{crossing[0].hold_action} {json.dumps(crossing[1], sort_keys=True)}"


def can_fork(session: Session) -> bool:
    """A forked copy may run the charge point only when no socket links it to the endpoint: the copy
    would share the socket (and the event loop's selector) with this process."""
    return hasattr(os, "fork") and getattr(session.sut, "link", None) == "memory"


def explore(config: ExploreConfig, session: Session | None = None, on_progress=None) -> ExploreReport:
    """Run one exploration; the session is closed when it was opened here."""
    own = session is None
    session = session or Session(config.fuzz)
    try:
        return Explorer(config, session, on_progress).run()
    finally:
        if own:
            session.close()


def findings_dir(path: Path | None) -> Path:
    return Path(path) if path is not None else DEFAULT_FINDINGS
