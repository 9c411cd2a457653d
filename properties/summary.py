"""The end-of-run summary: text, JSON and JUnit XML."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree


def summary_dict(report, config) -> dict:
    return {
        "examples": report.examples,
        "steps": report.steps,
        "seconds": round(report.seconds, 3),
        "stepsPerSecond": round(report.steps_per_second, 1),
        "seed": config.seed,
        "mutant": config.mutant,
        "operations": dict(sorted(report.operations.items())),
        "findings": [str(p) for p in report.findings],
        "violations": [{"rule": v.rule, "section": v.section, "detail": v.detail} for v in report.violations],
        "trace": report.trace,
    }


def print_summary(report, out) -> None:
    out.write(f"examples: {report.examples}  steps: {report.steps}  "
              f"steps/s: {report.steps_per_second:.0f}  time: {report.seconds:.1f}s\n")
    out.write("operations exercised:\n")
    for op, count in sorted(report.operations.items()):
        out.write(f"  {op:<26} {count}\n")
    if not report.findings:
        out.write("findings: none\n")
        return
    out.write(f"findings: {len(report.findings)}\n")
    for v in report.violations:
        out.write(f"  {v}\n")
    out.write("shrunk trace:\n")
    for i, step in enumerate(report.trace, 1):
        out.write(f"  {i}. {step}\n")
    for path in report.findings:
        out.write(f"saved: {path}  (replay: ocpp-verify replay {path})\n")


def write_junit(path: Path, report, config) -> None:
    suite = ElementTree.Element("testsuite", name="ocpp-verify fuzz", tests="1",
                                failures=str(1 if report.findings else 0), time=f"{report.seconds:.3f}")
    case = ElementTree.SubElement(suite, "testcase", classname="ocpp-verify", name=f"fuzz seed={config.seed}")
    if report.findings:
        failure = ElementTree.SubElement(case, "failure", message="; ".join(v.rule for v in report.violations))
        failure.text = "\n".join(str(v) for v in report.violations)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
