"""§4.9, §3.7.1: a transaction whose StopTransaction.req the Central System answered with a CALLERROR is over all the
same; a transaction status still reported after it is a rule of its own (the SAP simulator keeps the transaction open
inside, sim-triage session 4), so that accepting it hides no other missing status."""

from __future__ import annotations

from model import CpCall
from test_model_core import TAG, charging, result, sn, start_tx, step, stop_tx


def failed_stop(tx_id: int = 1) -> CpCall:
    call = stop_tx(tx_id, tag=TAG)
    return CpCall(call.action, call.payload, call.time, answer=None, error="InternalError")


def test_4_9_a_transaction_status_after_a_failed_stop_is_a_rule_of_its_own():
    card = step("PresentIdTag", connectorId=1, idTag=TAG)
    assert charging().do(card, failed_stop()) == ["StatusNotReportedAfterFailedStop"]
    assert charging().do(card, stop_tx(1, tag=TAG)) == ["StatusNotReported"]
    assert charging().do(card, failed_stop(), sn(1, "Finishing")) == []


def test_4_9_a_later_transaction_stopped_well_is_judged_by_the_general_rule():
    trace = charging()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), failed_stop(), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    charging(trace, tx_id=2)
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(2, tag=TAG)) == ["StatusNotReported"]


def test_4_9_finishing_still_reported_after_a_failed_stop_is_the_failed_stop_rule():
    """§4.9 Finishing ("a Transaction has stopped"), §3.7.1: the SAP simulator reports Finishing, its StopTransaction gets
    a CALLERROR and it keeps the transaction open inside, so it stays Finishing when the cable goes (sim-sap r2: and when
    one is plugged in again); the same known deviation, not a second one. After a stop answered well it is StatusNotReported."""
    card = step("PresentIdTag", connectorId=1, idTag=TAG)
    trace = charging()
    trace.ok(card, sn(1, "Finishing"), failed_stop())
    assert trace.do(step("Unplug", connectorId=1)) == ["StatusNotReportedAfterFailedStop"]
    trace = charging()
    trace.ok(card, sn(1, "Finishing"), stop_tx(1, tag=TAG))
    assert trace.do(step("Unplug", connectorId=1)) == ["StatusNotReported"]


def test_3_6_4_8_no_start_after_a_failed_stop_is_a_rule_of_its_own():
    """§3.6, §4.8, §3.7.1 (sim-sap final1): after a StopTransaction.req answered with a CALLERROR the transaction is over,
    so a card at the plugged connector is owed a StartTransaction; the SAP simulator keeps the transaction open inside and
    starts none: StartTransactionAfterFailedStop, so that accepting it hides no other missing start. After a stop answered
    well the same missing start is StartTransactionWhenAuthorizedAndPlugged."""
    from test_model_core import authorize

    for stop, rule in ((failed_stop(), "StartTransactionAfterFailedStop"),
                       (stop_tx(1, tag=TAG), "StartTransactionWhenAuthorizedAndPlugged")):
        trace = charging()
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"), stop)
        trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
        trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
        found = trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG))
        # the failed StopTransaction is queued first (§3.7.1): the start is owed once it went out (SAP: after its reboot)
        resent = [stop_tx(1, tag=TAG, t=trace.now + 5)] if stop.error else []
        found += trace.do(step("AdvanceTime", seconds=5), *resent)
        assert found == [rule]


def test_4_9_a_start_left_preparing_after_a_failed_stop_is_the_failed_stop_rule():
    """§4.9, §3.7.1 (sim-sap final7): after a StopTransaction.req answered with a CALLERROR the SAP simulator keeps the
    transaction open inside; a remote start there is reported Preparing and sent, then dropped by SAP ("already used
    connector") and Charging never comes: the known deviation of the failed stop, not a second one. After a stop
    answered well the same missing status is StatusNotReported."""
    for stop, rule in ((failed_stop(), "StatusNotReportedAfterFailedStop"), (stop_tx(1, tag=TAG), "StatusNotReported")):
        trace = charging()
        trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), sn(1, "Finishing"), stop)
        found = trace.do(step("RemoteStartTransaction", connectorId=1, idTag=TAG), result(status="Accepted"),
                         sn(1, "Preparing"), start_tx(1, TAG, 2))
        assert found == [rule]
