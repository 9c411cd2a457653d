"""Fuzzing speed of two source trees, before and after, in the same run (issue 16's "Shown by").

Each tree runs in a child process of its own (a tree's packages cannot share a process with another
tree's), the children taking turns, round after round, so that both see the same load. Each child
measures, in its own process, fuzz steps/s on each link and the two baselines of
benchmarks/fuzz_throughput.py (websockets echo round trips, Hypothesis's trivial state machine): the
ratios fuzz/echo and fuzz/trivial are taken within one process, per CPU second (steady on a shared
machine) and per wall second.

    python benchmarks/fuzz_ab.py BEFORE_TREE AFTER_TREE [--examples 100] [--rounds 2] [--seed 1]
    python benchmarks/fuzz_ab.py BEFORE_TREE AFTER_TREE --budget-runs 2   # examples per default 60 s run
    python benchmarks/fuzz_ab.py BEFORE AFTER --budget-runs 2 --after-args "--workers 1"  # and the after tree so

A tree is a checkout or an export (``git archive COMMIT | tar -x -C DIR``). ``--budget-runs N``:
instead, N default runs (``ocpp-verify fuzz``, 60 s, the WebSocket link) of each tree, taking turns;
examples per run, and per CPU second of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRIVIAL_EXAMPLES = 200
"""Examples of the trivial machine per measurement (5,000 steps, about 2.5 s of CPU)."""


def child(examples: int, seed: int, links: list[str]) -> dict:
    """In a tree's own process: each link's fuzz rate and the baselines, as (count, wall, cpu)."""
    import asyncio

    sys.path.insert(1, str(HERE))
    import fuzz_throughput as bench  # this file's neighbour: it imports only what every tree has

    out = {"tree": str(Path(bench.fuzz.__code__.co_filename).parents[1]), "echo": [0, 0.0, 0.0],
           "trivial": [0, 0.0, 0.0]}

    def baselines() -> None:  # before and after the fuzzing: a short spike of load weighs less
        for name, rate in (("echo", asyncio.run(bench._echo_round_trips(3000))),
                           ("trivial", bench.hypothesis_rate(TRIVIAL_EXAMPLES))):
            out[name] = [total + part for total, part in zip(out[name], (rate.count, rate.wall, rate.cpu))]

    baselines()
    for link in links:
        rate, done = bench.fuzz_rate(examples, seed, link)
        out[link] = [rate.count, rate.wall, rate.cpu, done]
    baselines()
    return out


def in_tree(tree: Path, args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)


def rates(trees: dict[str, Path], examples: int, rounds: int, seed: int, links: list[str]) -> dict:
    totals: dict = {}
    for _ in range(rounds):
        for name, tree in trees.items():
            done = in_tree(tree, [__file__, "--child", "--examples", str(examples), "--seed", str(seed),
                                  "--links", ",".join(links)])
            if done.returncode:
                sys.exit(f"fuzz_ab: the child for {tree} failed: {done.stderr.strip().splitlines()[-1:]}")
            measured = json.loads(done.stdout.strip().splitlines()[-1])
            if Path(measured["tree"]).resolve() != tree.resolve():
                sys.exit(f"fuzz_ab: the child ran {measured['tree']}, not {tree}")
            for part in [*links, "echo", "trivial"]:
                acc = totals.setdefault((name, part), [0, 0.0, 0.0])
                for i in range(3):
                    acc[i] += measured[part][i]
    return totals


def report_rates(totals: dict, trees: dict[str, Path], links: list[str]) -> None:
    print("| tree | link | fuzz steps/s CPU (wall) | echo /s CPU | trivial steps/s CPU | fuzz/echo CPU (wall) "
          "| fuzz/trivial CPU (wall) |")
    print("|---|---|---|---|---|---|---|")
    for name in trees:
        echo, trivial = totals[name, "echo"], totals[name, "trivial"]
        for link in links:
            count, wall, cpu = totals[name, link]
            fuzz_cpu, fuzz_wall = count / cpu, count / wall
            print(f"| {name} | {link} | {fuzz_cpu:.0f} ({fuzz_wall:.0f}) | {echo[0] / echo[2]:.0f} "
                  f"| {trivial[0] / trivial[2]:.0f} | {fuzz_cpu / (echo[0] / echo[2]):.3f} "
                  f"({fuzz_wall / (echo[0] / echo[1]):.3f}) | {fuzz_cpu / (trivial[0] / trivial[2]):.3f} "
                  f"({fuzz_wall / (trivial[0] / trivial[1]):.3f}) |")
    pooled = {part: [sum(totals[name, part][i] for name in trees) for i in range(3)] for part in ("echo", "trivial")}
    echo_cpu, trivial_cpu = (pooled[part][0] / pooled[part][2] for part in ("echo", "trivial"))
    print(f"\nThe baselines do not depend on the tree; pooled over both: echo {echo_cpu:.0f}/s CPU, trivial "
          f"{trivial_cpu:.0f} steps/s CPU.")
    print("| tree | link | fuzz steps/s CPU | fuzz/echo CPU | fuzz/trivial CPU |")
    print("|---|---|---|---|---|")
    for name in trees:
        for link in links:
            fuzz_cpu = totals[name, link][0] / totals[name, link][2]
            print(f"| {name} | {link} | {fuzz_cpu:.0f} | {fuzz_cpu / echo_cpu:.3f} | {fuzz_cpu / trivial_cpu:.3f} |")


def budget_runs(trees: dict[str, Path], runs: int, variants: list[str]) -> None:
    """Default runs (60 s, WebSocket), taking turns: examples and steps per run, per wall and CPU second (all the
    run's processes: ``--workers`` too), against the baselines measured in the same rounds (one process each).
    ``variants``: extra runs of the after tree with these fuzz arguments (e.g. ``--workers 1``)."""
    runners = {name: (tree, []) for name, tree in trees.items()}
    runners |= {f"after {extra}": (trees["after"], extra.split()) for extra in variants}
    rows: dict[str, list] = {name: [] for name in runners}
    base = {"echo": [0, 0.0, 0.0], "trivial": [0, 0.0, 0.0]}
    for _ in range(runs):
        for name, (tree, extra) in runners.items():
            rows[name].append(_budget_run(tree, extra))
        measured = json.loads(in_tree(trees["after"], [__file__, "--child", "--links", ""]).stdout.splitlines()[-1])
        for part in base:
            base[part] = [total + m for total, m in zip(base[part], measured[part])]
    trivial_wall, echo_wall = (base[p][0] / base[p][1] for p in ("trivial", "echo"))
    print(f"baselines in the same rounds, per wall second: trivial machine {trivial_wall:.0f} steps, "
          f"websockets echo {echo_wall:.0f} round trips")
    print("| run | examples | steps | wall s | CPU s | examples per CPU s | steps per wall s | fuzz/trivial (wall) "
          "| fuzz/echo (wall) | exit |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, found in rows.items():
        for examples, steps, seconds, wall, cpu, code in found:
            per_cpu = f"{examples / cpu:.2f}" if examples else "-"
            rate = steps / seconds if steps and seconds else 0.0
            print(f"| {name} | {examples} | {steps} | {wall:.1f} | {cpu:.1f} | {per_cpu} | {rate:.0f} "
                  f"| {rate / trivial_wall:.3f} | {rate / echo_wall:.3f} | {code} |")


def _budget_run(tree: Path, extra: list[str]) -> tuple:
    """One default run: examples, steps, its own seconds of fuzzing, wall and CPU seconds of its processes, exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = in_tree(tree, ["-m", "properties.cli", "fuzz", "--seed", "1", "--json", *extra,
                          "--findings", f"/tmp/fuzz_ab-{os.getpid()}"])
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        summary = json.loads(done.stdout)
        counts = summary["examples"], summary["steps"], summary["seconds"]
    except (ValueError, KeyError):
        counts = None, None, None
    return (*counts, wall, cpu, done.returncode)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("trees", nargs="*", type=Path, help="BEFORE_TREE AFTER_TREE")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--links", default="websocket,memory")
    parser.add_argument("--budget-runs", type=int, default=0)
    parser.add_argument("--after-args", action="append", default=[], metavar="ARGS",
                        help="with --budget-runs: also runs of the after tree with these fuzz arguments (repeatable)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    links = [link for link in args.links.split(",") if link]
    if args.child:
        print(json.dumps(child(args.examples, args.seed, links)))
        return
    if len(args.trees) != 2:
        parser.error("give two trees: BEFORE_TREE AFTER_TREE")
    trees = {"before": args.trees[0], "after": args.trees[1]}
    if args.budget_runs:
        budget_runs(trees, args.budget_runs, args.after_args)
        return
    report_rates(rates(trees, args.examples, args.rounds, args.seed, links), trees, links)


if __name__ == "__main__":
    main()
