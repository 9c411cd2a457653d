"""Recommendations (SHOULD, RECOMMENDED): judged like any rule, reported, never a finding (model/violations.py).

The bundled charge point accepts a TriggerMessage for BootNotification after an Accepted boot, which errata 3.35
only RECOMMENDS rejecting: it is the recommendation these tests watch travel through a run."""

import io
import json

from model.violations import RECOMMENDATIONS
from properties import merge
from properties.cli import main
from properties.runner import FuzzConfig, Session
from properties.summary import print_summary, summary_dict

TRIGGER_BOOT = {"op": "TriggerMessage", "requestedMessage": "BootNotification"}


def run_steps(steps):
    """(each step's findings, the session's report) of the clean bundled charge point doing ``steps``."""
    session = Session(FuzzConfig())
    try:
        harness = session.fresh_harness()
        found = [harness.start()] + [harness.step(step) for step in steps]
        return found, session.report
    finally:
        session.close()


def test_errata_3_35_a_recommendation_not_followed_is_counted_in_the_summary_and_json_but_is_no_finding():
    found, report = run_steps([TRIGGER_BOOT])
    assert all(f == () for f in found)
    assert report.recommendations == {"TriggeredBootNotificationAccepted": 1}
    assert report.accepted == {}
    summary = summary_dict(report, FuzzConfig())
    assert summary["recommendations"]["TriggeredBootNotificationAccepted"]["section"].startswith("OCPP 1.6 errata 3.35")
    assert summary["accepted"] == {} and summary["rules"] == []
    out = io.StringIO()
    print_summary(report, out)
    assert "recommendation not followed (not a finding): TriggeredBootNotificationAccepted" in out.getvalue()


def test_a_recommendation_followed_is_not_reported():
    found, report = run_steps([{"op": "TriggerMessage", "requestedMessage": "Heartbeat"}])
    assert all(f == () for f in found) and report.recommendations == {}


def test_errata_3_35_check_log_reports_the_recommendation_and_exits_0(tmp_path, capsys):
    from test_checklog import as_finding, frames_of

    path = as_finding(frames_of([TRIGGER_BOOT]), tmp_path / "log.json")
    assert main(["check-log", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    cp = report["chargePoints"][0]
    assert cp["recommendations"] == {"TriggeredBootNotificationAccepted": 1} and cp["accepted"] == {}


def test_merge_adds_up_the_recommendations_of_the_shards():
    seen = {"section": "OCPP 1.6 errata 3.35 (§5.17)", "count": 2, "first": "x"}
    merged = merge.merged_recommendations([{"recommendations": {"R": seen}}, {"recommendations": {"R": dict(seen, count=3)}},
                                           {}])
    assert merged == {"R": dict(seen, count=5)}


def test_every_recommendation_is_a_rule_the_model_raises():
    from properties.rules import known_rules

    assert RECOMMENDATIONS <= known_rules().keys()
