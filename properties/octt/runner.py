"""Run OCTT scenarios through the same harness and model as fuzzing.

A scenario passes when every step's OCTT tool validations hold *and* the
reference model finds no violation. A scenario that needs a physical action
the SUT's controller cannot perform is reported as not automatable.
"""

from __future__ import annotations

import re
import time
from typing import Any

import attrs

from adapters.clock import iso
from model import Answer, CpCall

from ..harness import Harness

RELATIVE_TIME = re.compile(r"^\+(\d+)s$")


@attrs.frozen
class CaseResult:
    id: str
    title: str
    result: str  # "passed", "failed", "not automatable"
    seconds: float
    detail: str = ""


def resolve_times(value: Any, now: float) -> Any:
    """``"+300s"`` in a scenario means 300 virtual seconds from now."""
    if isinstance(value, str) and RELATIVE_TIME.match(value):
        return iso(now + int(RELATIVE_TIME.match(value).group(1)))
    if isinstance(value, dict):
        return {k: resolve_times(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_times(v, now) for v in value]
    return value


def field(payload: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(payload, dict) or part not in payload:
            return _MISSING
        payload = payload[part]
    return payload


_MISSING = object()


def matches(expect, event) -> bool:
    if expect.action == "response":
        if not isinstance(event, Answer):
            return False
        payload = event.payload or {}
    elif isinstance(event, CpCall) and event.action == expect.action:
        payload = event.payload
    else:
        return False
    for path, wanted in expect.fields:
        value = field(payload, path)
        if isinstance(wanted, tuple) and value not in wanted or not isinstance(wanted, tuple) and value != wanted:
            return False
    return True


def unmet(expects, observed) -> list[str]:
    problems = []
    for expect in expects:
        hit = any(matches(expect, event) for event in observed)
        if hit == expect.absent:
            fields = ", ".join(f"{k}={v}" for k, v in expect.fields)
            problems.append(f"{'unexpected' if expect.absent else 'missing'} {expect.action}({fields})")
    return problems


def run_scenario(scenario, harness: Harness, capabilities: frozenset[str]) -> CaseResult:
    started = time.monotonic()
    missing = scenario.requires() - capabilities
    if missing:
        return CaseResult(scenario.id, scenario.title, "not automatable", 0.0,
                          f"needs {', '.join(sorted(missing))}")
    problems = list(harness.start())
    for key, value in scenario.configuration:
        problems += [str(v) for v in harness.step({"op": "ChangeConfiguration", "key": key, "value": value})]
    for number, step in enumerate(scenario.steps, 1):
        if problems:
            break
        op = resolve_times(dict(step.op), harness.sut.clock.now())
        problems += [f"step {number} {op['op']}: {v}" for v in harness.step(op)]
        problems += [f"step {number} {op['op']}: OCTT validation: {p}" for p in unmet(step.expect, harness.last_observed)]
    result = "failed" if problems else "passed"
    return CaseResult(scenario.id, scenario.title, result, time.monotonic() - started, "; ".join(problems[:3]))
