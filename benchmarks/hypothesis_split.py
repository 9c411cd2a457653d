"""Where Hypothesis's own part of a fuzz step goes (issue 16): rule choice, swarm flags, preconditions,
argument draws, and the engine around the steps, against the machine's work, in CPU µs per step.

    python benchmarks/hypothesis_split.py [--examples 100] [--seed 1] [--link memory|websocket]

The same seeded run twice: untimed, for its CPU seconds per step, then with every part timed (exclusive
time: entering a part pauses the part it was called from). The timers read the cheap wall clock (a CPU clock
read costs about 1.4 µs here, and a step enters about 50 parts), so the timed run gives each part's share,
and a part's CPU µs per step is its share of the untimed run's CPU per step. The parts:

* machine step: ``OcppMachine.do`` (the harness, the charge point and its link, the judge);
* boot: a new machine's harness and its start (once per example);
* teardown: ``OcppMachine.teardown`` (the rules judged, given to Hypothesis as ``event()``);
* preconditions (ours): the machine's precondition functions;
* precondition bookkeeping: the rest of ``RuleStrategy.is_valid`` (a description and a count of every
  precondition checked, for Hypothesis's observability);
* swarm flag draws: ``FeatureFlags.is_enabled`` (a Boolean draw the first time a rule is asked in an
  example);
* rule choice: the filtered ``sampled_from`` over the rules (index draws, and the list of allowed rules
  when three random picks fail);
* argument draws: the rest of ``RuleStrategy.do_draw`` (the rule's arguments, the shared flags);
* engine and loop: everything else (the stateful loop, the example's bookkeeping, the data tree, mutations).

The same seed draws the same choices with and without the timers (the wrappers call what they wrap).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hypothesis import stateful
from hypothesis.strategies._internal.featureflags import FeatureFlags
from hypothesis.strategies._internal.strategies import SampledFromStrategy

from properties.harness import Harness
from properties.machine import OcppMachine
from properties.runner import FuzzConfig, Session, fuzz

PARTS = ("machine step", "boot", "teardown", "preconditions (ours)", "precondition bookkeeping",
         "swarm flag draws", "rule choice", "argument draws", "engine and loop")


class Split:
    """Exclusive seconds per part (wall clock), and how often each was entered."""

    def __init__(self):
        self.cpu = dict.fromkeys(PARTS, 0.0)  # seconds
        self.calls = dict.fromkeys(PARTS, 0)
        self.stack = ["engine and loop"]
        self.mark = time.perf_counter()

    def _charge(self) -> None:
        now = time.perf_counter()
        self.cpu[self.stack[-1]] += now - self.mark
        self.mark = now

    def wrap(self, function, part: str):
        def timed(*args, **kwargs):
            self._charge()
            self.stack.append(part)
            self.calls[part] += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._charge()
                self.stack.pop()
        timed.__name__ = timed.__qualname__ = function.__name__  # Hypothesis describes preconditions by name
        return timed


METHODS = (
    (OcppMachine, "do", "machine step"),
    (Harness, "start", "boot"),
    (Session, "new_harness", "boot"),
    (OcppMachine, "teardown", "teardown"),
    (stateful.RuleStrategy, "is_valid", "precondition bookkeeping"),
    (FeatureFlags, "is_enabled", "swarm flag draws"),
    (SampledFromStrategy, "do_filtered_draw", "rule choice"),
    (stateful.RuleStrategy, "do_draw", "argument draws"),
)


def timed_run(examples: int, seed: int, link: str, split: Split | None) -> tuple[float, int]:
    """CPU seconds and steps of one seeded run, with every part timed into ``split`` (None: untimed)."""
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in METHODS]
    rules = stateful.RuleStrategy._setup_for(OcppMachine)[0]  # the machine class's rules, as Hypothesis keeps them
    preconditions = [(rule, rule.preconditions) for rule in rules]
    if split is not None:
        for owner, name, part in METHODS:
            setattr(owner, name, split.wrap(owner.__dict__[name], part))
        for rule, kept in preconditions:
            rule.preconditions = tuple(split.wrap(p, "preconditions (ours)") for p in kept)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = FuzzConfig(max_examples=examples, seed=seed, findings_dir=Path(tmp), shrink=False, link=link)
            started = time.process_time()
            if split is not None:
                split.mark = time.perf_counter()
            report = fuzz(config)
            if split is not None:
                split._charge()
            return time.process_time() - started, report.steps
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
        for rule, kept in preconditions:
            rule.preconditions = kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--link", choices=("memory", "websocket"), default="memory")
    args = parser.parse_args()
    timed_run(3, args.seed, args.link, None)  # one-time costs (the model's rule index, the schemas) out of the way
    plain, steps = timed_run(args.examples, args.seed, args.link, None)
    split = Split()
    timed_cpu, timed_steps = timed_run(args.examples, args.seed, args.link, split)
    if timed_steps != steps:
        raise SystemExit(f"the timed run made {timed_steps} steps, the untimed one {steps}: not the same run")
    per_step, whole = plain / steps * 1e6, sum(split.cpu.values())
    print(f"{steps} steps, {args.examples} examples, seed {args.seed}, {args.link} link: {per_step:.0f} µs CPU per "
          f"step untimed, {timed_cpu / steps * 1e6:.0f} µs timed")
    print("| part | µs CPU per step | share | entered per step |")
    print("|---|---|---|---|")
    for part in PARTS:
        share = split.cpu[part] / whole
        print(f"| {part} | {share * per_step:.0f} | {share:.1%} | {split.calls[part] / steps:.1f} |")


if __name__ == "__main__":
    main()
