"""One vocabulary (vocabulary/): every package reads the same ops, profiles, controllers and dateTimes."""

import ast
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import vocabulary
from vocabulary import dates

ROOT = Path(__file__).resolve().parent.parent

# every reader of an OCPP dateTime in the suite: (module, function, arguments after the text);
# a reader that raises ValueError for what is not a dateTime counts as reading None
READERS = [
    ("vocabulary.dates", "seconds", ()),
    ("model.metering", "seconds", ()),
    ("model.reservation", "seconds", ()),
    ("model.composite", "seconds", ()),
    ("model.localauth", "seconds", ()),
    ("model.firmware", "parse_time", (None,)),
    ("adapters.clock", "parse_iso", ()),
    ("properties.octt.catalogue", "seconds", ()),
]
STAMPS = ["2025-01-01T00:05:00", "2025-01-01T00:05:00Z", "2025-01-01T09:05:00.250+09:00", "2025-01-01", "x"]
READ_ALL = f"""
import importlib, json
def read(function, text, extra):
    try:
        return function(text, *extra)
    except ValueError:
        return None
out = {{}}
for module, name, extra in {READERS!r}:
    function = getattr(importlib.import_module(module), name)
    out[module] = [read(function, text, extra) for text in {STAMPS!r}]
print(json.dumps(out))
"""


def read_under(tz: str) -> dict:
    env = dict(os.environ, TZ=tz)
    done = subprocess.run([sys.executable, "-c", READ_ALL], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_reader_gives_the_same_instant_under_any_host_time_zone():
    """OCPP-J 1.6 (format date-time, RFC 3339) needs an offset: without one, no instant (None)."""
    utc, tokyo = read_under("UTC"), read_under("Asia/Tokyo")
    assert utc == tokyo
    expected = [None, 1735689900.0, 1735689900.25, None, None]
    assert {module: expected for module, _, _ in READERS} == utc


def test_no_datetime_parsing_outside_the_vocabulary():
    """A new copy of dateTime parsing would read stamps its own way again."""
    copies = [str(path.relative_to(ROOT)) for package in ("model", "adapters", "properties")
              for path in (ROOT / package).rglob("*.py") if "fromisoformat" in path.read_text()]
    assert copies == []


def test_iso_writes_what_seconds_reads():
    for t in (0.0, 1735689600.0, 1735689600.5):
        assert dates.seconds(dates.iso(t, milliseconds=True)) == t
        assert dates.seconds(dates.iso(t)) == int(t)
    assert dates.iso(1735689600.0) == "2025-01-01T00:00:00Z"
    assert dates.iso(1735689600.0, milliseconds=True) == "2025-01-01T00:00:00.000Z"


def test_the_model_the_control_api_the_controllers_the_octt_catalogue_and_the_cli_agree():
    from adapters.chargepoint.physical import step_error
    from adapters.control import PHYSICAL_OPS as CONTROL_OPS
    from adapters.controllers import PROMPTS, ManualController
    from adapters.bundled import BundledSut
    from adapters.chargepoint.charge_point import ChargePoint
    from adapters.csms import CS_ACTIONS
    from model.configuration import FEATURE_PROFILES
    from model.events import CSMS_OPS, ENVIRONMENT_OPS, PHYSICAL_OPS, PROFILE_OPS
    from properties.cli import _parser
    from properties.octt.catalogue import SCENARIOS
    from properties.outcomes import PROFILE_ORDER, operations_by_profile

    assert (CSMS_OPS, PHYSICAL_OPS, ENVIRONMENT_OPS) == (
        vocabulary.CENTRAL_SYSTEM_OPS, vocabulary.PHYSICAL_OPS, vocabulary.ENVIRONMENT_OPS)
    assert PROFILE_OPS == vocabulary.PROFILE_OPS and FEATURE_PROFILES == vocabulary.FEATURE_PROFILES
    assert set(CONTROL_OPS) == vocabulary.PHYSICAL_OPS
    assert set(PROMPTS) == vocabulary.PHYSICAL_OPS
    manual = ManualController(input=None, output=None)
    assert asyncio.run(manual.capabilities()) == vocabulary.PHYSICAL_OPS
    assert BundledSut.capabilities == vocabulary.PHYSICAL_OPS | vocabulary.ENVIRONMENT_OPS
    assert all("unknown physical action" not in (step_error({"op": op}, 2) or "") for op in PHYSICAL_OPS)
    power_and_network = {"PowerOn", "PowerLoss", "NetworkDown", "NetworkUp"}  # PhysicalActions.perform itself
    assert {op for op in PHYSICAL_OPS if not hasattr(ChargePoint, f"_physical_{op}")} == power_and_network
    assert CS_ACTIONS == vocabulary.CENTRAL_SYSTEM_OPS
    assert {st.name for s in SCENARIOS for st in s.steps} <= vocabulary.ALL_OPS
    assert set(PROFILE_ORDER) == set(vocabulary.FEATURE_PROFILES)
    assert {op for _, ops in operations_by_profile() for op in ops} == vocabulary.CENTRAL_SYSTEM_OPS
    fuzz = _parser()._subparsers._group_actions[0].choices["fuzz"]
    controller = next(a for a in fuzz._actions if a.dest == "controller")
    assert tuple(controller.choices) == vocabulary.CONTROLLER_KINDS


def test_the_ops_are_disjoint_and_every_profile_op_names_a_profile():
    ops = (vocabulary.CENTRAL_SYSTEM_OPS, vocabulary.PHYSICAL_OPS, vocabulary.ENVIRONMENT_OPS, vocabulary.HOSTILE_OPS)
    assert sum(map(len, ops)) == len(vocabulary.ALL_OPS)
    assert set(vocabulary.PROFILE_OPS.values()) == set(vocabulary.FEATURE_PROFILES) - {"Core"}
    assert vocabulary.profiles_problem(["Core", "Reservation"]) is None
    assert "Bogus" in vocabulary.profiles_problem(["Core", "Bogus"])
    assert "Core" in vocabulary.profiles_problem(["Reservation"])


def test_the_vocabulary_imports_nothing_but_the_standard_library():
    for path in (ROOT / "vocabulary").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module in ("__future__", "datetime", "re"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                assert all(a.name in ("datetime", "re") for a in node.names), path.name


def test_the_state_machine_can_generate_every_op():
    """A new op without a Hypothesis rule (properties/machine.py, properties/profiles/) is never fuzzed."""
    sources = [ROOT / "properties" / "machine.py", *(ROOT / "properties" / "profiles").glob("*.py")]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    assert sorted(op for op in vocabulary.ALL_OPS if f'"{op}"' not in text) == []


def test_the_endpoint_flags_a_date_time_without_an_offset():
    """OCPP-J 1.6's schemas give dateTime the format date-time (RFC 3339 §5.6: the offset is required)."""
    from adapters.csms import schema_violation

    status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    assert schema_violation("StatusNotification", {**status, "timestamp": "2025-01-01T00:05:00Z"}) is None
    assert schema_violation("StatusNotification", {**status, "timestamp": "2025-01-01T09:05:00+09:00"}) is None
    code, detail = schema_violation("StatusNotification", {**status, "timestamp": "2025-01-01T00:05:00"})
    assert code == "PropertyConstraintViolation" and "timestamp" in detail
