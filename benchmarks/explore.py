"""Exploration against fuzzing on the bundled charge point (issue 15).

Five measures, each printed as a Markdown table (and kept as JSON under --out). Rates and budgets are in
CPU seconds of this process (``time.process_time()``: the machine is shared), wall seconds alongside.

1. ``throughput``: explore transitions/s against fuzz steps/s, measured in the same run, for Core with
   2 connectors and for all six profiles, in CPU seconds and wall seconds; and the cost of reaching a
   state by replay (with and without the boot's GetConfiguration; over each link when there are two).
2. ``depth``: the depth fully explored within 60 s and within 600 s (CPU time of this process, so that
   other work on the machine does not change it), for Core with 2 connectors and for all six profiles.
3. ``mutants``: every mutant, fuzz against explore: killed or not, time to kill, the trace length
   against the hand-written minimal length (``minimal_trace``, replayed by the profile's tests). Explore
   runs on the mutant's feature profiles (Core and the profile its module belongs to; the hostile mutants
   with the hostile letters, and fuzz with --hostile), breadth-first to the depth of the minimal trace
   (a shortest trace is never longer) until the first finding or the budget. Fuzz: seed 0, until the
   first finding (shrunk), at most --fuzz-examples examples.

4. ``bridge``: ``fuzz --states``: the fraction of an exploration's states and transitions a fuzzing run
   reaches, with and without steering toward the rare ones (same seeds, same number of examples).

5. ``symmetry``: states, transitions and CPU seconds with and without symmetry reduction.

Usage: python benchmarks/explore.py [throughput|depth|mutants|bridge|symmetry ...] [--budget S]
[--link memory] [--out DIR]; ``render`` alone prints the tables again from what a run left under --out (the
mutants one by one from mutants.jsonl, so that a run split over several processes is one table).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tree this file is in, installed or not

from adapters.chargepoint.mutants import MUTANTS  # noqa: E402
from properties.explore.search import ExploreConfig, Explorer  # noqa: E402
from properties.runner import FuzzConfig, Session, fuzz  # noqa: E402

ALL_SIX = None
"""The bundled charge point's default SupportedFeatureProfiles: all six."""
PROFILE_OF_MODULE = {
    "adapters.chargepoint.mutants": "Core",
    "adapters.chargepoint.mutants_localauth": "Core,LocalAuthListManagement",
    "adapters.chargepoint.mutants_reservation": "Core,Reservation",
    "adapters.chargepoint.mutants_smartcharging": "Core,SmartCharging",
    "adapters.chargepoint.mutants_trigger": "Core,RemoteTrigger",
    "adapters.chargepoint.mutants_firmware": "Core,FirmwareManagement,RemoteTrigger",
    "adapters.chargepoint.mutants_hostile": "Core",
}
"""The firmware mutants' set includes RemoteTrigger: a Central System asks for a transfer's status with
TriggerMessage (the machine's ask_progress rule does the same)."""
HOSTILE_MODULE = "adapters.chargepoint.mutants_hostile"
"""Its mutants are fuzzed with ``--hostile`` and explored with the hostile letters (alphabet.py)."""
LINKS = ("websocket", "memory") if "link" in attrs.fields_dict(FuzzConfig) else ()
"""The bundled charge point's links, where it has more than one (issue 16)."""


def fuzz_config(**changes) -> FuzzConfig:
    return FuzzConfig(findings_dir=Path(tempfile.mkdtemp(prefix="explore-bench-")), **changes)


def explore_cpu(config: ExploreConfig) -> tuple[Explorer, dict]:
    """One exploration with its budget and rates in CPU seconds; the wall time alongside."""
    session = Session(config.fuzz)
    try:
        explorer = Explorer(config, session)
        explorer.clock = time.process_time
        wall = time.perf_counter()
        report = explorer.run()
        wall = time.perf_counter() - wall
    finally:
        session.close()
    return explorer, {"states": report.states, "transitions": report.transitions, "cpu": round(report.seconds, 1),
                      "wall": round(wall, 1), "depthCompleted": report.depth_completed,
                      "depthSeconds": report.depth_seconds, "perDepth": report.per_depth,
                      "transitionsPerCpuSecond": round(report.transitions / report.seconds, 1) if report.seconds else 0,
                      "transitionsPerWallSecond": round(report.transitions / wall, 1) if wall else 0,
                      "stopped": report.stopped, "findings": [f.rule for f in report.findings],
                      "letters": len(report.letters)}


def fuzz_cpu(config: FuzzConfig) -> dict:
    cpu, wall = time.process_time(), time.perf_counter()
    report = fuzz(config)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"examples": report.examples, "steps": report.steps, "cpu": round(cpu, 1), "wall": round(wall, 1),
            "stepsPerCpuSecond": round(report.steps / cpu, 1), "stepsPerWallSecond": round(report.steps / wall, 1),
            "findings": [f.rule for f in report.findings]}


def throughput(args) -> dict:
    results = {}
    for name, profiles, depth in (("Core, 2 connectors", "Core", 3), ("all six profiles", ALL_SIX, 2)):
        for link in LINKS or (None,):
            extra = {"link": link} if link else {}
            fuzzed = fuzz_cpu(fuzz_config(max_examples=args.examples, seed=1, feature_profiles=profiles, shrink=False,
                                          **extra))  # steps/s of generation: a finding's shrinking is not it
            _, explored = explore_cpu(ExploreConfig(depth=depth, budget=None, fuzz=fuzz_config(
                feature_profiles=profiles, **extra)))
            _, full_boot = explore_cpu(ExploreConfig(depth=min(depth, 2), budget=None, skip_boot_configuration=False,
                                                     fuzz=fuzz_config(feature_profiles=profiles, **extra)))
            results[f"{name}{f', {link} link' if link else ''}"] = {
                "fuzz": fuzzed, "explore": explored, "exploreWithBootGetConfiguration": full_boot}
            print(json.dumps(results), file=sys.stderr, flush=True)
    return results


def depth(args) -> dict:
    results = {}
    for name, profiles in (("Core, 2 connectors", "Core"), ("all six profiles", ALL_SIX)):
        if args.configuration and args.configuration not in name:
            continue
        extra = {"link": args.link} if args.link else {}
        _, result = explore_cpu(ExploreConfig(depth=99, budget=args.budget, fuzz=fuzz_config(
            feature_profiles=profiles, **extra)))
        result["depthIn60s"] = sum(1 for t in result["depthSeconds"] if t <= 60)
        result["depthIn600s"] = sum(1 for t in result["depthSeconds"] if t <= 600)
        results[name] = result
        print(json.dumps({name: result}), file=sys.stderr, flush=True)
    return results


def mutants(args) -> dict:
    """Explore runs to the depth of the mutant's minimal trace (a shortest trace is never longer), with the
    full budget where that depth is at most ``--required-depth`` and ``--short-budget`` beyond it."""
    results = {}
    for name in args.names or sorted(MUTANTS, key=lambda n: (len(MUTANTS[n].minimal_trace), n)):
        cls = MUTANTS[name]
        hostile = cls.__module__ == HOSTILE_MODULE
        profiles = PROFILE_OF_MODULE[cls.__module__]
        minimal = len(getattr(cls, "minimal_trace", ()))
        extra = {"link": args.link} if args.link else {}
        killed = fuzz_mutant(name, args.fuzz_examples, {**extra, "hostile": hostile, "shrink": args.fuzz_shrink})
        budget = args.budget if minimal <= args.required_depth else args.short_budget
        explorer, explored = explore_cpu(ExploreConfig(
            depth=max(minimal, 1), budget=budget, stop_at_first=True,
            fuzz=fuzz_config(mutant=name, feature_profiles=profiles, hostile=hostile, **extra)))
        report = explorer.report
        first = report.findings[0] if report.findings else None
        results[name] = {
            "profiles": profiles + (" + hostile" if hostile else ""), "minimal": minimal, "fuzz": killed,
            "explore": {"killed": first is not None and first.rule not in report.dead_ends,
                        "cpuSeconds": round(report.time_to_find, 1) if first else None,
                        "wallSeconds": explored["wall"] if first else None,
                        "length": len(first.trace) if first else None, "rule": first.rule if first else None,
                        "deadEnd": bool(first and first.rule in report.dead_ends), "budget": budget,
                        "depth": max(minimal, 1), "depthCompleted": report.depth_completed,
                        "depthSeconds": report.depth_seconds, "stopped": report.stopped,
                        "transitions": report.transitions, "letters": len(report.letters)},
        }
        print(json.dumps({name: results[name]}), file=sys.stderr, flush=True)
        with open(args.out / "mutants.jsonl", "a") as partial:
            partial.write(json.dumps({name: results[name]}) + "\n")
    return results


def fuzz_mutant(name: str, examples: int, extra: dict) -> dict:
    """Fuzz until the first finding (at most ``examples``): CPU seconds to it, its shrunk length."""
    first: dict = {}
    started, wall = time.process_time(), time.perf_counter()

    def note(report) -> None:
        if report.findings and not first:
            first["cpu"] = round(time.process_time() - started, 1)
            first["wall"] = round(time.perf_counter() - wall, 1)

    report = fuzz(fuzz_config(max_examples=examples, budget=None, seed=0, mutant=name, stop_at_first=True, **extra),
                  on_progress=note)
    found = min(report.findings, key=lambda f: len(f.trace)) if report.findings else None
    if found is not None and fails_on_clean(found, {k: v for k, v in extra.items() if k != "shrink"}):
        return {"killed": False, "deadEnd": True, "rule": found.rule, "length": len(found.trace),
                "cpuSeconds": first.get("cpu"), "examples": report.examples_to_find}
    return {"killed": found is not None, "cpuSeconds": first.get("cpu", round(time.process_time() - started, 1))
            if found else None, "wallSeconds": first.get("wall"), "examples": report.examples_to_find,
            "length": len(found.trace) if found else None, "totalCpuSeconds": round(time.process_time() - started, 1),
            "shrunk": extra.get("shrink", True),
            "rule": found.rule if found else None}


def fails_on_clean(finding, extra: dict) -> bool:
    """A fuzz finding that the clean charge point fails too is a false alarm of the model, not a kill."""
    session = Session(fuzz_config(**extra))
    try:
        found, _ = session.replay_steps(list(finding.trace), accepted=frozenset(),
                                        clock_start=getattr(finding, "clock_start", None))
    finally:
        session.close()
    return any(v.rule == finding.rule for v in found)


def symmetry(args) -> dict:
    """States, transitions and CPU seconds to a depth with and without symmetry reduction (connectors and
    the alphabet's idTags; the alphabet closed under the permutations)."""
    extra = {"link": args.link} if args.link else {}
    results = {}
    for name, profiles, depth_ in (("Core, 2 connectors", "Core", 3), ("all six profiles", ALL_SIX, 2)):
        for reduced in (False, True):
            _, result = explore_cpu(ExploreConfig(depth=depth_, budget=None, symmetry=reduced, fuzz=fuzz_config(
                feature_profiles=profiles, **extra)))
            results[f"{name}, depth {depth_}{', symmetry' if reduced else ''}"] = result
            print(json.dumps(result), file=sys.stderr, flush=True)
    return results


def bridge(args) -> dict:
    """fuzz --states: the fraction of an exploration's states and transitions fuzzing reaches, with and
    without steering toward the rare ones, over the same seeds and examples."""
    from properties.explore.report import states_dict

    import properties.runner

    if args.batch:  # examples per Hypothesis run: target() steers within a run only
        properties.runner.BATCH = args.batch
    extra = {"link": args.link} if args.link else {}
    config = ExploreConfig(depth=args.bridge_depth, budget=None, alphabet=args.bridge_alphabet,
                           fuzz=fuzz_config(feature_profiles="Core", **extra))
    explorer, explored = explore_cpu(config)
    states = states_dict(explorer.report, config, explorer)
    results = {"exploration": {k: explored[k] for k in ("states", "transitions", "depthCompleted")},
               "batch": properties.runner.BATCH, "runs": []}
    for seed in range(1, args.seeds + 1):
        for steer in (False, True):
            report = fuzz(fuzz_config(max_examples=args.examples, budget=None, seed=seed, feature_profiles="Core",
                                      states=states, steer=steer, **extra))
            results["runs"].append({"seed": seed, "steer": steer, **report.explored})
            print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
    return results


def markdown(results: dict) -> str:
    lines = []
    for part, table in (("throughput", throughput_table), ("depth", depth_table), ("symmetry", symmetry_table),
                        ("bridge", bridge_table), ("mutants", mutants_table)):
        if part in results:
            lines += table(results[part]) + [""]
    return "\n".join(lines)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def throughput_table(results: dict) -> list[str]:
    lines = ["| configuration | fuzz steps/s CPU (wall) | explore transitions/s CPU (wall) | explore/fuzz CPU (wall) "
             "| explore with the boot's GetConfiguration, CPU |", "|---|---|---|---|---|"]
    for name, r in results.items():
        f, e, g = r["fuzz"], r["explore"], r["exploreWithBootGetConfiguration"]
        lines.append(f"| {name} | {f['stepsPerCpuSecond']} ({f['stepsPerWallSecond']}) | "
                     f"{e['transitionsPerCpuSecond']} ({e['transitionsPerWallSecond']}) | "
                     f"{ratio(e['transitionsPerCpuSecond'], f['stepsPerCpuSecond'])} "
                     f"({ratio(e['transitionsPerWallSecond'], f['stepsPerWallSecond'])}) | "
                     f"{g['transitionsPerCpuSecond']} |")
    return lines


def depth_table(results: dict) -> list[str]:
    lines = ["| configuration | letters | depth in 60 s | depth in 600 s | new states per depth | "
             "depth completed at (CPU s) | transitions, CPU s, wall s | stopped |", "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['letters']} | {r['depthIn60s']} | {r['depthIn600s']} | {r['perDepth']} | "
                     f"{r['depthSeconds']} | {r['transitions']}, {r['cpu']}, {r['wall']} | {r['stopped']} |")
    return lines


def symmetry_table(results: dict) -> list[str]:
    lines = ["| exploration | letters | states | transitions | CPU s |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['letters']} | {r['states']} | {r['transitions']} | {r['cpu']} |"
              for name, r in results.items()]
    return lines


def bridge_table(results: dict) -> list[str]:
    lines = ["| seed | steered | states reached | transitions reached | by depth |", "|---|---|---|---|---|"]
    lines += [f"| {r['seed']} | {'yes' if r['steer'] else 'no'} | {r['statesReached']}/{r['states']} "
              f"({r['stateFraction']:.1%}) | {r['transitionsReached']}/{r['transitions']} "
              f"({r['transitionFraction']:.1%}) | {r['reachedByDepth']} |" for r in results["runs"]]
    return lines


def verdict(side: dict) -> str:
    return "dead end" if side.get("deadEnd") else ("yes" if side["killed"] else "no")


def mutants_table(results: dict) -> list[str]:
    lines = ["| mutant | profiles | minimal | fuzz killed | fuzz CPU s (wall) to the failure | fuzz CPU s with shrinking "
             "| fuzz length | explore killed | explore CPU s (wall) | explore length "
             "| explore: depth completed / asked, budget CPU s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in sorted(results.items(), key=lambda item: (item[1]["minimal"], item[0])):
        f, e = r["fuzz"], r["explore"]
        lines.append(f"| {name} | {r['profiles']} | {r['minimal']} | {verdict(f)} | "
                     f"{seconds(f['cpuSeconds'], f.get('wallSeconds'))} | {shrinking(f)} | {fuzz_length(f)} | {verdict(e)} | "
                     f"{seconds(e['cpuSeconds'], e.get('wallSeconds'))} | {dash(e['length'])} | "
                     f"{e['depthCompleted']} / {e.get('depth', '-')}, {e.get('budget', '-'):g} |")
    return lines


def shrinking(side: dict) -> str:
    return f"{side['totalCpuSeconds']}" if side.get("shrunk", True) and side["killed"] else "-"


def fuzz_length(side: dict) -> str:
    """The shrunk length, or the failing example's (unshrunk, in brackets)."""
    if side["length"] is None:
        return "-"
    return str(side["length"]) if side.get("shrunk", True) else f"({side['length']})"


def seconds(cpu, wall) -> str:
    return "-" if cpu is None else f"{cpu} ({wall})" if wall is not None else f"{cpu}"


def dash(value) -> str:
    return "-" if value is None else str(value)


def render(args) -> dict:
    """The tables again from the JSON a run left under --out (mutants.jsonl: every mutant run so far)."""
    results = {part: json.loads((args.out / f"{part}.json").read_text())
               for part in ("throughput", "depth", "symmetry", "bridge") if (args.out / f"{part}.json").exists()}
    rows = args.out / "mutants.jsonl"
    if rows.exists():
        results["mutants"] = {k: v for line in rows.read_text().splitlines() if line for k, v in json.loads(line).items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", default=["throughput", "depth", "mutants", "bridge", "symmetry"])
    parser.add_argument("--budget", type=float, default=600.0, help="CPU seconds per exploration (default 600)")
    parser.add_argument("--fuzz-examples", type=int, default=300,
                        help="fuzz examples per mutant at most (default 300, about 30 CPU seconds)")
    parser.add_argument("--no-fuzz-shrink", dest="fuzz_shrink", action="store_false",
                        help="mutants: fuzz without shrinking (the length is then the failing example's, not a "
                             "shortest one; shrinking is most of fuzz's CPU time to a kill)")
    parser.add_argument("--examples", type=int, default=60, help="fuzz examples for the throughput (default 60)")
    parser.add_argument("--names", nargs="*", help="mutants (default: all, shortest minimal trace first)")
    parser.add_argument("--required-depth", type=int, default=4,
                        help="mutants: minimal traces up to this length get --budget, longer ones --short-budget "
                             "(default 4: the depth of Core with 2 connectors in 600 CPU s)")
    parser.add_argument("--short-budget", type=float, default=60.0,
                        help="mutants: CPU seconds for a mutant whose minimal trace is longer (default 60)")
    parser.add_argument("--seeds", type=int, default=3, help="bridge: fuzz seeds (default 3)")
    parser.add_argument("--bridge-depth", type=int, default=3, help="bridge: the exploration's depth (default 3)")
    parser.add_argument("--bridge-alphabet", default="small", help="bridge: the exploration's alphabet")
    parser.add_argument("--batch", type=int, help="bridge: fuzz examples per Hypothesis run (the runner's BATCH)")
    parser.add_argument("--configuration", help="depth: only the configuration whose name has this (Core, six)")
    parser.add_argument("--link", help="the bundled charge point's link for depth and mutants (default: its own)")
    parser.add_argument("--out", type=Path, default=Path("explore-bench"))
    args = parser.parse_args()
    if args.parts == ["render"]:
        print(markdown(render(args)))
        return
    results = {}
    args.out.mkdir(parents=True, exist_ok=True)
    for part in args.parts:
        results[part] = {"throughput": throughput, "depth": depth, "mutants": mutants, "bridge": bridge,
                          "symmetry": symmetry}[part](args)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{part}.json").write_text(json.dumps(results[part], indent=2))
    print(markdown(results))


if __name__ == "__main__":
    main()
