"""What sharding and a shared example database buy a nightly, on this machine.

    python benchmarks/shards.py                    # both parts, Markdown tables on stdout
    python benchmarks/shards.py --part shards --total 400 --repeats 2
    python benchmarks/shards.py --part database --mutants SoftResetReportsHardReset ReadOnlyKeyAccepted

Part "shards": the clean bundled charge point fuzzed (without shrinking: a finding would
spend the budget on its shrinking) for the same total number of examples by
1, 2 and 4 shard processes (``ocpp-verify fuzz --shard I/N --max-examples TOTAL/N``) started
together, each in a session of its own as each job of a CI matrix is (``--one-session``: all in
the benchmark's); examples per second of wall time, start-up included, and per CPU second the
shards used (start-up and all: what sharding costs). The configurations alternate (1, 2, 4, 1,
2, 4, ...) so that load from elsewhere falls on all of them; the load average is printed beside
each: on a busy machine, Linux's autogroup scheduling gives each session an equal share of it.

Part "database": for each mutant, the time and examples to the first kill (``--stop-at-first
--no-shrink``) with an empty database (cold), at the seed and at the later seed the warm runs
use; with the database a cold run of the same mutant left behind, at the later seed (warm:
last night's shard found this bug); and with the databases the other mutants' cold runs left
behind (warm from other bugs only). A kill by a rule that does not name the mutant's bug is
shown as such: a false alarm, not a kill.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = {
    # mutant: the rules that name its bug (tests/test_mutants_killed.py RULES); another rule is a false alarm
    "MeterStopBelowMeterStart": {"MeterStopBelowMeterStart"},
    "StatusNotReportedAfterReconnect": {"StatusNotReported"},
    "UnlockWithoutStoppingTransaction": {"UnlockStopsTransaction"},
    "NoAvailableAfterConnectionTimeOut": {"StatusNotReported", "StartTransactionWithoutAuthorization"},
    "ReadOnlyKeyAccepted": {"ReadOnlyKeyChanged"},
    "SoftResetReportsHardReset": {"StopTransactionReason"},
}
MUTANTS = list(RULES)


def fuzz(work: Path, *args: str, own_session: bool = False) -> subprocess.Popen:
    """``own_session``: as each job of a CI matrix, a session of its own. Linux's autogroup scheduling
    gives each session an equal share of a busy machine, so shards started in the benchmark's session
    would split one share between them (``--one-session`` measures that)."""
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "properties.cli", "fuzz", "--findings", str(work / "findings"), "--json", *args]
    with open(work / "stderr.txt", "w") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                   stdout=subprocess.PIPE, stderr=errors, text=True, start_new_session=own_session)
    process.errors = work / "stderr.txt"
    return process


def summary(process: subprocess.Popen) -> dict:
    out, _ = process.communicate(timeout=3600)
    try:
        return json.loads(out)
    except json.JSONDecodeError:
        raise RuntimeError(f"ocpp-verify fuzz exited {process.returncode} without a summary: "
                           f"{' '.join(process.args)}\n{process.errors.read_text()[-3000:]}") from None


def shards_once(work: Path, total: int, count: int, seed: int, own_session: bool) -> dict:
    started, cpu = time.monotonic(), _children_cpu()
    processes = [fuzz(work / f"{count}-{i}", "--seed", str(seed), "--shard", f"{i}/{count}",
                      "--max-examples", str(total // count), "--no-shrink", own_session=own_session)
                 for i in range(1, count + 1)]
    results = [summary(p) for p in processes]
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu
    examples = sum(r["examples"] for r in results)
    return {"shards": count, "examples": examples, "wall": wall, "rate": examples / wall, "cpu": cpu,
            "per_cpu": examples / cpu, "load": os.getloadavg()[0]}


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the shards), user and system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def part_shards(work: Path, total: int, repeats: int, seed: int, own_session: bool) -> None:
    runs = [shards_once(work / f"r{r}", total, count, seed, own_session) for r in range(repeats) for count in (1, 2, 4)]
    sessions = "each shard in its own session" if own_session else "all shards in one session"
    print(f"\n### Examples/s of 1, 2 and 4 shards, {total} examples in all ({os.cpu_count()} cores, {sessions})\n")
    print("| shards | run | examples | wall s | examples/s (wall) | CPU s | examples per CPU s | load (1 min) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, run in enumerate(runs):
        print(f"| {run['shards']} | {i // 3 + 1} | {run['examples']} | {run['wall']:.1f} | {run['rate']:.1f} | "
              f"{run['cpu']:.1f} | {run['per_cpu']:.2f} | {run['load']:.2f} |", flush=True)
    for count in (1, 2, 4):
        rates = [r["rate"] for r in runs if r["shards"] == count]
        print(f"\n{count} shard(s): best {max(rates):.1f} examples/s", end="")
    print()


def kill(work: Path, mutant: str, seed: int, database: Path, cap: int) -> dict:
    result = summary(fuzz(work, "--mutant", mutant, "--seed", str(seed), "--max-examples", str(cap),
                          "--stop-at-first", "--no-shrink", "--database", str(database)))
    rules = set(result["rules"])
    if rules and not rules & RULES.get(mutant, rules):  # a false alarm of the model, not the mutant's bug
        return {"seconds": None, "examples": None, "other": sorted(rules)}
    return {"seconds": result["secondsToFind"], "examples": result["examplesToFind"]}


def part_database(work: Path, mutants: list[str], seed: int, cap: int) -> None:
    cold, cold_later, warm, others = {}, {}, {}, {}
    for mutant in mutants:
        cold[mutant] = kill(work / f"cold-{mutant}", mutant, seed, work / f"db-{mutant}", cap)
        cold_later[mutant] = kill(work / f"cold-later-{mutant}", mutant, seed + 1000, work / f"empty-{mutant}", cap)
    for mutant in mutants:
        mine = work / f"warm-db-{mutant}"
        shutil.copytree(work / f"db-{mutant}", mine)
        warm[mutant] = kill(work / f"warm-{mutant}", mutant, seed + 1000, mine, cap)
        theirs = work / f"others-db-{mutant}"
        theirs.mkdir()
        for other in mutants:
            if other != mutant and (work / f"db-{other}").exists():
                shutil.copytree(work / f"db-{other}", theirs, dirs_exist_ok=True)
        others[mutant] = kill(work / f"others-{mutant}", mutant, seed + 1000, theirs, cap)
    print(f"\n### Time to the first kill: cold database vs warm (seed {seed}; warm runs at seed {seed + 1000})\n")
    print("| mutant | cold s | examples | cold s, later seed | examples | warm (same bug) s | examples "
          "| warm (other bugs only) s | examples |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in mutants:
        cells = [f"{_n(r[m], 'seconds')} | {_n(r[m], 'examples')}" for r in (cold, cold_later, warm, others)]
        print(f"| {m} | {' | '.join(cells)} |", flush=True)


def _n(result: dict, key: str) -> str:
    value = result[key]
    if "other" in result:
        return f"other rule: {', '.join(result['other'])}"
    return "not killed" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("shards", "database", "both"), default="both")
    parser.add_argument("--total", type=int, default=400, help="examples in all, for each number of shards")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1003)
    parser.add_argument("--mutants", nargs="*", default=MUTANTS)
    parser.add_argument("--cap", type=int, default=600, help="examples at most per kill")
    parser.add_argument("--one-session", action="store_true", help="start the shards in this session")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ocpp-verify-shards-") as directory:
        if args.part in ("shards", "both"):
            part_shards(Path(directory) / "shards", args.total, args.repeats, args.seed, not args.one_session)
        if args.part in ("database", "both"):
            part_database(Path(directory) / "database", args.mutants, args.seed, args.cap)


if __name__ == "__main__":
    main()
