"""``ocpp-verify mutants``: fuzz each injected bug and measure how fast it dies."""

from __future__ import annotations

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


def run_mutant(name: str, mutant_class, *, max_examples: int | None, budget: float | None,
               seed: int, findings_dir: Path | None) -> KillResult:
    directory = findings_dir or Path(tempfile.mkdtemp(prefix="ocpp-verify-mutants-"))
    config = FuzzConfig(max_examples=max_examples, budget=budget, seed=seed,
                        findings_dir=directory, mutant=name)
    report = fuzz(config)
    killed = bool(report.findings)
    first = min(report.findings, key=lambda f: len(f.trace)) if killed else None
    return KillResult(
        mutant=name, killed=killed,
        seconds=round(report.time_to_find, 3) if killed else None,
        examples=report.examples_to_find if killed else None,
        shrunk_length=len(first.trace) if killed else None,
        minimal_length=len(getattr(mutant_class, "minimal_trace", ())),
        finding=str(first.path) if killed else None,
        rule=first.rule if killed else None,
    )


def table(results: list[KillResult]) -> str:
    header = f"{'mutant':<40} {'killed':<6} {'time s':>7} {'examples':>8} {'shrunk':>6} {'minimal':>7}  finding"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.mutant:<40} {'yes' if r.killed else 'NO':<6} {_num(r.seconds):>7} {_num(r.examples):>8} "
            f"{_num(r.shrunk_length):>6} {r.minimal_length:>7}  {r.finding or '-'}"
        )
    killed = sum(r.killed for r in results)
    lines.append(f"killed {killed}/{len(results)}")
    return "\n".join(lines)


def _num(value) -> str:
    return "-" if value is None else str(value)
