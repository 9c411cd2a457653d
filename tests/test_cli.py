"""The command line: exit codes, summaries, findings on disk, replay, determinism."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from properties import findings
from properties.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_charge_point_gives_no_findings(capsys, tmp_path):
    code, out, _ = run(capsys, "fuzz", "--max-examples", "15", "--seed", "1", "--findings", str(tmp_path))
    assert code == 0
    assert "findings: none" in out and "steps/s" in out
    assert list(tmp_path.iterdir()) == []


def test_mutant_is_found_saved_and_replayed(capsys, tmp_path):
    code, out, _ = run(capsys, "fuzz", "--mutant", "RemoteStartOnConnectorZeroAccepted",
                       "--max-examples", "100", "--seed", "5", "--findings", str(tmp_path), "--json",
                       "--stop-at-first")
    assert code == 1
    summary = json.loads(out)
    finding = summary["findings"][0]
    assert finding["violations"][0]["rule"] == "RemoteStartConnectorZero"
    assert len(finding["trace"]) <= 8
    saved = findings.load(finding["file"])
    assert saved["status"] == "final" and saved["steps"] == finding["trace"]
    assert Path(finding["file"]).with_suffix(".md").exists()
    assert run(capsys, "replay", finding["file"], "--mutant", "RemoteStartOnConnectorZeroAccepted")[0] == 1
    assert run(capsys, "replay", finding["file"])[0] == 1  # the mutant recorded in the finding
    assert run(capsys, "replay", finding["file"], "--mutant", "none")[0] == 0


def test_same_seed_gives_the_same_trace(capsys, tmp_path):
    traces = []
    for run_dir in ("a", "b"):
        code, out, _ = run(capsys, "fuzz", "--mutant", "MeterStopBelowMeterStart", "--stop-at-first", "--max-examples", "200",
                           "--seed", "3", "--no-shrink", "--findings", str(tmp_path / run_dir), "--json")
        assert code == 1
        traces.append([f["trace"] for f in json.loads(out)["findings"]])
    assert traces[0] == traces[1]


@pytest.mark.parametrize("argv, message", [
    (["fuzz", "--mutant", "NoSuchMutant"], "unknown mutant 'NoSuchMutant'"),
    (["fuzz", "--max-examples", "0"], "--max-examples must be at least 1"),
    (["replay", "/nonexistent/finding.json"], "no such file"),
])
def test_user_errors_exit_2_without_traceback(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_replay_rejects_a_file_that_is_not_a_finding(capsys, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    code, _, err = run(capsys, "replay", str(path))
    assert code == 2 and "not an ocpp-verify finding" in err


def test_mutants_list_names_one_a_line_with_its_description(capsys):
    code, out, _ = run(capsys, "mutants", "--list")
    rows = [line.split(None, 1) for line in out.splitlines()]
    names = [name for name, _ in rows]
    assert code == 0 and "SoftResetReportsHardReset" in names and names == sorted(names)
    described = dict(rows)["SoftResetReportsHardReset"]
    assert described.startswith("§5.14, §7.36: a transaction stopped by a soft reset has reason SoftReset")


def test_junit_report(capsys, tmp_path):
    junit = tmp_path / "fuzz.xml"
    code, _, _ = run(capsys, "fuzz", "--mutant", "RemoteStartOnConnectorZeroAccepted", "--stop-at-first", "--max-examples", "50",
                     "--seed", "5", "--no-shrink", "--findings", str(tmp_path / "f"), "--junit", str(junit))
    assert code == 1
    assert 'failures="1"' in junit.read_text() and "RemoteStartConnectorZero" in junit.read_text()


def fuzz_until_found_then_sigterm(tmp_path, *extra) -> tuple[int, str, str]:
    """A nightly fuzz of a mutant, sent SIGTERM once its first finding is on disk: exit code, stdout, stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "properties.cli", "fuzz", "--mutant", "MeterStopBelowMeterStart", *extra,
         "--profile", "nightly", "--budget", "120", "--findings", str(tmp_path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if list(tmp_path.glob("*.json")) or process.poll() is not None:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, out.decode(), err.decode()


def test_sigterm_stops_after_the_step_and_keeps_findings(tmp_path):
    """SIGTERM ends a run after the step under way: the summary is printed, the exit code says a
    finding was made, and every finding written is valid JSON (properties/stopping.py)."""
    code, out, err = fuzz_until_found_then_sigterm(tmp_path, "--workers", "1")
    assert code == 1, err
    assert "stopped by a signal" in out and "Traceback" not in err
    saved = list(tmp_path.glob("*.json"))
    assert saved
    for path in saved:
        assert findings.load(path)["steps"]


def test_a_stop_request_ends_the_run_between_steps(tmp_path):
    """A stop asked for (as by a signal) ends fuzz() normally, marked interrupted."""
    from properties import stopping
    from properties.runner import FuzzConfig, fuzz

    stopping._requested.set()
    try:
        report = fuzz(FuzzConfig(max_examples=5, findings_dir=tmp_path))
    finally:
        stopping._requested.clear()
    assert report.interrupted and report.steps == 0 and not report.findings


def test_accept_counts_a_known_deviation_and_fuzzing_goes_on(tmp_path, capsys):
    """--accept RULE: a rule the charge point is known to break is counted, not a finding; the
    mutant's other violations are still found, and the finding records what was accepted."""
    from properties.cli import main as cli_main

    code = cli_main(["fuzz", "--mutant", "ConnectorZeroStatusNotReported", "--accept", "ConnectorZeroStatusNotReported",
                     "--max-examples", "5", "--findings", str(tmp_path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["accepted"]["ConnectorZeroStatusNotReported"] >= 1
    assert all(f["violations"][0]["rule"] != "ConnectorZeroStatusNotReported" for f in summary["findings"])
    assert code in (0, 1)


def test_hypothesis_own_words_go_to_stderr_so_json_stays_json(capsys, tmp_path, monkeypatch):
    """Hypothesis reports a shrink it gave up after five minutes on its reporter: with --json that line
    went to stdout before the summary, which was then no JSON document (nightly seed 1120)."""
    from hypothesis.reporting import report
    from properties import runner

    def reporting(machine, settings):
        report("WARNING: Hypothesis has spent more than five minutes working to shrink")
        return run_state_machine_as_test(machine, settings=settings)

    run_state_machine_as_test = runner.run_state_machine_as_test
    monkeypatch.setattr(runner, "run_state_machine_as_test", reporting)
    code, out, err = run(capsys, "fuzz", "--max-examples", "3", "--findings", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)["examples"] >= 1
    assert "five minutes" in err


def test_octt_a_signal_stops_before_the_next_case_and_keeps_the_verdicts(capsys, monkeypatch):
    """sim-triage sap-octt-s3: SIGTERM ended `octt` at the next case with exit 2 and no verdict of the
    cases already run. They are printed (here as --json), then the one-line interruption."""
    from properties import stopping
    from properties.octt import suite

    run_scenario = suite.run_scenario

    def signalled(*args):
        result = run_scenario(*args)
        stopping._handler(signal.SIGTERM, None)
        return result

    monkeypatch.setattr(suite, "run_scenario", signalled)
    code, out, err = run(capsys, "octt", "--case", "TC_001_CS", "--case", "TC_003_CS", "--json")
    assert code == 2
    assert [case["id"] for case in json.loads(out)] == ["TC_001_CS"]
    assert "1 not run" in err and "interrupted" in err
