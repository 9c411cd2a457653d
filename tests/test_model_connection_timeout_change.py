"""ConnectionTimeOut changed while a session waits (§9.1.6, errata 3.76; §5.3 "effective immediately").

Found by the third blind measurement (/work/blind3, falsealarm/cto-v1.json): the clean bundled charge point, which arms
its timer when Preparing begins, failed a 4-step trace, because the model applied the new value to the session already
Preparing. Neither clause says which value such a session runs by: either is allowed, nothing outside both.
"""

from test_model_core import Trace, authorize, result, sn, start_tx, step

TAG = "TAG1"


def card_waiting(before: int, after: int) -> Trace:
    """A card at an empty connector (Preparing, waiting for the cable), then ConnectionTimeOut changed at once."""
    trace = Trace(ConnectionTimeOut=before)
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"))
    trace.ok(step("ChangeConfiguration", key="ConnectionTimeOut", value=str(after)), result(status="Accepted"))
    return trace


def test_5_3_9_1_6_a_waiting_card_may_keep_the_timeout_it_began_with():
    """blind set 3's trace: 60 -> 1, still Preparing 1.5 s later (the old value) is allowed."""
    card_waiting(60, 1).ok(step("AdvanceTime", seconds=1.5))


def test_5_3_9_1_6_a_waiting_card_may_take_the_new_timeout_at_once():
    card_waiting(60, 1).ok(step("AdvanceTime", seconds=1.5), sn(1, "Available", 1.5))


def test_5_3_9_1_6_a_longer_timeout_may_apply_only_to_later_sessions():
    """1 -> 60: the charge point that armed 1 s when Preparing began ends the session after 1 s."""
    card_waiting(1, 60).ok(step("AdvanceTime", seconds=1.5), sn(1, "Available", 1.5))


def test_5_3_9_1_6_preparing_past_both_timeouts_is_still_not_reported():
    trace = card_waiting(60, 1)
    assert trace.do(step("AdvanceTime", seconds=70)) == ["StatusNotReported"]


def test_5_3_9_1_6_back_to_available_before_either_timeout_is_still_flagged():
    trace = card_waiting(60, 30)
    assert trace.do(step("AdvanceTime", seconds=10), sn(1, "Available", 10.0)) != []


def test_5_3_9_1_6_a_later_session_runs_by_the_new_value_only():
    """Preparing begun after the change has one value: 60 -> 1, the next card's session past 1 s is not reported."""
    trace = card_waiting(60, 1)
    trace.ok(step("AdvanceTime", seconds=1.5), sn(1, "Available", 1.5))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, t=1.5), sn(1, "Preparing", 1.5))
    assert trace.do(step("AdvanceTime", seconds=10)) == ["StatusNotReported"]


def test_5_3_9_1_6_a_cable_waiting_for_its_card_may_keep_the_timeout_it_began_with():
    """§4.9 B6 (cable first): 1 -> 60, Finishing after the 1 s it began with is allowed."""
    trace = Trace(ConnectionTimeOut=1)
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("ChangeConfiguration", key="ConnectionTimeOut", value="60"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=1.5), sn(1, "Finishing", 1.5))


def test_5_3_9_1_6_a_remote_start_waiting_for_a_cable_may_keep_the_timeout_it_began_with():
    """§5.11 without connectorId, 60 -> 1: the remote start may still hold when the cable comes 30 s later."""
    trace = Trace(ConnectionTimeOut=60)
    trace.ok(step("RemoteStartTransaction", idTag=TAG), result(status="Accepted"))
    trace.ok(step("ChangeConfiguration", key="ConnectionTimeOut", value="1"), result(status="Accepted"))
    trace.ok(step("AdvanceTime", seconds=30))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing", 30.0), start_tx(1, TAG, t=30.0), sn(1, "Charging", 30.0))
