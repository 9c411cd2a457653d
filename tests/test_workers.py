"""``fuzz --workers N`` (properties/workers.py): N processes fuzz one run's cells, one report, nothing lost."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

import pytest

from properties import findings, workers
from properties.cli import main
from properties.progress import Progress
from properties.runner import Report
from properties.shards import Shard
from test_cli import fuzz_until_found_then_sigterm

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("shard, count", [(None, 2), (None, 3), (Shard(2, 3), 2), (Shard(1, 2), 4)])
def test_the_workers_of_a_run_take_its_cells_once_each(shard, count):
    whole = list(itertools.islice((shard or Shard(1, 1)).cells(), 60 * count))
    parts = [list(itertools.islice(workers.worker_shard(shard, j, count).cells(), 60)) for j in range(1, count + 1)]
    flat = [cell for part in parts for cell in part]
    assert len(set(flat)) == len(flat) and sorted(flat) == sorted(whole)


@pytest.mark.parametrize("total", [1, 24, 25, 26, 50, 60, 99, 100, 101, 1000])
@pytest.mark.parametrize("count", [1, 2, 3])
def test_max_examples_is_split_by_whole_cells(total, count):
    shares = [workers.worker_examples(total, j, count) for j in range(1, count + 1)]
    assert sum(shares) == total
    assert shares[0] == min(total, 25) + sum(min(25, total - 25 * k) for k in range(count, -(-total // 25), count))


def fuzz_args(**given) -> argparse.Namespace:
    return argparse.Namespace(**({"max_examples": None, "trace_out": None, "observability": None, "states": None}
                                 | given))


def test_auto_is_one_per_core_only_for_a_time_budget_of_the_bundled_charge_point(monkeypatch):
    monkeypatch.setattr(workers, "_cores", lambda: 4)
    assert workers.count(None, fuzz_args(), external=False) == 4
    assert workers.count(None, fuzz_args(max_examples=100), external=False) == 1
    assert workers.count(None, fuzz_args(), external=True) == 1
    assert workers.count(None, fuzz_args(trace_out=Path("t.jsonl")), external=False) == 1
    assert workers.count(3, fuzz_args(max_examples=100), external=False) == 3


@pytest.mark.parametrize("argv, words", [
    (["--workers", "0"], "--workers must be a number"),
    (["--workers", "two"], "--workers must be a number"),
    (["--workers", "2", "--max-examples", "2", "--trace-out", "{tmp}/t.jsonl"], "--trace-out needs one run"),
])
def test_workers_that_cannot_be_given_are_one_clear_line(capsys, tmp_path, argv, words):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, "fuzz", "--findings", str(tmp_path), *argv)
    assert code == 2 and err.strip().count("\n") == 0 and words in err, err


def summary(out: str) -> dict:
    return json.loads(out)


def test_two_workers_run_what_the_two_shards_run_one_after_another(capsys, tmp_path):
    """Worker J of 2 is shard J/2 with its share of --max-examples: the same examples, at the same time."""
    shards = [summary(run(capsys, "fuzz", "--max-examples", "25", "--seed", "4", "--shard", f"{j}/2", "--json",
                          "--findings", str(tmp_path / str(j)))[1]) for j in (1, 2)]
    code, out, err = run(capsys, "fuzz", "--max-examples", "50", "--seed", "4", "--workers", "2", "--json",
                         "--findings", str(tmp_path / "two"))
    two = summary(out)
    assert code == 0 and "2 worker processes" in err
    assert two["settings"]["workers"] == 2 and shards[0]["settings"]["workers"] == 1
    for field in ("examples", "steps"):
        assert two[field] == shards[0][field] + shards[1][field], field
    for op, count in two["operations"].items():
        assert count == sum(s["operations"].get(op, 0) for s in shards), op


def test_a_finding_of_a_worker_is_in_the_report_and_on_disk(capsys, tmp_path):
    code, out, _ = run(capsys, "fuzz", "--mutant", "RemoteStartOnConnectorZeroAccepted", "--max-examples", "100",
                       "--seed", "1", "--workers", "2", "--json", "--findings", str(tmp_path))
    data = summary(out)
    assert code == 1 and data["findings"]
    for listed in data["findings"]:
        assert findings.load(Path(listed["file"]))["status"] == "final"


def fake_fuzz_each(configs, on_progress):
    """A worker's run, by its shard: 1 returns a report, 2 dies, 3 raises."""
    index = configs[0]
    if index == 2:
        os._exit(3)
    if index == 3:
        raise ValueError("the charge point is on fire")
    on_progress(Report(examples=5, steps=40))
    return Report(examples=5, steps=40, judged=40, time_to_find=1.5, examples_to_find=2)


def test_a_worker_that_dies_or_fails_is_reported_and_the_others_count(capsys):
    report, errors = workers.run(lambda j: [j], 3, fake_fuzz_each, Progress(None, sys.stderr, quiet=True))
    assert (report.examples, report.steps, report.judged, report.time_to_find) == (5, 40, 40, 1.5)
    assert len(errors) == 2
    assert "worker 2 ended without a report (exit code 3)" in errors[0] + errors[1]
    assert "worker 3: ValueError: the charge point is on fire" in errors


def test_sigterm_reaches_every_worker_and_keeps_their_findings(tmp_path):
    """SIGTERM to the parent: each worker ends after its step, the summary of all is printed, nothing is lost."""
    code, out, err = fuzz_until_found_then_sigterm(tmp_path, "--workers", "2")
    assert code == 1, err
    assert "stopped by a signal" in out and "Traceback" not in err and "2 worker processes" in err
    saved = list(tmp_path.glob("*.json"))
    assert saved and all(findings.load(path)["steps"] for path in saved)


def test_stop_at_first_ends_every_worker_at_the_first_finding(capsys, tmp_path):
    """--stop-at-first with workers: the first worker's finding stops the others; that is the run's end, not a signal."""
    code, out, err = run(capsys, "fuzz", "--mutant", "RemoteStartOnConnectorZeroAccepted", "--stop-at-first",
                         "--budget", "600", "--seed", "1", "--workers", "2", "--json", "--findings", str(tmp_path))
    data = summary(out)
    assert code == 1 and data["findings"] and not data["interrupted"], err
    assert data["seconds"] < 300, "the other worker went on to the budget"


def test_mutants_fuzzes_each_mutant_with_workers_and_ends_them_quietly(capfd, tmp_path):
    """``mutants --workers 2``: the first worker's finding ends the other without a signal's stop message."""
    code = main(["mutants", "MeterStopBelowMeterStart", "--workers", "2", "--no-shrink", "--json",
                 "--findings", str(tmp_path)])
    out, err = capfd.readouterr()
    result = json.loads(out)[0]
    assert code == 0 and result["killed"] and result["rule"] == "MeterStopBelowMeterStart", err
    assert "SIGTERM" not in err and "stopping after the current step" not in err
