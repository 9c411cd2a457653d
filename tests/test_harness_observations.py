"""Frames recorded by the endpoint become model observations (docs/architecture.md §2)."""

import json

from adapters.csms import Frame
from model import Connection, CpCall, ProtocolError
from properties.harness import observations


def f(seq, direction, message_type, unique_id, action=None, payload=None, error=None):
    return Frame(seq, float(seq), direction, json.dumps([message_type, unique_id]), message_type,
                 unique_id, action, payload, error)


def test_cp_call_is_paired_with_the_central_system_answer():
    seen = observations([
        f(0, "cp->cs", 2, "a", "Authorize", {"idTag": "T"}),
        f(1, "cs->cp", 3, "a", "Authorize", {"idTagInfo": {"status": "Accepted"}}),
    ])
    assert len(seen) == 1 and isinstance(seen[0], CpCall)
    assert seen[0].answer == {"idTagInfo": {"status": "Accepted"}} and seen[0].error is None


def test_callerror_answer_carries_its_code():
    seen = observations([
        f(0, "cp->cs", 2, "a", "StartTransaction", {"connectorId": 1}),
        f(1, "cs->cp", 4, "a", "StartTransaction", {"errorCode": "InternalError"}),
    ])
    assert seen[0].answer is None and seen[0].error == "InternalError"


def test_connection_events_and_bad_frames_are_kept_in_order():
    seen = observations([
        Frame(0, 0.0, "event", "", None, None, None, {}, "connected"),
        Frame(1, 1.0, "cp->cs", "{oops", None, None, None, None, "OCPP-J 1.6 §4: malformed"),
        Frame(2, 2.0, "event", "", None, None, None, {}, "disconnected"),
    ])
    assert [type(e) for e in seen] == [Connection, ProtocolError, Connection]
    assert seen[0].connected and not seen[2].connected


def test_answers_to_our_own_calls_are_not_cp_calls():
    seen = observations([f(0, "cp->cs", 3, "ours", "Reset", {"status": "Accepted"})])
    assert seen == []


def test_a_late_answer_within_the_step_is_the_answer_ocpp_j_4_1_1():
    """Real time: our CALL timed out, but the Charge Point's CALLRESULT came before the step ended."""
    from adapters.csms import Frame
    from properties.harness import late_answer

    frames = [Frame(0, 0.0, "cs->cp", "", 2, "7", "Reset", {"type": "Soft"}, None),
              Frame(1, 12.0, "cp->cs", "", 3, "7", "Reset", {"status": "Accepted"}, None)]
    answer = late_answer(frames, "Reset")
    assert (answer.kind, answer.payload) == ("result", {"status": "Accepted"})
    error = [frames[0], Frame(1, 12.0, "cp->cs", "", 4, "7", "Reset", {"errorCode": "InternalError"}, None)]
    assert (late_answer(error, "Reset").kind, late_answer(error, "Reset").error_code) == ("error", "InternalError")
    assert late_answer(frames[:1], "Reset") is None
    other = [frames[0], Frame(1, 12.0, "cp->cs", "", 3, "8", "Reset", {"status": "Accepted"}, None)]
    assert late_answer(other, "Reset") is None
