"""``fuzz --workers N``: one run's cells (properties/shards.py) fuzzed by N processes at once.

Worker J of N takes every N-th cell of the run (of its ``--shard``, if one is given), starting
with the J-th: together the workers fuzz the cells one process would, N at a time, so a time
budget reaches N times as far on N cores; ``--max-examples`` is split between the workers by
whole cells (worker J of 2 runs what ``--shard J/2`` with its share would). Each worker saves its findings as it finds
them, as a run of its own does. The parent forwards a stop (SIGINT, SIGTERM) to the workers,
shows one progress line, and combines their reports: counts added, every finding, and the wall
time of the whole.

``auto`` (the default) is one worker per usable core for a time budget against the bundled
charge point, and one otherwise: ``--max-examples`` asks for an exact run, an external charge
point is one charge point, and ``--trace-out``, ``--observability`` and ``--states`` keep one
run's record.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import os
import signal
import time

import attrs

from . import stopping
from .shards import Shard
from .usage import UsageError

PROGRESS_INTERVAL = 0.5
"""Seconds between a worker's progress messages to the parent."""


def parse(text: str) -> int | None:
    """``--workers``: a count of at least 1, or None for ``auto``."""
    if text == "auto":
        return None
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--workers must be a number of processes (at least 1) or 'auto', got {text!r}")
    return int(text)


def count(requested: int | None, args, external: bool) -> int:
    """How many workers the run gets; UsageError where several cannot share the run."""
    single = _single_run_reason(args, external)
    if requested is None:
        return 1 if single or args.max_examples else _cores()
    if requested > 1 and single:
        raise UsageError(f"--workers {requested}: {single} needs one run (--workers 1)")
    return requested


def _single_run_reason(args, external: bool) -> str | None:
    reasons = {"--sut external": external, "--trace-out": args.trace_out, "--observability": args.observability,
               "--states": args.states}
    return next((name for name, given in reasons.items() if given), None)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_shard(shard: Shard | None, index: int, workers: int) -> Shard:
    """Worker ``index`` (1-based) of ``workers`` within ``shard`` I/M: every workers-th cell of it."""
    shard = shard or Shard(1, 1)
    return Shard(shard.index + shard.count * (index - 1), shard.count * workers)


def worker_examples(total: int | None, index: int, workers: int) -> int | None:
    """The examples of ``total`` that fall in worker ``index``'s cells (cells of runner.BATCH, dealt in turn)."""
    from .runner import BATCH

    if not total:
        return total
    cells = range(index - 1, -(-total // BATCH), workers)
    return sum(min(BATCH, total - BATCH * k) for k in cells)


@attrs.define
class Progress:
    """What a worker has done so far, as the parent's progress line reads a report."""

    examples: int = 0
    steps: int = 0
    findings: list = attrs.field(factory=list)


def run(configs_of, workers: int, fuzz_each, progress, stop_at_first: bool = False) -> tuple[object, list[str]]:
    """Fuzz worker J's configs (``configs_of(J)``) in N processes; the combined report, and the workers' errors.

    With ``stop_at_first`` the first report with a finding stops the other workers (as a signal does, after
    their step); that stop is the run's end, not an interruption."""
    started = time.monotonic()
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = [_start(context, configs_of(j), fuzz_each) for j in range(1, workers + 1)]
    reports, errors, found_first = _collect(pool, progress, stop_at_first)
    report = combine(reports, time.monotonic() - started)
    report.interrupted = report.interrupted and not found_first
    return report, errors


def _start(context, configs, fuzz_each):
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_work, args=(sender, configs, fuzz_each, os.getpid()), daemon=False)
    process.start()
    sender.close()
    return process, receiver


def _work(sender, configs, fuzz_each, parent: int) -> None:
    """In a worker: a stop comes from the parent (SIGTERM), never from the terminal's SIGINT."""
    with stopping.on_signals():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, lambda signum, frame: stopping.request())  # another worker found it first
        last = [0.0]

        def on_progress(report) -> None:
            if os.getppid() != parent:
                stopping.request()
            if time.monotonic() - last[0] >= PROGRESS_INTERVAL:
                last[0] = time.monotonic()
                sender.send(("progress", report.examples, report.steps, len(report.findings)))

        try:
            sender.send(("report", fuzz_each(configs, on_progress)))
        except UsageError as error:
            sender.send(("error", str(error)))
        except Exception as error:  # a worker's crash is reported by the parent, with the others' findings
            sender.send(("error", f"{type(error).__name__}: {error}"))


def _collect(pool, progress, stop_at_first: bool) -> tuple[list, list[str], bool]:
    reports, errors, seen = [], [], {}
    waiting = {receiver: (number, process) for number, (process, receiver) in enumerate(pool, 1)}
    stopped = found_first = False
    try:
        while waiting:
            if stopping.requested() and not stopped:
                stopped = _signal_all(pool, signal.SIGTERM)
            for receiver in multiprocessing.connection.wait(list(waiting), timeout=0.2):
                _receive(receiver, waiting, reports, errors, seen)
            if stop_at_first and not stopped and any(r.findings for r in reports):
                stopped = found_first = _signal_all(pool, signal.SIGUSR1)
            progress.update(_progress(seen))
    except KeyboardInterrupt:
        _signal_all(pool, signal.SIGTERM)  # the second signal: the workers stop at once too
        raise
    finally:
        for process, _ in pool:
            process.join()
    return reports, errors, found_first


def _receive(receiver, waiting, reports, errors, seen) -> None:
    number, process = waiting[receiver]
    try:
        kind, *payload = receiver.recv()
    except EOFError:
        process.join()
        errors.append(f"worker {number} ended without a report (exit code {process.exitcode}); "
                      "the findings it saved are in the findings folder")
        del waiting[receiver]
        return
    if kind == "progress":
        seen[number] = Progress(payload[0], payload[1], [None] * payload[2])
    elif kind == "report":
        reports.append(payload[0])
        seen[number] = Progress(payload[0].examples, payload[0].steps, payload[0].findings)
        del waiting[receiver]
    else:
        errors.append(f"worker {number}: {payload[0]}")
        del waiting[receiver]


def _progress(seen: dict) -> Progress:
    return Progress(sum(p.examples for p in seen.values()), sum(p.steps for p in seen.values()),
                    [f for p in seen.values() for f in p.findings])


def _signal_all(pool, signum) -> bool:
    for process, _ in pool:
        if process.is_alive():
            os.kill(process.pid, signum)
    return True


def combine(reports: list, seconds: float):
    """One report of runs done at the same time: counts added, every finding, the first find of any."""
    from .runner import Report

    total = Report()
    for field in attrs.fields(Report):
        values = [getattr(r, field.name) for r in reports]
        if values and isinstance(values[0], collections.Counter):
            setattr(total, field.name, sum(values, collections.Counter()))
    for name in ("examples", "shrink_runs", "steps", "judged"):
        setattr(total, name, sum(getattr(r, name) for r in reports))
    total.findings = [f for r in reports for f in r.findings]
    total.recommended = {rule: v for r in reversed(reports) for rule, v in r.recommended.items()}
    total.interrupted = any(r.interrupted for r in reports)
    total.seconds = seconds
    found = [r for r in reports if r.time_to_find is not None]
    if found:
        first = min(found, key=lambda r: r.time_to_find)
        total.time_to_find, total.examples_to_find = first.time_to_find, first.examples_to_find
    return total
