"""The hostile steps (docs/hostile.md): the frame each one sends, and what the model is shown of it.

A hostile step (vocabulary/ops.py ``HOSTILE_OPS``) sends its frame through the endpoint as it is
(:meth:`adapters.csms.CentralSystem.send_raw`), waits for what the Charge Point does about it, then
sends the probe, a well-formed GetConfiguration (model/hostile.py). The model is shown a
:class:`~model.hostile.HostileOutcome`: the replies that carry the frame's UniqueId (any id we do not
know, for a frame without one), and whether the connection closed.

``CrossingCall`` arms the endpoint for the next step: our answer to the Charge Point's next CALL of
``hold`` waits while ``call`` (a Central System CALL, or an unsolicited CALLRESULT/CALLERROR) is sent;
the next step's observations then carry the crossing (:class:`~model.hostile.Held`,
:class:`~model.hostile.CrossingAnswer`).
"""

from __future__ import annotations

import itertools
import json

from adapters.csms import CP_ACTIONS, CallOutcome, request_violation
from adapters.hostile import Crossing
from model import Answer, CpCall, Stimulus
from model.hostile import (FITTING, HOLDABLE, LARGE_FRAME_CALL, PROBE, CrossingAnswer, FrameReply, Held,
                           HostileOutcome, frame_payload)
from vocabulary import CENTRAL_SYSTEM_OPS, HOSTILE_OPS

ANSWERED = frozenset({"UnknownAction", "MalformedCall", "LargeFrame", "DuplicateMessageId"})
"""Frames the Charge Point must answer (or may close on): a real-time charge point is given the call
timeout to do it. The bundled one is settled when it has read and answered every frame."""
UNSOLICITED = ("UnsolicitedCallResult", "UnsolicitedCallError")
KEYS = {
    "NotJson": {"text"}, "BinaryFrame": {"content"}, "WrongMessageType": {"messageTypeId"},
    "UnknownAction": {"action"}, "MalformedCall": {"fault", "call", "field", "value"}, "LargeFrame": {"size"},
    "DuplicateMessageId": {"call"}, "UnsolicitedCallResult": {"payload"}, "UnsolicitedCallError": {"errorCode"},
    "CrossingCall": {"hold", "call"},
}
LARGEST_FRAME = 64 * 2**20
_ids = itertools.count(1)


def _dumps(message: list) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def frame(step: dict, last_call_id: str | None) -> tuple[str | bytes, str | None] | None:
    """(the frame, the UniqueId its replies carry; None: it has none we can count on) of a hostile
    step; None when it cannot be sent (a duplicate UniqueId before any CALL on the connection)."""
    op, unique_id = step["op"], f"h{next(_ids)}"
    if op == "NotJson":
        return step["text"], None
    if op == "BinaryFrame":
        data = _dumps([2, unique_id, PROBE["op"], _payload(PROBE)]).encode()
        return (data if step["content"] == "call" else b"\xff\xfe" + data), None
    if op == "UnsolicitedCallResult":
        return _dumps([3, unique_id, step.get("payload", {})]), unique_id
    if op == "UnsolicitedCallError":
        return _dumps([4, unique_id, step.get("errorCode", "GenericError"), "", {}]), unique_id
    if op == "DuplicateMessageId" and last_call_id is None:
        return None
    action, payload = _call_of(step)
    message_type = step["messageTypeId"] if op == "WrongMessageType" else 2
    unique_id = last_call_id if op == "DuplicateMessageId" else unique_id
    return _dumps([message_type, unique_id, action, payload]), unique_id


def _call_of(step: dict) -> tuple[str, dict]:
    op = step["op"]
    if op == "WrongMessageType":
        return PROBE["op"], {}
    if op == "UnknownAction":
        return step["action"], {"idTag": "TAG1"} if step["action"] in CP_ACTIONS else {}
    if op == "MalformedCall":
        return step["call"]["op"], frame_payload(Stimulus.from_step(step))
    if op == "LargeFrame":
        base = {key: value for key, value in LARGE_FRAME_CALL.items() if key != "op"}
        padding = step["size"] - len(_dumps([2, "h", LARGE_FRAME_CALL["op"], {**base, "data": ""}]).encode())
        return LARGE_FRAME_CALL["op"], {**base, "data": "x" * max(padding, 0)}
    return step["call"]["op"], _payload(step["call"])


def _payload(call: dict) -> dict:
    return {key: value for key, value in call.items() if key != "op"}


class HostileSteps:
    """A harness's hostile steps and crossings (properties/harness.py)."""

    def __init__(self, harness, call_timeout: float):
        self.harness = harness
        self.call_timeout = call_timeout
        self.sent: tuple[str | None, bool] | None = None
        """(the UniqueId the last frame's replies carry, whether it went out)"""
        self.crossing: tuple[Crossing, dict, bool] | None = None
        """(the armed crossing, its frame's step, armed by the step being run)"""
        if getattr(harness.sut, "csms", None) is not None:
            harness.sut.csms.crossing = None  # one armed by the last step of an example ends with it

    @property
    def csms(self):
        return self.harness.sut.csms

    async def perform(self, stimulus: Stimulus) -> CallOutcome | None:
        """Send the step's frame, wait for what it sets off, then the probe; its outcome is the step's."""
        step = stimulus.to_step()
        if step["op"] == "CrossingCall":
            self.arm(step)
            return None
        built = frame(step, self.csms.last_call_id())
        if built is None:
            return CallOutcome("skipped")
        wait = self.call_timeout if self.harness.sut.real_time and step["op"] in ANSWERED else 0.0
        outcome = await self.csms.send_raw(*built, reply_within=wait)
        self.sent = (built[1], outcome.kind != "offline")
        await self.harness.sut.settle()
        probe = await self.csms.call(PROBE["op"], _payload(PROBE), self.call_timeout)
        await self.harness.sut.settle()
        self.csms.forget_strays()
        return probe

    def arm(self, step: dict) -> None:
        call = step["call"]

        async def send(release):
            if call["op"] in CENTRAL_SYSTEM_OPS:
                return await self.csms.call(call["op"], _payload(call), self.call_timeout, sent=release)
            data, unique_id = frame(call, None)
            sent = await self.csms.send_raw(data, unique_id)
            release()
            return unique_id, sent.kind != "offline"

        crossing = Crossing(step["hold"], send)
        self.crossing = (crossing, call, True)
        self.csms.crossing = crossing

    def observed(self, stimulus: Stimulus, frames: list, seen: list) -> list:
        """The step's observations with what the model needs of its hostile frame and of a crossing."""
        if stimulus.op in HOSTILE_OPS and stimulus.op != "CrossingCall" and self.sent is not None:
            unique_id, sent = self.sent
            self.sent = None
            seen = [outcome_of(stimulus, unique_id, sent, frames)] + seen
        return self.crossed(frames, seen)

    def crossed(self, frames: list, seen: list) -> list:
        """After the step that follows a CrossingCall: the crossing, placed after the held CALL."""
        if self.crossing is None:
            return seen
        crossing, call, armed_now = self.crossing
        if armed_now:
            self.crossing = (crossing, call, False)
            return seen
        self.crossing = self.csms.crossing = None
        result = self.harness.run(crossing.outcome())
        held = _held_index(seen, crossing.hold_action)
        if crossing.task is None or held is None:
            return seen
        if call["op"] in CENTRAL_SYSTEM_OPS:
            result = result or CallOutcome("offline")
            crossed = CrossingAnswer(Stimulus.from_step(call), Answer(result.kind, result.payload, result.error_code))
        else:
            crossed = outcome_of(Stimulus.from_step(call), result[0], result[1], frames)
        return seen[:held + 1] + [Held(crossing.hold_action), crossed] + seen[held + 1:]


def _held_index(seen: list, action: str) -> int | None:
    """The CpCall whose answer was held: the step's first of that action (a crossing holds one)."""
    return next((i for i, event in enumerate(seen) if isinstance(event, CpCall) and event.action == action), None)


def outcome_of(step: Stimulus, unique_id: str | None, sent: bool, frames: list) -> HostileOutcome:
    """What came back for the frame: replies with its UniqueId (for a frame without one: with an id that
    answers none of our CALLs of the step), and whether the connection closed."""
    ours = {f.unique_id for f in frames if f.direction == "cs->cp" and f.message_type == 2}
    replies = tuple(
        FrameReply("result", f.payload) if f.message_type == 3 else
        FrameReply("error", None, (f.payload or {}).get("errorCode"))
        for f in frames if f.direction == "cp->cs" and f.message_type in (3, 4)
        and (f.unique_id == unique_id if unique_id is not None else f.unique_id not in ours))
    closed = any(f.direction == "event" and f.error == "disconnected" for f in frames)
    return HostileOutcome(step, sent, replies, closed)


# ---- a finding's hostile steps, checked before a replay (properties/steps.py)


def step_problem(step: dict) -> str | None:
    """Why the hostile ``step`` cannot be run (docs/hostile.md), or None."""
    op = step["op"]
    extra = set(step) - {"op"} - KEYS[op]
    if extra:
        return f"{op} takes {sorted(KEYS[op]) or 'no keys'}, not {sorted(extra)}"
    try:
        return _CHECKS[op](step)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        return f"{op}: {error!r} does not fit (docs/hostile.md)"


def _call_problem(call) -> str | None:
    if not isinstance(call, dict) or call.get("op") not in CENTRAL_SYSTEM_OPS:
        return f"'call' must be a Central System CALL step, got {call!r}"
    return request_violation(call["op"], _payload(call))


def _not_json(step: dict) -> str | None:
    try:
        json.loads(step["text"])
    except ValueError:
        return None
    return f"NotJson: {step['text']!r} is JSON"


def _malformed(step: dict) -> str | None:
    problem = _call_problem(step["call"])
    if problem or step["fault"] not in FITTING or not isinstance(step["field"], str):
        return problem or f"MalformedCall: fault must be one of {sorted(FITTING)}, field a string"
    if (step["fault"] == "missingField") != ("value" not in step):
        return "MalformedCall: a value is given for every fault but missingField"
    breaks = request_violation(step["call"]["op"], frame_payload(Stimulus.from_step(step)))
    if breaks is None and step["fault"] != "outOfRange":
        return f"MalformedCall: the frame's payload does not break the {step['call']['op']} schema"
    return None


def _crossing(step: dict) -> str | None:
    if step["hold"] not in HOLDABLE:
        return f"CrossingCall: hold must be one of {list(HOLDABLE)}"
    call = step["call"]
    if isinstance(call, dict) and call.get("op") in UNSOLICITED:
        return step_problem(call)
    return _call_problem(call)


_CHECKS = {
    "NotJson": _not_json,
    "BinaryFrame": lambda s: None if s["content"] in ("call", "notUtf8") else "BinaryFrame: content is call or notUtf8",
    "WrongMessageType": lambda s: None if s["messageTypeId"] not in (2, 3, 4) or type(s["messageTypeId"]) is bool
    else "WrongMessageType: 2, 3 and 4 are the message types of Table 2",
    "UnknownAction": lambda s: None if isinstance(s["action"], str) and s["action"] not in CENTRAL_SYSTEM_OPS
    else "UnknownAction: action is a string that names no Central System action",
    "MalformedCall": _malformed,
    "LargeFrame": lambda s: None if type(s["size"]) is int and 1024 <= s["size"] <= LARGEST_FRAME
    else f"LargeFrame: size is bytes, 1024 to {LARGEST_FRAME}",
    "DuplicateMessageId": lambda s: _call_problem(s["call"]),
    "UnsolicitedCallResult": lambda s: None if isinstance(s.get("payload", {}), dict) else "payload is an object",
    "UnsolicitedCallError": lambda s: None if isinstance(s.get("errorCode", ""), str) else "errorCode is a string",
    "CrossingCall": _crossing,
}
