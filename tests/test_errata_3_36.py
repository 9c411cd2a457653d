"""OCPP 1.6 errata v4.0 §3.36 (on §5.14 Reset): "If the Charge Point fails to receive a StopTransaction.conf
from the Central System, it SHALL queue the StopTransaction.req."

A StopTransaction that got neither a CALLRESULT nor a CALLERROR (the connection was lost before the answer:
``FailNext`` with ``failure`` ConnectionLost) stays in the Charge Point's queue (§3.7). After a soft reset it is
owed once the queue can go (rule UnconfirmedStopTransactionNotQueued); after a hard reset "(queued) information
might get lost" (§5.14), so there it may come again or not. Sent again, however often, it is never a second stop.
"""

from __future__ import annotations

import asyncio

import pytest

from adapters.bundled import BundledSut
from adapters.csms import CsmsPolicy
from model import CpCall, Options
from properties.replay import replay

from test_model_core import IDLE, Trace, boot, charging, down, result, sn, statuses, step, up

AFTER_REBOOT = ((0, "Available"), (1, "Preparing"), (2, "Available"))
"""The statuses after a reboot with the cable of connector 1 still in."""


def unconfirmed_stop(reason: str, t: float = 0.0) -> CpCall:
    """A StopTransaction whose answer never came: no CALLRESULT, no CALLERROR."""
    return CpCall("StopTransaction", {"transactionId": 1, "meterStop": 100, "timestamp": "2025-01-01T01:00:00Z",
                                      "reason": reason}, t)


def sent_again(reason: str, t: float = 0.0, answered: bool = True, error: str | None = None) -> CpCall:
    call = unconfirmed_stop(reason, t)
    return CpCall(call.action, call.payload, t, answer={} if answered and error is None else None, error=error)


def reset_answer_lost(kind: str = "Soft", trace: Trace | None = None) -> Trace:
    """A transaction on connector 1; an accepted reset whose StopTransaction gets no answer: the connection is gone."""
    trace = charging(trace)
    return trace.ok(step("Reset", type=kind), result(status="Accepted"),
                    unconfirmed_stop(f"{kind}Reset"), down())


def rebooted(*after) -> tuple:
    return (up(), boot(), *statuses(*AFTER_REBOOT), *after)


# -- the model -----------------------------------------------------------------------------------------------------


def test_errata_3_36_soft_reset_stop_without_conf_not_sent_again_is_a_violation():
    trace = reset_answer_lost("Soft")
    assert trace.do(step("AdvanceTime", seconds=10), *rebooted()) == ["UnconfirmedStopTransactionNotQueued"]


def test_errata_3_36_soft_reset_stop_without_conf_sent_again_after_the_reboot():
    reset_answer_lost("Soft").ok(step("AdvanceTime", seconds=10), *rebooted(sent_again("SoftReset")))


def test_errata_3_36_stop_sent_again_before_the_statuses_or_twice_is_no_second_stop():
    """Sent again at once after the boot, its answer lost once more, then again; and once more after its answer."""
    trace = reset_answer_lost("Soft")
    trace.ok(step("AdvanceTime", seconds=10), up(), boot(), sent_again("SoftReset", answered=False), down())
    trace.ok(step("AdvanceTime", seconds=30), up(), *statuses(*AFTER_REBOOT), sent_again("SoftReset"))
    trace.ok(step("AdvanceTime", seconds=5), sent_again("SoftReset"))


def test_errata_3_36_owed_stop_waits_for_the_connection_and_the_registration():
    """§3.7, §4.2: the queue goes once online and Accepted; until then nothing is missing."""
    trace = reset_answer_lost("Soft")
    trace.ok(step("AdvanceTime", seconds=300))
    trace.ok(step("AdvanceTime", seconds=10), up(310.0), boot("Pending", interval=30, t=310.0))
    assert trace.do(step("AdvanceTime", seconds=30), boot(t=340.0), *statuses(*AFTER_REBOOT, t=340.0)) == \
        ["UnconfirmedStopTransactionNotQueued"]


@pytest.mark.parametrize("again", [False, True])
def test_errata_3_36_hard_reset_stop_without_conf_may_be_lost_or_sent_again(again):
    """§5.14: at a hard reset "(queued) information might get lost"."""
    trace = reset_answer_lost("Hard")
    trace.ok(step("AdvanceTime", seconds=10), *rebooted(*([sent_again("HardReset")] if again else [])))
    trace.ok(step("AdvanceTime", seconds=300))


@pytest.mark.parametrize("again", [False, True])
def test_errata_3_36_stop_without_conf_at_another_time_may_be_sent_again(again):
    """A connection lost before the answer of a remote stop: §3.7 queues what the Charge Point "would have sent";
    whether it sends a message it did send again is its choice."""
    trace = charging()
    trace.ok(step("RemoteStopTransaction", transactionId=1), result(status="Accepted"), unconfirmed_stop("Remote"),
             down())
    trace.ok(step("AdvanceTime", seconds=10), up(), *([sent_again("Remote")] if again else []), sn(1, "Finishing"))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available"))


def test_errata_3_36_stop_sent_again_and_failed_to_process_is_retried():
    """The Central System now fails to process it (CALLERROR): §3.7.1 retries it as any."""
    trace = reset_answer_lost("Soft", Trace(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60))
    trace.ok(step("AdvanceTime", seconds=10), *rebooted(sent_again("SoftReset", error="InternalError")))
    assert trace.do(step("AdvanceTime", seconds=61)) == ["TransactionMessageRetry"]


def test_errata_3_36_stop_of_a_transaction_lost_at_a_hard_reset_may_be_sent_again():
    """A transaction started while a hard reset waits is lost at the reboot (§5.14); its StopTransaction after the
    restart may get no answer either, and come again."""
    trace = Trace(Options(reboot_limit=15.0))
    trace.ok(step("Reset", type="Hard"), result(status="Accepted"))
    charging(trace)
    trace.ok(step("AdvanceTime", seconds=10), down(10.0), up(10.0), boot(t=10.0),
             *statuses(*AFTER_REBOOT, t=10.0), unconfirmed_stop("HardReset", t=10.0), down(10.0))
    trace.ok(step("AdvanceTime", seconds=30), up(40.0), sent_again("HardReset", t=40.0))


def test_errata_3_36_a_stop_that_was_answered_is_not_sent_again():
    trace = charging()
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), sent_again("SoftReset"), down())
    assert trace.do(step("AdvanceTime", seconds=10), *rebooted(sent_again("SoftReset"))) == \
        ["TransactionStoppedTwice"]


def test_errata_3_36_no_transaction_no_stop_owed():
    Trace().ok(step("Reset", type="Soft"), result(status="Accepted"), down(), up(), boot(), *statuses(*IDLE))


# -- the bundled charge point, the endpoint and a mutant ------------------------------------------------------------

CHARGING = [{"op": "SetIdTag", "idTag": "TAG1", "status": "Accepted"}, {"op": "PlugIn", "connectorId": 1},
            {"op": "PresentIdTag", "connectorId": 1, "idTag": "TAG1"}]


def answer_lost(count: int = 1) -> dict:
    return {"op": "FailNext", "action": "StopTransaction", "count": count, "failure": "ConnectionLost"}


@pytest.mark.parametrize(("kind", "lost"), [("Soft", 1), ("Soft", 2), ("Hard", 1)])
def test_errata_3_36_bundled_charge_point_queues_the_stop_without_conf(kind, lost):
    steps = [*CHARGING, answer_lost(lost), {"op": "Reset", "type": kind}, {"op": "AdvanceTime", "seconds": 30}]
    assert replay({"steps": steps, "settings": {"connectors": 2}}) == ((), len(steps))


def test_errata_3_36_mutant_forgetting_the_stop_without_conf_at_reset_is_a_violation():
    steps = [*CHARGING, answer_lost(), {"op": "Reset", "type": "Soft"}]
    violations, count = replay({"steps": steps, "settings": {"connectors": 2}},
                               mutant="UnconfirmedStopTransactionForgottenAtReset")
    assert count == len(steps) and [v.rule for v in violations] == ["UnconfirmedStopTransactionNotQueued"]


def test_errata_3_36_endpoint_loses_the_connection_before_the_answer():
    """FailNext ConnectionLost: the StopTransaction is recorded, unanswered; the connection closes; the charge point
    reconnects, boots after its reset and sends the same StopTransaction again, which is answered."""
    async def run():
        sut = BundledSut()
        await sut.open()
        await sut.fresh()
        await sut.start()
        try:
            for s in [*CHARGING, answer_lost(), {"op": "Reset", "type": "Soft"}]:
                await sut.perform(s)
            frames = sut.csms.frames
            stops = [f for f in frames if f.action == "StopTransaction"]
            assert [(f.direction, f.message_type) for f in stops] == [("cp->cs", 2), ("cp->cs", 2), ("cs->cp", 3)]
            assert stops[0].payload == stops[1].payload and stops[0].payload["reason"] == "SoftReset"
            lost = frames.index(stops[0])
            assert frames[lost + 1].error == "disconnected"
            assert sut.csms.protocol_errors() == []
        finally:
            await sut.close()
    asyncio.run(run())


@pytest.mark.parametrize("failure", ["Lost", None, 3])
def test_errata_3_36_fail_next_failure_must_be_known(failure):
    with pytest.raises(ValueError, match="failure"):
        CsmsPolicy().apply({"op": "FailNext", "action": "StopTransaction", "count": 1, "failure": failure})


def test_errata_3_36_stop_minus_one_sent_again_and_the_next_given_up_transaction_stopped_anew():
    """Errata 3.18: the StopTransaction (-1) of a transaction whose StartTransaction was given up, its answer lost,
    comes again; the next transaction given up stops with -1 too, which is its own StopTransaction, not a resend."""
    from test_model_core_gaps import start_given_up, start_tx_failing

    def minus_one(t: float, answered: bool = True) -> CpCall:
        return CpCall("StopTransaction", {"transactionId": -1, "meterStop": 0, "timestamp": "2025-01-01T01:00:00Z",
                                          "reason": "Local", "idTag": "TAG1"}, t, answer={} if answered else None)

    trace = start_given_up()
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG1"), minus_one(60.0, answered=False), down(60.0))
    trace.ok(step("AdvanceTime", seconds=30), up(90.0), minus_one(90.0), sn(1, "Finishing", 90.0))
    trace.ok(step("Unplug", connectorId=1), sn(1, "Available", 90.0))
    trace.ok(step("PlugIn", connectorId=1), sn(1, "Preparing", 90.0))
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG1"), CpCall("Authorize", {"idTag": "TAG1"}, 90.0,
             answer={"idTagInfo": {"status": "Accepted"}}), start_tx_failing(90.0), sn(1, "Charging", 90.0))
    trace.ok(step("AdvanceTime", seconds=60), start_tx_failing(150.0))
    assert trace.connector(1).tx.transaction_id == -1
    trace.ok(step("PresentIdTag", connectorId=1, idTag="TAG1"), minus_one(150.0), sn(1, "Finishing", 150.0))
    assert trace.connector(1).tx is None


def test_errata_3_36_a_retry_after_a_soft_reset_whose_answer_is_lost_comes_again_once():
    """§3.7.1: the Central System failed the StopTransaction of a soft reset; its retry after the reboot gets no answer
    (the connection is lost); sent once more and answered, nothing is owed any more."""
    trace = charging(Trace(TransactionMessageAttempts=3, TransactionMessageRetryInterval=60))
    trace.ok(step("Reset", type="Soft"), result(status="Accepted"), sent_again("SoftReset", error="InternalError"),
             down())
    trace.ok(step("AdvanceTime", seconds=10), *rebooted(sent_again("SoftReset", t=10.0, answered=False)), down(10.0))
    trace.ok(step("AdvanceTime", seconds=30), up(40.0), sent_again("SoftReset", t=40.0))
    trace.ok(step("AdvanceTime", seconds=300))
