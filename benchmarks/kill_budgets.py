"""Re-measure the kill budgets of the profile tests after a change of the state machine.

    python benchmarks/kill_budgets.py test_firmware_profile test_trigger_profile ...

For each mutant in a test module's ``KILLS`` (or ``EXAMPLES``) table: how many
examples fuzzing needs to kill it at the table's seed (tests/test_mutants_killed.py:
at each of its ``SEEDS``), with shrinking off and the module's
SupportedFeatureProfiles, and the budget to write in the table (about twice
the most needed, in whole batches of 25: properties/runner.py BATCH).
Runs use up to three times the current budget; two worker processes.
A seed gives the same examples wherever it runs (properties/determinism.py),
so the figures hold for pytest and CI too.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import math
import multiprocessing
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from properties.runner import BATCH, FuzzConfig, fuzz  # noqa: E402


def needed(profiles: str | None, mutant: str, seed: int, cap: int) -> tuple[int | None, list[str]]:
    report = fuzz(FuzzConfig(mutant=mutant, feature_profiles=profiles, max_examples=cap, seed=seed, budget=None,
                             shrink=False, findings_dir=Path(tempfile.mkdtemp(prefix="ocpp-verify-budget-")),
                             stop_at_first=True))
    return report.examples_to_find, sorted({v.rule for f in report.findings for v in f.violations})


def budget(need: int) -> int:
    return max(BATCH, math.ceil(2 * need / BATCH) * BATCH)


def main(modules: list[str]) -> None:
    jobs = []
    for name in modules:
        module = importlib.import_module(name)
        table = getattr(module, "KILLS", None) or module.EXAMPLES
        for mutant, entry in table.items():
            if isinstance(entry, int):  # test_mutants_killed: one budget for all of its SEEDS
                jobs += [(name, None, mutant, seed, entry) for seed in module.SEEDS]
            else:
                jobs.append((name, module.PROFILES, mutant, entry[0], entry[1]))
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {job: pool.submit(needed, job[1], job[2], job[3], 3 * job[4]) for job in jobs}
        print(f"{'module':<28} {'mutant':<44} {'seed':>4} {'budget':>6} {'needed':>6} {'write':>6}  rules")
        for (module, _, mutant, seed, current), future in futures.items():
            need, rules = future.result()
            write = budget(need) if need else "-"
            print(f"{module:<28} {mutant:<44} {seed:>4} {current:>6} {need or 'none':>6} {write:>6}  "
                  f"{', '.join(rules)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["test_mutants_killed", "test_firmware_profile", "test_trigger_profile", "test_localauth_profile",
                          "test_reservation_profile", "test_smartcharging_profile"])
