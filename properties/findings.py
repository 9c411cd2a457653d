"""Findings: shrunk traces saved as plain JSON, with a Markdown twin.

A finding is written the moment a failure is seen and rewritten whenever a
shorter failing trace turns up, always through a temporary file and an atomic
rename, so an interrupted run leaves a valid file behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

FORMAT = "ocpp-verify/finding-1"


def version() -> str:
    try:
        from importlib.metadata import version as dist_version

        return dist_version("ocpp-verify")
    except Exception:
        return "0+unknown"


def finding_id(rule: str, steps: list[dict]) -> str:
    digest = hashlib.sha1(json.dumps(steps, sort_keys=True).encode()).hexdigest()[:8]
    return f"{rule}-{digest}"


def frame_dict(frame) -> dict:
    return {
        "seq": frame.seq,
        "time": frame.time,
        "direction": frame.direction,
        "raw": frame.raw,
        "error": frame.error,
    }


def build(*, rule_violations, steps, frames, settings, identity, status) -> dict:
    return {
        "format": FORMAT,
        "suite": {"name": "ocpp-verify", "version": version()},
        "status": status,
        "chargePoint": identity,
        "settings": settings,
        "violations": [
            {"rule": v.rule, "section": v.section, "detail": v.detail} for v in rule_violations
        ],
        "steps": steps,
        "frames": [frame_dict(f) for f in frames],
    }


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def save(directory: Path, name: str, finding: dict) -> Path:
    path = Path(directory) / f"{name}.json"
    write_atomic(path, json.dumps(finding, indent=2) + "\n")
    write_atomic(path.with_suffix(".md"), markdown(finding, path))
    return path


class FindingError(ValueError):
    """A finding file that cannot be read."""


def load(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FindingError(f"{path}: no such file")
    except IsADirectoryError:
        raise FindingError(f"{path}: is a folder, not a finding's JSON file")
    except UnicodeDecodeError:
        raise FindingError(f"{path}: not a JSON finding (not UTF-8 text)")
    except RecursionError:
        raise FindingError(f"{path}: not a JSON finding (nested too deeply)")
    except (OSError, ValueError) as error:  # ValueError: JSONDecodeError, an integer too long
        raise FindingError(f"{path}: not a JSON finding ({error})")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FindingError(f"{path}: not an ocpp-verify finding (format {FORMAT!r} expected)")
    if not isinstance(data.get("steps"), list) or not all(isinstance(s, dict) for s in data["steps"]):
        raise FindingError(f"{path}: 'steps' must be a list of step objects")
    return data


def _summary(raw: str) -> str:
    try:
        message = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return f"not JSON {json.dumps(raw[:60])}" if raw else "malformed frame"
    if isinstance(message, list) and message and message[0] == 2 and len(message) > 3:
        return f"{message[2]} {json.dumps(message[3], separators=(',', ':'))}"
    if isinstance(message, list) and len(message) > 2 and message[0] in (3, 4):
        return f"{'result' if message[0] == 3 else 'error'} {json.dumps(message[2], separators=(',', ':'))}"
    if isinstance(message, list) and message:
        return f"MessageTypeId {json.dumps(message[0])} {json.dumps(message[1:], separators=(',', ':'))[:80]}"
    return "frame"


def replay_command(finding: dict, path) -> str:
    settings = finding.get("settings") or {}
    if settings.get("sut") == "external":  # the charge point must be started by hand first
        return f"ocpp-verify replay {path} --sut external"
    mutant = settings.get("mutant")
    return f"ocpp-verify replay {path}" + (f" --mutant {mutant}" if mutant else "")


def markdown(finding: dict, path="FINDING.json") -> str:
    lines = [f"# Finding: {', '.join(v['rule'] for v in finding['violations'])}", ""]
    for v in finding["violations"]:
        lines.append(f"- **{v['rule']}** ({v['section']}): {v['detail']}")
    lines += ["", "## Steps", ""]
    lines += [f"{i}. `{json.dumps(step)}`" for i, step in enumerate(finding["steps"], 1)]
    lines += ["", "## Sequence", "", "```mermaid", "sequenceDiagram",
              "    participant CS as Central System", "    participant CP as Charge Point"]
    for frame in finding["frames"]:
        lines.append(_mermaid_line(frame))
    lines += ["```", "", f"Replay: `{replay_command(finding, path)}`", ""]
    return "\n".join(lines)


def _mermaid_line(frame: dict) -> str:
    if frame["direction"] == "event":
        return f"    Note over CP: {frame['error']}"
    text = _summary(frame["raw"]).replace(";", ",").replace("#", "")[:160]
    arrow = "CP->>CS" if frame["direction"] == "cp->cs" else "CS->>CP"
    if frame.get("error"):
        text += f" [{frame['error'][:80]}]"
    return f"    {arrow}: {text}"
