"""The hostile family (docs/hostile.md): its cost, and how fast it kills its mutants.

1. Steps/s of the default run (the bundled charge point, seed, examples as given), with the family off
   and on, alternated ``--rounds`` times in this one process so the ratio compares like with like (the
   machine is shared: only ratios taken in the same run mean anything); per wall and per CPU second.
2. Each mutant of adapters/chargepoint/mutants_hostile.py fuzzed with ``--hostile`` at each seed until
   its first finding (shrinking off): examples and seconds to kill, the rule, and the budget to write in
   tests/test_hostile.py (about twice the need, in whole batches of 25, as benchmarks/kill_budgets.py).

Usage: python benchmarks/hostile.py [--examples 40] [--rounds 3] [--seeds 1,2] [--skip-rates] [--skip-kills] [MUTANT...]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from adapters.chargepoint.mutants_hostile import MUTANTS  # noqa: E402
from properties.runner import BATCH, FuzzConfig, fuzz  # noqa: E402


def rate(hostile: bool, examples: int, seed: int) -> tuple[float, float, int]:
    """(steps per wall second, per CPU second, steps) of one run."""
    cpu = time.process_time()
    report = fuzz(FuzzConfig(max_examples=examples, seed=seed, budget=None, hostile=hostile,
                             findings_dir=Path(tempfile.mkdtemp(prefix="ocpp-verify-hostile-"))))
    cpu = time.process_time() - cpu
    return report.steps / report.seconds, report.steps / cpu, report.steps


def rates(examples: int, rounds: int, seed: int) -> None:
    runs: dict[bool, list] = {False: [], True: []}
    for _ in range(rounds):
        for hostile in (False, True):
            runs[hostile].append(rate(hostile, examples, seed))
    print(f"steps/s of the default run ({examples} examples, seed {seed}, median of {rounds}; wall, cpu):")
    for hostile, label in ((False, "family off"), (True, "family on (--hostile)")):
        wall = statistics.median(r[0] for r in runs[hostile])
        cpu = statistics.median(r[1] for r in runs[hostile])
        print(f"  {label:<24} {wall:7.1f} {cpu:7.1f}   ({runs[hostile][0][2]} steps a run)")
    off, on = (statistics.median(r[1] for r in runs[h]) for h in (False, True))
    print(f"  on/off (cpu): {on / off:.2f}")


def kill(mutant: str, seed: int, cap: int = 600) -> tuple[int | None, float | None, str]:
    report = fuzz(FuzzConfig(mutant=mutant, hostile=True, max_examples=cap, seed=seed, budget=None, shrink=False,
                             stop_at_first=True, findings_dir=Path(tempfile.mkdtemp(prefix="ocpp-verify-hostile-"))))
    rules = sorted({v.rule for f in report.findings for v in f.violations})
    return report.examples_to_find, report.time_to_find, ", ".join(rules)


def kills(seeds: list[int], names: list[str]) -> None:
    print(f"{'mutant':<36} {'seed':>4} {'examples':>8} {'seconds':>8} {'budget':>6}  rule")
    for cls in [m for m in MUTANTS if not names or m.__name__ in names]:
        for seed in seeds:
            examples, seconds, rules = kill(cls.__name__, seed)
            budget = max(BATCH, math.ceil(2 * examples / BATCH) * BATCH) if examples else "-"
            shown = f"{seconds:8.2f}" if seconds is not None else f"{'-':>8}"
            print(f"{cls.__name__:<36} {seed:>4} {examples or 'none':>8} {shown} {budget:>6}  {rules}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--skip-rates", action="store_true")
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("mutants", nargs="*", help="the mutants to kill (default: all)")
    args = parser.parse_args()
    if not args.skip_rates:
        rates(args.examples, args.rounds, args.seed)
    if not args.skip_kills:
        kills([int(s) for s in args.seeds.split(",")], args.mutants)


if __name__ == "__main__":
    main()
