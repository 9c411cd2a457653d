"""§4.10, §3.10, §3.7: a transaction stops once. A card of its idTag presented while a StopTransaction waits for its
retry (§3.7.1) may stop it unseen (reported Finishing); a Reset, an UnlockConnector or a power loss after that finds
it stopped already, and its StopTransaction, delivered after them with reason Local, meets what they owed. And a
transaction of such a card that began and ended before a reboot (delivered after the boot, §3.7) leaves the connector
as the boot found it (§4.9 F2), not Finishing. Found by nightly seed 2240 on the clean bundled charge point."""

from __future__ import annotations

from model import CpCall

from test_model_core import (
    OTHER, TAG, Trace, authorize, boot, charging, down, result, sn, start_tx, statuses, step, stop_tx, up,
)


def failed_stop(tx_id: int, tag: str) -> CpCall:
    call = stop_tx(tx_id, tag=tag, reason="Local")
    return CpCall(call.action, call.payload, call.time, answer=None, error="InternalError")


def blocked(second: str) -> Trace:
    """Transaction 1 (TAG) on connector 2, transaction 2 (``second``) on connector 1, stopped by its card with a
    CALLERROR: the queue waits for the StopTransaction's retry (§3.7.1)."""
    trace = charging(connector=2, tx_id=1)
    trace = charging(trace, connector=1, tag=second, tx_id=2)
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=second), failed_stop(2, second), sn(1, "Finishing"))


def stopped_unseen() -> Trace:
    """Then TAG at connector 2 (the same idTag started transaction 2 too: it may already have stopped transaction 1,
    §4.10): reported Finishing, its StopTransaction queued."""
    return blocked(TAG).ok(step("PresentIdTag", connectorId=2, idTag=TAG), sn(2, "Finishing"))


def after_reboot(trace: Trace, tag: str) -> list[str]:
    t = trace.now
    return trace.do(step("Reset", type="Soft"), result(status="Accepted"), down(t), up(t), boot(t=t),
                    stop_tx(2, reason="Local", tag=tag), stop_tx(1, reason="Local", tag=TAG),
                    *statuses((0, "Available"), (1, "Finishing"), (2, "Finishing"), t=t))


def test_5_14_a_transaction_stopped_by_its_card_before_the_reset_is_not_owed_a_second_stop():
    assert after_reboot(stopped_unseen(), TAG) == []


def test_5_14_a_transaction_still_running_at_the_reset_is_stopped_by_it():
    """No card could have stopped transaction 1: reason Local does not meet the Reset's stop."""
    assert after_reboot(blocked(OTHER), OTHER) == ["StopTransactionReason"]


def test_5_18_an_unlock_after_the_card_stopped_it_is_met_by_the_local_stop():
    trace = stopped_unseen()
    t = trace.now
    trace.ok(step("UnlockConnector", connectorId=2), result(status="Unlocked"))
    assert trace.do(step("AdvanceTime", seconds=60), stop_tx(2, reason="Local", tag=TAG, t=t + 30),
                    stop_tx(1, reason="Local", tag=TAG, t=t + 30)) == []


def test_5_18_an_unlock_before_the_card_still_owes_its_own_reason():
    """The UnlockConnector came first, the transaction running: a card presented after it does not change what the
    unlock owed (§5.18: reason UnlockCommand)."""
    trace = blocked(OTHER)
    t = trace.now
    found = trace.do(step("UnlockConnector", connectorId=2), result(status="Unlocked"))
    found += trace.do(step("PresentIdTag", connectorId=2, idTag=TAG))
    found += trace.do(step("AdvanceTime", seconds=60), stop_tx(2, reason="Local", tag=OTHER, t=t + 30),
                      stop_tx(1, reason="Local", tag=TAG, t=t + 30))
    assert "UnlockStopsTransaction" in found


def test_4_9_a_transaction_begun_after_the_boot_ends_in_finishing():
    """A card after the boot starts and stops a transaction, the cable in: Finishing (§4.9 C6), not Preparing. (The
    transaction of a card taken before the boot, delivered after it, leaves Preparing: the nightly seed 2240 trace
    pinned in tests/data/clean_traces.json.)"""
    trace = charging()
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(1, reason="Local", tag=TAG), sn(1, "Finishing"))
    t = trace.now
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), down(t), up(t), boot(t=t),
             *statuses((0, "Available"), (1, "Preparing"), (2, "Available"), t=t))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG, 2), sn(1, "Charging"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(2, reason="Local", tag=TAG),
                    sn(1, "Preparing")) == ["StatusTransitionNotAllowed", "StatusNotReported"]
