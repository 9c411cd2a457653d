"""Instructions per fuzz step and per step of Hypothesis's trivial machine, counted by valgrind (issue 16).

CPU seconds on a shared machine vary by ±25 % with the load; the instructions a run executes do not. Each tree
runs, under ``valgrind --tool=cachegrind --cache-sim=no``, a child that fuzzes the bundled charge point
(benchmarks/fuzz_throughput.py's ``fuzz_rate``, shrinking off) for ``--examples`` examples, and another for
``--base`` examples; the difference of their instruction counts over the difference of their steps is the cost of
a step, without the imports and the set-up both runs share. The same for the trivial machine gives the
instruction ratio fuzz/trivial, which the CPU ratio of issue 16 follows.

    python benchmarks/fuzz_instructions.py TREE [TREE ...] [--examples 20] [--base 2] [--link websocket]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(kind: str, examples: int, seed: int, link: str) -> dict:
    sys.path.insert(1, str(HERE))
    import fuzz_throughput as bench

    if kind == "trivial":
        return {"steps": bench.hypothesis_rate(examples).count, "examples": examples}
    rate, done = bench.fuzz_rate(examples, seed, link)
    return {"steps": rate.count, "examples": done}


def counted(tree: Path, kind: str, examples: int, seed: int, link: str) -> tuple[int, dict]:
    """(instructions, the child's report) of one child run under cachegrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cachegrind.out"
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
        done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
                               sys.executable, __file__, "--child", kind, "--examples", str(examples),
                               "--seed", str(seed), "--link", link],
                              cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"fuzz_instructions: the child failed in {tree}: {done.stderr.strip().splitlines()[-3:]}")
        summary = next(line for line in out.read_text().splitlines() if line.startswith("summary:"))
        return int(summary.split()[1]), json.loads(done.stdout.strip().splitlines()[-1])


def per_step(tree: Path, kind: str, examples: int, base: int, seed: int, link: str) -> tuple[float, dict]:
    big, report = counted(tree, kind, examples, seed, link)
    small, first = counted(tree, kind, base, seed, link)
    return (big - small) / (report["steps"] - first["steps"]), report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--base", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--link", default="websocket")
    parser.add_argument("--trivial-examples", type=int, default=40, help="0: leave the trivial machine out")
    parser.add_argument("--child", choices=("fuzz", "trivial"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.examples, args.seed, args.link)))
        return
    trivial = None
    if args.trivial_examples:  # 0: not counted (the trivial machine does not depend on the tree)
        trivial, _ = per_step(args.trees[0], "trivial", args.trivial_examples, 2, args.seed, args.link)
        print(f"trivial machine: {trivial / 1e3:.1f} k instructions per step")
    print("| tree | link | steps (examples) | M instructions per step | fuzz/trivial (instructions) |")
    print("|---|---|---|---|---|")
    for tree in args.trees:
        fuzz, report = per_step(tree, "fuzz", args.examples, args.base, args.seed, args.link)
        ratio = f"{trivial / fuzz:.3f}" if trivial else "-"
        print(f"| {tree} | {args.link} | {report['steps']} ({report['examples']}) | {fuzz / 1e6:.3f} | {ratio} |",
              flush=True)


if __name__ == "__main__":
    main()
