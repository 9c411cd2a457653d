"""Bad input from the user: one clear line on stderr and exit 2, never a traceback, never a run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from properties.cli import main

VALID_FINDING = {
    "format": "ocpp-verify/finding-1",
    "settings": {"seed": 0, "connectors": 2, "featureProfiles": None, "mutant": None},
    "violations": [{"rule": "StatusNotReported", "section": "OCPP 1.6 §4.9", "detail": "d"}],
    "steps": [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
              {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}, {"op": "AdvanceTime", "seconds": 5},
              {"op": "Reset", "type": "Soft"}],
    "frames": [],
}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_clear_line(code: int, err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.startswith("ocpp-verify: ")]
    assert code == 2 and len(lines) == 1, err
    assert "Traceback" not in err and all(w in lines[0] for w in words), err


@pytest.fixture
def read_only(tmp_path) -> Path:
    """A folder no file can be written in (root may write anywhere chmod forbids: use /proc then)."""
    if os.geteuid() == 0:
        return Path("/proc/ocpp-verify-findings")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


@pytest.mark.parametrize("argv, words", [
    (["--budget", "-5"], ["--budget", "above 0"]),
    (["--budget", "0"], ["--budget", "above 0"]),
    (["--budget", "nan"], ["--budget"]),
    (["--max-examples", "0"], ["--max-examples"]),
    (["--max-examples", "-3"], ["--max-examples"]),
    (["--feature-profiles", "Core,Bogus"], ["unknown feature profile 'Bogus'"]),
    (["--feature-profiles", "Reservation"], ["must include Core"]),
    (["--feature-profiles", "Core", "--feature-profiles", "SmartCharging"], ["must include Core"]),
    (["--accept", "NoSuchRule"], ["NoSuchRule"]),
])
def test_fuzz_options_that_would_check_nothing_or_crash(capsys, tmp_path, argv, words):
    code, out, err = run(capsys, "fuzz", "--findings", tmp_path / "f", *argv)
    one_clear_line(code, err, *words)
    assert "examples:" not in out  # refused before the run


def test_output_paths_are_checked_before_the_run(capsys, tmp_path, read_only):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for argv, words in [(["--findings", a_file], ["--findings", "is a file"]),
                        (["--findings", a_file / "below"], ["--findings", "is a file"]),
                        (["--findings", read_only], ["--findings", "cannot write"]),
                        (["--junit", tmp_path], ["--junit", "is a folder"]),
                        (["--junit", read_only / "report.xml"], ["--junit", "cannot write"]),
                        (["--html", tmp_path], ["--html", "is a folder"])]:
        code, out, err = run(capsys, "fuzz", "--max-examples", "1", *argv)
        one_clear_line(code, err, *words)
        assert "examples:" not in out
    code, _, err = run(capsys, "octt", "--case", "TC_001_CS", "--junit", tmp_path)
    one_clear_line(code, err, "--junit", "is a folder")
    code, _, err = run(capsys, "mutants", "SoftResetReportsHardReset", "--budget", "-1")
    one_clear_line(code, err, "--budget")


def write(tmp_path: Path, finding, name: str = "finding.json") -> Path:
    path = tmp_path / name
    path.write_bytes(finding if isinstance(finding, bytes) else json.dumps(finding).encode())
    return path


def with_step(step) -> dict:
    return {**VALID_FINDING, "steps": VALID_FINDING["steps"][:2] + [step]}


@pytest.mark.parametrize("finding, words", [
    (with_step({"op": "Bogus"}), ["step 3", "unknown op 'Bogus'"]),
    (with_step({"op": "PlugIn", "connectorId": "one"}), ["step 3", "connectorId"]),
    (with_step({"op": "PlugIn", "connectorId": 7}), ["step 3", "connectorId 7"]),
    (with_step({"op": "Reset", "type": 5}), ["step 3", "Reset"]),
    (with_step({"op": "AdvanceTime", "seconds": "soon"}), ["step 3", "AdvanceTime"]),
    (with_step({"op": "SetIdTag", "idTag": "T", "status": "Maybe"}), ["step 3", "status"]),
    ({**VALID_FINDING, "settings": {"connectors": "two"}}, ["connectors"]),
    ({**VALID_FINDING, "settings": {"featureProfiles": "Core,Bogus"}}, ["Bogus"]),
    ({**VALID_FINDING, "settings": {"mutant": "NoSuchMutant"}}, ["NoSuchMutant"]),
    ({**VALID_FINDING, "settings": {"sut": "external"}}, ["description"]),
    ({**VALID_FINDING, "settings": [1]}, ["settings"]),
    (b"\xff\xfe not UTF-8", ["not UTF-8"]),
    (b"{not json", ["not a JSON finding"]),
    (b"[" * 100000, ["not a JSON finding"]),
    (b"1" * 5000, ["not a JSON finding"]),
], ids=["unknown-op", "connector-type", "connector-range", "reset-type", "seconds-type", "idtag-status",
        "settings-connectors", "settings-profiles", "settings-mutant", "settings-external", "settings-list",
        "not-utf8", "not-json", "nested-deeply", "integer-too-long"])
def test_replay_of_a_broken_finding(capsys, tmp_path, finding, words):
    code, out, err = run(capsys, "replay", write(tmp_path, finding))
    one_clear_line(code, err, *words)
    assert "still fails" not in out


def test_replay_of_a_folder(capsys, tmp_path):
    code, _, err = run(capsys, "replay", tmp_path)
    one_clear_line(code, err, "folder")


def test_the_valid_finding_of_these_tests_passes(capsys, tmp_path):
    code, out, err = run(capsys, "replay", write(tmp_path, VALID_FINDING))
    assert code == 0 and "passes: 5 step(s)" in out, err
