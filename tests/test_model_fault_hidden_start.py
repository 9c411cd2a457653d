"""§3.7, §4.2: a card authorized at a plugged connector while the queue waits for a StopTransaction retry may have begun
a transaction unseen (the Charge Point reported Charging, its StartTransaction queued). A Fault there ends the
authorization but not that StartTransaction, which comes after the next reboot. Found by nightly seed 3440 on the
clean bundled charge point (996bae9, 14 steps, pinned in tests/data/clean_traces.json): the Fault had dropped the
idTag, so the queued start was StartTransactionWithoutAuthorization."""

from __future__ import annotations

from test_model_core import TAG, boot, charging, down, result, sn, start_tx, statuses, step, stop_tx, up
from test_model_localauth import Trace as ListTrace
from test_model_stopped_once import failed_stop


def fault_reboot_then_start(tag: str) -> list[str]:
    """Transaction 1 on connector 2 stopped by its card, its StopTransaction answered with a CALLERROR (the queue waits
    for the retry, §3.7.1); TAG3 presented at connector 1 while offline, unknown, so refused there (as in seed 3440's
    trace), then, listed in the
    Local Authorization List, pre-authorized there (§3.5.1: no Authorize.req): Charging, its StartTransaction queued
    behind the retry; then a Fault there and a soft reset."""
    trace = charging(ListTrace(LocalPreAuthorize=True), connector=2, tx_id=1)
    trace.ok(step("PresentIdTag", connectorId=2, idTag=TAG), failed_stop(1, TAG), sn(2, "Finishing"))
    t = trace.now
    trace.ok(step("NetworkDown"), down(t))
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG3"))
    trace.ok(step("NetworkUp"), up(t), sn(1, "Preparing"))
    trace.ok(step("SendLocalList", listVersion=1, updateType="Full",
                  localAuthorizationList=[{"idTag": "TAG3", "idTagInfo": {"status": "Accepted"}}]),
             result(status="Accepted"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG3"), sn(1, "Charging"))
    trace.ok(step("Fault", connectorId=1, errorCode="GroundFailure"), sn(1, "Faulted", error="GroundFailure"))
    t = trace.now
    return trace.do(step("Reset", type="Soft"), result(status="Accepted"), down(t), up(t), boot(t=t),
                    stop_tx(1, reason="Local", tag=TAG), start_tx(1, tag, 2), stop_tx(2, reason="SoftReset"),
                    *statuses((0, "Available"), (2, "Finishing"), t=t), sn(1, "Faulted", t, error="GroundFailure"))


def test_3_7_a_start_queued_behind_a_retry_still_comes_after_a_fault_and_a_reboot():
    assert fault_reboot_then_start("TAG3") == []


def test_3_7_a_start_after_a_fault_for_a_card_never_presented_there_is_still_flagged():
    assert fault_reboot_then_start("TAG9") == ["StartTransactionWithoutAuthorization"]
