"""Runs the state machine against a SUT, keeps findings, and counts what ran."""

from __future__ import annotations

import asyncio
import collections
import sys
import time
from pathlib import Path
from typing import Callable

import attrs
from hypothesis import HealthCheck, Phase, event, seed as hypothesis_seed, settings as Settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from adapters.bundled import BundledSut
from adapters.chargepoint.settings import Settings as BundledSettings
from model import Options
from model.violations import RECOMMENDATIONS

from . import findings, stopping
from .database import as_database
from .determinism import no_local_constants
from .external import ExternalSettings, build_sut as build_external_sut, model_options, real_time_rules
from .explore.bridge import ExploredStates
from .harness import Harness, ModelViolation, Prefixes
from .minimize import minimal_steps
from .rebase import rebased
from .machine import OcppMachine
from .profiles.hostile import HostileRules
from .checks import DEFAULT_FINDINGS
from .outcomes import outcome_of
from .phases import engine_phase, shrinking
from .sut import Sut
from .rules import judged, messages
from .shards import Shard, batch_seeds
from .checklog.export import SessionTrace

PROFILES = {
    "dev": dict(max_examples=100, stateful_step_count=25),
    "ci": dict(max_examples=50, stateful_step_count=20, derandomize=False),
    "nightly": dict(max_examples=5000, stateful_step_count=50),
}
BATCH = 25


@attrs.define
class FuzzConfig:
    max_examples: int | None = None
    budget: float | None = 60.0
    seed: int = 0
    profile: str = "dev"
    findings_dir: Path = DEFAULT_FINDINGS
    database: Path | str | object | None = None
    """A directory, ``redis://HOST:PORT/DB``, ``github:OWNER/REPO[/ARTIFACT]`` or an open ExampleDatabase
    (properties/database.py)."""
    mutant: str | None = None
    connectors: int = 2
    feature_profiles: str | None = None
    """The bundled charge point's SupportedFeatureProfiles (§9.1.29); None: its default."""
    fixed_cable: bool = False
    """The bundled charge point has a fixed cable (OCTT TC_017_2_CS, TC_018_2_CS)."""
    power_loss: str = "at-boot"
    """The bundled charge point's power-loss policy (adapters/chargepoint/settings.py)."""
    one_reader: bool = False
    """The bundled charge point has one card reader for all connectors (OCTT scenarios only)."""
    link: str = "websocket"
    """How the bundled charge point reaches the endpoint (``--link``, adapters/bundled.py LINKS): a
    loopback WebSocket, or in memory; a seed gives the same run on either."""
    external: ExternalSettings | None = None
    """``--sut external``: the description and its overrides (properties/external.py)."""
    shrink: bool = True
    accept: tuple[str, ...] = ()
    """Rules whose violations are known deviations of this charge point, counted but not findings."""
    shard: Shard | None = None
    """``--shard I/N``: the batches this run takes (properties/shards.py); None: every batch."""
    workers: int = 1
    """``--workers``: processes fuzzing the run's batches at once (properties/workers.py)."""
    stop_at_first: bool = False
    """End the run at the first finding (``--stop-at-first``; ``mutants`` and the kill tests). Otherwise
    a rule found is accepted for the rest of the run and fuzzing goes on until the budget."""
    trace_out: Path | None = None
    """``--trace-out FILE``: every example's frames appended in the trace format v1.0 (properties/checklog/export.py)."""
    states: dict | None = None
    """``--states FILE``: an exploration's state set; the run reports what it reached of it (properties/explore/bridge.py)."""
    steer: bool = True
    """With ``states``: steer toward the explored states the run seldom reached (Hypothesis ``target()``)."""
    hostile: bool = False
    """``--hostile``: the machine also sends frames that break OCPP-J and crossing CALLs (docs/hostile.md);
    always on in the nightly profile. Off, generation is unchanged."""

    @property
    def hostile_family(self) -> bool:
        return self.hostile or self.profile == "nightly"


@attrs.define
class Finding:
    """One rule broken, with the shortest trace seen so far and where it is saved."""

    path: Path
    violations: tuple
    trace: list[dict]
    accepted: frozenset[str] = frozenset()
    """The rules accepted when it was found (``--accept`` and the run's earlier findings)."""
    clock_start: float | None = None
    """When its example started (the SUT's clock): its absolute times replay relative to it."""

    @property
    def rule(self) -> str:
        return self.violations[0].rule


@attrs.define
class Report:
    examples: int = 0
    """Traces generated (a run of the --max-examples budget); re-runs that shrink a failure are not."""
    shrink_runs: int = 0
    """Runs of the state machine that shrank (or explained) a failure: not examples."""
    steps: int = 0
    seconds: float = 0.0
    operations: collections.Counter = attrs.field(factory=collections.Counter)
    outcomes: collections.Counter = attrs.field(factory=collections.Counter)
    accepted: collections.Counter = attrs.field(factory=collections.Counter)
    """Violations of the rules the user accepted (``--accept``), by rule: known deviations, not findings."""
    recommendations: collections.Counter = attrs.field(factory=collections.Counter)
    """Recommendations not followed (model/violations.py RECOMMENDATIONS), by rule: never findings."""
    recommended: dict = attrs.field(factory=dict)
    """Rule -> the first violation of that recommendation, for the summary."""
    findings: list[Finding] = attrs.field(factory=list)
    started: float = attrs.field(factory=time.monotonic)
    time_to_find: float | None = None
    examples_to_find: int | None = None
    interrupted: bool = False
    """A signal ended the run before its budget (properties/stopping.py)."""
    judged: int = 0
    """Steps the model judged in the run's examples (0: the run checked nothing)."""
    skipped: collections.Counter = attrs.field(factory=collections.Counter)
    """Physical steps the controller refused in the charge point's state, by op (external runs)."""
    rules_judged: collections.Counter = attrs.field(factory=collections.Counter)
    """Rule -> the examples in which the model judged it (properties/rules.py): the run's coverage."""
    messages_seen: collections.Counter = attrs.field(factory=collections.Counter)
    """Message (``Authorize.req``, ``Reset.conf``) -> the examples in which its fields were judged."""
    explored: dict | None = None
    """With ``--states``: the fraction of the exploration's states and transitions the run reached."""

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0


class BudgetSpent(BaseException):
    """Raised instead of a new example once ``--budget`` is spent: a batch of a real charge point's
    examples lasts many minutes, so the budget is kept per example, not per batch. A BaseException,
    like KeyboardInterrupt: Hypothesis lets it through and does not take it for a failure."""


class Session:
    """What persists across Hypothesis examples: the event loop, the SUT and the findings."""

    def __init__(self, config: FuzzConfig, sut=None, loop=None):
        self.config = config
        self.loop = loop or asyncio.new_event_loop()
        self.sut: Sut = sut or build_sut(config)
        description = self.sut.description
        self.options = model_options(description) if description else Options(
            number_of_connectors=config.connectors, fixed_cable=config.fixed_cable,
            power_loss_stops_transactions=config.power_loss != "none")
        self.report = Report()
        self.by_rule: dict[str, Finding] = {}
        self.prefixes = Prefixes()
        """The verdicts on examples' first steps, judged once (properties/harness.py)."""
        self.accepted: set[str] = set(config.accept)
        """``--accept`` and, once a batch has shrunk and saved them, the rules found in this run."""
        self.on_progress: Callable[[Report], None] | None = None
        self.loop.run_until_complete(self.sut.open())
        self.capabilities = frozenset(self.sut.capabilities)  # an external SUT learns them at open()
        self.trace = SessionTrace(config.trace_out, self.sut) if config.trace_out else None
        self.explored = ExploredStates(config.states, config.steer) if config.states else None

    def visit(self, worlds, first: bool = False) -> None:
        """The model's state after the boot (``first``) or a step: counted against ``--states``."""
        if self.explored is not None:
            if first:
                self.explored.start_example()
            self.explored.visit(worlds)

    def end_example(self) -> None:
        if self.explored is not None:
            self.explored.end_example()
            self.report.explored = self.explored.coverage()

    def new_harness(self) -> Harness:
        stopping.check()
        if self.report.examples and engine_phase() == "generate" and self.past_budget():
            raise BudgetSpent
        if shrinking():
            self.report.shrink_runs += 1
        else:
            self.report.examples += 1
        harness = self.fresh_harness()
        if self.on_progress:
            self.on_progress(self.report)
        return harness

    def past_budget(self) -> bool:
        """A run by time (``--budget``) starts no new batch, nor a new example after its first, once its time is up."""
        config = self.config
        return bool(config.budget and not config.max_examples
                    and time.monotonic() - self.report.started > config.budget)

    def fresh_harness(self, on_accepted=None, accepted=None) -> Harness:
        if self.trace is not None:
            self.trace.flush()
        self.loop.run_until_complete(self.sut.fresh())
        timing = self.sut.timing
        accepted = frozenset(self.accepted if accepted is None else accepted)
        return Harness(self.sut, self.loop, self.options, accepted,
                       on_accepted or self.note_accepted, answer_limit=0.0 if timing is None else timing.answer_limit,
                       on_step_judged=None if on_accepted else self.note_step_judged, prefixes=self.prefixes)

    def note_step_judged(self) -> None:
        """One more step judged in one of the run's examples (replays for minimizing do not count)."""
        self.report.judged += 1

    def replay_steps(self, steps: list[dict], accepted=None, clock_start=None) -> tuple[tuple, int]:
        """Run ``steps`` on a fresh charge point, not counted as an example: the violations of the first
        failing step, and how many steps ran (``accepted``: the rules to accept, default the run's;
        ``clock_start``: when the steps' example started, to move their times to this one's)."""
        harness = self.fresh_harness(on_accepted=lambda violations: None, accepted=accepted)
        found = harness.start()
        if found:
            return found, 0
        if clock_start is not None:
            steps = rebased(steps, harness.started_at - clock_start)
        for count, step in enumerate(steps, 1):
            found = harness.step(step)
            if found:
                return found, count
        return (), len(steps)

    def minimize(self, finding: Finding) -> None:
        """Leave out every step the finding does not need (properties/minimize.py); save the result."""
        rule = finding.rule

        def fails(steps: list[dict]) -> bool:
            return any(v.rule == rule for v in self.replay_steps(steps, finding.accepted, finding.clock_start)[0])

        steps = minimal_steps(finding.trace, fails)
        found, count = self.replay_steps(steps, finding.accepted, finding.clock_start)
        if not any(v.rule == rule for v in found):
            return
        finding.trace, finding.violations = steps[:count], found
        self.save(finding.path, found, finding.trace, status="shrinking", accepted=finding.accepted,
                  clock_start=finding.clock_start)

    def note_accepted(self, violations) -> None:
        for v in violations:
            if v.rule in RECOMMENDATIONS:
                self.report.recommendations[v.rule] += 1
                self.report.recommended.setdefault(v.rule, v)
            else:
                self.report.accepted[v.rule] += 1

    def record(self, machine) -> None:
        if machine.steps:
            self.report.steps += 1
            self.report.operations[machine.steps[-1]["op"]] += 1

    def note_judged(self, handled) -> None:
        """The rules an example judged: counted for the summary, and a Hypothesis event each."""
        for rule in judged(handled):
            self.report.rules_judged[rule] += 1
            event(f"judged {rule}")
        self.report.messages_seen.update(messages(handled))

    def note_outcome(self, step: dict, observed) -> None:
        self.report.outcomes[step["op"], outcome_of(step, observed)] += 1

    def found(self, machine, error: ModelViolation) -> None:
        """Save the failure at once; keep the shortest trace per rule (atomic rewrites)."""
        rule = error.violations[0].rule
        known = self.by_rule.get(rule)
        if known is not None and len(machine.steps) > len(known.trace):
            return
        if self.report.time_to_find is None:
            self.report.time_to_find = time.monotonic() - self.report.started
            self.report.examples_to_find = self.report.examples
        accepted, started = frozenset(self.accepted), machine.harness.started_at
        path = known.path if known else self.new_path(rule, machine.steps, accepted)
        self.save(path, error.violations, machine.steps, status="shrinking", accepted=accepted, clock_start=started)
        if known is None:
            known = Finding(path, error.violations, list(machine.steps), accepted)
            self.by_rule[rule] = known
            self.report.findings.append(known)
        known.violations, known.trace, known.clock_start = error.violations, list(machine.steps), started

    def new_path(self, rule: str, steps: list[dict], accepted=frozenset()) -> Path:
        """A file name of its own: never overwrite a finding of another run's settings."""
        base = findings.finding_id(rule, steps)
        for suffix in ["", *(f"-{n}" for n in range(2, 1000))]:
            path = Path(self.config.findings_dir) / f"{base}{suffix}.json"
            if not path.exists() or findings.load(path).get("settings") == self.settings_dict(accepted):
                return path
        raise RuntimeError(f"too many findings named {base} in {self.config.findings_dir}")

    def save(self, path: Path, violations, steps: list[dict], status: str, accepted=frozenset(),
             clock_start: float | None = None) -> None:
        finding = findings.build(
            rule_violations=violations, steps=list(steps),
            frames=list(self.sut.csms.frames[self.sut.example_start:]), settings=self.settings_dict(accepted),
            identity=self.identity(), status=status,
        )
        if clock_start is not None:
            finding["clockStart"] = clock_start  # properties/rebase.py
        findings.save(path.parent, path.stem, finding)

    def identity(self) -> dict:
        """The charge point as its last BootNotification described it, and as the SUT knows it."""
        boots = [f.payload for f in self.sut.csms.frames[self.sut.example_start:]
                 if f.direction == "cp->cs" and f.action == "BootNotification" and f.message_type == 2]
        return {"bootNotification": boots[-1] if boots else None, "sut": self.sut.identity()}

    def check_alive(self) -> None:
        """An external charge point must still be there at the end of the run: one that went away
        and never came back gave examples that checked little (properties/external.py)."""
        self.loop.run_until_complete(self.sut.check_alive())

    def finalize(self) -> None:
        self.report.skipped.update(skipped.step["op"] for skipped in self.sut.skipped)
        for finding in self.report.findings:
            data = findings.load(finding.path)
            data["status"] = "final"
            findings.save(finding.path.parent, finding.path.stem, data)

    def settings_dict(self, accepted=frozenset()) -> dict:
        """The run's settings; ``accept`` also names the rules accepted when the finding was found, so
        that its replay is judged as it was."""
        c = self.config
        settings = {"seed": c.seed, "profile": c.profile, "maxExamples": c.max_examples,
                    "mutant": c.mutant, "connectors": c.connectors, "featureProfiles": c.feature_profiles,
                    "fixedCable": c.fixed_cable, "powerLoss": c.power_loss, "oneReader": c.one_reader,
                    "accept": list(c.accept) + sorted(set(accepted) - set(c.accept))}
        if c.hostile_family:
            settings["hostile"] = True
        if c.shard is not None:
            settings["shard"] = str(c.shard)
        if c.external is not None:
            settings |= c.external.as_dict() | {"connectors": self.options.number_of_connectors}
        return settings

    def close(self) -> None:
        if self.trace is not None:
            self.trace.close()
        self.loop.run_until_complete(self.sut.close())
        self.loop.close()


def build_sut(config: FuzzConfig) -> Sut:
    """The bundled charge point, or the external one ``config.external`` describes."""
    if config.external is not None:
        return build_external_sut(config.external)
    settings = BundledSettings(number_of_connectors=config.connectors, fixed_cable=config.fixed_cable,
                               power_loss=config.power_loss, one_reader=config.one_reader)
    return BundledSut(mutant=config.mutant, settings=settings, feature_profiles=config.feature_profiles,
                      link=config.link)


def machine_class(session: Session) -> type:
    # a module without source: Hypothesis's digest of the class (its database key) falls back to the class's
    # name, as it did when inspect looked for the class in this file's source: 50 ms a batch (issue 16)
    attributes = {"session": session, "connectors": session.options.number_of_connectors,
                  "__module__": f"{__name__}.machine_class"}
    bases = (HostileRules, OcppMachine) if session.config.hostile_family else (OcppMachine,)
    if session.sut.real_time:  # AdvanceTime is a real wait (docs/external.md §5)
        bases = (real_time_rules(session.sut.timing.max_advance), *bases)
    return type("OcppMachineRun", bases, attributes)


def hypothesis_settings(config: FuzzConfig, examples: int, reuse: bool = True) -> Settings:
    """``reuse``: replay the example database first (only a run's first batch: each batch is a Hypothesis
    run of its own, and a shared database's examples would take a share of every batch)."""
    profile = PROFILES[config.profile]
    database = as_database(config.database)
    return Settings(
        max_examples=examples,
        stateful_step_count=profile["stateful_step_count"],
        deadline=None,
        database=database,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit] + [Phase.reuse] * reuse + [Phase.generate] + [Phase.shrink] * config.shrink,
        report_multiple_bugs=True,
        print_blob=False,
    )


def fuzz(config: FuzzConfig, session: Session | None = None, on_progress=None) -> Report:
    session = session or Session(config)
    session.on_progress = on_progress
    started = session.report.started = time.monotonic()
    total = config.max_examples or PROFILES[config.profile]["max_examples"]
    by_examples = bool(config.max_examples) or not config.budget
    seeds = batch_seeds(config)
    try:
        while not (config.stop_at_first and session.report.findings):
            remaining = (total - session.report.examples) if by_examples else BATCH
            if remaining <= 0 or session.past_budget():
                break
            run_batch(session, config, min(BATCH, remaining), next(seeds), reuse=not session.report.examples)
            session.accepted |= set(session.by_rule)  # shrunk and saved: look past it from now on
        session.check_alive()
        if config.shrink and not session.sut.real_time:
            for finding in session.report.findings:
                session.minimize(finding)
    except KeyboardInterrupt:
        if not stopping.requested():
            raise
        session.report.interrupted = True
    finally:
        session.report.seconds = time.monotonic() - started
        session.finalize()
    return session.report


def report_on_stderr(text: str) -> None:
    """Hypothesis's own words (a slow shrink, a falsifying example) go to stderr: stdout is the summary, which
    ``--json`` makes a JSON document."""
    print(text, file=sys.stderr)


def run_batch(session: Session, config: FuzzConfig, examples: int, batch_seed: int, reuse: bool = True) -> None:
    machine = hypothesis_seed(batch_seed)(machine_class(session))
    try:
        with no_local_constants(), with_reporter(report_on_stderr):
            run_state_machine_as_test(machine, settings=hypothesis_settings(config, examples, reuse))
    except BudgetSpent:
        pass
    except (ModelViolation, ExceptionGroup) as error:
        if isinstance(error, ExceptionGroup) and not error.subgroup(ModelViolation):
            raise
    except FlakyStrategyDefinition as error:
        if isinstance(error.__context__, BudgetSpent):
            return  # Hypothesis had planned the example that the spent budget did not start
        if stopping.requested():
            raise KeyboardInterrupt from error  # a stop asked for while Hypothesis replayed: the run ends as stopped
        # on the wall clock one example can go differently twice (the model, and so what the
        # machine may draw, follows real timing): the batch ends, the next seed goes on
        if not session.sut.real_time:
            raise
