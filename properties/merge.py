"""``ocpp-verify merge DIR...``: one summary of the shards of a nightly (docs/nightly.md).

Each DIR holds what a shard left: its ``--json`` summary (any ``*.json`` file of the
summary format) and its findings (any ``*.json`` finding file), at any depth. Counts are
added up; findings are kept once per rule and shrunk trace. A finding that a summary
lists but whose file is missing is kept from the summary (without frames): nothing
found is lost.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path
from xml.etree import ElementTree

import attrs

from . import findings
from .summary import FORMAT as SUMMARY_FORMAT


class MergeError(ValueError):
    """Nothing to merge, or a directory that is not there."""


@attrs.define
class Merged:
    summary: dict
    findings: list[dict]
    """Finding files' contents, each with ``path`` (where it was read) and ``known``."""

    @property
    def new(self) -> list[dict]:
        return [f for f in self.findings if not f["known"]]


def key(finding: dict) -> tuple[str, str]:
    """Two findings are the same when they break the same rule with the same shrunk trace."""
    return finding["violations"][0]["rule"], json.dumps(finding["steps"], sort_keys=True)


def read_dirs(dirs: list[Path]) -> tuple[list[dict], list[dict]]:
    """The summaries and the findings (each with its ``path``) under ``dirs``, in path order."""
    summaries, found = [], []
    for directory in dirs:
        if not Path(directory).is_dir():
            raise MergeError(f"{directory}: no such directory")
        for path in sorted(Path(directory).rglob("*.json")):
            data = _read(path)
            if isinstance(data, dict) and data.get("format") == SUMMARY_FORMAT:
                summaries.append(data)
            elif isinstance(data, dict) and data.get("format") == findings.FORMAT:
                found.append(findings.load(path) | {"path": str(path)})
    return summaries, found


def _read(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # not ours: a shard directory may hold anything else


def known_keys(directory: Path | None) -> set[tuple[str, str]]:
    if directory is None:
        return set()
    return {key(f) for f in read_dirs([directory])[1]}


def merge(dirs: list[Path], known: Path | None = None) -> Merged:
    summaries, found = read_dirs(dirs)
    if not summaries:
        raise MergeError(f"no shard summary (ocpp-verify fuzz --json) under {', '.join(map(str, dirs))}")
    from_summaries = [{"violations": f["violations"], "steps": f["trace"], "frames": [], "path": f["file"],
                       "settings": s.get("settings") or {}} for s in summaries for f in s.get("findings", [])]
    unique = dedupe(found + from_summaries)
    saved = known_keys(known)
    for finding in unique:
        finding["known"] = key(finding) in saved
    return Merged(merge_summaries(summaries, unique), unique)


def dedupe(found: list[dict]) -> list[dict]:
    """One finding per rule and trace: the first in path order, a file before a summary's entry."""
    unique: dict[tuple[str, str], dict] = {}
    for finding in found:
        unique.setdefault(key(finding), finding)
    return list(unique.values())


def merge_summaries(summaries: list[dict], unique: list[dict]) -> dict:
    seconds = sum(s.get("seconds", 0) for s in summaries)
    steps = sum(s.get("steps", 0) for s in summaries)
    merged = {
        "format": SUMMARY_FORMAT,
        "shards": len(summaries),
        "settings": [s.get("settings") or {} for s in summaries],
        "examples": sum(s.get("examples", 0) for s in summaries),
        "steps": steps,
        "seconds": round(seconds, 3),
        "wallSeconds": max(s.get("seconds", 0) for s in summaries),
        "stepsPerSecond": round(steps / seconds, 1) if seconds else 0.0,
        "operations": add_counts(s.get("operations") for s in summaries),
        "outcomes": add_outcomes([s.get("outcomes") or [] for s in summaries]),
        "accepted": add_counts(s.get("accepted") for s in summaries),
        "recommendations": merged_recommendations(summaries),
        "interrupted": any(s.get("interrupted") for s in summaries),
        "rules": sorted({f["violations"][0]["rule"] for f in unique}),
        "findings": [{"file": f["path"], "trace": f["steps"], "violations": f["violations"], "known": f["known"]}
                     for f in unique],
    }
    coverage = [s["coverage"] for s in summaries if s.get("coverage")]
    if coverage:
        merged["coverage"] = add_coverage(coverage)
    return merged


def merged_recommendations(summaries) -> dict:
    """Each recommendation not followed in any shard: counts added, the first shard's section and detail."""
    merged: dict[str, dict] = {}
    for summary in summaries:
        for rule, seen in (summary.get("recommendations") or {}).items():
            merged.setdefault(rule, dict(seen, count=0))["count"] += seen["count"]
    return dict(sorted(merged.items()))


def add_counts(dicts) -> dict:
    total = collections.Counter()
    for counts in dicts:
        total.update(counts or {})
    return dict(sorted(total.items()))


def add_outcomes(tables: list[list[dict]]) -> list[dict]:
    """The per-operation outcome tables of the shards, added up row by row."""
    rows: dict[str, dict] = {}
    for table in tables:
        for row in table:
            total = rows.setdefault(row["operation"], {**row, "count": 0, "outcomes": {}})
            total["count"] += row["count"]
            total["outcomes"] = add_counts([total["outcomes"], row["outcomes"]])
    for row in rows.values():
        row["outcomes"] = dict(sorted(row["outcomes"].items(), key=lambda item: (-item[1], item[0])))
    return list(rows.values())


def add_coverage(coverages: list[dict]) -> dict:
    judged = add_counts(c.get("judged") for c in coverages)
    known = set(judged) | {rule for c in coverages for rule in c.get("neverJudged", [])}
    known_count = max([len(known)] + [c.get("rulesKnown", 0) for c in coverages])
    merged = {"rulesKnown": known_count, "rulesJudged": len(judged),
              "fraction": round(len(judged) / known_count, 3) if known_count else 0.0,
              "judged": judged, "neverJudged": sorted(known - set(judged))}
    registers = [c["requirements"] for c in coverages if c.get("requirements")]
    if registers:
        merged["requirements"] = add_requirements(registers)
    return merged


def add_requirements(registers: list[dict]) -> dict:
    """Requirement coverage of all shards: a requirement exercised by any shard is exercised."""
    from .requirements import classified

    missed = set.intersection(*(set(r["missed"]) for r in registers))
    judged = max(r["judged"] for r in registers)
    reached = {e["id"] for e in classified() if e.get("class") == "judged" and e.get("machine")}
    reached_exercised = len(reached - missed)
    return {"judged": judged, "exercised": judged - len(missed),
            "fraction": round((judged - len(missed)) / judged, 3) if judged else 0.0,
            "reached": len(reached), "reachedExercised": reached_exercised,
            "fractionReached": round(reached_exercised / len(reached), 3) if reached else 0.0,
            "missed": sorted(missed)}


def save_new(merged: Merged, directory: Path) -> None:
    """Write each new finding (JSON and its Markdown twin) under ``directory``; point the summary at it."""
    taken: set[str] = set()
    for finding, entry in zip(merged.findings, merged.summary["findings"]):
        if finding["known"]:
            continue
        stem = _free_stem(Path(finding["path"]).stem, taken)
        data = {k: v for k, v in finding.items() if k not in ("path", "known")}
        data.setdefault("format", findings.FORMAT)
        entry["file"] = finding["path"] = str(findings.save(directory, stem, data))


def _free_stem(stem: str, taken: set[str]) -> str:
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    taken.add(candidate)
    return candidate


def write_junit(path: Path, merged: Merged) -> None:
    """One test case for the run, and one per finding: failed when new, skipped when already known."""
    summary = merged.summary
    suite = ElementTree.Element("testsuite", name="ocpp-verify nightly", tests=str(1 + len(merged.findings)),
                                failures=str(len(merged.new)), skipped=str(len(merged.findings) - len(merged.new)),
                                time=f"{summary['wallSeconds']:.3f}")
    ElementTree.SubElement(suite, "testcase", classname="ocpp-verify",
                           name=f"fuzz: {summary['shards']} shards, {summary['examples']} examples")
    for finding in merged.findings:
        rule = finding["violations"][0]["rule"]
        case = ElementTree.SubElement(suite, "testcase", classname="ocpp-verify.findings",
                                      name=f"{rule} ({Path(finding['path']).name})")
        if finding["known"]:
            ElementTree.SubElement(case, "skipped", message="known finding (--known)")
            continue
        failure = ElementTree.SubElement(case, "failure", message=rule)
        failure.text = "\n".join(f"{v['rule']} ({v['section']}): {v['detail']}" for v in finding["violations"])
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def print_merged(merged: Merged, out) -> None:
    s = merged.summary
    out.write(f"shards: {s['shards']}  examples: {s['examples']}  steps: {s['steps']}  "
              f"time: {s['seconds']:.1f}s (longest shard {s['wallSeconds']:.1f}s)\n")
    if s["interrupted"]:
        out.write("a shard was stopped by a signal before its budget was spent\n")
    out.write(f"findings: {len(merged.findings)} ({len(merged.new)} new)\n")
    for finding in merged.findings:
        v = finding["violations"][0]
        label = "known" if finding["known"] else "NEW"
        out.write(f"  [{label}] {v['rule']} ({v['section']}), {len(finding['steps'])} steps: {finding['path']}\n")
