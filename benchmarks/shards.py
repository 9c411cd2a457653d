"""What sharding and a shared example database buy a nightly, on this machine.

    python benchmarks/shards.py                    # both parts, Markdown tables on stdout
    python benchmarks/shards.py --part shards --total 400 --repeats 2
    python benchmarks/shards.py --part database --mutants SoftResetReportsHardReset ReadOnlyKeyAccepted

Part "shards": the clean bundled charge point fuzzed for the same total number of examples by
1, 2 and 4 shard processes (``ocpp-verify fuzz --shard I/N --max-examples TOTAL/N``) started
together, as the jobs of a CI matrix would be; examples per second of wall time, start-up
included, and per CPU second the shards used (start-up and all: what sharding costs). The
configurations alternate (1, 2, 4, 1, 2, 4, ...) so that load from elsewhere falls on all of
them; the load average is printed beside each, since on a loaded machine more processes also
get a larger share of its cores.

Part "database": for each mutant, the time and examples to the first kill (``--stop-at-first
--no-shrink``) with an empty database (cold); with the database a cold run of the same mutant
left behind, at another seed (warm: last night's shard found this bug); and with the
databases the other mutants' cold runs left behind (warm from other bugs only).
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
MUTANTS = ["MeterStopBelowMeterStart", "StatusNotReportedAfterReconnect", "UnlockWithoutStoppingTransaction",
           "NoAvailableAfterConnectionTimeOut", "ReadOnlyKeyAccepted", "SoftResetReportsHardReset"]


def fuzz(work: Path, *args: str) -> subprocess.Popen:
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "properties.cli", "fuzz", "--findings", str(work / "findings"), "--json", *args]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def summary(process: subprocess.Popen) -> dict:
    out, _ = process.communicate(timeout=3600)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"ocpp-verify fuzz exited {process.returncode}")
    return json.loads(out)


def shards_once(work: Path, total: int, count: int, seed: int) -> dict:
    started, cpu = time.monotonic(), _children_cpu()
    processes = [fuzz(work / f"{count}-{i}", "--seed", str(seed), "--shard", f"{i}/{count}",
                      "--max-examples", str(total // count)) for i in range(1, count + 1)]
    results = [summary(p) for p in processes]
    wall, cpu = time.monotonic() - started, _children_cpu() - cpu
    examples = sum(r["examples"] for r in results)
    return {"shards": count, "examples": examples, "wall": wall, "rate": examples / wall, "cpu": cpu,
            "per_cpu": examples / cpu, "load": os.getloadavg()[0]}


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the shards), user and system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def part_shards(work: Path, total: int, repeats: int, seed: int) -> None:
    runs = [shards_once(work / f"r{r}", total, count, seed) for r in range(repeats) for count in (1, 2, 4)]
    print(f"\n### Examples/s of 1, 2 and 4 shards, {total} examples in all ({os.cpu_count()} cores)\n")
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
    return {"seconds": result["secondsToFind"], "examples": result["examplesToFind"]}


def part_database(work: Path, mutants: list[str], seed: int, cap: int) -> None:
    cold, warm, others = {}, {}, {}
    for mutant in mutants:
        cold[mutant] = kill(work / f"cold-{mutant}", mutant, seed, work / f"db-{mutant}", cap)
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
    print("| mutant | cold s | cold examples | warm (same bug) s | examples | warm (other bugs only) s | examples |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in mutants:
        print(f"| {m} | {_n(cold[m]['seconds'])} | {_n(cold[m]['examples'])} | {_n(warm[m]['seconds'])} | "
              f"{_n(warm[m]['examples'])} | {_n(others[m]['seconds'])} | {_n(others[m]['examples'])} |")


def _n(value) -> str:
    return "not killed" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("shards", "database", "both"), default="both")
    parser.add_argument("--total", type=int, default=400, help="examples in all, for each number of shards")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--mutants", nargs="*", default=MUTANTS)
    parser.add_argument("--cap", type=int, default=600, help="examples at most per kill")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ocpp-verify-shards-") as directory:
        if args.part in ("shards", "both"):
            part_shards(Path(directory) / "shards", args.total, args.repeats, args.seed)
        if args.part in ("database", "both"):
            part_database(Path(directory) / "database", args.mutants, args.seed, args.cap)


if __name__ == "__main__":
    main()
