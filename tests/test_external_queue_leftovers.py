"""§3.7, §4.10, §4.9 over a real WebSocket: a charge point's queue that outlives an example (sim-sap final2 F10, F11).

The SAP simulator stops its transactions at a graceful power loss while offline and buffers their StopTransactions and
statuses; it flushes that buffer with growing pauses, so the stops come after the example ended, into the next one.
fresh() finds such a transaction no longer running (RemoteStopTransaction Rejected) and leaves it to the model
(``leftover``): its StopTransaction in a later example is the queue delivered, not an unknown transactionId; a status
from that queue sent after the current ones is StatusNotificationOutOfOrder (§4.9), not StatusNotReported.
"""

from __future__ import annotations

import attrs

from model import Options
from test_external_lifecycle import FAST, judging, rules
from test_external import description

OPTIONS = Options(number_of_connectors=2, tolerance=0.5, leftovers=True)
NO_MINIMUM = {"MinimumStatusDuration": "0"}  # a status left standing is judged at once (§9.1.20)


def sent(harness, fake, action: str, payload: dict):
    """A step in which the charge point sends a CALL of its own (from its queue), judged."""
    return harness.step({"op": "AdvanceTime", "seconds": 0}, perform=lambda: fake.call(action, payload))


def queued_stop_left_over(run, harness, fake) -> int:
    """Example 1: a transaction starts; the charge point stops it and keeps its StopTransaction queued (it has
    forgotten the transaction, so the RemoteStopTransaction of fresh() is Rejected)."""
    assert rules(harness.start()) == []
    transaction_id = run(fake.start_transaction(1))
    assert rules(harness.step({"op": "AdvanceTime", "seconds": 0.1})) == []
    del fake.transactions[1]
    fake.status[1] = "Available"
    return transaction_id


def test_3_7_4_10_a_stop_queued_in_an_earlier_example_comes_in_the_next_without_an_unknown_id():
    configured = description(timing=FAST)
    with judging(configured, options=OPTIONS, configuration=NO_MINIMUM) as (harness, sut, fake, run):
        transaction_id = queued_stop_left_over(run, harness, fake)
        run(sut.fresh())
        assert sut.leftover["stops"] == {transaction_id} and sut.leftover["queue"]
        assert rules(harness.start()) == []
        stop = {"transactionId": transaction_id, "meterStop": 10, "timestamp": "2025-01-01T00:01:00Z",
                "reason": "PowerLoss"}
        assert rules(sent(harness, fake, "StopTransaction", stop)) == []
        run(sut.fresh())  # delivered: nothing pending, but the queue was still being delivered in that example
        assert sut.leftover == {"queue": True}
        run(sut.fresh())
        assert sut.leftover == {}


def test_4_10_a_stop_of_a_transaction_never_left_over_is_still_an_unknown_id():
    configured = description(timing=FAST)
    with judging(configured, options=OPTIONS, configuration=NO_MINIMUM) as (harness, sut, fake, run):
        assert rules(harness.start()) == []
        stop = {"transactionId": 999, "meterStop": 10, "timestamp": "2025-01-01T00:01:00Z"}
        assert rules(sent(harness, fake, "StopTransaction", stop)) == ["StopTransactionUnknownId"]


def test_4_9_a_status_from_an_earlier_examples_queue_is_out_of_order_and_without_one_not_reported():
    configured = description(timing=FAST)
    with judging(configured, options=OPTIONS, configuration=NO_MINIMUM) as (harness, sut, fake, run):
        queued_stop_left_over(run, harness, fake)
        run(sut.fresh())
        assert rules(harness.start()) == []
        stale = {"connectorId": 1, "errorCode": "NoError", "status": "Unavailable"}  # of the power loss offline
        assert rules(sent(harness, fake, "StatusNotification", stale)) == ["StatusNotificationOutOfOrder"]
        run(sut.fresh())  # the stop still pending, but nothing of the queue came in a whole example
        assert "stops" in sut.leftover and "queue" not in sut.leftover
        assert rules(harness.start()) == []
        assert rules(sent(harness, fake, "StatusNotification", stale)) == ["StatusNotReported"]


def test_4_9_statuses_queued_at_a_graceful_power_loss_offline_may_come_in_the_next_example():
    """The model of an example whose statuses went into the charge point's queue (a graceful power loss while
    offline) hands that queue on: the next example starts with it (a stale status there is out of order), the one
    after without (nothing of it came in a whole example)."""
    configured = description(timing=FAST)
    with judging(configured, options=OPTIONS, configuration=NO_MINIMUM) as (harness, sut, fake, run):
        assert rules(harness.start()) == []
        harness.state = attrs.evolve(harness.state, leftover_queue=True)  # as on_PowerLoss sets it offline
        assert rules(harness.step({"op": "AdvanceTime", "seconds": 0})) == []
        run(sut.fresh())
        assert sut.leftover == {"queue": True}
        assert rules(harness.start()) == [] and harness.state.leftover_queue
        assert rules(harness.step({"op": "AdvanceTime", "seconds": 0})) == []
        run(sut.fresh())
        assert sut.leftover == {}
