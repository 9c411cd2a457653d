"""OCPP-J 1.6 §4.1.1: "A Charge Point or Central System SHOULD NOT send a CALL message to the other party unless all
the CALL messages it sent before have been responded to or have timed out" (the timeout "implementation-dependent").
A SHOULD NOT: a CALL sent while another waits is a recommendation not followed (CallBeforeAnswer), never a framing
violation (OcppJFraming), and never a finding (README; the SAP simulator did it, helper-51's triage, session 8)."""

from __future__ import annotations

from model import ProtocolError, Stimulus, initial_state, judge
from model.violations import RECOMMENDATIONS

SYNC = "OCPP-J 1.6 §4.1.1: CALL sent while the charge point's CALL 'm5' was still unanswered"
"""The endpoint's frame error (adapters/csms.py _on_call; tests/test_external.py checks its text)."""


def rules(detail: str) -> list[tuple[str, str]]:
    verdict = judge(initial_state(), Stimulus.from_step({"op": "AdvanceTime", "seconds": 0}), (ProtocolError(detail, 0.0),))
    return [(v.rule, v.section) for v in verdict.violations]


def test_ocppj_4_1_1_a_call_before_the_answer_is_a_recommendation_not_followed():
    assert rules(SYNC) == [("CallBeforeAnswer", "OCPP-J 1.6 §4.1.1")]
    assert "CallBeforeAnswer" in RECOMMENDATIONS


def test_ocppj_4_a_framing_error_with_it_is_still_a_violation():
    malformed = "OCPP-J 1.6 §4.2.1: payload is not a JSON object"
    assert rules(f"{malformed}; {SYNC}") == [("CallBeforeAnswer", "OCPP-J 1.6 §4.1.1"),
                                            ("OcppJFraming", "OCPP-J 1.6 §4")]
    assert rules(malformed) == [("OcppJFraming", "OCPP-J 1.6 §4")]
