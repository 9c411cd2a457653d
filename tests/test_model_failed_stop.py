"""§4.9, §3.7.1: a transaction whose StopTransaction.req the Central System answered with a CALLERROR is over all the
same; a transaction status still reported after it is a rule of its own (the SAP simulator keeps the transaction open
inside, sim-triage session 4), so that accepting it hides no other missing status."""

from __future__ import annotations

from model import CpCall
from test_model_core import TAG, charging, sn, step, stop_tx


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
