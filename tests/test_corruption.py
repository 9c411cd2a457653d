"""A corrupted finding or description file is bad input: exit 0 or 2, never a traceback, never exit 1.

Each corruption starts from a valid file (a finding that passes on the bundled charge point; a
description of a charge point that never connects, so a valid one ends in 0.2 s with exit 2) and
breaks it at random: a value replaced, a key or item dropped, bytes cut, replaced or inserted.
The CLI runs in-process (properties.cli.main) with its output captured.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from properties.cli import main

from test_bad_input import VALID_FINDING

DESCRIPTION = """\
[charge_point]
connectors = 2
profiles = ["Core", "RemoteTrigger"]
fixed_cable = false
id = "CP-CORRUPT"
boot = "trigger"

[controller]
kind = "none"

[configuration]
MinimumStatusDuration = "0"

[timing]
quiet = 0.1
connect_timeout = 0.2

[endpoint]
listen = "127.0.0.1:0"
"""

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(-1e3, 1e20),
                    st.text(max_size=6), st.sampled_from(["Core", "PlugIn", "connectorId", "", "é"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)
TOML_VALUES = st.sampled_from(['0', '-1', '0.1', '0.3', 'nan', 'inf', '"x"', '""', '"none"', '"Core"', 'true',
                               '[]', '["Bogus"]', '{}', '{a = 1}', '1e400', '"127.0.0.1:99999"', '"é"'])
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def paths(value, prefix=()):
    """Every place in a JSON value: the paths of its items."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def changed(value, path, new, drop: bool):
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if drop and not rest:
        del copy[head]
    else:
        copy[head] = changed(copy[head], rest, new, drop)
    return copy


@st.composite
def corrupted_finding(draw) -> bytes:
    text = json.dumps(VALID_FINDING)
    if draw(st.booleans()):
        path = draw(st.sampled_from(list(paths(VALID_FINDING))))
        drop = bool(path) and draw(st.booleans())
        text = json.dumps(changed(VALID_FINDING, path, draw(JSON_VALUES), drop))
    return draw(corrupted_bytes(text.encode()))


@st.composite
def corrupted_description(draw) -> bytes:
    lines = DESCRIPTION.splitlines()
    index = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["value", "drop", "twice", "none"]))
    if kind == "value" and "=" in lines[index]:
        lines[index] = lines[index].split("=")[0] + "= " + draw(TOML_VALUES)
    elif kind == "drop":
        del lines[index]
    elif kind == "twice":
        lines.insert(index, lines[index])
    return draw(corrupted_bytes(("\n".join(lines) + "\n").encode()))


@st.composite
def corrupted_bytes(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["as is", "as is", "cut", "byte", "insert"]))
    at = draw(st.integers(0, len(data)))
    if kind == "cut":
        return data[:at]
    if kind == "byte" and at < len(data):
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


def run_on(data: bytes, name: str, *argv) -> tuple[int, str]:
    """Run the CLI on ``data`` saved as ``name`` ({file} and {folder} in ``argv``); no traceback, not exit 1."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_bytes(data)
        code, out, err = run(*(str(a).format(file=path, folder=folder) for a in argv))
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert [line for line in err.splitlines() if line.startswith("ocpp-verify: ")], err
    return code, out


@SETTINGS
@given(data=corrupted_finding())
def test_a_corrupted_finding_is_replayed_or_refused_in_one_line(data):
    code, out = run_on(data, "finding.json", "replay", "{file}")
    assert code == 2 or "passes:" in out


@SETTINGS
@given(data=corrupted_description())
def test_a_corrupted_description_is_refused_in_one_line(data):
    code, _ = run_on(data, "cp.toml", "fuzz", "--sut", "external", "--description", "{file}", "--max-examples", "1",
                     "--findings", "{folder}/findings")
    assert code == 2, "nothing connects: a valid description ends in 'no charge point connected'"
