"""What each operation of a run led to: the per-operation outcome table of the fuzz summary.

For a Central System CALL the outcome is the Charge Point's answer in the spec's
words: the ``status`` of the CALLRESULT (§6), a few answers without a status
classified by their content, a CALLERROR by its errorCode (OCPP-J 1.6 §4.2.3),
or "timeout"/"offline" when none came. Physical actions and environment steps
have the outcome "done".
"""

from __future__ import annotations

import collections

from model import Answer
from model.events import CSMS_OPS
from vocabulary import profile_of

PROFILE_ORDER = ("Core", "LocalAuthListManagement", "Reservation", "SmartCharging", "RemoteTrigger",
                 "FirmwareManagement")


def operations_by_profile() -> list[tuple[str, list[str]]]:
    """Every Central System operation of the six profiles (§3.3), grouped by profile."""
    groups = collections.defaultdict(list)
    for op in sorted(CSMS_OPS):
        groups[profile_of(op)].append(op)
    return [(profile, groups[profile]) for profile in PROFILE_ORDER]


def outcome_of(step: dict, observed) -> str:
    """The outcome of one step, from the harness's observations of it."""
    if step.get("op") not in CSMS_OPS:
        return "done"
    answer = next((event for event in observed if isinstance(event, Answer)), None)
    if answer is None:
        return "not sent"
    if answer.kind == "error":
        return f"CALLERROR {answer.error_code}"
    if answer.kind != "result":
        return answer.kind
    return _result(step, answer.payload or {})


def _result(step: dict, payload: dict) -> str:
    if isinstance(payload.get("status"), str):
        return payload["status"]
    op = step["op"]
    if op == "GetLocalListVersion":
        version = payload.get("listVersion")
        return f"listVersion {version}" if version in (-1, 0) else "listVersion > 0"
    if op == "GetDiagnostics":
        return "fileName" if payload.get("fileName") else "no fileName"
    if op == "GetConfiguration":
        return "unknownKey" if payload.get("unknownKey") else "known keys"
    return "answered"


def outcome_table(outcomes: collections.Counter) -> list[dict]:
    """One row per Central System operation of every profile, including those that never ran."""
    rows = []
    for profile, ops in operations_by_profile():
        for op in ops:
            seen = {outcome: n for (o, outcome), n in outcomes.items() if o == op}
            rows.append({"profile": profile, "operation": op, "count": sum(seen.values()),
                         "outcomes": dict(sorted(seen.items(), key=lambda item: (-item[1], item[0])))})
    return rows
