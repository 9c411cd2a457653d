"""What an exploration reports: a summary (text, JSON, JUnit XML), the state set, a picture.

The state set (``--states FILE``) is what ``fuzz --states FILE`` measures its
own run against: the abstract states and transitions the exploration reached,
with the settings that make the keys comparable (symmetry, idTags).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

from ..findings import load, replay_command, write_atomic

STATES_FORMAT = "ocpp-verify/states-1"
GRAPH_LIMIT = 150
"""More states than this make an unreadable picture: none is drawn."""


def rules_judged(report) -> list[str]:
    """The model's rules some step judged (properties/rules.py), where the model names its handlers."""
    try:
        from ..rules import judged
    except ImportError:
        return []
    return sorted(judged(report.handled))


def requirements_exercised(report) -> dict | None:
    """The register's judged requirements whose rules some step judged (properties/requirements)."""
    try:
        from ..requirements import coverage
    except ImportError:
        return None
    found = coverage(set(rules_judged(report)))
    return {"judged": found["judged"], "exercised": found["exercised"], "fraction": round(found["fraction"], 3)}


def summary_dict(report, config) -> dict:
    return {
        "states": report.states,
        "transitions": report.transitions,
        "depth": config.depth,
        "depthCompleted": report.depth_completed,
        "frontierLeft": report.frontier_left,
        "statesPerDepth": report.per_depth,
        "depthSeconds": report.depth_seconds,
        "seconds": round(report.seconds, 3),
        "statesPerSecond": round(report.states_per_second, 1),
        "transitionsPerSecond": round(report.transitions_per_second, 1),
        "stopped": report.stopped,
        "mutant": config.fuzz.mutant,
        "alphabet": config.alphabet,
        "symmetry": config.symmetry,
        "letters": [x.name for x in report.letters],
        "rulesJudged": rules_judged(report),
        "requirements": requirements_exercised(report),
        "findings": [
            {"file": str(f.path), "trace": f.trace, "deadEnd": f.rule in report.dead_ends,
             "violations": [{"rule": v.rule, "section": v.section, "detail": v.detail} for v in f.violations]}
            for f in report.findings
        ],
    }


def print_summary(report, config, out) -> None:
    out.write(f"states: {report.states}  transitions: {report.transitions}  depth completed: "
              f"{report.depth_completed} of {config.depth}  frontier left: {report.frontier_left}\n")
    out.write(f"time: {report.seconds:.1f}s  states/s: {report.states_per_second:.1f}  "
              f"transitions/s: {report.transitions_per_second:.1f}  stopped by: {report.stopped}\n")
    out.write(f"new states per depth: {', '.join(map(str, report.per_depth))}\n")
    out.write(f"alphabet ({config.alphabet}{', symmetry' if config.symmetry else ''}): {len(report.letters)} "
              f"letters: {', '.join(x.name for x in report.letters)}\n")
    judged = rules_judged(report)
    if judged:
        out.write(f"rules judged: {len(judged)}\n")
    requirements = requirements_exercised(report)
    if requirements:
        out.write(f"requirements exercised: {requirements['exercised']} of the {requirements['judged']} the model "
                  f"judges ({requirements['fraction']:.0%})\n")
    if not report.findings:
        out.write("findings: none\n")
        return
    out.write(f"findings: {len(report.findings)}, rules: {', '.join(f.rule for f in report.findings)}\n")
    for finding in report.findings:
        out.write("\n")
        if finding.rule in report.dead_ends:
            out.write("DEAD END: the clean bundled charge point fails this path too: a false alarm of the "
                      "model or a bug of the bundled charge point\n")
        for v in finding.violations:
            out.write(f"{v}\n")
        out.write("shortest trace:\n")
        for i, step in enumerate(finding.trace, 1):
            out.write(f"  {i}. {json.dumps(step)}\n")
        command = replay_command(load(finding.path), finding.path)
        out.write(f"saved: {finding.path}  (replay: {command})\n")


def write_junit(path: Path, report, config) -> None:
    """One test case per finding (a failure), or one passing case for the whole exploration."""
    suite = ElementTree.Element("testsuite", name="ocpp-verify explore", tests=str(max(len(report.findings), 1)),
                                failures=str(len(report.findings)), time=f"{report.seconds:.3f}")
    if not report.findings:
        ElementTree.SubElement(suite, "testcase", classname="ocpp-verify",
                               name=f"explore depth={report.depth_completed} states={report.states}")
    for finding in report.findings:
        case = ElementTree.SubElement(suite, "testcase", classname="ocpp-verify explore", name=finding.rule)
        failure = ElementTree.SubElement(case, "failure", message=finding.rule)
        failure.text = "\n".join([*(str(v) for v in finding.violations), *(json.dumps(s) for s in finding.trace)])
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# -- the state set --------------------------------------------------------------------------------


def states_dict(report, config, explorer) -> dict:
    return {
        "format": STATES_FORMAT,
        "settings": explorer.session.settings_dict(),
        "symmetry": config.symmetry,
        "tags": list(explorer.tags),
        "depthCompleted": report.depth_completed,
        "states": model_depths(explorer),
        "transitions": sorted({(explorer.seen[source].model_key, letter, explorer.seen[target].model_key)
                               for source, letter, target in report.edges if not target.startswith("!")}),
    }


def model_depths(explorer) -> dict[str, int]:
    """Each model state's least depth (a state explored again under a key of its own counts once)."""
    depths: dict[str, int] = {}
    for node in explorer.seen.values():
        depths[node.model_key] = min(node.depth, depths.get(node.model_key, node.depth))
    return depths


def save_states(path: Path, report, config, explorer) -> None:
    write_atomic(Path(path), json.dumps(states_dict(report, config, explorer)) + "\n")


class StatesError(ValueError):
    """A state-set file that cannot be read."""


def load_states(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StatesError(f"{path}: no such file")
    except (OSError, json.JSONDecodeError) as error:
        raise StatesError(f"{path}: not a JSON state set ({error})")
    if not isinstance(data, dict) or data.get("format") != STATES_FORMAT:
        raise StatesError(f"{path}: not an ocpp-verify state set (format {STATES_FORMAT!r}; "
                          "`ocpp-verify explore --states FILE` writes one)")
    return data


# -- the picture ----------------------------------------------------------------------------------


def label(state) -> str:
    """A few words for a state: each connector's last reported status, and what is off."""
    parts = ["/".join(f"{c.reported or '-'}{'+tx' if c.tx else ''}" for c in state.connectors[1:])]
    if not state.powered:
        parts.append("off")
    elif not state.online:
        parts.append("offline")
    return " ".join(parts)


def drawing(report, explorer, head: list[str], state, violation, edge, tail: list[str]) -> list[str]:
    """The picture's lines: ``state(name, node)``, ``violation(name, rule)``, ``edge(source, letter, target)``."""
    names = {node.key: f"s{i}" for i, node in enumerate(explorer.seen.values())}
    lines = head + [state(names[n.key], n) for n in explorer.seen.values()]
    for source, letter, target in sorted(report.edges):
        if source == target:
            continue
        if target.startswith("!"):
            names.setdefault(target, f"v{len(names)}")
            lines.append(violation(names[target], target[1:]))
        lines.append(edge(names[source], letter, names[target]))
    return lines + tail


def mermaid(report, explorer) -> str:
    return "\n".join(drawing(
        report, explorer, ["flowchart LR"],
        lambda name, n: f'    {name}["{label(n.worlds[0])} (d{n.depth})"]',
        lambda name, rule: f'    {name}{{{{"{rule}"}}}}',
        lambda source, letter, target: f'    {source} -->|"{letter}"| {target}', [])) + "\n"


def graphviz(report, explorer) -> str:
    return "\n".join(drawing(
        report, explorer, ["digraph explore {", "  rankdir=LR;"],
        lambda name, n: f'  {name} [label="{label(n.worlds[0])}\\nd{n.depth}"];',
        lambda name, rule: f'  {name} [label="{rule}", shape=octagon, color=red];',
        lambda source, letter, target: f'  {source} -> {target} [label="{letter}"];', ["}"])) + "\n"


def write_graph(path: Path, report, explorer) -> str | None:
    """A Mermaid (``.mmd``, ``.md``) or Graphviz (other suffixes) picture; why not, if too many states."""
    if report.states > GRAPH_LIMIT:
        return f"no picture: {report.states} states (at most {GRAPH_LIMIT} make a readable one)"
    text = mermaid(report, explorer) if Path(path).suffix in (".mmd", ".md") else graphviz(report, explorer)
    if Path(path).suffix == ".md":
        text = f"```mermaid\n{text}```\n"
    write_atomic(Path(path), text)
    return None


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, every few seconds elsewhere."""

    def __init__(self, config, stream=sys.stderr, interval: float = 5.0):
        self.config = config
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = interval
        self.last = 0.0

    def update(self, report, frontier_left: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else self.interval):
            return
        self.last = now
        line = (f"explore: depth {report.depth_completed + 1}/{self.config.depth}, {report.states} states, "
                f"{report.transitions} transitions, frontier {frontier_left}, "
                f"{report.transitions_per_second:.0f} transitions/s, {len(report.findings)} findings")
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
            self.stream.flush()
