"""Transactions that begin and end unseen, their messages queued behind a StopTransaction retry (§3.7, §3.7.1).

A Charge Point whose StopTransaction.req got a CALLERROR keeps it in its queue, and "the delivery of new
transaction-related messages SHALL wait until the queue has been emptied" (§3.7): a card may start and stop a
transaction, or several, whose StartTransaction and StopTransaction the Central System sees only when the retry goes
through. What happened to the connector meanwhile (a firmware reboot, a reservation, an availability change) happened
to that transaction. Each test shows the false alarm the model raised on the clean bundled charge point (nightly seed
1200, hostile) gone, and the deviation it still catches.
"""

from __future__ import annotations

import datetime

import pytest

from model import CpCall
from test_model_core import (EV_GONE, OTHER, PARENT, TAG, Trace, authorize, boot, charging, down, preparing, result, sn,
                             start_tx, statuses, step, stop_tx, up)
from test_model_firmware import downloaded, fw, wait
from test_model_reservation import reserve_now, with_reservation
from test_model_trigger import with_trigger


def iso(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def failed(call: CpCall) -> CpCall:
    """The Central System answered it with a CALLERROR (FailNext): it stays queued for its retry (§3.7.1)."""
    return CpCall(call.action, call.payload, call.time, answer=None, error="InternalError")


def started(trace: Trace, tag: str = TAG, tx_id: int = 2, connector: int = 1, at: float | None = None) -> CpCall:
    """A StartTransaction stamped with the time its transaction began (§6.45), on the trace's clock."""
    call = start_tx(connector, tag, tx_id)
    call.payload["timestamp"] = iso(trace.now if at is None else at)
    return call


def stop_queued(trace: Trace, tx_id: int = 1, reason: str = "EVDisconnected") -> Trace:
    """Transaction ``tx_id`` on connector 1 stops; its StopTransaction fails and waits for its retry."""
    trace.ok(step("FailNext", action="StopTransaction", count=1))
    if reason == "EVDisconnected":
        return trace.ok(step("Unplug", connectorId=1), failed(stop_tx(tx_id, reason)), sn(1, "Finishing", info=EV_GONE),
                        sn(1, "Available"))
    return trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), failed(stop_tx(tx_id, reason, tag=TAG)),
                    sn(1, "Finishing"))


# -- §5.19, errata 3.49, §7.36: the reboot into new firmware ------------------------------------------------


@pytest.mark.parametrize("reason, found", [("Reboot", []), ("Local", ["UnexpectedStopTransaction"])])
def test_errata_3_49_a_transaction_queued_at_the_firmware_reboot_may_be_stopped_with_reason_reboot(reason, found):
    """§5.19, errata 3.49, §7.36 Reboot, §3.7: after Installing, a card starts a transaction (TAG2) whose StartTransaction
    waits behind a StopTransaction retry; the reboot into the new firmware stops it, and after the boot and Installed its
    StartTransaction and then its StopTransaction (reason Reboot) go out. The reboot is its cause (before: a false
    UnexpectedStopTransaction, as for a transaction begun after the reboot); a reason nothing explains is still one."""
    trace = charging(downloaded())
    trace.ok(wait(1), fw("Installing"))
    stop_queued(trace)
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER), sn(1, "Charging"))
    assert trace.do(wait(30), down(), up(), boot(), stop_tx(1, "EVDisconnected"),
                    *statuses((0, "Available"), (1, "Finishing"), (2, "Available")), fw("Installed"),
                    started(trace, OTHER), stop_tx(2, reason)) == found


@pytest.mark.parametrize("reason, found", [("Reboot", []), ("Local", ["UnexpectedStopTransaction"])])
def test_errata_3_49_a_transaction_begun_offline_before_the_firmware_reboot_may_be_stopped_with_reason_reboot(
        reason, found):
    """§5.19, errata 3.49, §7.36 Reboot, §3.5: the same for a transaction begun offline after Installing
    (AllowOfflineTxForUnknownId), the reboot into the new firmware while still offline: after the reconnection its
    StartTransaction and its StopTransaction (reason Reboot) are sent."""
    trace = downloaded(with_trigger(AllowOfflineTxForUnknownId=True))
    trace.ok(wait(1), fw("Installing"))
    trace.ok(step("NetworkDown"), down(trace.now))
    trace.ok(step("PlugIn", connectorId=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=OTHER))
    trace.ok(wait(30))
    assert trace.do(step("NetworkUp"), up(), boot(), *statuses((0, "Available"), (1, "Finishing"), (2, "Available")),
                    fw("Installed"), started(trace, OTHER, at=trace.now - 30), stop_tx(2, reason)) == found


@pytest.mark.parametrize("tag, found", [(TAG, []), ("TAG3", ["StartTransactionWithoutAuthorization"])])
def test_3_7_4_8_a_start_queued_at_the_firmware_reboot_is_of_the_card_authorized_before_it(tag, found):
    """§3.7, §3.7.1, §4.8 with §5.19 (nightly seed 1200, hostile, clean bundled charge point; notes/triage-a.md): after
    Installing, TAG1's first transaction is answered Blocked and its StopTransaction (DeAuthorized) fails; TAG1, now
    Accepted, is presented at the Finishing connector: Authorize, Preparing, Charging, its StartTransaction queued behind
    the retry. The reboot into the new firmware forgets the volatile authorization, but after the boot the queued
    StartTransaction of TAG1 is the one that Authorize.conf allowed (before 7e985e5: a false
    StartTransactionWithoutAuthorization). A start of a card never presented there is still one."""
    trace = downloaded()
    trace.ok(wait(1), fw("Installing"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    trace.ok(step("FailNext", action="StopTransaction", count=1))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), start_tx(1, TAG, 1, status="Blocked"),
             sn(1, "Charging"), failed(stop_tx(1, "DeAuthorized")), sn(1, "Finishing"))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG), sn(1, "Preparing"), sn(1, "Charging"))
    start = started(trace, tag)
    assert trace.do(wait(30), sn(1, "Finishing"), down(), up(), boot(), stop_tx(1, "DeAuthorized"), start,
                    stop_tx(2, "Reboot"), *statuses((0, "Available"), (1, "Finishing"), (2, "Available")),
                    fw("Installed")) == found


def unconfirmed(call: CpCall) -> CpCall:
    """The connection was lost before its answer (FailNext ConnectionLost): no CALLRESULT, no CALLERROR (§3.7)."""
    return CpCall(call.action, call.payload, call.time)


@pytest.mark.parametrize("tag, found", [(TAG, []), (OTHER, ["StartTransactionWithoutAuthorization"])])
def test_3_7_4_8_a_start_queued_at_a_soft_reset_is_not_taken_back_by_a_card_refused_offline_later(tag, found):
    """§3.7, §3.7.1, §4.8, §5.14 with §3.5 and §9.1.1 (nightly seed 1160, hostile, clean bundled charge point;
    notes/triage-c.md): TAG1's StopTransaction fails; TAG1 presented again is Accepted by Authorize.conf and starts a
    transaction whose StartTransaction is queued behind the retry (§3.7). The cache is cleared, a soft reset stops it
    unseen, the retry's answers are lost twice; offline, the same card is presented again and refused locally (unknown
    now, AllowOfflineTxForUnknownId false). That refusal is of the new presentation only: the queued StartTransaction
    of TAG1 is still the one the Authorize.conf allowed (before: a false StartTransactionWithoutAuthorization). A start
    of a card only ever refused offline there (OTHER) is still one."""
    trace = Trace(AllowOfflineTxForUnknownId=False, AuthorizationCacheEnabled=True, LocalAuthorizeOffline=True)
    trace.ok(step("FailNext", action="StopTransaction", count=1))
    charging(trace)
    card = step("PresentIdTag", connectorId=1, idTag=TAG)
    trace.ok(card, failed(stop_tx(1, "Local", tag=TAG)), sn(1, "Finishing"))
    trace.ok(card, authorize(), sn(1, "Preparing"), sn(1, "Charging"))
    trace.ok(step("ClearCache"), result(status="Accepted"))
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), sn(1, "Finishing"), down(), up(), boot(),
             unconfirmed(stop_tx(1, "Local", tag=TAG)), down())
    trace.ok(step("NetworkUp"), up(), unconfirmed(stop_tx(1, "Local", tag=TAG)), down())
    trace.ok(step("PresentIdTag", connectorId=1, idTag=tag))
    assert trace.do(step("NetworkUp"), up(), stop_tx(1, "Local", tag=TAG), started(trace, tag),
                    stop_tx(2, "SoftReset"), *statuses((0, "Available"), (1, "Finishing"), (2, "Available"))) == found


# -- §5.13 with §3.7: a reservation accepted while transactions wait in the queue ------------------------------


def two_queued_on_connector_1_then_reserved() -> Trace:
    """Connector 1: transaction 1's stop waits for its retry; behind it a card starts and stops transaction 2 and starts
    transaction 3, all unseen; then connector 0 is reserved for TAG1 at the same instant, and connector 2 shows it."""
    trace = charging(with_reservation())
    stop_queued(trace, reason="Local")
    card = step("PresentIdTag", connectorId=1, idTag=TAG)
    trace.ok(card, authorize(), sn(1, "Preparing"), sn(1, "Charging"))
    trace.ok(card, sn(1, "Finishing"))
    trace.ok(card, authorize(), sn(1, "Preparing"), sn(1, "Charging"))
    return trace.ok(reserve_now(trace, connector=0, tag=TAG, reservation_id=2, expiry=600, parent=PARENT),
                    result(status="Accepted"), sn(2, "Reserved"))


def test_5_13_every_start_stamped_before_a_reservation_leaves_it_in_force():
    """§5.13, §3.7: when the retry goes through, transactions 2 and 3 come out of the queue, both stamped at the time the
    reservation was accepted; neither ended it (before: the second was taken for the reservation's start, and connector
    2 still Reserved was a false ReservedAfterReservationEnded)."""
    trace = two_queued_on_connector_1_then_reserved()
    trace.ok(wait(30), stop_tx(1, "Local", tag=TAG), started(trace, tx_id=2, at=0.0), stop_tx(2, "Local", tag=TAG),
             started(trace, tx_id=3, at=0.0))
    assert [r.reservation_id for r in trace.state.reservations.live] == [2]


def test_5_13_a_start_stamped_after_the_reservation_is_still_judged():
    """§4.8, §5.13: a transaction of the reserved idTag begun after the reservation ends it and carries its
    reservationId, though the queue once hid transactions on its connector."""
    trace = two_queued_on_connector_1_then_reserved()
    trace.ok(wait(30), stop_tx(1, "Local", tag=TAG), started(trace, tx_id=2, at=0.0), stop_tx(2, "Local", tag=TAG),
             started(trace, tx_id=3, at=0.0))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(3, "Local", tag=TAG), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(), started(trace, tx_id=4),
                    sn(1, "Charging"), sn(2, "Available")) == ["ReservationIdMissingInStartTransaction"]


# -- §5.2 with §4.9: an availability change after a transaction ran unseen ---------------------------------------


def queued_then_unavailable_and_back() -> Trace:
    """Transaction 2 starts and stops behind the retry (Finishing, the cable still in); then connector 1 is made
    Inoperative and Operative again, Accepted both times (no transaction in progress, §5.2): Unavailable, then
    Preparing (§4.9 H2: the table has no Unavailable to Finishing)."""
    trace = charging()
    stop_queued(trace, reason="Local")
    card = step("PresentIdTag", connectorId=1, idTag=TAG)
    trace.ok(card, authorize(), sn(1, "Preparing"), sn(1, "Charging"))
    trace.ok(card, sn(1, "Finishing"))
    trace.ok(step("ChangeAvailability", connectorId=1, type="Inoperative"), result(status="Accepted"),
             sn(1, "Unavailable"))
    return trace.ok(step("ChangeAvailability", connectorId=1, type="Operative"), result(status="Accepted"),
                    sn(1, "Preparing"))


def test_4_9_a_transaction_over_before_an_accepted_availability_change_leaves_no_finishing_behind():
    """§5.2, §4.9 H2, §3.7: when transaction 2 comes out of the queue its stop is older than the availability change
    (before: the model took the stop as news and wanted Finishing, a false StatusNotReported)."""
    trace = queued_then_unavailable_and_back()
    trace.ok(wait(30), stop_tx(1, "Local", tag=TAG), started(trace, tx_id=2, at=0.0), stop_tx(2, "Local", tag=TAG))


def test_4_9_a_transaction_seen_to_stop_still_owes_its_finishing():
    """§4.9 C6: with the queue emptied, a transaction on the same connector that stops with the cable in is Finishing;
    Preparing is still StatusNotReported."""
    trace = queued_then_unavailable_and_back()
    trace.ok(wait(30), stop_tx(1, "Local", tag=TAG), started(trace, tx_id=2, at=0.0), stop_tx(2, "Local", tag=TAG))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(), started(trace, tx_id=3), sn(1, "Charging"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=TAG), stop_tx(3, "Local", tag=TAG)) == ["StatusNotReported"]


# -- §5.2 with §4.9, §7.36: an availability change while a power loss's StopTransaction waits in the queue -----------


def power_lost_with_two_transactions(change_availability: bool) -> Trace:
    """Transactions 1 and 2 charge on connectors 1 and 2; the power goes (§7.36 PowerLoss): at the boot both are over,
    Finishing, the cables still in, and the StopTransaction of transaction 1 fails, so that of transaction 2 waits
    behind its retry (§3.7, §3.7.1). With ``change_availability`` connector 2 is made Inoperative and the Charge Point
    Operative again, Accepted both times (no transaction in progress there, §5.2): Unavailable, then Preparing (§4.9
    H2). Two more power losses; at the last boot the queue empties."""
    trace = charging()
    charging(trace, connector=2, tag=OTHER, tx_id=2)
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("FailNext", action="StopTransaction", count=2))
    trace.ok(step("PowerOn"), up(), boot(), failed(stop_tx(1, "PowerLoss")),
             *statuses((0, "Available"), (1, "Finishing"), (2, "Finishing")))
    status = "Finishing"
    if change_availability:
        trace.ok(step("ChangeAvailability", connectorId=2, type="Inoperative"), result(status="Accepted"),
                 sn(2, "Unavailable"))
        trace.ok(step("ChangeAvailability", connectorId=0, type="Operative"), result(status="Accepted"),
                 sn(2, "Preparing"))
        status = "Preparing"
    trace.ok(step("PowerLoss"), down())
    trace.ok(step("PowerOn"), up(), boot(), failed(stop_tx(1, "PowerLoss")),
             *statuses((0, "Available"), (1, "Finishing"), (2, status)))
    return trace.ok(step("PowerLoss"), down())


@pytest.mark.parametrize("change_availability, found", [(True, []), (False, ["StatusNotReported"])])
def test_5_2_7_36_a_transaction_stopped_at_a_power_loss_and_queued_is_over_before_an_accepted_availability_change(
        change_availability, found):
    """§5.2, §4.9 H2, §7.36 PowerLoss, §3.7 (nightly seed 1320, hostile, clean bundled charge point): transaction 2 was
    seen to start, and ended at the power loss; its StopTransaction waits behind transaction 1's retry. The
    ChangeAvailability its connector Accepted came after that end, so when the stop comes out of the queue at the last
    boot, Preparing stays (before: the model wanted Finishing, a false StatusNotReported: the replugged flag of 7e985e5
    was set only for a transaction not seen to start). Without the availability change the stop still owes Finishing
    (§4.9 C6): Preparing there is still StatusNotReported."""
    trace = power_lost_with_two_transactions(change_availability)
    assert trace.do(step("PowerOn"), up(), boot(), stop_tx(1, "PowerLoss"), stop_tx(2, "PowerLoss"),
                    *statuses((0, "Available"), (1, "Finishing"), (2, "Preparing"))) == found


# -- §5.11 with §3.7: a remote start taken unseen, then the cable out -------------------------------------------


def remote_start_behind_failed_stop(remote: bool) -> Trace:
    """TAG1's transaction on connector 1 is stopped by its card and its StopTransaction fails (queued for its retry,
    §3.7.1); the cable stays in, Finishing. A RemoteStartTransaction without connectorId (§5.11) is Accepted: the
    Charge Point takes the plugged connector 1 and starts TAG2's transaction there, its StartTransaction queued behind
    the retry (Charging reported). Then the cable is pulled out at the EV side."""
    trace = charging(Trace(UnlockConnectorOnEVSideDisconnect=False))
    stop_queued(trace, reason="Local")
    if remote:
        trace.ok(step("RemoteStartTransaction", idTag=OTHER), result(status="Accepted"), sn(1, "Charging"))
    return trace


@pytest.mark.parametrize("remote, found", [(True, []), (False, ["StatusNotReportedAfterFailedStop"])])
def test_5_11_3_7_a_transaction_started_unseen_by_a_remote_start_is_followed_past_the_unplug(remote, found):
    """§5.11, §3.7, §9.1.23 StopTransactionOnEVSideDisconnect, errata 3.83 UnlockConnectorOnEVSideDisconnect false
    (nightly seed 1440 on the clean bundled charge point, session-6 review): TAG2's transaction, started unseen at the
    remote start, is stopped by the unplug and the connector stays Finishing: Finishing after the unplug fits (before:
    a false StatusNotReportedAfterFailedStop, the remote start's idTag was not kept for the connector once the cable
    was out). Without the remote start nothing runs there: the card's stop is over and the cable out, Available
    (§4.9 F1), and Finishing is still the deviation."""
    trace = remote_start_behind_failed_stop(remote)
    assert trace.do(step("Unplug", connectorId=1), sn(1, "Finishing", info=EV_GONE)) == found


@pytest.mark.parametrize("reason, found", [("EVDisconnected", []), ("Local", ["UnexpectedStopTransaction"])])
def test_5_11_3_7_the_unseen_transaction_delivered_after_the_retry_is_stopped_by_the_unplug(reason, found):
    """§3.7, §9.1.23: once the retry goes through, TAG2's StartTransaction and its StopTransaction (EVDisconnected, the
    unplug's cause) follow; a reason nothing explained (Local: no card was presented after it began) is still one."""
    trace = remote_start_behind_failed_stop(True)
    trace.ok(step("Unplug", connectorId=1), sn(1, "Finishing", info=EV_GONE))
    assert trace.do(wait(30), stop_tx(1, "Local", tag=TAG), started(trace, OTHER, at=trace.now - 30),
                    stop_tx(2, reason)) == found


# -- §3.10 with §3.7.1: a card of the group stops a transaction whose StartTransaction failed -------------------


@pytest.mark.parametrize("group, found", [(PARENT, []), ("GROUP2", ["StatusNotReported"])])
def test_3_10_a_card_of_the_group_may_stop_a_transaction_whose_start_transaction_failed(group, found):
    """§3.10 (a token of the same group may stop the transaction) with §3.7.1 (nightly shrink of
    RemoteStartChargingProfileIgnored, seed 0, on the clean bundled charge point): TAG1's StartTransaction got a
    CALLERROR, so no StartTransaction.conf told its parentIdTag, but the Authorize.conf before it did (GROUP1). OTHER,
    Accepted in GROUP1, stops it; the StopTransaction waits in the queue behind the start's retry, Finishing is
    reported (before: a false StatusNotReported, Charging wanted). A card of another group stops nothing: Finishing is
    still the deviation."""
    trace = preparing(Trace(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60))
    trace.ok(step("PresentIdTag", connectorId=1, idTag=TAG), authorize(TAG, parent=PARENT),
             failed(start_tx(1, TAG)), sn(1, "Charging"))
    assert trace.do(step("PresentIdTag", connectorId=1, idTag=OTHER), authorize(OTHER, parent=group),
                    sn(1, "Finishing")) == found
