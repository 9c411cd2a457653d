"""What a user expects of the command line (issue 20): version, help, what a run runs, how to rerun it."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from adapters.chargepoint.mutants import MUTANTS
from model import Violation
from properties.banner import listening_line
from properties.checks import DEFAULT_FINDINGS
from properties.cli import _parser, main
from properties.external import ExternalSettings
from properties.findings import version
from properties.phases import shrinking
from properties.runner import Finding, FuzzConfig, Report
from properties.summary import print_summary

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_a_bare_command_prints_the_help_with_exit_codes_and_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"ocpp-verify {version()}"
    code, out, _ = run(capsys)
    assert code == 2 and out.startswith("usage: ocpp-verify")
    assert "exit codes:" in out and "signal" in out and "example:" in out and "ocpp-verify fuzz --budget" in out


def test_every_option_of_every_command_has_help():
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert all(choice.help for choice in commands._choices_actions)
    missing = [f"{name} {action.option_strings or action.dest}" for name, sub in commands.choices.items()
               for action in sub._actions if not action.help and not isinstance(action, argparse._HelpAction)]
    assert missing == []


def test_a_run_says_what_it_runs_and_ends_with_the_seed_and_how_to_rerun(capsys, tmp_path):
    code, out, err = run(capsys, "fuzz", "--max-examples", "2", "--seed", "3", "--connectors", "1",
                         "--feature-profiles", "Core,Reservation", "--findings", tmp_path)
    assert code == 0
    assert err.splitlines()[0] == ("ocpp-verify fuzz: bundled charge point, seed 3, 2 examples, "
                                   "profiles Core,Reservation, 1 connector")
    assert ("seed: 3  (rerun: ocpp-verify fuzz --seed 3 --max-examples 2 --connectors 1 "
            "--feature-profiles Core,Reservation)") in out
    assert "examples: 2 " in out


def test_an_external_run_says_where_it_listens():
    settings = ExternalSettings(ROOT / "examples" / "any-cp-no-controller.toml", listen="127.0.0.1:9123")
    assert listening_line(settings) == ("listening on ws://127.0.0.1:9123/MY-CP-001: waiting for the charge "
                                        "point to connect")


def finding_of(tmp_path: Path, mutant: str) -> Path:
    path = tmp_path / "finding.json"
    path.write_text(json.dumps({"format": "ocpp-verify/finding-1", "settings": {"mutant": mutant},
                                "violations": [], "steps": MUTANTS[mutant].minimal_trace, "frames": []}))
    return path


def test_replay_uses_the_mutant_recorded_in_the_finding_and_says_so(capsys, tmp_path):
    path = finding_of(tmp_path, "RemoteStartOnConnectorZeroAccepted")
    code, out, err = run(capsys, "replay", path)
    assert code == 1 and "still fails" in out
    assert "with mutant RemoteStartOnConnectorZeroAccepted (recorded in the finding)" in err
    code, out, err = run(capsys, "replay", path, "--mutant", "none")
    assert code == 0 and "passes" in out
    assert "without a mutant (the finding records mutant RemoteStartOnConnectorZeroAccepted" in err


def test_the_summary_hints_replay_with_the_mutant_and_names_a_finding_raised_during_setup():
    violation = Violation("BootNotificationRetry", "OCPP 1.6 §4.2", "no retry")
    report = Report(findings=[Finding(Path("f/A.json"), (violation,), [{"op": "PlugIn", "connectorId": 1}]),
                              Finding(Path("f/B.json"), (violation,), [])])
    out = io.StringIO()
    print_summary(report, out, FuzzConfig(mutant="SoftResetReportsHardReset"))
    text = out.getvalue()
    assert "(replay: ocpp-verify replay f/A.json --mutant SoftResetReportsHardReset)" in text
    assert text.count("shrunk trace:") == 1 and "raised during setup" in text


def test_findings_go_to_a_folder_of_their_own_not_the_curated_examples():
    assert DEFAULT_FINDINGS == Path("ocpp-verify-findings") and FuzzConfig().findings_dir == DEFAULT_FINDINGS
    fuzz = _parser().parse_args(["fuzz"])
    assert fuzz.findings == DEFAULT_FINDINGS


def test_the_runs_that_shrink_a_failure_are_told_from_examples():
    """properties/phases.py reads a private name of Hypothesis: this fails when a release moves it."""
    seen = []

    @settings(max_examples=50, database=None, derandomize=True)
    @given(st.integers(0, 1000))
    def fails_above_ten(n):
        seen.append(shrinking())
        assert n <= 10

    with pytest.raises(AssertionError):
        fails_above_ten()
    assert seen[0] is False and True in seen  # generated first, then shrunk
