"""check-log: speed on a long log of the bundled charge point, and which mutants' logs it flags.

    python benchmarks/checklog.py speed [--frames 100000] [--seed 1]   # frames/s and peak memory
    python benchmarks/checklog.py speed --log FILE --tree OLD --tree NEW [--rounds 2] [--default-only]  # trees compared
    python benchmarks/checklog.py mutants [--examples 30]              # check-log vs fuzz, per mutant
    python benchmarks/checklog.py record FILE [--steps N | --frames N] [--seed S] [--mutant M]
    python benchmarks/checklog.py parts --log FILE [--tree DIR ...]   # CPU of reading, framing, segmenting, judging
    python benchmarks/checklog.py ceilings --log FILE                 # what judging once per frame, an incremental
                                                                      # settle could save (docs/speed.md, session 9)

``--tree DIR`` (repeatable) times the check-log of each source tree on the same
log (``--log``, else one recorded), taking turns, each in its own child
process: a before/after comparison in one run on a shared machine, in CPU
seconds. ``record`` drives one bundled charge point (one session, one clock, no fresh
start) through a random walk of steps, judged by the harness as it goes, and
writes its frames in the trace format v1.0. ``speed`` records such a log and
times ``ocpp-verify check-log`` on it in a child process (peak RSS from
``getrusage``). ``mutants`` fuzzes each mutant with ``--trace-out`` and
checks the trace: the same traffic, judged with and without the stimuli. ``parts`` splits the CPU seconds of
each tree's check-log of a log into reading the lines, framing, segmenting (each cumulative) and the whole check:
what judging costs is the whole less the segmenting.
Figures go to stdout as Markdown tables (copied into notes/checklog-results.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from properties.checklog import check, export  # noqa: E402
from properties.checklog.formats import TraceWriter  # noqa: E402
from properties.runner import FuzzConfig, Session, fuzz  # noqa: E402

TAGS = ("TAG1", "TAG2")


def walk_step(state, rng: random.Random, connectors: int) -> dict:
    """One step a user, a car, the grid or the Central System might take now."""
    if not state.powered:
        return {"op": "PowerOn"}
    c = rng.randint(1, connectors)
    con = state.connector(c)
    running = [x.tx.transaction_id for x in state.connectors[1:] if x.tx and x.tx.transaction_id is not None]
    choices = [
        (30, {"op": "AdvanceTime", "seconds": rng.choice((5, 10, 30, 61, 300))}),
        (8, {"op": "Unplug" if con.plugged else "PlugIn", "connectorId": c}),
        (8, {"op": "PresentIdTag", "connectorId": c, "idTag": rng.choice(TAGS)}),
        (1, {"op": "SetIdTag", "idTag": rng.choice(TAGS), "status": rng.choice(("Accepted",) * 4 + ("Blocked",))}),
        (3 if con.plugged else 0, {"op": rng.choice(("EVSuspend", "EVResume")), "connectorId": c}),
        (1, {"op": "PowerLoss"}),
        (2, {"op": "NetworkUp" if not state.online else "NetworkDown"}),
    ]
    if state.online and state.registration == "Accepted":
        choices += [
            (3, {"op": "RemoteStartTransaction", "connectorId": c, "idTag": rng.choice(TAGS)}),
            (3, {"op": "RemoteStopTransaction", "transactionId": rng.choice(running or [99])}),
            (2, {"op": "ChangeConfiguration", "key": "MeterValueSampleInterval", "value": rng.choice(("0", "10", "60"))}),
            (1, {"op": "ChangeConfiguration", "key": "HeartbeatInterval", "value": rng.choice(("60", "300"))}),
            (1, {"op": "Reset", "type": rng.choice(("Soft", "Hard"))}),
            (1, {"op": "GetConfiguration", "key": ["HeartbeatInterval"]}),
            (1, {"op": "ChangeAvailability", "connectorId": c, "type": rng.choice(("Inoperative", "Operative"))}),
        ]
    weights, steps = zip(*choices)
    return rng.choices(steps, weights)[0]


def record(path: Path, steps: int | None = None, frames: int | None = None, seed: int = 1,
           mutant: str | None = None) -> dict:
    """A random walk of one bundled charge point, written as a trace; stops after ``steps`` or ``frames``."""
    rng = random.Random(seed)
    session = Session(FuzzConfig(mutant=mutant))
    writer = TraceWriter(path, clock="virtual")
    harness = session.fresh_harness(on_accepted=lambda v: None)
    flagged: Counter = Counter()
    written, done = 0, 0
    try:
        flagged.update(v.rule for v in harness.start())
        for tag in TAGS:
            harness.step({"op": "SetIdTag", "idTag": tag, "status": "Accepted"})
        while (steps is None or done < steps) and (frames is None or writer.written < frames):
            step = walk_step(harness.state, rng, session.options.number_of_connectors)
            flagged.update(v.rule for v in harness.step(step))
            done += 1
            new = session.sut.csms.frames[written:]
            writer.write(new, "CP001")
            written += len(new)
    finally:
        writer.close()
        session.close()
    return {"steps": done, "frames": writer.written, "harness": dict(flagged)}


def speed(frames: int, seed: int, log: Path | None = None, trees: list[Path] | None = None, rounds: int = 1,
          schemas_only: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if log is None:
            log = Path(tmp) / "long.jsonl"
            started = time.monotonic()
            recorded = record(log, frames=frames, seed=seed)
            print(f"recorded {recorded['frames']} frames in {recorded['steps']} steps "
                  f"({time.monotonic() - started:.0f} s); harness verdicts: {recorded['harness'] or 'none'}")
        runs = [(tree, extra) for tree in (trees or [ROOT]) for extra in ([[]] if schemas_only else [[], ["--no-schemas"]])]
        for _ in range(rounds):
            for tree, extra in runs:  # taking turns: the machine's load falls on each alike
                r = _timed_check(log, extra, tree)
                print(f"| {tree.name if trees else ''} {' '.join(extra) or '(default)'} | {r['frames']} | "
                      f"{r['cpu']:.1f} | {r['frames'] / r['cpu']:.0f} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
                      f"{r['violations']} |", flush=True)


ROOT = Path(__file__).resolve().parent.parent


def _timed_check(log: Path, extra: list[str], tree: Path = ROOT) -> dict:
    """check-log of ``tree`` in a child process: its CPU and wall seconds and peak resident memory."""
    code = ("import json, resource, sys, time; from properties.checklog import check, CheckOptions;"
            "t = time.monotonic(); r = check([sys.argv[1]], options=CheckOptions(schemas=sys.argv[2] == '1'));"
            "u = resource.getrusage(resource.RUSAGE_SELF);"
            "print(json.dumps({'frames': r.frames, 'seconds': time.monotonic() - t, 'violations': r.violation_count,"
            "'cpu': u.ru_utime + u.ru_stime, 'peak_mb': u.ru_maxrss / 1024}))")
    schemas = "0" if "--no-schemas" in extra else "1"
    out = subprocess.run([sys.executable, "-c", code, str(log), schemas], capture_output=True, text=True,
                         cwd=tree, check=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return json.loads(out.stdout)


_PARTS = '''
import json, resource, sys, time
from properties.checklog import check
from properties.checklog.framing import Framer
from properties.checklog.reader import read
from properties.checklog.segments import Segmenter
log, out = sys.argv[1], {}
def timed(name, run):
    started = time.process_time(); run(); out[name] = time.process_time() - started
def framing(segmenting):
    framer, segmenter = Framer(True), Segmenter()
    for index, record in enumerate(read(log)):
        message = framer.parse(index, record)
        if segmenting:
            for _ in segmenter.add(message):
                pass
timed("reading", lambda: sum(1 for _ in read(log)))
timed("+ framing", lambda: framing(False))
timed("+ segmenting", lambda: framing(True))
timed("check-log", lambda: check([log]))
print(json.dumps(out))
'''


def parts(log: Path, trees: list[Path]) -> None:
    """CPU seconds of each part of check-log, per tree (each in a child process of its own)."""
    print("| tree | reading | + framing | + segmenting | check-log | judging |")
    print("|---|---|---|---|---|---|")
    for tree in trees:
        out = subprocess.run([sys.executable, "-c", _PARTS, str(log)], capture_output=True, text=True, cwd=tree,
                             check=True, env={**os.environ, "PYTHONPATH": str(tree)})
        r = json.loads(out.stdout)
        print(f"| {tree.name} | {r['reading']:.2f} | {r['+ framing']:.2f} | {r['+ segmenting']:.2f} | "
              f"{r['check-log']:.2f} | {r['check-log'] - r['+ segmenting']:.2f} |", flush=True)


def ceilings(log: Path) -> None:
    """Two measured ceilings (docs/speed.md, check-log session 9). Judging a frame once for the worlds that agree on
    what it reads: for each Charge Point CALL judged as it is in more than one world, whether the first world's result
    (its changed fields, its violations) with each other world's unchanged fields kept is that world's own result.
    An incremental settle: how many status checks at a settle are of a connector object checked before, and whether
    they gave the same again. Instruments this tree's check-log; its verdicts are unchanged."""
    import attrs

    from model.events import CpCall
    from model.judge import Judgement
    from model.records import evolve
    from model.state import ChargePointState
    from properties.checklog import worlds

    names = [f.name for f in attrs.fields(ChargePointState)]
    first: dict = {}
    judged, seconds, checks, seen = Counter(), Counter(), Counter(), {}
    attempt, settled_check = worlds.Worlds._attempt, Judgement.check_settled_status

    def kept(old, new, own):  # the first world's change, the other world's own value where nothing changed
        return own if old == new else new

    def timed_attempt(self, world, sequence, observe=None, stimulus=None, must_expect=False, extra=0):
        started = time.process_time()
        made = attempt(self, world, sequence, observe, stimulus, must_expect, extra)
        if sequence or not isinstance(observe, CpCall):
            return made
        state = evolve(world.state, time=observe.time) if observe.time > world.state.time else world.state
        known = first.get(id(observe))
        if known is None or known[0] is not observe:
            first.clear()
            first[id(observe)] = (observe, state, made.state, made.violations)
            outcome = "first world"
        else:
            _, before, after, violations = known
            same = made.violations == violations and all(
                (tuple(kept(a, b, c) for a, b, c in zip(before.connectors, after.connectors, state.connectors))
                 if name == "connectors" else kept(getattr(before, name), getattr(after, name), getattr(state, name)))
                == getattr(made.state, name) for name in names)
            outcome = "the first world's result fits" if same else "its own result"
        judged[observe.action, outcome] += 1
        seconds[outcome] += time.process_time() - started
        return made

    def counted_check(self, c, allowed=None):
        before = len(self.violations)
        settled_check(self, c, allowed)
        result = (frozenset(self.settled_statuses(c)), tuple(v.rule for v in self.violations[before:]))
        earlier = seen.get(id(c))
        if earlier is not None and earlier[0] is c:
            checks["same connector object, " + ("same result" if earlier[1] == result else "another result")] += 1
        else:
            checks["new connector object"] += 1
        seen[id(c)] = (c, result)

    worlds.Worlds._attempt, Judgement.check_settled_status = timed_attempt, counted_check
    try:
        started = time.process_time()
        report = check([log])
        total = time.process_time() - started
    finally:
        worlds.Worlds._attempt, Judgement.check_settled_status = attempt, settled_check
    print(f"{report.frames} frames, {total:.1f} CPU s (instrumented)")
    print("| CALL | judged as it is in | count |\n|---|---|---|")
    for (action, outcome), count in sorted(judged.items()):
        print(f"| {action} | {outcome} | {count} |")
    print(f"CPU s of those judgements: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(seconds.items())))
    print("status checks at a settle: " + ", ".join(f"{k} {v}" for k, v in sorted(checks.items())))


def mutants(examples: int, seed: int) -> None:
    from adapters.chargepoint.mutants import MUTANTS

    print("| mutant | fuzz kills (rule) | check-log flags (rules) | frames |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(MUTANTS):
            trace = Path(tmp) / f"{name}.jsonl"
            export.start(trace)
            config = FuzzConfig(max_examples=examples, seed=seed, findings_dir=Path(tmp) / "findings",
                                trace_out=trace, mutant=name, shrink=False)
            report = fuzz(config)
            checked = check([trace])
            rules = Counter()
            for cp in checked.charge_points.values():
                rules.update(cp.by_rule)
            killed = ", ".join(sorted({f.rule for f in report.findings})) or "survived"
            flagged = ", ".join(f"{r} ×{n}" for r, n in sorted(rules.items())) or "-"
            print(f"| {name} | {killed} | {flagged} | {checked.frames} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--frames", type=int, default=100_000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--log", type=Path, help="time this log instead of recording one")
    s.add_argument("--tree", type=Path, action="append", help="a source tree to time (repeat: before, after)")
    s.add_argument("--rounds", type=int, default=1)
    s.add_argument("--default-only", action="store_true", help="time only the default options (schemas on)")
    m = sub.add_parser("mutants")
    m.add_argument("--examples", type=int, default=30)
    m.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("record")
    r.add_argument("file", type=Path)
    r.add_argument("--steps", type=int, help="walk steps (default 1000 unless --frames)")
    r.add_argument("--frames", type=int, help="stop once the log has this many frames")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--mutant")
    p = sub.add_parser("parts")
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--tree", type=Path, action="append", help="a source tree (repeat; default this one)")
    c = sub.add_parser("ceilings")
    c.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "speed":
        print("| tree, options | frames | CPU s | frames/CPU s | wall s | peak RSS (MB) | violations |")
        print("|---|---|---|---|---|---|---|")
        speed(args.frames, args.seed, args.log, [t.resolve() for t in args.tree or []] or None, args.rounds,
              args.default_only)
    elif args.command == "mutants":
        mutants(args.examples, args.seed)
    elif args.command == "parts":
        parts(args.log, [t.resolve() for t in args.tree or [ROOT]])
    elif args.command == "ceilings":
        ceilings(args.log)
    else:
        steps = args.steps if args.steps is not None or args.frames is not None else 1000
        print(json.dumps(record(args.file, steps=steps, frames=args.frames, seed=args.seed, mutant=args.mutant)))


if __name__ == "__main__":
    main()
