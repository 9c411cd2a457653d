"""``ocpp-verify mutants``: fuzz each injected bug and measure how fast it dies."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import attrs

from .runner import FuzzConfig, fuzz


@attrs.frozen
class KillResult:
    mutant: str
    killed: bool
    seconds: float | None
    examples: int | None
    shrunk_length: int | None
    minimal_length: int
    finding: str | None
    rule: str | None
    octt: tuple[str, ...] | None = None
    """The OCTT cases that fail on the mutant (``--octt``); None when not run."""
    recommendation: str | None = None
    """The mutant's class names the SHOULD it breaks instead of a bug (model/violations.py RECOMMENDATIONS; the SAP
    simulator's list lost at a reboot, §3.5.2): it must not be killed, and the run must report that recommendation."""
    reported: bool = False
    """The run reported :attr:`recommendation` not followed."""

    @property
    def as_expected(self) -> bool:
        """Killed, or for a mutant that is no bug (:attr:`recommendation`), its recommendation reported and no finding."""
        return (self.reported and not self.killed) if self.recommendation else self.killed


def run_mutant(name: str, mutant_class, *, max_examples: int | None, budget: float | None,
               seed: int, findings_dir: Path | None, shrink: bool = True, workers: int = 1) -> KillResult:
    """Fuzz one mutant until its first finding; without ``shrink`` the trace is the failing example as drawn
    (``shrunk_length`` None): the time to kill alone, without the minutes shrinking may take. With ``workers`` above 1
    the run's cells are fuzzed by that many processes (properties/workers.py) and the first finding ends them all."""
    directory = findings_dir or Path(tempfile.mkdtemp(prefix="ocpp-verify-mutants-"))
    config = FuzzConfig(max_examples=max_examples, budget=budget, seed=seed, shrink=shrink,
                        findings_dir=directory, mutant=name, stop_at_first=True,
                        hostile=getattr(mutant_class, "hostile", False), workers=workers)
    report = fuzz(config) if workers == 1 else _in_workers(config)
    recommendation = getattr(mutant_class, "recommendation", None)
    killed = bool(report.findings)
    first = min(report.findings, key=lambda f: len(f.trace)) if killed else None
    return KillResult(
        mutant=name, killed=killed,
        seconds=round(report.time_to_find, 3) if killed else None,
        examples=report.examples_to_find if killed else None,
        shrunk_length=len(first.trace) if killed and shrink else None,
        minimal_length=len(getattr(mutant_class, "minimal_trace", ())),
        finding=str(first.path) if killed else None,
        rule=first.rule if killed else None,
        recommendation=recommendation, reported=bool(recommendation and report.recommendations.get(recommendation)),
    )


def _in_workers(config: FuzzConfig):
    from . import workers

    def configs_of(index: int) -> list[FuzzConfig]:
        return [attrs.evolve(config, shard=workers.worker_shard(None, index, config.workers),
                             max_examples=workers.worker_examples(config.max_examples, index, config.workers))]

    report, errors = workers.run(configs_of, config.workers, _fuzz_first, _Quiet(), stop_at_first=True)
    if errors:
        raise RuntimeError("; ".join(errors))
    return report


def _fuzz_first(configs: list[FuzzConfig], on_progress):
    return fuzz(configs[0], on_progress=on_progress)


class _Quiet:
    """A progress line nobody reads: ``mutants`` prints one line per mutant."""

    def update(self, report) -> None:
        pass


def octt_kills(name: str) -> tuple[str, ...]:
    """The OCTT catalogue's cases that fail against the mutant (each on the build it needs)."""
    from .octt.catalogue import SCENARIOS
    from .octt.suite import run_all

    return tuple(r.id for r in run_all(list(SCENARIOS), mutant=name) if r.result == "failed")


def table(results: list[KillResult]) -> str:
    octt = any(r.octt is not None for r in results)
    header = (f"{'mutant':<44} {'killed':<6} {'time s':>7} {'examples':>8} {'shrunk':>6} {'minimal':>7}  "
              + ("octt  " if octt else "") + "finding")
    lines = [header, "-" * len(header)]
    for r in results:
        cases = f"{len(r.octt):>4}  " if octt and r.octt is not None else ""
        lines.append(
            f"{r.mutant:<44} {_killed(r):<6} {_num(r.seconds):>7} {_num(r.examples):>8} "
            f"{_num(r.shrunk_length):>6} {r.minimal_length:>7}  {cases}{r.finding or '-'}"
        )
    lines.extend(totals(results))
    return "\n".join(lines)


def totals(results: list[KillResult]) -> list[str]:
    """The issue-4 measures: killed share, time to kill, shrink quality; and what the catalogue misses."""
    bugs = [r for r in results if not r.recommendation]
    killed = [r for r in bugs if r.killed]
    lines = [f"killed {len(killed)}/{len(bugs)}"]
    if killed:
        times = sorted(r.seconds for r in killed)
        shrunk = [r for r in killed if r.shrunk_length is not None]
        close = sum(r.shrunk_length <= r.minimal_length + 1 for r in shrunk)
        lines.append(f"time to kill: median {statistics.median(times):.2f}s, max {times[-1]:.2f}s"
                     + (f"; shrunk <= minimal + 1: {close}/{len(shrunk)}" if shrunk else "; not shrunk"))
    no_bugs = [r for r in results if r.recommendation]
    if no_bugs:
        lines.append("no bug, a recommendation not followed (rec: reported, no finding): " + ", ".join(
            f"{r.mutant} ({r.recommendation}{'' if r.as_expected else ': NOT as expected'})" for r in no_bugs))
    missed = [r.mutant for r in results if r.octt == ()]
    if any(r.octt is not None for r in results):
        lines.append("missed by the OCTT catalogue alone: " + (", ".join(missed) or "none"))
    return lines


def _killed(r: KillResult) -> str:
    if r.recommendation and r.reported and not r.killed:
        return "rec"
    return "yes" if r.killed else "NO"


def _num(value) -> str:
    return "-" if value is None else str(value)
