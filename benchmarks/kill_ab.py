"""Time to kill every mutant, before and after, taking turns (issue 16's "Shown by").

For each mutant, each tree in turn runs what ``ocpp-verify mutants --json`` runs for it
(properties/mutants.py ``run_mutant``: the default budget of 60 s, seed 0, stop at the first finding) in a
child process of its own, so both trees see the same load. Shrinking is off: the time to kill is taken
when the first finding is found, before shrinking, so this changes no figure and saves the shrinking's
minutes. Besides the wall seconds (``seconds`` of the mutants' JSON) the child gives the CPU seconds of
its process up to the kill, steadier on a shared machine. The model's rules are read from its source
(properties/rules.py) before the clock starts, as ``mutants`` does for every mutant but the first.

    python benchmarks/kill_ab.py BEFORE_TREE AFTER_TREE [--mutants A,B] [--budget 60] [--json FILE]

A tree is a checkout or an export (``git archive COMMIT | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(name: str, budget: float, seed: int) -> dict:
    """In a tree's own process: ``run_mutant`` as ``ocpp-verify mutants`` calls it, shrinking off."""
    import attrs

    import properties.mutants as mutants
    import properties.runner as runner
    from adapters.chargepoint.mutants import MUTANTS
    from properties.rules import known_rules

    mutants.FuzzConfig = functools.partial(runner.FuzzConfig, shrink=False)
    known_rules()  # read from the model's source once per process: `mutants` pays it for its first mutant only
    started, killed_at = time.process_time(), []
    found = runner.Session.found

    def first_found(self, machine, error):
        first = self.report.time_to_find is None
        found(self, machine, error)
        if first and self.report.time_to_find is not None:
            killed_at.append(time.process_time() - started)

    runner.Session.found = first_found
    with tempfile.TemporaryDirectory() as tmp:
        result = mutants.run_mutant(name, MUTANTS[name], max_examples=None, budget=budget, seed=seed,
                                    findings_dir=Path(tmp))
    out = attrs.asdict(result)
    out.update(cpu=round(killed_at[0], 3) if killed_at else None, tree=str(Path(runner.__file__).parents[1]))
    return out


def mutant_names(tree: Path) -> list[str]:
    listed = in_tree(tree, ["-m", "properties.cli", "mutants", "--list"])
    return [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]


def in_tree(tree: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)


def run(trees: dict[str, Path], names: list[str], budget: float, seed: int) -> list[dict]:
    rows = []
    for name in names:
        row = {"mutant": name}
        for label, tree in trees.items():
            done = in_tree(tree, [__file__, "--child", name, "--budget", str(budget), "--seed", str(seed)])
            if done.returncode:
                row[label] = {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
            else:
                row[label] = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def _cell(result: dict, key: str) -> str:
    value = result.get(key)
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def table(rows: list[dict]) -> None:
    print("| mutant | examples before | examples after | seconds before | seconds after | CPU s before | CPU s after |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        b, a = row["before"], row["after"]
        print(f"| {row['mutant']} | {_cell(b, 'examples')} | {_cell(a, 'examples')} | {_cell(b, 'seconds')} "
              f"| {_cell(a, 'seconds')} | {_cell(b, 'cpu')} | {_cell(a, 'cpu')} |")
    both = [r for r in rows if r["before"].get("killed") and r["after"].get("killed")]
    if not both:
        return
    for key in ("seconds", "cpu"):
        before = [r["before"][key] for r in both]
        after = [r["after"][key] for r in both]
        print(f"{key}: killed by both {len(both)}/{len(rows)}; median before {statistics.median(before):.2f}, after "
              f"{statistics.median(after):.2f}; total before {sum(before):.1f}, after {sum(after):.1f} "
              f"(after/before {sum(after) / sum(before):.2f})")
    same = sum(r["before"]["examples"] == r["after"]["examples"] for r in both)
    print(f"same number of examples to kill: {same}/{len(both)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*", type=Path, help="BEFORE_TREE AFTER_TREE")
    parser.add_argument("--mutants", help="comma-separated names (default: every mutant of the after tree)")
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.budget, args.seed)))
        return
    if len(args.trees) != 2:
        parser.error("give two trees: BEFORE_TREE AFTER_TREE")
    trees = {"before": args.trees[0], "after": args.trees[1]}
    names = args.mutants.split(",") if args.mutants else mutant_names(trees["after"])
    rows = run(trees, names, args.budget, args.seed)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    table(rows)


if __name__ == "__main__":
    main()
