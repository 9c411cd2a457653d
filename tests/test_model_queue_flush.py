"""§3.7, §4.10, §4.9: transaction-related messages a Charge Point queued while it could not send, delivered after its
Accepted boot, and what an external Charge Point's queue carries into later examples (sim-sap final2 F9-F11: the SAP
simulator, taken off gracefully while offline, stops its transactions and buffers their StopTransactions and
Unavailable statuses, then flushes that buffer after the Accepted boot with pauses of 0.1 s x 2^n)."""

from __future__ import annotations

import attrs
import pytest

from model import Options, initial_state
from properties.external import start_from
from test_model_core import TAG, OTHER, Trace, boot, charging, down, meter_values, result, sn, statuses, step, stop_tx, up

TOLERANCE = 3.0


def two_transactions_then_offline_power_cycle() -> Trace:
    """Transactions 1 and 2 run; the network goes down, the power goes gracefully (the SAP controller) and comes
    back; the Charge Point boots, answered Pending, then (the network back) Accepted at t=20."""
    trace = Trace(Options(tolerance=TOLERANCE, graceful_power_loss=True, cable_sensed=False))  # as SAP
    charging(trace, connector=1, tag=TAG, tx_id=1)
    charging(trace, connector=2, tag=OTHER, tx_id=2)
    trace.ok(step("SetBootResponse", status="Pending", interval=300))
    trace.ok(step("NetworkDown"), down(0.0))
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"), up(1.0), boot("Pending", t=1.0))
    trace.ok(step("SetBootResponse", status="Accepted", interval=300))
    trace.ok(step("AdvanceTime", seconds=20))
    return trace


def accepted_boot(t: float = 20.0):
    return [down(t), up(t), boot("Accepted", t=t), *statuses((0, "Available"), (1, "Available"), (2, "Available"), t=t)]


def test_3_7_stops_queued_at_a_power_loss_offline_delivered_with_growing_pauses_after_the_boot_are_in_time():
    """§3.7: "as soon as possible", no deadline. Queued messages delivered 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s after the
    Accepted boot (the SAP simulator's back-off): the stop of transaction 2 comes 6.3 s after it, past the tolerance
    (3 s), each message before it in time: no PowerLossStopsTransactions (sim-sap final2 F9)."""
    trace = two_transactions_then_offline_power_cycle()
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"), *accepted_boot(), meter_values(1, 1, t=20.1), meter_values(2, 2, t=20.3),
             stop_tx(1, "PowerLoss", t=20.7))
    trace.ok(step("AdvanceTime", seconds=2), sn(1, "Available", 21.5))
    trace.ok(step("AdvanceTime", seconds=2), meter_values(2, 2, t=23.1))  # due 23 before the fix: found here
    trace.ok(step("AdvanceTime", seconds=4), stop_tx(2, "PowerLoss", t=26.3), sn(2, "Available", 27.0))


def test_3_7_4_10_stops_never_delivered_after_the_accepted_boot_are_power_loss_stops_transactions():
    """§4.10, §3.7: the other way. Nothing of the queue after the Accepted boot: the stops are missing once the
    tolerance after the boot has passed; the queue delivered up to a point, then silence for longer than it has
    taken so far (twice over): the stop left is missing too."""
    trace = two_transactions_then_offline_power_cycle()
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"), *accepted_boot())
    assert trace.do(step("AdvanceTime", seconds=4)) == ["PowerLossStopsTransactions", "PowerLossStopsTransactions"]

    trace = two_transactions_then_offline_power_cycle()
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"), *accepted_boot(), meter_values(1, 1, t=20.3), stop_tx(1, "PowerLoss", t=21.0),
             sn(1, "Available", 21.5))
    trace.ok(step("AdvanceTime", seconds=4))  # due 21.5 + max(3, 2 x 1.5) = 24.5
    assert trace.do(step("AdvanceTime", seconds=1)) == ["PowerLossStopsTransactions"]


def test_3_7_a_stop_owed_at_a_boot_on_the_virtual_clock_is_still_due_at_once():
    """With tolerance 0 (the bundled charge point) the queue gets no time beyond the boot: as before."""
    trace = Trace()
    charging(trace)
    trace.ok(step("PowerLoss"))
    assert trace.do(step("PowerOn"), *[down(), up(), boot("Accepted"), *statuses(*((0, "Available"), (1, "Available")))],
                    sn(2, "Available")) == ["PowerLossStopsTransactions"]


def leftover_example(leftover: dict) -> Trace:
    """An external example's first state (leftovers), after its boot: what fresh() left in ``leftover``."""
    options = Options(tolerance=TOLERANCE, graceful_power_loss=True, leftovers=True)
    trace = Trace(options)
    trace.state = start_from(initial_state(options), leftover)
    return trace


def test_3_7_4_10_a_queued_stop_of_a_transaction_numbered_in_an_earlier_example_is_no_unknown_id():
    """§4.10, §3.7 (sim-sap final2 F11): transaction 2 was numbered by this Central System in an earlier example,
    which ended with its StopTransaction still queued; fresh() found the charge point no longer runs it. Its stop in
    this example, with any reason, is that queue delivered. The other way: a transactionId never left over is unknown."""
    trace = leftover_example({"stops": frozenset({2}), "queue": True})
    trace.ok(step("AdvanceTime", seconds=1), stop_tx(2, t=0.7, tag=TAG))
    assert trace.do(step("AdvanceTime", seconds=1), stop_tx(2, t=1.5, tag=TAG)) == ["StopTransactionUnknownId"]
    assert leftover_example({}).do(step("AdvanceTime", seconds=1), stop_tx(2, t=0.7, tag=TAG)) == \
        ["StopTransactionUnknownId"]
    assert leftover_example({"stops": frozenset({2})}).do(step("AdvanceTime", seconds=1), stop_tx(3, t=0.7)) == \
        ["StopTransactionUnknownId"]


def test_4_9_a_status_from_an_earlier_examples_queue_after_the_current_ones_is_status_notification_out_of_order():
    """§4.9: "The StatusNotification.req messages MUST be sent in the order in which the events that they describe
    occurred" (sim-sap final2 F10): the Unavailable of a power loss offline, queued in an earlier example, comes after
    the boot reported the connector Available, and leaves it reported Unavailable: a true deviation, a rule of its own
    (so that accepting it hides no other missing status). The other way: without a queue left over it is
    StatusNotReported."""
    trace = leftover_example({"stops": frozenset(), "queue": True})
    assert trace.do(step("AdvanceTime", seconds=5), sn(2, "Unavailable", 4.7)) == ["StatusNotificationOutOfOrder"]
    assert leftover_example({}).do(step("AdvanceTime", seconds=5), sn(2, "Unavailable", 4.7)) == ["StatusNotReported"]
    trace = leftover_example({"queue": True})
    trace.ok(step("AdvanceTime", seconds=5), sn(2, "Available", 4.7))


def test_start_from_keeps_a_state_without_leftovers_as_it_is():
    state = initial_state(Options(leftovers=True))
    assert start_from(state, {}) == state
    assert start_from(state, {"stops": frozenset(), "queue": False}) == state
    assert attrs.evolve(state, leftover_queue=True) == start_from(state, {"queue": True})


def test_4_9_a_status_queued_at_a_graceful_power_loss_offline_sent_after_the_boots_is_status_notification_out_of_order():
    """§4.9 "MUST be sent in the order in which the events that they describe occurred" (sim-sap final3): taken off
    gracefully while offline, the SAP simulator reports its connectors Unavailable into its buffer; after the Accepted
    boot it reports them Available, then flushes the buffer: the stale Unavailable comes last, in the same example. The
    other way: taken off while online (its Unavailable sent before it closed), an Unavailable after the boot's statuses
    is StatusNotReported."""
    options = Options(tolerance=TOLERANCE, graceful_power_loss=True, cable_sensed=False)
    trace = Trace(options)
    trace.ok(step("NetworkDown"), down(0.0))
    trace.ok(step("PowerLoss"))
    trace.ok(step("PowerOn"), *accepted_boot(1.0))
    assert trace.do(step("AdvanceTime", seconds=2), sn(1, "Unavailable", 1.5)) == ["StatusNotificationOutOfOrder"]

    trace = Trace(options)
    trace.ok(step("PowerLoss"), *statuses((1, "Unavailable"), (2, "Unavailable")), down(0.0))
    trace.ok(step("PowerOn"), *accepted_boot(1.0)[1:])
    assert trace.do(step("AdvanceTime", seconds=2), sn(1, "Unavailable", 1.5)) == ["StatusNotReported"]


def test_errata_3_22_a_reconnections_boot_after_an_accepted_retry_no_status_followed_is_still_after_rejected():
    """Errata v4.0 3.22, §4.2 (sim-sap final4): the SAP simulator ignores the Accepted answer to a boot it retried while
    Rejected, stays Rejected inside and boots again at its next reconnection; that boot's Accepted is ignored too, no
    StatusNotification: still StatusNotReportedAfterRejected (the known deviation), not StatusNotReported. The other way:
    once statuses followed the Accepted retry, a reconnection's boot without statuses is StatusNotReported."""
    def after_accepted_retry(*then) -> Trace:
        trace = Trace()
        trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot("Rejected", interval=2))
        trace.do(step("AdvanceTime", seconds=3), boot("Accepted", interval=30, t=2.5), *then)
        return trace

    trace = after_accepted_retry()
    trace.ok(step("NetworkDown"), down(3.0))
    assert set(trace.do(step("NetworkUp"), up(3.5), boot("Accepted", interval=30, t=3.5))) == \
        {"StatusNotReportedAfterRejected", "ConnectorZeroStatusNotReported"}

    trace = after_accepted_retry(*statuses(*((0, "Available"), (1, "Available"), (2, "Available")), t=2.5))
    trace.ok(step("NetworkDown"), down(3.0))
    assert set(trace.do(step("NetworkUp"), up(3.5), boot("Accepted", interval=30, t=3.5))) == \
        {"StatusNotReported", "ConnectorZeroStatusNotReported"}


@pytest.mark.parametrize("status, found", [("Unavailable", ["StatusNotificationOutOfOrder"]),
                                           ("Charging", ["StatusNotReported"]),
                                           ("Preparing", ["StatusNotReported"])])
def test_4_9_only_a_status_a_graceful_stop_queued_is_out_of_order(status, found):
    """§4.9 "The StatusNotification.req messages MUST be sent in the order in which the events that they describe
    occurred": with a queue of a graceful stop still open (ChargePointState.leftover_queue), a connector left reported
    Unavailable or Available (what that stop queued: its connectors Unavailable, its transactions ended) is that queue
    delivered late, StatusNotificationOutOfOrder; one left Charging or Preparing is no status of that stop: the current
    status not reported (before: every wrong status while the queue was open was StatusNotificationOutOfOrder, so a
    charge point known for it, the SAP simulator, had every later missing status accepted with it)."""
    trace = Trace(Options(tolerance=TOLERANCE, graceful_power_loss=True))
    trace.state = attrs.evolve(trace.state, leftover_queue=True)
    assert trace.do(step("AdvanceTime", seconds=0), sn(1, status)) == found
