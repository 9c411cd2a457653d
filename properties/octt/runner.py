"""Run OCTT scenarios through the same harness and model as fuzzing.

A scenario passes when every step's OCTT tool validations hold *and* the
reference model finds no violation. A scenario that needs a physical action
the SUT's controller cannot perform, or an OCTT prerequisite the SUT does not
meet (fixed cable, back-up power, ...), is reported as not automatable.
"""

from __future__ import annotations

import time

import attrs

from model import Answer, CpCall
from model.configuration import value_of

from .. import stopping
from ..harness import Harness
from .catalogue import PREREQUISITES, match_step, resolve, with_unit


@attrs.frozen
class CaseResult:
    id: str
    title: str
    result: str  # "passed", "failed", "not automatable"
    seconds: float
    detail: str = ""


def blockers(scenario, capabilities: frozenset[str], features: frozenset[str]) -> list[str]:
    """Why the scenario cannot run on this SUT (empty: it can)."""
    found = [f"needs {op}" for op in sorted(scenario.requires() - capabilities)]
    found += [f"prerequisite {p}" for p in PREREQUISITES.get(scenario.id, ()) if p not in features]
    return found


class TransactionIds:
    """``$tx:N``: the transactionId the Central System gave the latest StartTransaction on connector N."""

    def __init__(self):
        self.by_connector: dict[int, int] = {}

    def learn(self, observed) -> None:
        for event in observed:
            if isinstance(event, CpCall) and event.action == "StartTransaction" and event.answer:
                self.by_connector[event.payload.get("connectorId")] = event.answer.get("transactionId")

    def __call__(self, connector: int):
        return self.by_connector.get(connector)


class BeforeStateRefused(Exception):
    """The charge point answered Rejected to a key of the case's "Before" configuration state (a read-only key,
    OCPP 1.6 §5.3): the case cannot start from the state it is written for."""


def run_steps(scenario, harness: Harness) -> list[str]:
    problems = list(map(str, harness.start()))
    for key, value in scenario.configuration:
        problems += [str(v) for v in harness.step({"op": "ChangeConfiguration", "key": key, "value": value})]
        answer = next((e for e in harness.last_observed if isinstance(e, Answer)), None)
        if not problems and answer is not None and (answer.payload or {}).get("status") == "Rejected":
            raise BeforeStateRefused(f"Before state: ChangeConfiguration {key} = {value!r} was answered Rejected")
    carried: tuple = ()
    transaction_ids = TransactionIds()
    unit = rate_unit(harness)
    began, advanced = harness.sut.clock.now(), 0.0
    for number, step in enumerate(scenario.steps, 1):
        if problems:
            break
        stopping.check()  # a signal stops the case after its step under way, not after its last (TC_036_CS waits 4 min)
        step = with_unit(step, unit)
        now = harness.sut.clock.now()
        op = resolve(step.as_dict(), now=now, transaction_id=transaction_ids)
        violations, messages = performed(harness, op)
        problems += [f"step {number} {op['op']}: {v}" for v in violations]
        transaction_ids.learn(messages)
        check = match_step(step, messages, carried=carried, now=now, transaction_id=transaction_ids,
                           lag=max(0.0, now - began - advanced))
        advanced += op.get("seconds", 0) if op["op"] == "AdvanceTime" else 0
        problems += [f"step {number} {op['op']}: OCTT validation: {p}" for p in check.problems]
        carried = check.unclaimed
    return problems


def performed(harness: Harness, op: dict) -> tuple[list, list]:
    """The step's violations and the messages it brought; after a Reset, those of the reboot too, which an
    external charge point may take its time over (``await_reset_reboot``, [timing] reboot)."""
    violations = list(harness.step(op))
    messages = [e for e in harness.last_observed if isinstance(e, (CpCall, Answer))]
    reboot = getattr(harness.sut, "await_reset_reboot", None)
    if op["op"] == "Reset" and reboot is not None:
        violations += harness.step({"op": "AdvanceTime", "seconds": 0}, perform=reboot)
        messages += [e for e in harness.last_observed if isinstance(e, (CpCall, Answer))]
    return violations, messages


def rate_unit(harness: Harness) -> str:
    """The OCTT's <Configured chargingRateUnit>: the description's, else the one the charge point
    allows (ChargingScheduleAllowedChargingRateUnit, OCPP 1.6 §9.4.2; A when it allows both)."""
    declared = getattr(getattr(harness.sut, "description", None), "charging_rate_unit", None)
    if declared:
        return declared
    allowed = value_of(harness.state.config, "ChargingScheduleAllowedChargingRateUnit") or ()
    units = {unit.strip() for unit in (allowed.split(",") if isinstance(allowed, str) else allowed)}
    return "W" if "Power" in units and "Current" not in units else "A"


def run_scenario(scenario, harness: Harness, capabilities: frozenset[str],
                 features: frozenset[str] = frozenset()) -> CaseResult:
    why_not = blockers(scenario, capabilities, features)
    if why_not:
        return CaseResult(scenario.id, scenario.title, "not automatable", 0.0, "; ".join(why_not))
    started = time.monotonic()
    try:
        problems = run_steps(scenario, harness)
    except BeforeStateRefused as refused:
        return CaseResult(scenario.id, scenario.title, "not automatable", time.monotonic() - started, str(refused))
    result = "failed" if problems else "passed"
    return CaseResult(scenario.id, scenario.title, result, time.monotonic() - started, "; ".join(problems[:3]))
