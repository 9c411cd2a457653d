"""--shard I/N splits the work of a matrix without overlap, and merge puts the shards back together."""

from __future__ import annotations

import itertools
import json

import pytest

from properties import findings, merge
from properties.cli import main
from properties.runner import FuzzConfig, Report
from properties.shards import Shard, ShardError, combine, plan
from properties.summary import FORMAT as SUMMARY_FORMAT

SETS = ["Core", "Core,Reservation", "Core,SmartCharging"]


def first_cells(shard: Shard, n: int) -> list[tuple[int, int]]:
    return list(itertools.islice(shard.cells(), n))


@pytest.mark.parametrize("count, profile_sets", [(1, 1), (2, 1), (4, 1), (2, 3), (3, 2), (4, 3), (6, 3), (5, 5)])
def test_shards_are_disjoint_and_together_make_the_unsharded_run(count, profile_sets):
    whole = first_cells(Shard(1, 1, profile_sets=profile_sets), 60 * count)
    parts = [first_cells(Shard(i, count, profile_sets=profile_sets), 60) for i in range(1, count + 1)]
    flat = [cell for part in parts for cell in part]
    assert len(set(flat)) == len(flat), "two shards share a cell"
    assert sorted(flat) == sorted(whole)
    for i, part in enumerate(parts, 1):
        assert {p for p, _ in part} == set(Shard(i, count, profile_sets=profile_sets).profiles())


def test_the_seeds_of_a_shard_follow_its_cells():
    shard = Shard(2, 4, profile=1, profile_sets=2)
    assert list(itertools.islice(shard.seeds(100), 3)) == [100, 102, 104]  # cells 1, 5, 9
    assert list(itertools.islice(Shard(1, 1).seeds(7), 3)) == [7, 8, 9]


def test_with_as_many_shards_as_sets_times_seeds_each_shard_keeps_one_set():
    assert [Shard(i, 6, profile_sets=3).profiles() for i in range(1, 7)] == [[0], [1], [2], [0], [1], [2]]


def test_plan_splits_a_shards_budget_over_its_sets():
    config = FuzzConfig(budget=90.0, seed=5)
    configs = plan(config, SETS, Shard(1, 1))
    assert [c.feature_profiles for c in configs] == SETS
    assert [c.budget for c in configs] == [30.0] * 3
    assert [str(c.shard) for c in configs] == ["1/1"] * 3
    configs = plan(FuzzConfig(max_examples=10), SETS, Shard(2, 6))
    assert [(c.feature_profiles, c.max_examples) for c in configs] == [("Core,Reservation", 10)]
    assert plan(config, [None], None)[0].shard is None, "an unsharded run keeps its seeds"


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2", "1/2/3"])
def test_a_bad_shard_is_refused(text, capsys):
    with pytest.raises(ShardError):
        Shard.parse(text)
    assert main(["fuzz", f"--shard={text}", "--max-examples", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ocpp-verify: --shard must be I/N") and "\n" not in err


def test_combine_adds_runs_done_one_after_another():
    a, b = Report(examples=10, steps=100, seconds=2.0), Report(examples=5, steps=40, seconds=1.0)
    a.operations.update({"Reset": 2})
    b.operations.update({"Reset": 1, "ClearCache": 4})
    b.time_to_find, b.examples_to_find = 0.5, 3
    total = combine([a, b])
    assert (total.examples, total.steps, total.seconds) == (15, 140, 3.0)
    assert total.operations == {"Reset": 3, "ClearCache": 4}
    assert (total.time_to_find, total.examples_to_find) == (2.5, 13)


def finding_file(directory, rule, steps, name):
    data = findings.build(rule_violations=[_V(rule)], steps=steps, frames=[], settings={"seed": 1},
                          identity={}, status="final")
    return findings.save(directory, name, data)


class _V:
    def __init__(self, rule):
        self.rule, self.section, self.detail = rule, "OCPP 1.6 §4.9", "what was seen"


def summary_file(directory, examples, outcomes, judged, found, missed=()):
    summary = {"format": SUMMARY_FORMAT, "settings": {"seed": 1}, "examples": examples, "steps": examples * 10,
               "seconds": examples / 10, "operations": {"Reset": examples}, "accepted": {},
               "interrupted": False,
               "outcomes": [{"profile": "Core", "operation": "Reset", "count": sum(outcomes.values()),
                             "outcomes": outcomes}],
               "coverage": {"rulesKnown": 3, "rulesJudged": len(judged), "fraction": 0, "judged": judged,
                            "neverJudged": sorted({"A", "B", "C"} - set(judged)),
                            "requirements": {"judged": 4, "exercised": 4 - len(missed), "missed": missed}},
               "findings": [{"file": str(p), "trace": steps, "violations": [{"rule": rule}]}
                            for p, rule, steps in found]}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "summary.json").write_text(json.dumps(summary))


STEPS_1 = [{"op": "Reset", "type": "Soft"}]
STEPS_2 = [{"op": "Reset", "type": "Hard"}]


@pytest.fixture
def shard_dirs(tmp_path):
    one, two = tmp_path / "shard-1", tmp_path / "shard-2"
    p1 = finding_file(one / "findings", "StatusNotReported", STEPS_1, "StatusNotReported-1")
    p2 = finding_file(two / "findings", "StatusNotReported", STEPS_1, "StatusNotReported-1")  # the same
    p3 = finding_file(two / "findings", "StatusNotReported", STEPS_2, "StatusNotReported-2")  # other trace
    summary_file(one, 10, {"Accepted": 10}, {"A": 4}, [(p1, "StatusNotReported", STEPS_1)], ["R1", "R2"])
    summary_file(two, 20, {"Accepted": 15, "Rejected": 5}, {"A": 2, "B": 1},
                 [(p2, "StatusNotReported", STEPS_1), (p3, "StatusNotReported", STEPS_2)], ["R2", "R3"])
    return tmp_path, one, two


def test_merge_adds_counts_and_keeps_one_finding_per_rule_and_trace(shard_dirs):
    _, one, two = shard_dirs
    merged = merge.merge([one, two])
    s = merged.summary
    assert (s["shards"], s["examples"], s["steps"], s["operations"]) == (2, 30, 300, {"Reset": 30})
    assert s["outcomes"] == [{"profile": "Core", "operation": "Reset", "count": 30,
                              "outcomes": {"Accepted": 25, "Rejected": 5}}]
    assert s["coverage"]["judged"] == {"A": 6, "B": 1} and s["coverage"]["neverJudged"] == ["C"]
    requirements = s["coverage"]["requirements"]
    assert (requirements["missed"], requirements["exercised"]) == (["R2"], 3), "exercised by any shard: exercised"
    assert sorted(f["steps"][0]["type"] for f in merged.findings) == ["Hard", "Soft"]
    assert len(merged.new) == 2


def test_merge_keeps_a_finding_only_a_summary_names(shard_dirs):
    _, one, _ = shard_dirs
    (one / "findings" / "StatusNotReported-1.json").unlink()
    merged = merge.merge([one])
    assert [f["steps"] for f in merged.findings] == [STEPS_1]


def test_merge_cli_known_findings_are_not_new(shard_dirs, tmp_path, capsys):
    root, one, two = shard_dirs
    known = tmp_path / "known"
    finding_file(known, "StatusNotReported", STEPS_1, "old")
    out = tmp_path / "new"
    args = ["merge", str(one), str(two), "--known", str(known), "--findings", str(out), "--junit",
            str(tmp_path / "junit.xml"), "--html", str(tmp_path / "report.html"), "--expect", "2"]
    assert main(args) == 1
    assert "findings: 2 (1 new)" in capsys.readouterr().out
    assert [p.name for p in sorted(out.glob("*.json"))] == ["StatusNotReported-2.json"]
    assert findings.load(out / "StatusNotReported-2.json")["steps"] == STEPS_2
    junit = (tmp_path / "junit.xml").read_text()
    assert 'failures="1"' in junit and 'skipped="1"' in junit
    finding_file(known, "StatusNotReported", STEPS_2, "older")
    assert main(args[:-2]) == 0, "every finding known: nothing new"


def test_merge_exits_2_when_a_shard_is_missing_or_nothing_was_run(shard_dirs, tmp_path, capsys):
    _, one, two = shard_dirs
    assert main(["merge", str(one), str(two), "--expect", "3"]) == 2
    assert "2 shard summaries, 3 expected" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["merge", str(tmp_path / "empty")]) == 2
    assert main(["merge", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.count("\n") == 2
