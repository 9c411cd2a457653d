"""Findings are plain JSON with a Markdown twin, written atomically, and read back with clear errors."""

import json

import pytest

from adapters.csms import Frame
from model import Violation
from properties import findings


def frame(seq, direction, message, error=None):
    return Frame(seq, 1000.0 + seq, direction, json.dumps(message), message[0], message[1],
                 message[2] if message[0] == 2 else None, None, error)


def sample(tmp_path, steps=None):
    data = findings.build(
        rule_violations=[Violation("StatusNotReported", "OCPP 1.6 §4.9", "connector 1 ...")],
        steps=steps or [{"op": "PlugIn", "connectorId": 1}],
        frames=[frame(0, "cp->cs", [2, "1", "StatusNotification", {"connectorId": 1}]),
                frame(1, "cs->cp", [3, "1", {}])],
        settings={"seed": 3}, identity={"chargePointVendor": "V"}, status="shrinking")
    return findings.save(tmp_path, "StatusNotReported-abc", data)


def test_saved_finding_round_trips(tmp_path):
    path = sample(tmp_path)
    data = findings.load(path)
    assert data["steps"] == [{"op": "PlugIn", "connectorId": 1}]
    assert data["violations"][0]["section"] == "OCPP 1.6 §4.9"
    assert data["chargePoint"] == {"chargePointVendor": "V"}
    assert data["suite"]["name"] == "ocpp-verify"
    assert [f["direction"] for f in data["frames"]] == ["cp->cs", "cs->cp"]


def test_markdown_twin_has_a_mermaid_sequence(tmp_path):
    text = sample(tmp_path).with_suffix(".md").read_text()
    assert "```mermaid" in text and "sequenceDiagram" in text
    assert 'CP->>CS: StatusNotification {"connectorId":1}' in text
    assert "StatusNotReported" in text


def test_rewrite_leaves_no_temporary_file(tmp_path):
    sample(tmp_path)
    sample(tmp_path, steps=[{"op": "Unplug", "connectorId": 1}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["StatusNotReported-abc.json", "StatusNotReported-abc.md"]


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a JSON finding"),
    ('{"format": "other"}', "not an ocpp-verify finding"),
    ('{"format": "ocpp-verify/finding-1", "steps": [1]}', "'steps' must be a list"),
])
def test_bad_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "f.json"
    path.write_text(content)
    with pytest.raises(findings.FindingError, match=message):
        findings.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(findings.FindingError, match="no such file"):
        findings.load(tmp_path / "absent.json")


def test_finding_id_is_stable_for_the_same_steps():
    steps = [{"op": "PlugIn", "connectorId": 1}]
    assert findings.finding_id("R", steps) == findings.finding_id("R", [dict(s) for s in steps])
    assert findings.finding_id("R", steps) != findings.finding_id("R", steps + steps)
