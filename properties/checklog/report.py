"""What ``check-log`` tells: a summary, JSON, JUnit XML, and Markdown with a Mermaid diagram per violation."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from vocabulary.dates import iso
from model.violations import RECOMMENDATIONS

FORMAT = "ocpp-verify/check-log-1"
LISTED_CHARGE_POINTS = 20


def when(t: float) -> str:
    return iso(t, milliseconds=True)


def frame_name(v) -> str:
    return f"{v.cp} frame {v.index} ({v.where}, {when(v.time)})"


def summary(report) -> str:
    points = report.charge_points.values()
    lines = [f"check-log: {len(report.files)} file(s), {report.frames} frames, {len(report.charge_points)} "
             f"charge point(s), {report.seconds:.2f} s ({report.frames_per_second:.0f} frames/s)"]
    judged = [cp for cp in points if cp.judged_from is not None]
    lines.append(f"  judged against the model: {report.judged} events of {len(judged)} charge point(s) "
                 "from their first BootNotification on")
    ranked = sorted(points, key=lambda cp: (-sum(cp.by_rule.values()), cp.name))
    shown = ranked if len(ranked) <= 5 else [cp for cp in ranked if cp.by_rule][:LISTED_CHARGE_POINTS]
    for cp in shown:
        start = "not judged (no BootNotification)" if cp.judged_from is None else f"judged from frame {cp.judged_from}"
        lines.append(f"  {cp.name}: {cp.frames} frames, {start}, {sum(cp.by_rule.values())} violation(s)")
    if len(report.charge_points) > len(shown):
        lines.append(f"  ... and {len(report.charge_points) - len(shown)} more charge point(s) without violations")
    lines += _violations(report) + _accepted(report) + _not_judged(report) + _errors(report)
    lines.append(f"result: {verdict(report)}")
    return "\n".join(lines)


def _violations(report) -> list[str]:
    if not report.violation_count:
        return ["no violations"]
    lines = [f"violations ({report.violation_count}):"]
    for v in report.violations:
        again = f" (and {v.repeats} more time(s) later)" if v.repeats else ""
        if v.follows:  # broken by the same attempt at the same frame: listed under the first
            lines.append(f"    with {v.follows} at {frame_name(v)}: {v.rule} ({v.section}): {v.detail}{again}")
            continue
        lines.append(f"  {frame_name(v)}: {v.rule} ({v.section}): {v.detail}{again}")
        lines += [f"    why no hidden event explains it: {w}" for w in v.why[:3]]
        if v.assumed:
            lines.append(f"    hidden events assumed before it: {', '.join(v.assumed)}")
    listed = len(report.violations) + sum(v.repeats for v in report.violations)
    if listed < report.violation_count:
        lines.append(f"  ... {report.violation_count - listed} more, counted by rule in --json")
    return lines


def _accepted(report) -> list[str]:
    counts: dict[str, int] = {}
    for cp in report.charge_points.values():
        for rule, n in cp.accepted.items():
            counts[rule] = counts.get(rule, 0) + n
    return [f"recommendation not followed (not a violation): {rule} x{n}" if rule in RECOMMENDATIONS
            else f"accepted (--accept): {rule} x{n}" for rule, n in sorted(counts.items())]


def _split(accepted) -> tuple[dict, dict]:
    """(rules accepted with --accept, recommendations not followed), each rule -> count."""
    return ({r: n for r, n in sorted(accepted.items()) if r not in RECOMMENDATIONS},
            {r: n for r, n in sorted(accepted.items()) if r in RECOMMENDATIONS})


def _not_judged(report) -> list[str]:
    counts: dict[str, int] = {}
    for cp in report.charge_points.values():
        for why, n in cp.not_judged.items():
            counts[why] = counts.get(why, 0) + n
    return [f"not judged: {n} event(s): {why}" for why, n in sorted(counts.items())]


def _errors(report) -> list[str]:
    lines = [f"error: {e}" for e in report.errors[:20]]
    if len(report.errors) > 20:
        lines.append(f"error: ... {len(report.errors) - 20} more malformed line(s)")
    return lines


def verdict(report) -> str:
    if report.violation_count:
        return f"{report.violation_count} violation(s)"
    if report.errors:
        return f"no violations, but {len(report.errors)} malformed line(s)"
    if not report.judged:
        return "nothing was judged against the model (no BootNotification in the log)"
    return "no violations"


def exit_code(report) -> int:
    if report.violation_count:
        return 1
    return 2 if report.errors or not report.judged else 0


def as_dict(report) -> dict:
    return {
        "format": FORMAT,
        "files": report.files,
        "frames": report.frames,
        "seconds": round(report.seconds, 3),
        "framesPerSecond": round(report.frames_per_second, 1),
        "result": verdict(report),
        "chargePoints": [
            {"id": cp.name, "frames": cp.frames, "judgedFrom": cp.judged_from, "judgedEvents": cp.judged,
             "violations": sum(cp.by_rule.values()), "byRule": dict(sorted(cp.by_rule.items())),
             "notJudged": dict(cp.not_judged), "accepted": _split(cp.accepted)[0],
             "recommendations": _split(cp.accepted)[1]}
            for cp in report.charge_points.values()],
        "violations": [
            {"chargePoint": v.cp, "frame": v.index, "file": v.source, "line": v.line, "time": when(v.time),
             "rule": v.rule, "section": v.section, "detail": v.detail, "repeats": v.repeats, "why": list(v.why),
             "assumed": list(v.assumed)} | ({"follows": v.follows} if v.follows else {})
            for v in report.violations],
        "errors": [{"file": e.source, "line": e.line, "message": e.message} for e in report.errors],
    }


def write_junit(path: Path, report) -> None:
    suite = ElementTree.Element("testsuite", name="ocpp-verify check-log", tests=str(len(report.charge_points)),
                                failures=str(sum(1 for cp in report.charge_points.values() if cp.by_rule)),
                                errors=str(len(report.errors)), time=f"{report.seconds:.3f}")
    for cp in report.charge_points.values():
        case = ElementTree.SubElement(suite, "testcase", classname="check-log", name=cp.name)
        found = [v for v in cp.violations]
        if cp.by_rule:
            failure = ElementTree.SubElement(case, "failure", message=f"{sum(cp.by_rule.values())} violation(s): "
                                             + ", ".join(sorted(cp.by_rule)))
            failure.text = "\n".join(f"{frame_name(v)}: {v.rule} ({v.section}): {v.detail}" for v in found)
        elif cp.judged_from is None:
            ElementTree.SubElement(case, "skipped", message="no BootNotification: not judged against the model")
    for error in report.errors:
        case = ElementTree.SubElement(suite, "testcase", classname="check-log.input", name=f"{error.source}:{error.line}")
        ElementTree.SubElement(case, "error", message=error.message)
    Path(path).write_text(ElementTree.tostring(suite, encoding="unicode") + "\n", encoding="utf-8")


def markdown(report) -> str:
    lines = ["# check-log report", "", "```", summary(report), "```", ""]
    for number, v in enumerate(report.violations, 1):
        lines += [f"## {number}. {v.rule} ({v.section})", "",
                  f"- frame: {frame_name(v)}", f"- what: {v.detail}"]
        lines += [f"- why no hidden event explains it: {w}" for w in v.why]
        if v.assumed:
            lines.append(f"- hidden events assumed before it: {', '.join(v.assumed)}")
        lines += ["", "```mermaid", "sequenceDiagram", "    participant CS as Central System",
                  "    participant CP as Charge Point"]
        for frame in v.before + v.after:
            lines.append(_mermaid(frame, v.index))
        lines += ["```", ""]
    return "\n".join(lines)


def _mermaid(frame, index: int) -> str:
    if isinstance(frame, str):
        return f"    Note over CS,CP: {frame}"
    number, direction, raw = frame
    if direction == "event":
        return f"    Note over CP: {raw}"
    arrow = "CP->>CS" if direction == "cp->cs" else "CS->>CP"
    text = _summary(raw).replace(";", ",").replace("#", "")[:150]
    mark = " ⚠ (violation)" if number == index else ""
    return f"    {arrow}: {number}. {text}{mark}"


def _summary(raw: str) -> str:
    try:
        message = json.loads(raw)
    except ValueError:
        return "malformed frame"
    if isinstance(message, list) and len(message) > 3 and message[0] == 2:
        return f"{message[2]} {json.dumps(message[3], separators=(',', ':'))}"
    if isinstance(message, list) and len(message) > 2:
        kind = "result" if message[0] == 3 else "error"
        return f"{kind} {json.dumps(message[2:], separators=(',', ':'))}"
    return "frame"
