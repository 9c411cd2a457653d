"""A hostile Central System: frames that break OCPP-J 1.6, and CALLs that cross the Charge Point's own.

Theory of operation
-------------------
A hostile step (vocabulary/ops.py ``HOSTILE_OPS``, docs/hostile.md) sends one frame that breaks
OCPP-J 1.6, then a well-formed GetConfiguration: the *probe*. The model's state is not changed
by the frame itself, so whatever the Charge Point does differently afterwards shows in the steps
that follow; the probe's answer is judged like any GetConfiguration answer (the configuration did
not change, and the Charge Point still answers well-formed CALLs).

The Charge Point's replies to the frame (:class:`HostileOutcome`) are judged by :func:`expected`,
OCPP-J 1.6 §4.1 and §4.2.3 with its Table 7 and the errata. Where the spec leaves a choice, every
choice is accepted:

* a message that is not JSON, or a binary frame, has no UniqueId to answer to: the Charge Point may
  ignore it, answer it with a CALLERROR, or close the connection;
* a MessageTypeId not in Table 2 SHALL be ignored (§4.1.3): nothing, or a CALLERROR that reports it;
* a CALL that breaks its schema, or names an action the Charge Point does not know, is a 'failure to
  process the message', reported with a CALLERROR (§4.2.3, errata 3.2) whose code fits the fault;
  GenericError ("any other error") always fits, except where the errata name the one code;
* an extra field, or a number out of the range the specification gives, may also be carried out as
  the CALL without it (the schema of the field allows it, the spec gives the answer: e.g. NotSupported
  for an unknown connector, errata 3.85); the answer is then judged as that CALL's;
* a 1 MB frame may be carried out, refused with any CALLERROR, or the connection closed (the spec
  sets no size; WebSocket close 1009 says "too big");
* a CALL reusing the UniqueId of an earlier CALL (§4.1.4) may be carried out or refused;
* a CALLRESULT or CALLERROR for a CALL never sent answers nothing: it is ignored.

Whatever it does, it answers at most once, and it does not restart (a BootNotification that no
reboot asked for).

A crossing (``CrossingCall``) holds back the Central System's answer to the Charge Point's next CALL
of an action, and sends a CALL (or an unsolicited answer) while that CALL waits (OCPP-J §4.1.1: CALLs
"can always cross each other"). The Charge Point received our CALL first, but may handle its own
answer first, and may have done more than it could send yet: :func:`crossing_orders` gives the model
every such order (a world each, :mod:`model.worlds`).
"""

from __future__ import annotations

import attrs

from vocabulary import HOSTILE_OPS, PROFILE_OPS

from . import configuration as cfgmodel
from .events import Answer, CpCall, Stimulus

PROBE = {"op": "GetConfiguration", "key": ["HeartbeatInterval"]}
"""The well-formed CALL sent after each hostile frame (and carried by the binary frame): small, and about
a key every Charge Point has (§9.1.10)."""
LARGE_FRAME_CALL = {"op": "DataTransfer", "vendorId": "com.example.unknown"}
"""The CALL a LargeFrame carries, its ``data`` padded to the frame's size."""
HOLDABLE = ("StartTransaction", "StopTransaction", "StatusNotification")
"""The Charge Point's CALLs whose answer a CrossingCall may hold back."""

TABLE_7 = frozenset({"NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
                     "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
                     "TypeConstraintViolation", "GenericError"})
"""OCPP-J 1.6 §4.2.3, Table 7 (spelt as published: errata 5.1, 5.2)."""
FITTING = {
    # fault: the Table 7 codes whose description fits it (GenericError is added: "any other error")
    "missingField": {"ProtocolError", "OccurenceConstraintViolation", "FormationViolation"},
    "wrongType": {"TypeConstraintViolation", "FormationViolation"},
    "extraField": {"FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation"},
    "outOfRange": {"PropertyConstraintViolation", "TypeConstraintViolation", "FormationViolation"},
    "tooLong": {"TypeConstraintViolation", "PropertyConstraintViolation", "FormationViolation"},
    "invalidDateTime": {"PropertyConstraintViolation", "TypeConstraintViolation", "FormationViolation"},
    "invalidEnum": {"PropertyConstraintViolation", "TypeConstraintViolation", "FormationViolation"},
}
CARRIED_OUT = frozenset({"extraField", "outOfRange"})
"""Faults after which the CALL may also be carried out (see the module's docstring)."""
ERRATA_ENUMS = frozenset({"SetChargingProfile", "GetCompositeSchedule", "RemoteStartTransaction"})
"""OCPP 1.6 errata 3.24, 3.25: an invalid enumeration value in a ChargingProfile or ChargingSchedule, or
chargingRateUnit, SHALL be answered with CALLERROR PropertyConstraintViolation."""
NOT_JSON_CODES = frozenset({"FormationViolation", "ProtocolError", "GenericError"})
MESSAGE_TYPE_CODES = NOT_JSON_CODES | {"PropertyConstraintViolation", "TypeConstraintViolation",
                                       "NotSupported", "NotImplemented"}
DUPLICATE_CODES = frozenset({"GenericError", "ProtocolError", "FormationViolation",
                             "PropertyConstraintViolation", "OccurenceConstraintViolation"})
"""§4.2.3 names "an existing call with the same unique identifier" as a reason for a CALLERROR; Table 7
has no code of its own for it."""


@attrs.frozen(eq=False)
class FrameReply:
    """A CALLRESULT (``kind`` "result") or CALLERROR ("error") the Charge Point sent back."""

    kind: str
    payload: dict | None = None
    error_code: str | None = None


@attrs.frozen(eq=False)
class HostileOutcome:
    """What came back for a hostile frame: ``sent`` (False: the connection was down), its replies in
    order, and whether the connection closed meanwhile."""

    step: Stimulus
    sent: bool
    replies: tuple[FrameReply, ...] = ()
    closed: bool = False


@attrs.frozen(eq=False)
class CrossingAnswer:
    """The Charge Point's answer to a CALL we sent while its own CALL waited for our answer."""

    call: Stimulus
    answer: Answer


@attrs.frozen(eq=False)
class Held:
    """Right after the CpCall whose answer the Central System held back for a crossing."""

    action: str


@attrs.frozen(eq=False)
class Released:
    """The held answer reaching the Charge Point after it got our crossing CALL: ``call`` has it."""

    call: CpCall


@attrs.frozen
class Expected:
    """What OCPP-J 1.6 lets the Charge Point do with a hostile frame."""

    reply: str
    """"none": ignore it; "maybe": ignore it or refuse it; "one": answer it."""
    codes: frozenset[str] = frozenset()
    """The CALLERROR codes that fit."""
    result: dict | None = None
    """The CALL a CALLRESULT is judged as (None: a CALLRESULT is not allowed)."""
    close: bool = False
    """Closing the connection is allowed instead."""
    unprocessed: str = "MalformedMessageNotRefused"
    """The rule a forbidden CALLRESULT breaks."""


def expected(step: Stimulus, supported: frozenset[str]) -> Expected:
    """OCPP-J 1.6 §4.1.2-§4.2.3 for the frame of ``step``; ``supported``: SupportedFeatureProfiles."""
    op = step.op
    if op in ("NotJson", "BinaryFrame"):  # §4.1.2: no UniqueId to answer to
        carried = PROBE if op == "BinaryFrame" and step.get("content") == "call" else None
        return Expected("maybe", NOT_JSON_CODES | ({"NotSupported", "NotImplemented"} if carried else set()),
                        carried, close=True)
    if op == "WrongMessageType":
        return Expected("maybe", MESSAGE_TYPE_CODES, unprocessed="UnknownMessageTypeNotIgnored")
    if op in ("UnsolicitedCallResult", "UnsolicitedCallError"):
        return Expected("none", unprocessed="UnsolicitedAnswerNotIgnored")
    if op == "UnknownAction":
        return Expected("one", frozenset({"NotImplemented", "NotSupported", "GenericError"}))
    if op == "LargeFrame":
        return Expected("one", TABLE_7, LARGE_FRAME_CALL, close=True)
    if op == "DuplicateMessageId":
        return Expected("one", DUPLICATE_CODES, step.get("call"))
    return _malformed(step, supported)


def _malformed(step: Stimulus, supported: frozenset[str]) -> Expected:
    fault, call = step.get("fault"), step.get("call")
    codes = FITTING[fault] | {"GenericError"}
    if fault == "invalidEnum" and call["op"] in ERRATA_ENUMS:
        codes = {"PropertyConstraintViolation"}
    if PROFILE_OPS.get(call["op"], "Core") not in supported:  # §3.3: the operation is refused anyway
        codes |= {"NotSupported", "NotImplemented"}
    return Expected("one", frozenset(codes), carried_out(step) if fault in CARRIED_OUT else None)


def carried_out(step: Stimulus) -> dict:
    """The CALL a MalformedCall is judged as when it is carried out: without the extra field, or with
    the number out of range."""
    call = dict(step.get("call"))
    if step.get("fault") == "outOfRange":
        call[step.get("field")] = step.get("value")
    return call


def frame_payload(step: Stimulus) -> dict:
    """The payload a MalformedCall sends: its ``call`` with ``field`` set to ``value`` (or left out)."""
    payload = {key: value for key, value in step.get("call").items() if key != "op"}
    if step.get("fault") == "missingField":
        payload.pop(step.get("field"), None)
    else:
        payload[step.get("field")] = step.get("value")
    return payload


def crossing_orders(observed: tuple) -> list[tuple]:
    """The orders in which the Charge Point may have handled a crossing. It got our CALL before the held
    answer, but may have handled the answer first; and what it did meanwhile may still wait in its queue
    behind the held CALL (it sends one CALL at a time, §4.1.1), so our CALL is judged after the held CALL
    and after each CALL it sent later in the step. First: as the frames came. Without a crossing CALL:
    ``observed`` alone."""
    held = next((i for i, e in enumerate(observed) if isinstance(e, Held)), None)
    if held is None or held == 0 or not isinstance(observed[held - 1], CpCall) \
            or held + 1 >= len(observed) or not isinstance(observed[held + 1], CrossingAnswer):
        return [observed]
    call, crossing = observed[held - 1], observed[held + 1]
    before, after = observed[:held - 1], observed[held + 2:]
    waiting = attrs.evolve(call, answer=None, error=None)
    cuts = [0] + [i + 1 for i, event in enumerate(after) if isinstance(event, CpCall)]
    orders = []
    for cut in cuts:
        orders.append(before + (waiting, observed[held]) + after[:cut] + (crossing, Released(call)) + after[cut:])
        orders.append(before + (call, observed[held]) + after[:cut] + (crossing,) + after[cut:])
    return orders


class HostileRules:
    """Mixed into :class:`model.judge.Judgement`: the ``hostile_<Op>`` handlers, and the observations of
    a hostile step (:class:`HostileOutcome`, crossings)."""

    hostile: Stimulus | None = None
    """The hostile step being judged (None: none)."""
    probe: Answer | None = None
    """Its probe's answer, judged after the replies to its frame (which came first)."""

    def stimulus(self, stimulus: Stimulus, answer: Answer | None) -> None:
        if stimulus.op not in HOSTILE_OPS:
            super().stimulus(stimulus, answer)
            return
        self.hostile, self.probe = stimulus, answer
        self.handled.add(f"hostile_{stimulus.op}")
        self.handlers("hostile_")[stimulus.op](self, stimulus, answer)

    def frame_sent(self, stimulus: Stimulus, answer: Answer | None) -> None:
        """The frame's replies, then the probe's answer, are judged with the observations
        (:meth:`judge_replies`); the model's state is not changed by the frame."""

    hostile_NotJson = hostile_BinaryFrame = hostile_WrongMessageType = hostile_UnknownAction = frame_sent
    hostile_MalformedCall = hostile_LargeFrame = hostile_DuplicateMessageId = frame_sent
    hostile_UnsolicitedCallResult = hostile_UnsolicitedCallError = frame_sent

    def judge_probe(self, stimulus: Stimulus, answer: Answer | None) -> None:
        """After the frame, a well-formed CALL is still answered (OCPP-J 1.6 §4.1.1, §4.2.3)."""
        self.handled.add("judge_probe")
        if answer is not None and answer.kind == "timeout" and self.state.registration != "Rejected":
            self.fail("StoppedAnsweringAfterMalformedMessage", "OCPP-J 1.6 §4.1.1, §4.2.3",
                      f"after {stimulus.op}, a well-formed GetConfiguration got no answer")
            return
        self.call(Stimulus.from_step(PROBE), answer)

    def hostile_CrossingCall(self, stimulus: Stimulus, answer: Answer | None) -> None:
        """Arms the crossing of the next step; nothing changes now."""

    def observe(self, event) -> None:
        judge = OBSERVERS.get(type(event))
        if judge is not None:
            getattr(self, judge)(event)
            return
        if isinstance(event, CpCall) and event.action == "BootNotification" and self.hostile is not None:
            getattr(self, "check_restart")()  # by name: only a hostile step judges it (properties/rules.py)
        super().observe(event)

    def crossing_answer(self, event: CrossingAnswer) -> None:
        self.call(event.call, event.answer)

    def held(self, event: Held) -> None:
        """The answer comes later in the step (:class:`Released`), or before our CALL."""

    def check_restart(self) -> None:
        """A BootNotification no reboot asked for, after a hostile frame: the Charge Point restarted
        rather than report a failure to process the message with a CALLERROR (OCPP-J §4.2.3, errata 3.2;
        OCPP 1.6 §4.2: a BootNotification is sent when it boots)."""
        self.handled.add("check_restart")
        asked = self.state.rebooting or not self.state.powered or any(
            o.action == "BootNotification" for o in self.state.owed)
        if self.hostile is not None and not asked:
            self.fail("RestartedOnMalformedMessage", "OCPP-J 1.6 §4.2.3, errata 3.2; OCPP 1.6 §4.2",
                      f"the Charge Point booted again after {self.hostile.op}")

    def judge_replies(self, outcome: HostileOutcome) -> None:
        self.handled.add("judge_replies")
        self.hostile = self.hostile or outcome.step
        self.replies_to(outcome)
        if outcome.step == self.hostile and outcome.sent:
            getattr(self, "judge_probe")(outcome.step, self.probe)

    def replies_to(self, outcome: HostileOutcome) -> None:
        if not outcome.sent:
            return
        op, replies = outcome.step.op, outcome.replies
        if self.state.registration == "Rejected":
            if replies:
                self.fail("RespondedWhileRejected", "OCPP 1.6 §4.2", f"{op} was answered while Rejected")
            return
        rule = expected(outcome.step, cfgmodel.supported_profiles(self.state.config))
        if len(replies) > 1:
            self.fail("AnsweredTwice", "OCPP-J 1.6 §4.1.4",
                      f"{op} got {len(replies)} answers with its UniqueId: {_kinds(replies)}")
        if outcome.closed and not rule.close and not self.state.rebooting:
            self.fail("ClosedOnMalformedMessage", "OCPP-J 1.6 §4.1.3, §4.2.3",
                      f"the Charge Point closed the connection after {op}, which it must "
                      f"{'ignore' if rule.reply != 'one' else 'answer with a CALLERROR'}")
        if not replies:
            if rule.reply == "one" and not (outcome.closed and (rule.close or self.state.rebooting)):
                self.fail("MalformedMessageNotAnswered", "OCPP-J 1.6 §4.2.3, errata 3.2",
                          f"{op} got no answer; a failure to process the message is reported with a CALLERROR")
            return
        self.judge_reply(outcome.step, rule, replies[0])

    def judge_reply(self, step: Stimulus, rule: Expected, reply: FrameReply) -> None:
        if rule.reply == "none":
            self.fail("UnsolicitedAnswerNotIgnored", "OCPP-J 1.6 §4.1.4, errata 3.5",
                      f"{step.op} answers no CALL of ours, yet the Charge Point replied with a "
                      f"{'CALLRESULT' if reply.kind == 'result' else 'CALLERROR ' + str(reply.error_code)}")
        elif reply.kind == "result" and rule.result is None:
            self.carried_out_instead(step, rule, reply)
        elif reply.kind == "result":
            self.call(Stimulus.from_step(rule.result), Answer("result", reply.payload))
        elif reply.error_code not in rule.codes:
            self.fail("CallErrorCodeDoesNotFit", "OCPP-J 1.6 §4.2.3, Table 7",
                      f"{_what(step)} was refused with {reply.error_code}; the codes that fit: "
                      f"{', '.join(sorted(rule.codes))}")

    def carried_out_instead(self, step: Stimulus, rule: Expected, reply: FrameReply) -> None:
        if rule.unprocessed == "UnknownMessageTypeNotIgnored":
            self.fail("UnknownMessageTypeNotIgnored", "OCPP-J 1.6 §4.1.3",
                      f"{_what(step)} was handled as a CALL (CALLRESULT {reply.payload}); it SHALL be ignored")
        else:
            self.fail("MalformedMessageNotRefused", "OCPP-J 1.6 §4.2.3, errata 3.2",
                      f"{_what(step)} was carried out (CALLRESULT {reply.payload}) instead of refused "
                      "with a CALLERROR")

    def released(self, event: Released) -> None:
        """The held answer, handled after the crossing CALL: what it tells the Charge Point now."""
        self.handled.add("released")
        call = event.call
        connector_id = call.payload.get("connectorId")
        if call.action == "StartTransaction" and self.valid_connector(connector_id):
            c = self.state.connector(connector_id)
            if c.tx is not None and c.tx.transaction_id is None and c.tx.id_tag == call.payload.get("idTag"):
                self.begin(c, call)
        elif call.action == "StopTransaction":
            self.learn(call.payload.get("idTag"), (call.answer or {}).get("idTagInfo"))
            transaction_id = call.payload.get("transactionId")
            self.discharge(lambda o: o.rule == "UnconfirmedStopTransactionNotQueued"  # its answer came after all
                           and o.transaction_id == transaction_id)
            if call.error is not None and transaction_id in self.state.stopped - self.state.retrying:
                self.state = attrs.evolve(self.state, retrying=self.state.retrying | {transaction_id})
                self.stop_failed(transaction_id, call)


OBSERVERS = {HostileOutcome: "judge_replies", CrossingAnswer: "crossing_answer", Released: "released", Held: "held"}
"""The observations of a hostile step, and the method that judges each (by name: a step judges the rules
of the methods that ran, properties/rules.py)."""


def _what(step: Stimulus) -> str:
    if step.op == "MalformedCall":
        return f"{step.get('call')['op']} with {step.get('fault')} {step.get('field')!r}"
    if step.op == "UnknownAction":
        return f"a CALL of action {step.get('action')!r}"
    if step.op == "WrongMessageType":
        return f"a message of MessageTypeId {step.get('messageTypeId')!r}"
    return step.op


def _kinds(replies) -> str:
    return ", ".join("CALLRESULT" if r.kind == "result" else f"CALLERROR {r.error_code}" for r in replies)
