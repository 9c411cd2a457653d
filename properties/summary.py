"""The end-of-run summary: text, JSON and JUnit XML."""

from __future__ import annotations

import json

from .banner import rerun_command
from .findings import replay_command
from .outcomes import outcome_table
from . import requirements
from .rules import known_rules
from pathlib import Path
from xml.etree import ElementTree


FORMAT = "ocpp-verify/summary-1"
"""What ``ocpp-verify merge`` recognises a shard's ``--json`` summary by."""


def summary_dict(report, config) -> dict:
    return {
        "format": FORMAT,
        "settings": run_settings(config),
        "examples": report.examples,
        "steps": report.steps,
        "seconds": round(report.seconds, 3),
        "stepsPerSecond": round(report.steps_per_second, 1),
        "seed": config.seed,
        "mutant": config.mutant,
        "operations": dict(sorted(report.operations.items())),
        "outcomes": outcome_table(report.outcomes),
        "accepted": dict(sorted(report.accepted.items())),
        "recommendations": recommendations_dict(report),
        "skipped": dict(sorted(report.skipped.items())),
        "judgedSteps": report.judged,
        "interrupted": report.interrupted,
        "examplesToFind": report.examples_to_find,
        "secondsToFind": None if report.time_to_find is None else round(report.time_to_find, 3),
        "rules": sorted({f.rule for f in report.findings}),
        "coverage": coverage_dict(report),
        "explored": getattr(report, "explored", None),
        "findings": [
            {"file": str(f.path), "trace": f.trace,
             "violations": [{"rule": v.rule, "section": v.section, "detail": v.detail} for v in f.violations]}
            for f in report.findings
        ],
    }


def recommendations_dict(report) -> dict:
    """Recommendations not followed: rule -> its section, how many steps broke it, and the first detail."""
    return {rule: {"section": report.recommended[rule].section, "count": count,
                   "first": report.recommended[rule].detail}
            for rule, count in sorted(report.recommendations.items())}


def print_recommendations(report, out) -> None:
    for rule, count in sorted(report.recommendations.items()):
        first = report.recommended[rule]
        out.write(f"recommendation not followed (not a finding): {rule} ({first.section}) x{count}, "
                  f"first: {first.detail}\n")


def run_settings(config) -> dict:
    """What a run was asked to do, for the summary and the HTML report."""
    settings = {"sut": "external" if config.external is not None else "bundled", "seed": config.seed,
                "profile": config.profile, "budget": config.budget, "maxExamples": config.max_examples,
                "mutant": config.mutant, "featureProfiles": config.feature_profiles,
                "shard": str(config.shard) if getattr(config, "shard", None) else None,
                "workers": getattr(config, "workers", 1),
                "database": _database_name(config.database), "shrink": config.shrink,
                "accept": list(config.accept)}
    if config.external is not None:
        settings |= config.external.as_dict()
    return settings


def _database_name(database) -> str | None:
    return None if database is None else str(getattr(database, "name", database))


def coverage_dict(report) -> dict:
    """Which of the model's rules the run judged (properties/rules.py), and how often."""
    known = known_rules()
    judged = {rule: report.rules_judged[rule] for rule in known if report.rules_judged[rule]}
    register = requirements.coverage(set(judged), seen_messages=set(report.messages_seen))
    return {"rulesKnown": len(known), "rulesJudged": len(judged),
            "fraction": round(len(judged) / len(known), 3) if known else 0.0,
            "judged": dict(sorted(judged.items())), "neverJudged": sorted(set(known) - set(judged)),
            "requirements": {"judged": register["judged"], "exercised": register["exercised"],
                             "fraction": round(register["fraction"], 3), "reached": register["reached"],
                             "reachedExercised": register["reached_exercised"],
                             "fractionReached": round(register["fraction_reached"], 3),
                             "missed": register["missed_ids"]}}


def print_coverage(report, out) -> None:
    coverage = coverage_dict(report)
    out.write(f"rules judged: {coverage['rulesJudged']} of {coverage['rulesKnown']} "
              f"({coverage['fraction']:.0%}); never judged: {', '.join(coverage['neverJudged']) or 'none'}\n")
    register = coverage["requirements"]
    out.write(f"requirements exercised: {register['reachedExercised']} of the {register['reached']} judged "
              f"ones the machine reaches ({register['fractionReached']:.0%}); {register['exercised']} of all "
              f"{register['judged']} judged ({register['fraction']:.0%}) (ocpp-verify requirements)\n")


def print_summary(report, out, config=None) -> None:
    """``config``: the run's FuzzConfig, for its seed, how to rerun it and how to replay a finding."""
    out.write(f"examples: {report.examples}  steps: {report.steps}  "
              f"steps/s: {report.steps_per_second:.0f}  time: {report.seconds:.1f}s\n")
    if config is not None:
        out.write(f"seed: {config.seed}  (rerun: {rerun_command(config)})\n")
    if report.interrupted:
        out.write("stopped by a signal before the budget was spent; findings are not fully shrunk\n")
    out.write("operations exercised:\n")
    for op, count in sorted(report.operations.items()):
        out.write(f"  {op:<26} {count}\n")
    print_outcomes(report, out)
    print_coverage(report, out)
    if getattr(report, "explored", None):
        from .explore.bridge import coverage_line

        out.write(coverage_line(report.explored) + "\n")
    found = {f.rule for f in report.findings}
    for rule, count in sorted(report.accepted.items()):
        why = "found below, then accepted" if rule in found else "--accept"
        out.write(f"accepted deviation ({why}): {rule} x{count}\n")
    print_recommendations(report, out)
    for op, count in sorted(report.skipped.items()):
        out.write(f"skipped (the controller refused it in the charge point's state): {op} x{count}\n")
    if not report.findings:
        out.write("findings: none\n")
        return
    out.write(f"findings: {len(report.findings)}, rules: {', '.join(sorted({f.rule for f in report.findings}))}\n")
    for finding in report.findings:
        out.write("\n")
        for v in finding.violations:
            out.write(f"{v}\n")
        if finding.trace:
            out.write("shrunk trace:\n")
        else:
            out.write("raised during setup (PowerOn and GetConfiguration, before the first step): no trace\n")
        for i, step in enumerate(finding.trace, 1):
            out.write(f"  {i}. {json.dumps(step)}\n")
        out.write(f"saved: {finding.path}  (replay: {_replay_hint(finding, config)})\n")


def _replay_hint(finding, config) -> str:
    settings = {} if config is None else {"mutant": config.mutant, "sut": "external" if config.external else None}
    return replay_command({"settings": settings}, finding.path)


def print_outcomes(report, out) -> None:
    """Every Central System operation of the six profiles: how often it ran, and what it answered."""
    out.write("Central System operations by profile (count: outcomes):\n")
    profile = None
    for row in outcome_table(report.outcomes):
        if row["profile"] != profile:
            profile = row["profile"]
            out.write(f"  {profile}\n")
        outcomes = ", ".join(f"{outcome} {n}" for outcome, n in row["outcomes"].items()) or "never ran"
        out.write(f"    {row['operation']:<24} {row['count']:>6}  {outcomes}\n")


def write_junit(path: Path, report, config) -> None:
    suite = ElementTree.Element("testsuite", name="ocpp-verify fuzz", tests="1",
                                failures=str(1 if report.findings else 0), time=f"{report.seconds:.3f}")
    case = ElementTree.SubElement(suite, "testcase", classname="ocpp-verify", name=f"fuzz seed={config.seed}")
    if report.findings:
        failure = ElementTree.SubElement(case, "failure", message="; ".join(f.rule for f in report.findings))
        failure.text = "\n".join(str(v) for f in report.findings for v in f.violations)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
