"""Whether a saved finding can be replayed: its settings and every step, checked before it runs.

A finding is a file a user may have edited, truncated or written by hand: each problem becomes
one line (the CLI exits 2), never a traceback half-way through a replay, and never "still fails".
The steps are judged by the same code that would refuse them during the run: the physical
actions by the bundled charge point's checks, the environment ops by the Central System
endpoint's policy, the Central System's CALLs by the OCPP 1.6 request schemas.
"""

from __future__ import annotations

import math

from adapters.chargepoint.physical import step_error
from adapters.chargepoint.settings import POWER_LOSS_POLICIES
from adapters.csms import CsmsPolicy, request_violation
from .hostile import step_problem as hostile_problem
from vocabulary import ALL_OPS, CENTRAL_SYSTEM_OPS, ENVIRONMENT_OPS, HOSTILE_OPS, PHYSICAL_OPS, profiles_problem

TYPES = {"connectors": int, "featureProfiles": str, "fixedCable": bool, "powerLoss": str, "oneReader": bool,
         "mutant": str, "accept": list, "sut": str, "description": str, "listen": str, "controller": str,
         "controlUrl": str, "seed": int, "profile": str, "maxExamples": int, "hostile": bool}
"""The settings a finding records (properties/runner.py Session.settings_dict), and their types."""


def settings_problem(settings) -> str | None:
    """Why a finding's ``settings`` cannot be replayed, or None (null stands for a default)."""
    if not isinstance(settings, dict):
        return f"'settings' must be an object, got {_json_type(settings)}"
    for key, kind in TYPES.items():
        value = settings.get(key)
        if value is not None and (type(value) is not kind):
            return f"settings: {key!r} must be {_json_name(kind)}, got {value!r}"
    return _settings_values(settings)


def _settings_values(settings: dict) -> str | None:
    from adapters.chargepoint.mutants import MUTANTS

    if settings.get("connectors") is not None and settings["connectors"] < 1:
        return f"settings: 'connectors' must be 1 or more, got {settings['connectors']}"
    if settings.get("featureProfiles") is not None:
        problem = profiles_problem([p.strip() for p in settings["featureProfiles"].split(",")])
        if problem:
            return f"settings: 'featureProfiles': {problem}"
    if settings.get("powerLoss") is not None and settings["powerLoss"] not in POWER_LOSS_POLICIES:
        return f"settings: 'powerLoss' must be one of {sorted(POWER_LOSS_POLICIES)}, got {settings['powerLoss']!r}"
    if settings.get("mutant") is not None and settings["mutant"] not in MUTANTS:
        return f"settings: unknown mutant {settings['mutant']!r}"
    if not all(isinstance(rule, str) for rule in settings.get("accept") or ()):
        return "settings: 'accept' must be a list of rule names"
    if settings.get("sut") not in (None, "bundled", "external"):
        return f"settings: 'sut' must be \"bundled\" or \"external\", got {settings['sut']!r}"
    if settings.get("sut") == "external" and settings.get("description") is None:
        return "settings: an external finding names its description file ('description')"
    return None


def step_problem(step, connectors: int) -> str | None:
    """Why ``step`` cannot be run (docs/architecture.md §1), or None."""
    if not isinstance(step, dict) or not isinstance(step.get("op"), str):
        return f"a step is an object with an \"op\" string, got {_json_type(step)}"
    op = step["op"]
    if op not in ALL_OPS:
        return f"unknown op {op!r} (docs/architecture.md §1 lists the ops)"
    if op in PHYSICAL_OPS:
        return step_error(step, connectors)
    if op in CENTRAL_SYSTEM_OPS:
        return request_violation(op, {key: value for key, value in step.items() if key != "op"})
    if op in HOSTILE_OPS:
        return hostile_problem(step)
    return _environment_problem(step)


def _environment_problem(step: dict) -> str | None:
    assert step["op"] in ENVIRONMENT_OPS
    if step["op"] == "AdvanceTime":
        seconds = step.get("seconds")
        if type(seconds) not in (int, float) or not math.isfinite(seconds) or seconds < 0 or len(step) != 2:
            return f"AdvanceTime takes only \"seconds\", a number >= 0, got {step!r}"
        return None
    try:
        CsmsPolicy().apply(step)
    except (ValueError, TypeError) as error:
        return str(error)
    return None


def _json_type(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), "a number")


def _json_name(kind: type) -> str:
    return {int: "an integer", str: "a string", bool: "true or false", list: "a list"}[kind]
