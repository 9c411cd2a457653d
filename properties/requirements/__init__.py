"""The register of requirements: every normative statement of OCPP 1.6 (edition 2, errata v4.0)
and OCPP-J 1.6 (with its errata), and how the suite judges each one (issue 13).

``register.json`` is extracted mechanically from the spec (:mod:`.extract`); ``classification.toml``
is kept by hand, keyed by requirement id, so a new extraction never loses it. Each statement is

- ``judged``: model rule(s) ``rules`` judge it, machine rule(s) ``machine`` reach it (none: judged
  only where a test or an OCTT scenario drives it), test(s) ``tests`` show it; ``partial`` says what
  of the statement the rules leave unjudged;
- ``not-judgeable``: the wire cannot show it; ``reason`` is one of :data:`REASONS`;
- ``central-system``: an obligation of the Central System, not of the Charge Point;
- ``gap``: the wire could show it, but no model rule judges it yet.

An entry may instead say ``same_as = "ID"``: an erratum that restates a statement of the edition
(or the other way round) is classified like it.
"""

from __future__ import annotations

import ast
import functools
import json
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
REPOSITORY = HERE.parents[1]
REGISTER = HERE / "register.json"
CLASSIFICATION = HERE / "classification.toml"
DOC = REPOSITORY / "docs" / "spec-coverage.md"

CLASSES = ("judged", "not-judgeable", "central-system", "gap")
REASONS = {
    "physical": "physical behaviour the wire does not show (energy, cable lock, lights, meter hardware)",
    "internal": "inside the Charge Point: storage, memory, clocks, computations it never reports",
    "no-bound": "sets no deadline or measure the wire could check (\"as soon as possible\", \"SHOULD be used\")",
    "not-driven": "needs a stimulus the suite cannot give a charge point (a firmware image, a network, TLS)",
    "no-requirement": "introduces a list, defines a term or gives an example: no requirement of its own",
    "superseded": "replaced by an erratum; the erratum is registered and classified",
    "precondition": "a precondition of any run: a charge point that breaks it cannot be tested at all (exit 2)",
}
PROFILES = {
    "Core": ("Authorize", "BootNotification", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
             "DataTransfer", "GetConfiguration", "Heartbeat", "MeterValues", "RemoteStartTransaction",
             "RemoteStopTransaction", "Reset", "StartTransaction", "StatusNotification", "StopTransaction",
             "UnlockConnector"),
    "Firmware Management": ("GetDiagnostics", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                            "UpdateFirmware"),
    "Local Auth List Management": ("GetLocalListVersion", "SendLocalList", "AuthorizationData", "UpdateStatus",
                                   "UpdateType"),
    "Reservation": ("CancelReservation", "ReserveNow", "ReservationStatus", "CancelReservationStatus"),
    "Smart Charging": ("ClearChargingProfile", "GetCompositeSchedule", "SetChargingProfile", "ChargingProfile",
                       "ChargingSchedule", "ChargingSchedulePeriod", "ChargingProfileKindType",
                       "ChargingProfilePurposeType", "ChargingProfileStatus", "ChargingRateUnitType",
                       "ClearChargingProfileStatus", "GetCompositeScheduleStatus", "RecurrencyKindType"),
    "Remote Trigger": ("TriggerMessage", "MessageTrigger", "TriggerMessageStatus"),
}
"""OCPP 1.6 §3.3: the messages of each feature profile (and the §7 types only they use)."""
SECTION_PROFILES = {
    "Firmware Management": ("4.4", "4.5", "5.9", "5.19", "8"),
    "Local Auth List Management": ("3.5.2", "3.5.3", "5.10", "5.15", "9.2"),
    "Reservation": ("3.11", "5.1", "5.13", "9.3"),
    "Smart Charging": ("3.13", "5.5", "5.7", "5.16", "9.4"),
    "Remote Trigger": ("5.17",),
}
"""Sections of OCPP 1.6 that belong to one feature profile (what an erratum names with "section: X")."""


# -- loading ---------------------------------------------------------------------------------


@functools.cache
def load_register() -> tuple[dict, ...]:
    return tuple(json.loads(REGISTER.read_text(encoding="utf-8")))


@functools.cache
def load_classification() -> dict[str, dict]:
    return tomllib.loads(CLASSIFICATION.read_text(encoding="utf-8"))


def classification_of(identifier: str, table: dict[str, dict]) -> dict:
    """The entry for ``identifier``, following ``same_as`` (the entry's own ``note`` is kept)."""
    entry, seen = dict(table.get(identifier, {})), {identifier}
    first, own = entry.get("same_as"), {key: entry[key] for key in ("note",) if key in entry}
    while "same_as" in entry and entry["same_as"] not in seen:
        seen.add(entry["same_as"])
        entry = dict(table.get(entry["same_as"], {}))
    if first is None or "same_as" in entry:  # not a reference, or one that ends nowhere
        return {**entry, "same_as": first} if first else entry
    return {**entry, "same_as": first, **own}


def classified(register=None, table=None) -> list[dict]:
    """Every statement with its classification and feature profile."""
    register = load_register() if register is None else register
    table = load_classification() if table is None else table
    return [{**statement, "profile": profile_of(statement), **classification_of(statement["id"], table)}
            for statement in register]


def profile_of(statement: dict) -> str:
    """The feature profile a statement belongs to (OCPP 1.6 §3.3), "OCPP-J" for the transport."""
    if statement["id"].startswith("OCPPJ"):
        return "OCPP-J"
    section = statement.get("applies_to") or statement["section"]
    title = statement["title"] if not statement.get("applies_to") else ""
    name = (statement.get("field") or {}).get("owner") or title
    name = name.split(".")[0].replace(" ", "")
    for profile, names in PROFILES.items():
        if name in names:
            return profile
    for profile, prefixes in SECTION_PROFILES.items():
        if any(section == prefix or section.startswith(prefix + ".") for prefix in prefixes):
            return profile
    return "Core"


# -- what exists ----------------------------------------------------------------------------------


def model_rules() -> frozenset[str]:
    from properties.rules import known_rules

    return frozenset(known_rules())


@functools.cache
def machine_rules() -> frozenset[str]:
    """The Hypothesis machine's rules: methods decorated @rule or @initialize."""
    paths = [REPOSITORY / "properties" / "machine.py", *sorted((REPOSITORY / "properties" / "profiles").glob("*.py"))]
    return frozenset(node.name for path in paths for node in ast.walk(_parse(path))
                     if isinstance(node, ast.FunctionDef) and any(_decorator(d) in ("rule", "initialize")
                                                                  for d in node.decorator_list))


def _decorator(node) -> str | None:
    node = node.func if isinstance(node, ast.Call) else node
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def test_ids() -> frozenset[str]:
    """``tests/FILE.py::test_name`` (and ``::Class::test_name``) of every test function."""
    found = set()
    for path in sorted((REPOSITORY / "tests").glob("test_*.py")):
        module = _parse(path)
        prefix = f"tests/{path.name}"
        for node in module.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                found.add(f"{prefix}::{node.name}")
            elif isinstance(node, ast.ClassDef):
                found |= {f"{prefix}::{node.name}::{item.name}" for item in node.body
                          if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")}
    return frozenset(found)


# -- checks and counts -----------------------------------------------------------------------------


def problems(entries: list[dict] | None = None, table: dict | None = None) -> list[str]:
    """What is wrong with the classification: one line per problem."""
    table = load_classification() if table is None else table
    entries = classified(table=table) if entries is None else entries
    ids = {e["id"] for e in entries}
    found = [f"{key}: classified, but not in the register" for key in table if key not in ids]
    rules, machine, tests = model_rules(), machine_rules(), test_ids()
    for entry in entries:
        found += [f"{entry['id']}: {p}" for p in entry_problems(entry, ids, rules, machine, tests)]
    return found


def entry_problems(entry: dict, ids, rules, machine, tests) -> list[str]:
    if "class" not in entry:
        return ["unclassified" if "same_as" not in entry else f"same_as {entry['same_as']!r}, which is unclassified"]
    kind, found = entry["class"], []
    if kind not in CLASSES:
        return [f"class {kind!r} is not one of {', '.join(CLASSES)}"]
    if kind == "judged" and not entry.get("rules"):
        found.append("judged, but names no model rule")
    if kind == "not-judgeable" and entry.get("reason") not in REASONS:
        found.append(f"not-judgeable, but the reason {entry.get('reason')!r} is not one of {', '.join(REASONS)}")
    found += [f"model rule {r!r} does not exist" for r in entry.get("rules", ()) if r not in rules]
    found += [f"machine rule {m!r} does not exist" for m in entry.get("machine", ()) if m not in machine]
    found += [f"test {t!r} does not exist" for t in entry.get("tests", ()) if t not in tests]
    if "same_as" in entry and entry["same_as"] not in ids:
        found.append(f"same_as {entry['same_as']!r} is not in the register")
    return found


def counts(entries: list[dict] | None = None) -> dict:
    entries = classified() if entries is None else entries
    judged = [e for e in entries if e.get("class") == "judged"]
    return {
        "statements": len(entries),
        "by_document": dict(Counter(e["document"] for e in entries)),
        "by_kind": dict(Counter(e["kind"] for e in entries)),
        "judged": len(judged),
        "reached": sum(1 for e in judged if e.get("machine")),
        "not_judgeable": dict(Counter(e.get("reason", "?") for e in entries if e.get("class") == "not-judgeable")),
        "central_system": sum(1 for e in entries if e.get("class") == "central-system"),
        "gaps": sum(1 for e in entries if e.get("class") == "gap"),
        "unclassified": sum(1 for e in entries if e.get("class") not in CLASSES),
    }


CARRIED_BY = {"MeterValue": "MeterValues.req", "SampledValue": "MeterValues.req"}
"""Types whose fields the frame schemas judge inside a message: §6.31 meterValue [1..*] of §7.33 MeterValue,
each with sampledValue [1..*] of §7.43 SampledValue (a StopTransaction.req's transactionData may be empty)."""


def _exercised(entry: dict, judged_rules: set[str], seen_messages) -> bool:
    rules = set(entry.get("rules", ()))
    owner = (entry.get("field") or {}).get("owner")
    if seen_messages is not None and owner and rules <= {"OcppJFraming"}:
        return bool(rules & judged_rules) and CARRIED_BY.get(owner, owner) in seen_messages
    return bool(rules & judged_rules)


def gaps(entries: list[dict] | None = None) -> list[dict]:
    entries = classified() if entries is None else entries
    return [e for e in entries if e.get("class") == "gap"]


def coverage(judged_rules: set[str], entries: list[dict] | None = None, seen_messages=None) -> dict:
    """Which judged requirements a run exercised, given the model rules it judged.

    A requirement is exercised when any of its rules was judged; a field judged only by the frame
    schemas (``OcppJFraming``) when, besides, its message was seen (``seen_messages``, e.g.
    ``Authorize.req``; None: not known, the rule alone counts). ``fraction`` is over every judged
    requirement, ``fraction_reached`` over those a machine rule reaches (what fuzzing can get to).
    """
    entries = classified() if entries is None else entries
    judged = [e for e in entries if e.get("class") == "judged"]
    exercised = [e["id"] for e in judged if _exercised(e, set(judged_rules), seen_messages)]
    reached = [e["id"] for e in judged if e.get("machine")]
    reached_exercised = [i for i in exercised if i in set(reached)]
    return {
        "judged": len(judged),
        "exercised": len(exercised),
        "fraction": len(exercised) / len(judged) if judged else 0.0,
        "reached": len(reached),
        "reached_exercised": len(reached_exercised),
        "fraction_reached": len(reached_exercised) / len(reached) if reached else 0.0,
        "exercised_ids": exercised,
        "missed_ids": [e["id"] for e in judged if e["id"] not in set(exercised)],
    }
