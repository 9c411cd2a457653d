"""The model's own cost per step, before and after: the judge and the invariants, replayed.

In each tree (a child process of its own), a run of ``--examples`` (seed 1, in-memory link) records every
judgement's input (the worlds, the stimulus, what was seen); the judgements are then replayed, with no
charge point and no Hypothesis, and timed (CPU, best of 5), and so are the invariants
(model/invariants.py ``broken``) of every step's worlds.

    python benchmarks/judge_ab.py BEFORE_TREE AFTER_TREE [--examples 60]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def recorded(examples: int) -> list:
    import properties.harness as harness
    from properties.runner import FuzzConfig, fuzz

    calls, judge_worlds = [], harness.judge_worlds

    def recording(worlds, stimulus, seen, accepted):
        worlds = tuple(worlds)
        calls.append((worlds, stimulus, tuple(seen), accepted))
        return judge_worlds(worlds, stimulus, seen, accepted)

    harness.judge_worlds = recording
    with tempfile.TemporaryDirectory() as tmp:
        fuzz(FuzzConfig(max_examples=examples, seed=1, findings_dir=Path(tmp), shrink=False, link="memory"))
    harness.judge_worlds = judge_worlds
    return calls


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def child(examples: int) -> dict:
    from model import judge_worlds, metering
    from model.invariants import broken

    calls = recorded(examples)
    frames = getattr(metering, "_FRAMES", None)  # a frame's checks kept across the worlds of its step, not across replays

    def judge_all():
        for worlds, stimulus, seen, accepted in calls:
            if frames is not None:
                frames.clear()
            judge_worlds(worlds, stimulus, seen, accepted)

    def check_all():
        for worlds, *_ in calls:
            broken(worlds)

    judge_all()  # warm: the model's caches (functools) fill as in a run
    return {"steps": len(calls), "judge_us": best_of(5, judge_all) / len(calls) * 1e6,
            "invariants_us": best_of(5, check_all) / len(calls) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*", type=Path, help="BEFORE_TREE AFTER_TREE")
    parser.add_argument("--examples", type=int, default=60)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.examples)))
        return
    if len(args.trees) != 2:
        parser.error("give two trees: BEFORE_TREE AFTER_TREE")
    print("| tree | steps judged | judge µs CPU per step | invariants µs CPU per step |")
    print("|---|---|---|---|")
    for name, tree in zip(("before", "after"), args.trees):
        done = subprocess.run([sys.executable, __file__, "--child", "--examples", str(args.examples)], cwd=tree,
                              env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"judge_ab: the child for {tree} failed: {done.stderr.strip().splitlines()[-1:]}")
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {name} | {r['steps']} | {r['judge_us']:.0f} | {r['invariants_us']:.0f} |")


if __name__ == "__main__":
    main()
