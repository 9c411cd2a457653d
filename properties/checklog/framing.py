"""OCPP-J framing of a log: each text frame parsed, matched with its CALL, and checked.

The Charge Point's frames are checked as the Central System endpoint checks
them live (adapters/csms.py): JSON, the message array, the UniqueId, the
action, and the OCPP 1.6 JSON schema of its payload. A frame of the Central
System is parsed but not judged: it is not the system under test.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import NamedTuple

from adapters.csms import CP_ACTIONS, MAX_UNIQUE_ID, CentralSystem, _error_problem, _result_problem, violation

from .formats import Record, loads

RECENT_IDS = 4096
"""UniqueIds of the Charge Point's CALLs remembered per connection to find one used twice (OCPP-J §4.1.4)."""


class Message(NamedTuple):
    """One frame, parsed: ``kind`` 2 CALL, 3 CALLRESULT, 4 CALLERROR, None for a connection event
    (``action`` is then "connected" or "disconnected") or a frame that is no message."""

    index: int
    record: Record
    kind: int | None
    unique_id: str | None
    action: str | None
    payload: dict | None
    problem: str | None
    """What the frame breaks in OCPP-J (the Charge Point's frames only)."""

    @property
    def error_code(self) -> str | None:
        return (self.payload or {}).get("errorCode") if self.kind == 4 else None


class Framer:
    """Parses one charge point's frames in order; remembers the CALLs still to be answered."""

    def __init__(self, schemas: bool = True):
        self.schemas = schemas
        self.calls = {"cp->cs": {}, "cs->cp": {}}
        """Unanswered CALLs by the side that sent them: UniqueId -> action."""
        self.used: OrderedDict[str, None] = OrderedDict()
        self.judging = False
        """Set once the log reached its first BootNotification: before it, an answer may belong to a CALL
        sent before the log began."""

    def parse(self, index: int, record: Record) -> Message:
        if record.direction == "event":
            if record.raw == "connected":
                self.used.clear()
            return Message(index, record, None, None, record.raw, None, None)
        ours = record.direction == "cp->cs"
        try:
            message = loads(record.raw)
        except (ValueError, RecursionError) as error:
            return self._bad(index, record, ours, violation("4.1.2", f"not valid JSON ({error})"))
        if not isinstance(message, list) or not message or type(message[0]) is not int or message[0] not in (2, 3, 4):
            return self._bad(index, record, ours, violation(
                "4.2", f"a message is a JSON array [MessageTypeId (2, 3 or 4), UniqueId, ...], got {record.raw[:80]}"))
        if message[0] == 2:
            return self._call(index, record, message, ours)
        return self._answer(index, record, message, ours)

    def _bad(self, index: int, record: Record, ours: bool, problem: str) -> Message:
        return Message(index, record, None, None, None, None, problem if ours else None)

    def _call(self, index: int, record: Record, message: list, ours: bool) -> Message:
        unique_id = message[1] if len(message) > 1 and isinstance(message[1], str) else None
        action = message[2] if len(message) > 2 and isinstance(message[2], str) else None
        payload = message[3] if len(message) > 3 and isinstance(message[3], dict) else None
        sender = self.calls[record.direction]
        problem = self._call_problem(message, unique_id, action, payload) if ours else None
        if unique_id is not None:
            sender[unique_id] = action
            if len(sender) > RECENT_IDS:
                sender.pop(next(iter(sender)))
        return Message(index, record, 2, unique_id, action, payload, problem)

    def _call_problem(self, message: list, unique_id, action, payload) -> str | None:
        if len(message) != 4 or unique_id is None or action is None or payload is None:
            return violation("4.2.1", "a CALL is [2, \"<UniqueId>\", \"<Action>\", {<Payload>}], got "
                             f"{json.dumps(message)[:80]}")
        if len(unique_id) > MAX_UNIQUE_ID:
            return violation("4.1.4", f"UniqueId is {len(unique_id)} characters long, the maximum is 36")
        if unique_id in self.used:
            return violation("4.1.4", f"UniqueId {unique_id!r} was already used by a CALL on this connection")
        self.used[unique_id] = None
        if len(self.used) > RECENT_IDS:
            self.used.popitem(last=False)
        if action in CP_ACTIONS and not self.schemas:
            return None
        problem = CentralSystem._action_problem(action, payload)
        return problem[1] if problem else None

    def _answer(self, index: int, record: Record, message: list, ours: bool) -> Message:
        unique_id = message[1] if len(message) > 1 and isinstance(message[1], str) else None
        other = "cs->cp" if ours else "cp->cs"
        action = self.calls[other].pop(unique_id, None) if unique_id is not None else None
        if message[0] == 3:
            payload = message[2] if len(message) > 2 and isinstance(message[2], dict) else None
            problem = self._result_problem(message, unique_id, action, payload) if ours else None
        else:
            code, description = (message[i] if len(message) > i and isinstance(message[i], str) else None
                                 for i in (2, 3))
            details = message[4] if len(message) > 4 else None
            payload = {"errorCode": code, "errorDescription": description, "errorDetails": details}
            problem = (self._unmatched(unique_id, action, "CALLERROR")
                       or _error_problem(message, code, description, details)) if ours else None
        return Message(index, record, message[0], unique_id, action, payload, problem)

    def _result_problem(self, message: list, unique_id, action, payload) -> str | None:
        problem = self._unmatched(unique_id, action, "CALLRESULT")
        if problem is None and (len(message) != 3 or payload is None):
            problem = violation("4.2.2", f"a CALLRESULT is [3, \"<UniqueId>\", {{<Payload>}}], got "
                                f"{json.dumps(message)[:80]}")
        if problem is None and self.schemas and action is not None:  # unmatched before the first boot: no schema
            problem = _result_problem(action, payload)
        return problem

    def _unmatched(self, unique_id, action, kind: str) -> str | None:
        if unique_id is None:
            return violation("4.1.4", f"the UniqueId of a {kind} must be a string")
        if action is None and self.judging:
            return violation("4.1.4", f"{kind} for UniqueId {unique_id!r}, but the log shows no unanswered "
                             "CALL of the Central System with that id")
        return None
